"""Segment B versus C: every figure against a plain-SQL recomputation, and the planted patterns."""

from __future__ import annotations

import dataclasses
import datetime as dt
import statistics

import pytest
import sqlalchemy as sa

from data_access.filters import Filters
from data_access.generator import HERINDICATIE_PROFIELEN, PLANTED, ZWARE_B_PROFIELEN
from data_access.queries.segmenten import segmenten
from tests.helpers import provider_ids, sql_frame, user_scope

ALL = Filters(van=dt.date(2018, 1, 1), tot=dt.date(2025, 12, 31))  # all of the demo data
COST = """
    SELECT traject_id, SUM(kosten_cent) AS kosten FROM inzet GROUP BY traject_id
"""


def _ended_cells(engine: sa.Engine, filters: Filters) -> sa.engine.Result:
    return sql_frame(
        engine,
        f"""
        SELECT s.code, s.segment, s.profiel_nr, COUNT(*) AS n, SUM(t.tarief_cent) AS tarief,
               SUM(COALESCE(k.kosten, 0)) AS kosten
        FROM traject t JOIN spic s ON s.id = t.spic_id
        LEFT JOIN ({COST}) k ON k.traject_id = t.id
        WHERE t.einddatum BETWEEN :van AND :tot
          AND (CAST(:gemeente AS VARCHAR(6)) IS NULL OR t.gemeente_code = :gemeente)
        GROUP BY s.code, s.segment, s.profiel_nr
        """,
        van=filters.van,
        tot=filters.tot,
        gemeente=filters.gemeente,
    ).set_index("code")


def test_tariff_gap_equals_a_recomputation(demo_engine: sa.Engine) -> None:
    data = segmenten(
        engine=demo_engine, scope=user_scope(demo_engine, "demo.kerngroep"), filters=ALL
    )
    cells = _ended_cells(demo_engine, ALL)
    tariffs = sql_frame(
        demo_engine,
        "SELECT s.code, t.tarief_cent FROM spictarief t JOIN spic s ON s.id = t.spic_id "
        "WHERE t.jaar = 2025",  # the period's last year
    ).set_index("code")["tarief_cent"]
    gap = data.tariefkloof
    assert len(gap) == 44  # 11 profiles x 4 intensities, B and C side by side
    for row in gap.itertuples():
        for side in ("b", "c"):
            code = getattr(row, f"{side}_code")
            assert getattr(row, f"{side}_tarief_cent") == tariffs[code]
            if code in cells.index:
                n, kosten = int(cells.loc[code, "n"]), int(cells.loc[code, "kosten"])
                assert getattr(row, f"{side}_trajecten") == n
                assert getattr(row, f"{side}_kosten_per_traject_cent") == pytest.approx(kosten / n)
        assert row.stap_b_naar_c_cent == tariffs[row.c_code] - tariffs[row.b_code] > 0


@pytest.mark.parametrize("gemeente", [None, "GM0479"])
def test_headline_names_the_combinations_the_data_gives(
    demo_engine: sa.Engine, gemeente: str | None
) -> None:
    filters = dataclasses.replace(ALL, gemeente=gemeente)
    data = segmenten(
        engine=demo_engine, scope=user_scope(demo_engine, "demo.kerngroep"), filters=filters
    )
    cells = _ended_cells(demo_engine, filters)
    b = cells[(cells["segment"] == "B") & (cells["n"] >= 10)].copy()
    b["ratio"] = b["kosten"].astype(float) / b["tarief"].astype(float)
    expected = b[b["ratio"] > 1].sort_values("ratio", ascending=False).head(3).index.tolist()
    assert [k.spic_code for k in data.koppen] == expected
    assert all(k.uitnutting > 1 and k.tekort_per_traject_cent > 0 for k in data.koppen)


def test_headline_points_at_the_heavy_b_profiles(demo_engine: sa.Engine) -> None:
    data = segmenten(
        engine=demo_engine, scope=user_scope(demo_engine, "demo.adviseur"), filters=ALL
    )
    assert len(data.koppen) == 3
    assert {int(k.spic_code[3:5]) for k in data.koppen} <= set(ZWARE_B_PROFIELEN)


def test_b_provider_results_equal_a_recomputation(demo_engine: sa.Engine) -> None:
    data = segmenten(
        engine=demo_engine, scope=user_scope(demo_engine, "demo.kerngroep"), filters=ALL
    )
    expected = sql_frame(
        demo_engine,
        f"""
        SELECT a.naam, s.profiel_nr, COUNT(*) AS n,
               SUM(t.tarief_cent) - SUM(COALESCE(k.kosten, 0)) AS resultaat
        FROM traject t JOIN spic s ON s.id = t.spic_id
        JOIN aanbieder a ON a.id = t.hoofdaannemer_id
        LEFT JOIN ({COST}) k ON k.traject_id = t.id
        WHERE t.einddatum IS NOT NULL AND s.segment = 'B'
          AND a.gecontracteerd_b AND NOT a.gecontracteerd_c
        GROUP BY a.naam, s.profiel_nr
        """,
    )
    per_provider = expected.groupby("naam")["resultaat"].sum()
    got = data.b_aanbieders.set_index("naam")["resultaat_cent"]
    assert got.to_dict() == {k: int(v) for k, v in per_provider.items()}
    per_profile = data.b_per_profiel.set_index("profiel_nr")
    for profile, group in expected.groupby("profiel_nr"):
        row = per_profile.loc[profile]
        assert row["aanbieders"] == len(group)
        assert row["met_tekort"] == int((group["resultaat"] < 0).sum())
        assert row["tekort_cent"] == int(-group.loc[group["resultaat"] < 0, "resultaat"].sum())
    # Planted: the heavy profiles are where B providers lose money.
    worst = per_profile.sort_values("tekort_cent", ascending=False).head(3).index
    assert set(worst) == set(ZWARE_B_PROFIELEN)


def test_reindication_flows_equal_a_recomputation_and_concentrate(
    demo_engine: sa.Engine,
) -> None:
    data = segmenten(
        engine=demo_engine, scope=user_scope(demo_engine, "demo.kerngroep"), filters=ALL
    )
    pairs = sql_frame(
        demo_engine,
        """
        SELECT v.code AS van, s.code AS naar, t0.startdatum AS s0, t.startdatum AS s1,
               v.profiel_nr AS profiel
        FROM traject t JOIN traject t0 ON t0.id = t.vorig_traject_id
        JOIN spic s ON s.id = t.spic_id JOIN spic v ON v.id = t0.spic_id
        WHERE v.segment = 'B' AND s.segment = 'C'
        """,
    )
    assert data.herindicaties == len(pairs) > 20
    flows = data.stromen.tabel.set_index(["van_code", "naar_code"])
    for (van, naar), group in pairs.groupby(["van", "naar"]):
        days = [
            (dt.date.fromisoformat(str(b)[:10]) - dt.date.fromisoformat(str(a)[:10])).days
            for a, b in zip(group["s0"], group["s1"], strict=True)
        ]
        assert flows.loc[(van, naar), "aantal"] == len(group)
        assert flows.loc[(van, naar), "mediaan_dagen"] == pytest.approx(statistics.median(days))
    share = pairs["profiel"].isin(HERINDICATIE_PROFIELEN).mean()
    assert share > 0.8  # planted: re-indications concentrate in a few profiles
    per_profile = data.stromen_per_profiel.tabel
    assert per_profile["aantal"].sum() == len(pairs)


def test_dependent_b_providers_work_almost_only_under_c(demo_engine: sa.Engine) -> None:
    data = segmenten(
        engine=demo_engine, scope=user_scope(demo_engine, "demo.kerngroep"), filters=ALL
    )
    income = data.b_onder_c.set_index("naam")
    for name in PLANTED.AFHANKELIJKE_B:
        assert income.loc[name, "aandeel_onder_c"] > 0.9, name
    zonnebloem = provider_ids(demo_engine)["Praktijk De Zonnebloem"]
    expected = sql_frame(
        demo_engine,
        """
        SELECT SUM(i.kosten_cent) AS onder_c FROM inzet i
        JOIN traject t ON t.id = i.traject_id JOIN spic s ON s.id = t.spic_id
        WHERE i.aanbieder_id = :a AND t.hoofdaannemer_id <> :a AND s.segment = 'C'
        """,
        a=zonnebloem,
    ).iloc[0]
    assert income.loc["Praktijk De Zonnebloem", "onder_c_cent"] == int(expected["onder_c"])
    paid = sql_frame(
        demo_engine,
        "SELECT SUM(b.bedrag_cent) AS s FROM betaling b JOIN traject t ON t.id = b.traject_id "
        "WHERE t.hoofdaannemer_id = :a",
        a=zonnebloem,
    ).iloc[0]
    assert income.loc["Praktijk De Zonnebloem", "als_hoofd_cent"] == int(paid["s"] or 0)


def test_suppression_and_anonymity_for_advisers_and_providers(demo_engine: sa.Engine) -> None:
    adviser = segmenten(
        engine=demo_engine, scope=user_scope(demo_engine, "demo.adviseur"), filters=ALL
    )
    for frame, column in (
        (adviser.stromen.tabel, "aantal"),
        (adviser.tariefkloof, "b_trajecten"),
        (adviser.b_aanbieders, "trajecten"),
    ):
        counts = frame[column].dropna()
        assert ((counts == 0) | (counts >= 10)).all(), column
    assert adviser.stromen.tabel["onderdrukt"].any()
    assert adviser.b_aanbieders["aanbieder_id"].isna().all()
    assert not adviser.b_onder_c["naam"].isin(PLANTED.AFHANKELIJKE_B).any()
    provider = segmenten(
        engine=demo_engine, scope=user_scope(demo_engine, "demo.aanbieder2"), filters=ALL
    )
    own = provider.b_onder_c[provider.b_onder_c["naam"] == "Praktijk De Zonnebloem"]
    assert len(own) == 1  # its own organisation by name, the others anonymous
    assert provider.b_onder_c["aanbieder_id"].notna().sum() == 1
    cm = segmenten(
        engine=demo_engine, scope=user_scope(demo_engine, "demo.contractmanager"), filters=ALL
    )
    assert not cm.stromen.tabel["onderdrukt"].any()


def test_a_year_without_tariffs_is_named_not_filled_in(demo_engine: sa.Engine) -> None:
    """2026 has no tariffs in the demo: the page says so instead of showing 2025's."""
    data = segmenten(
        engine=demo_engine,
        scope=user_scope(demo_engine, "demo.kerngroep"),
        filters=Filters(van=dt.date(2025, 7, 1), tot=dt.date(2026, 6, 30)),
    )
    assert data.tarievenjaar == 2026 and data.tarieven_ontbreken
    assert data.tariefkloof["b_tarief_cent"].isna().all()
    full = segmenten(
        engine=demo_engine, scope=user_scope(demo_engine, "demo.kerngroep"), filters=ALL
    )
    assert not full.tarieven_ontbreken
