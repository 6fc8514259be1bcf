"""The naive peer: each dashboard's main figures the way a quick build computes them.

A quick build reads the fact tables into pandas with `read_sql` on every page run and groups
there. It selects only the columns it needs (generous to the peer: `SELECT *` would be slower
still). The register pages (kerngroep, trends) read the small register tables directly in both
builds, so they have no peer.

    .venv/bin/python -m benchmarks.peer --url sqlite:///benchmarks/cache/regio.db --page overzicht

prints `seconds peak_mb` for one page, measured in this fresh process.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from benchmarks.run import _peak_memory_mb


def _read(engine: Engine, sql: str) -> pd.DataFrame:
    return pd.read_sql(sa.text(sql), engine)


def _trajecten(engine: Engine) -> pd.DataFrame:
    frame = _read(
        engine,
        "SELECT id, gemeente_code, hoofdaannemer_id, spic_id, tarief_cent, startdatum, "
        "einddatum, reden_beeindiging, vorig_traject_id FROM traject",
    )
    spic = _read(engine, "SELECT id AS spic_id, segment, profiel_nr, intensiteit_nr FROM spic")
    return frame.merge(spic, on="spic_id")


def _kosten(engine: Engine, trajecten: pd.DataFrame) -> pd.DataFrame:
    inzet = _read(engine, "SELECT traject_id, aanbieder_id, kosten_cent FROM inzet")
    inzet = inzet.merge(trajecten[["id", "hoofdaannemer_id"]], left_on="traject_id", right_on="id")
    inzet["eigen"] = inzet["aanbieder_id"] == inzet["hoofdaannemer_id"]
    return inzet


def overzicht(engine: Engine) -> object:
    t = _trajecten(engine)
    paid = _read(engine, "SELECT traject_id, bedrag_cent FROM betaling")
    t["kwartaal"] = pd.to_datetime(t["startdatum"]).dt.to_period("Q")
    per_quarter = t.groupby(["kwartaal", "segment"]).size()
    per_gemeente = t.groupby("gemeente_code").agg(
        trajecten=("id", "size"), waarde=("tarief_cent", "sum")
    )
    return per_quarter, per_gemeente, paid["bedrag_cent"].sum()


def uitnutting(engine: Engine) -> object:
    t = _trajecten(engine)
    inzet = _kosten(engine, t)
    kosten = inzet.groupby("traject_id")["kosten_cent"].sum()
    ended = t[t["einddatum"].notna()].join(kosten, on="id")
    cells = ended.groupby(["segment", "profiel_nr", "intensiteit_nr"])[
        ["kosten_cent", "tarief_cent"]
    ].sum()
    balance = inzet.groupby(["hoofdaannemer_id", "eigen"])["kosten_cent"].sum()
    return cells["kosten_cent"] / cells["tarief_cent"], balance


def segmenten(engine: Engine) -> object:
    t = _trajecten(engine)
    inzet = _kosten(engine, t)
    per_traject = t.join(inzet.groupby("traject_id")["kosten_cent"].sum(), on="id")
    gap = per_traject.groupby(["segment", "profiel_nr"])[["kosten_cent", "tarief_cent"]].mean()
    flows = t.merge(t, left_on="vorig_traject_id", right_on="id", suffixes=("", "_vorig"))
    return gap, flows.groupby(["segment_vorig", "segment"]).size()


def resultaat(engine: Engine) -> object:
    """Tranches due and paid per month, the open liability at each month end, the funnel per
    provider and the indicators per segment, profile, municipality and quarter."""
    t = _trajecten(engine)
    paid = _read(engine, "SELECT traject_id, tranche, bedrag_cent, datum FROM betaling")
    outcome = _read(engine, "SELECT traject_id, uitval, doelrealisatie FROM uitkomst")
    t["start_cent"] = (t["tarief_cent"] * 7 + 5) // 10
    t["start"] = pd.to_datetime(t["startdatum"])
    t["einde"] = pd.to_datetime(t["einddatum"])
    due_start = t.groupby([t["start"].dt.to_period("M"), "hoofdaannemer_id"])["start_cent"].sum()
    ended = t[t["einde"].notna()]
    due_end = (
        (ended["tarief_cent"] - ended["start_cent"]).groupby(ended["einde"].dt.to_period("M")).sum()
    )
    paid["maand"] = pd.to_datetime(paid["datum"]).dt.to_period("M")
    per_month_paid = paid.groupby("maand")["bedrag_cent"].sum()
    open_at = {}
    for month in pd.period_range("2018-01", "2020-12", freq="M"):
        end = month.to_timestamp(how="end")
        still = (t["start"] <= end) & (t["einde"].isna() | (t["einde"] > end))
        open_at[month] = (t.loc[still, "tarief_cent"] - t.loc[still, "start_cent"]).sum()
    ended = ended.merge(outcome, left_on="id", right_on="traject_id", how="left")
    ended["kwartaal"] = ended["einde"].dt.to_period("Q")
    indicators = {
        dim: ended.groupby(dim).agg(beeindigd=("id", "size"), uitval=("uitval", "sum"))
        for dim in ("segment", "profiel_nr", "gemeente_code", "kwartaal")
    }
    funnel = ended.groupby("hoofdaannemer_id")["uitval"].agg(["mean", "size"])
    return due_start, due_end, per_month_paid, open_at, indicators, funnel


def onderaanneming(engine: Engine) -> object:
    t = _trajecten(engine)
    inzet = _kosten(engine, t)
    sub = inzet[~inzet["eigen"]]
    edges = sub.groupby(["hoofdaannemer_id", "aanbieder_id"]).agg(
        trajecten=("traject_id", "nunique"), kosten=("kosten_cent", "sum")
    )
    own_share = inzet.groupby("hoofdaannemer_id").apply(
        lambda g: g.loc[g["eigen"], "kosten_cent"].sum() / g["kosten_cent"].sum()
    )
    return edges, own_share


def aanbieder(engine: Engine) -> object:
    t = _trajecten(engine)
    inzet = _kosten(engine, t)
    mine = t[t["hoofdaannemer_id"] == 1]
    costs = inzet[inzet["traject_id"].isin(mine["id"])].groupby("traject_id")["kosten_cent"].sum()
    return mine.join(costs, on="id").groupby("spic_id")[["kosten_cent", "tarief_cent"]].sum()


PEERS: dict[str, Callable[[Engine], object]] = {
    "overzicht": overzicht,
    "uitnutting": uitnutting,
    "aanbieder": aanbieder,
    "segmenten": segmenten,
    "resultaat": resultaat,
    "onderaanneming": onderaanneming,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--page", required=True, choices=sorted(PEERS))
    args = parser.parse_args(argv)
    engine = sa.create_engine(args.url)
    started = time.perf_counter()
    PEERS[args.page](engine)
    elapsed = time.perf_counter() - started
    print(f"{elapsed:.3f} {_peak_memory_mb():.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
