"""Deterministic, vectorised sample-data generator (DESIGN.md §5).

All organisation names are fictitious. The generator plants the patterns the dashboards exist
to reveal; `PLANTED` names the organisations involved so tests can look for them.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from data_access import reference
from data_access.money import start_tranches
from data_access.sample_knelpunten import demo_knelpunten, demo_users

GENERATOR_VERSION = 3
# The years of the sample data are fixed per preset, so one seed always gives the same data;
# nothing outside the generator and the loader uses them (periods come from the data).
JAREN = tuple(range(2018, 2026))

# B profiles whose trajectories run over their tariff (planted); reference profile numbers.
ZWARE_B_PROFIELEN = (3, 7, 8)
# A B profile whose utilisation rises from year to year (planted, for year-over-year): from
# about 85% of the tariff in the first year by 10 percentage points a year.
STIJGEND_B_PROFIEL = 5
STIJGING_PER_JAAR = 0.10
# Profiles from which B clients are most often re-indicated to C.
HERINDICATIE_PROFIELEN = (3, 7, 8)
UITVAL_CODES = ("32", "33", "34", "35")


@dataclass(frozen=True)
class Preset:
    naam: str
    trajecten_per_jaar: int
    landelijk: bool
    b_aanbieders: int  # per purchasing pool
    c_aanbieders: int
    jaren: tuple[int, ...] = JAREN

    @property
    def peildatum(self) -> dt.date:
        """The last day with data: open trajectories are open on this date."""
        return dt.date(self.jaren[-1], 12, 31)


PRESETS: dict[str, Preset] = {
    "demo": Preset("demo", 550, landelijk=False, b_aanbieders=30, c_aanbieders=10),
    "regio": Preset("regio", 25_000, landelijk=False, b_aanbieders=180, c_aanbieders=60),
    # The national benchmark keeps its size (about 1.7 million trajectories) with three years.
    "landelijk": Preset(
        "landelijk", 570_000, landelijk=True, b_aanbieders=60, c_aanbieders=20, jaren=JAREN[-3:]
    ),
}


class PLANTED:
    """Fictitious organisations that carry the planted patterns (AA/ZaWa pool)."""

    RESIDENTIEEL_HOOFDAANNEMER = "Horizon Jeugd & Gezin"
    ZORGBOERDERIJ = "Zorgboerderij De Klaver"
    STRUCTUREEL_TEAM = "Expertiseteam Kompas"
    GERESERVEERDE_UREN = "Traumapraktijk Lichtpunt"
    SPORTCLUB = "Sportschool Kracht & Koers"
    AFHANKELIJK_HOOFDAANNEMER = "Jeugdzorg Amstelland Groep"
    AFHANKELIJKE_B = (
        "Praktijk De Zonnebloem",
        "Praktijk Vlinderhuis",
        "Kindpraktijk Noorderlicht",
    )
    AMBULANT_KOOPT_VERBLIJF = "Ambulante Hulp Waterland"
    WOONGROEP = "Woongroep De Boei"
    HOGE_UITVAL = "Jeugdpraktijk Stroomversnelling"
    STRUCTUREEL_FTE = Decimal("3.50")
    GERESERVEERD_UREN_PER_WEEK = Decimal("24.00")


_PREFIXES_B = (
    "Jeugdpraktijk",
    "Kindpraktijk",
    "Gezinspraktijk",
    "Praktijk",
    "Opvoedpunt",
)
_PREFIXES_C = ("Jeugdzorg", "Stichting", "Centrum", "Jeugdhulp", "Zorggroep")
_NAMEN = (
    "De Linde",
    "Het Anker",
    "De Brug",
    "Zonnehoek",
    "Waterlelie",
    "De Meander",
    "Kompasroos",
    "De Wilg",
    "Lisdodde",
    "Duinroos",
    "Het Baken",
    "De Kastanje",
    "Morgenster",
    "De Vaart",
    "Het Veer",
    "Zeggeland",
    "De Esch",
    "Klaproos",
    "De Kade",
    "Het Ven",
    "Regenboog",
    "De Horst",
    "Windkracht",
    "De Haven",
    "Lindenhof",
    "Vuurtoren",
    "De Eik",
    "Boterbloem",
    "Het Hof",
    "De Sluis",
    "Dijkzicht",
    "Wilgenhof",
    "De Terp",
    "Het Wad",
    "Parelmoer",
)
_HEAVY_SHARE_OF_B = 0.2  # share of generic B providers that specialise in heavy profiles


def _pools(preset: Preset) -> tuple[pd.DataFrame, pd.DataFrame, list[list[str]]]:
    """Regions, municipalities (with weights) and purchasing pools of regions."""
    if not preset.landelijk:
        gem = reference.gemeenten_regio().copy()
        regio = pd.DataFrame(
            {
                "code": list(reference.REGIO_NAMEN),
                "naam": list(reference.REGIO_NAMEN.values()),
            }
        )
        gem["gewicht"] = gem["inwoners"].astype(float)
        return regio, gem, [["AA", "ZAWA"]]
    gem = reference.gemeenten_nl().copy()
    regio = reference.jeugdregios_nl().copy()
    # No population file ships for all 342 municipalities: weights are a seeded lognormal,
    # with the four large cities set to their approximate size.
    rng = np.random.default_rng(20180101)
    gem["gewicht"] = rng.lognormal(mean=10.2, sigma=0.7, size=len(gem))
    big = {"GM0363": 870_000, "GM0599": 650_000, "GM0518": 545_000, "GM0344": 357_000}
    gem["gewicht"] = [big.get(c, w) for c, w in zip(gem["cbs_code"], gem["gewicht"], strict=True)]
    gem["inwoners"] = gem["gewicht"].round().astype(int)
    pools = [["AA", "ZAWA"]] + [[c] for c in regio["code"] if c not in ("AA", "ZAWA")]
    return regio, gem, pools


def _aanbieders(preset: Preset, pools: list[list[str]], rng: np.random.Generator) -> pd.DataFrame:
    rows: list[dict[str, object]] = []

    def add(naam: str, pool: int, **kw: object) -> None:
        row = {
            "naam": naam,
            "pool": pool,
            "regio_code": pools[pool][0],
            "soort": "jeugdhulp",
            "gecontracteerd_b": False,
            "gecontracteerd_c": False,
            "residentieel": False,
            "gewicht": 1.0,
            "zwaar": False,
            "uitval_factor": 1.0,
        }
        row.update(kw)
        rows.append(row)

    for p, regios in enumerate(pools):
        suffix = "" if p == 0 else f" {regios[0]}"
        if p == 0:
            add(
                PLANTED.RESIDENTIEEL_HOOFDAANNEMER,
                p,
                gecontracteerd_c=True,
                gewicht=5.0,
            )
            add(PLANTED.AFHANKELIJK_HOOFDAANNEMER, p, gecontracteerd_c=True, gewicht=4.0)
            add(PLANTED.AMBULANT_KOOPT_VERBLIJF, p, gecontracteerd_c=True, gewicht=1.5)
            add(
                PLANTED.HOGE_UITVAL,
                p,
                gecontracteerd_b=True,
                gewicht=3.0,
                uitval_factor=6.0,
            )
            for naam in PLANTED.AFHANKELIJKE_B:
                add(naam, p, gecontracteerd_b=True, gewicht=0.12)
            add(PLANTED.ZORGBOERDERIJ, p, residentieel=True, gewicht=0.0)
            add(PLANTED.WOONGROEP, p, residentieel=True, gewicht=0.0)
            add(PLANTED.STRUCTUREEL_TEAM, p, gewicht=0.0)
            add(PLANTED.GERESERVEERDE_UREN, p, gewicht=0.0)
            add(PLANTED.SPORTCLUB, p, soort="overig", gewicht=0.0)
        n_c = preset.c_aanbieders - (3 if p == 0 else 0)
        n_b = preset.b_aanbieders - (4 if p == 0 else 0)
        for i in range(n_c):
            naam = f"{_PREFIXES_C[i % 5]} {_NAMEN[(i * 7 + p) % len(_NAMEN)]}{suffix} {i + 1}"
            add(
                naam,
                p,
                gecontracteerd_c=True,
                residentieel=bool(i % 4 == 0),
                gewicht=float(rng.pareto(1.5) + 0.3),
            )
        for i in range(n_b):
            naam = f"{_PREFIXES_B[i % 5]} {_NAMEN[(i * 11 + p) % len(_NAMEN)]}{suffix} {i + 1}"
            add(
                naam,
                p,
                gecontracteerd_b=True,
                zwaar=bool(i < n_b * _HEAVY_SHARE_OF_B),
                gewicht=float(rng.pareto(1.5) + 0.3),
            )
    df = pd.DataFrame(rows)
    df.insert(0, "id", np.arange(1, len(df) + 1))
    df["agb_code"] = [f"98{i:06d}" for i in df["id"]]
    df["uurtarief_cent"] = rng.integers(8_500, 11_500, len(df)) // 100 * 100
    return df


def _months_between(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Whole calendar months from start to end, both datetime64[D] arrays."""
    return (end.astype("datetime64[M]") - start.astype("datetime64[M]")).astype(np.int64)


def _add_days(dates: np.ndarray, days: np.ndarray) -> np.ndarray:
    return dates + days.astype("timedelta64[D]")


def _choose(rng: np.random.Generator, ids: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    return rng.choice(ids, size=n, p=weights / weights.sum())


def _trajecten(
    preset: Preset,
    gem: pd.DataFrame,
    pools: list[list[str]],
    aanb: pd.DataFrame,
    rng: np.random.Generator,
) -> pd.DataFrame:
    spic = reference.spic_catalogus()
    n = preset.trajecten_per_jaar * len(preset.jaren)
    gi = rng.choice(len(gem), size=n, p=gem["gewicht"] / gem["gewicht"].sum())
    regio = gem["regio_code"].to_numpy()[gi]
    pool_of_regio = {r: p for p, rs in enumerate(pools) for r in rs}
    pool = np.array([pool_of_regio[r] for r in regio]) if preset.landelijk else np.zeros(n, int)
    is_b = rng.random(n) < 0.62
    prof_w = np.array([10, 12, 13, 7, 14, 4, 8, 9, 8, 5, 10], float)
    profiel = rng.choice(np.arange(1, 12), size=n, p=prof_w / prof_w.sum())
    intens = np.where(
        is_b,
        rng.choice(np.arange(1, 5), size=n, p=[0.45, 0.30, 0.15, 0.10]),
        rng.choice(np.arange(1, 5), size=n, p=[0.30, 0.35, 0.20, 0.15]),
    )
    # spic ids are ordered segment, profile, intensity (see reference.spic_catalogus)
    spic_id = np.where(is_b, 0, 44) + (profiel - 1) * 4 + intens
    first = np.datetime64(f"{preset.jaren[0]}-01-01")
    span = (np.datetime64(f"{preset.jaren[-1] + 1}-01-01") - first).astype(int)
    start = _add_days(np.full(n, first), rng.integers(0, span, n))

    hoofd = np.zeros(n, np.int64)
    heavy = np.isin(profiel, ZWARE_B_PROFIELEN)
    for p in range(len(pools)):
        in_pool = pool == p
        for seg_b in (True, False):
            sel = in_pool & (is_b == seg_b)
            cand = aanb[
                (aanb["pool"] == p) & aanb["gecontracteerd_b" if seg_b else "gecontracteerd_c"]
            ]
            if seg_b:
                # Heavy B profiles go mostly to providers that specialise in them.
                spec = cand[cand["zwaar"]]
                to_spec = sel & heavy & (rng.random(n) < 0.85)
                hoofd[to_spec] = _choose(
                    rng,
                    spec["id"].to_numpy(),
                    spec["gewicht"].to_numpy(),
                    int(to_spec.sum()),
                )
                sel = sel & ~to_spec
            # Specialists in heavy profiles take few light cases, so their mix stays heavy.
            weights = cand["gewicht"].to_numpy() * np.where(cand["zwaar"], 0.15, 1.0)
            hoofd[sel] = _choose(rng, cand["id"].to_numpy(), weights, int(sel.sum()))

    df = pd.DataFrame(
        {
            "gemeente_code": gem["cbs_code"].to_numpy()[gi],
            "hoofdaannemer_id": hoofd,
            "spic_id": spic_id,
            "startdatum": start,
            "client_pseudo": rng.integers(0, 2**62, n),
            "vorig_traject_idx": -1,
        }
    )
    # Re-indications B -> C: some B trajectories end early and a C trajectory follows.
    p_herind = np.where(np.isin(profiel, HERINDICATIE_PROFIELEN), 0.12, 0.012)
    herind = is_b & (rng.random(n) < p_herind)
    df["herindicatie"] = herind
    return _followups(df, profiel, intens, pool, aanb, spic, rng, preset.peildatum)


def _followups(
    df: pd.DataFrame,
    profiel: np.ndarray,
    intens: np.ndarray,
    pool: np.ndarray,
    aanb: pd.DataFrame,
    spic: pd.DataFrame,
    rng: np.random.Generator,
    peildatum: dt.date,
) -> pd.DataFrame:
    """Append the C trajectory that follows each re-indicated B trajectory."""
    src = np.flatnonzero(df["herindicatie"].to_numpy())
    m = len(src)
    richtduur = spic.set_index("id")["richtduur_maanden"]
    b_months = richtduur.loc[df["spic_id"].to_numpy()[src]].to_numpy()
    frac = rng.uniform(0.3, 0.8, m)
    b_end = _add_days(df["startdatum"].to_numpy()[src], (b_months * 30.44 * frac).astype(int))
    c_start = _add_days(b_end, rng.integers(7, 120, m))
    c_prof = np.where(rng.random(m) < 0.7, profiel[src], 7)
    c_int = rng.choice([2, 3, 4], size=m, p=[0.45, 0.4, 0.15])
    c_hoofd = np.zeros(m, np.int64)
    for p in np.unique(pool[src]):
        sel = pool[src] == p
        cand = aanb[(aanb["pool"] == p) & aanb["gecontracteerd_c"]]
        c_hoofd[sel] = _choose(
            rng, cand["id"].to_numpy(), cand["gewicht"].to_numpy(), int(sel.sum())
        )
    follow = pd.DataFrame(
        {
            "gemeente_code": df["gemeente_code"].to_numpy()[src],
            "hoofdaannemer_id": c_hoofd,
            "spic_id": 44 + (c_prof - 1) * 4 + c_int,
            "startdatum": c_start,
            "client_pseudo": df["client_pseudo"].to_numpy()[src],
            "vorig_traject_idx": src,
            "herindicatie": False,
        }
    )
    df["forced_end"] = np.datetime64("NaT", "D")
    df.loc[src, "forced_end"] = b_end
    follow["forced_end"] = np.datetime64("NaT", "D")
    out = pd.concat([df, follow], ignore_index=True)
    # Follow-ups that would start after the reference date never happened.
    keep = out["startdatum"].to_numpy() <= np.datetime64(peildatum)
    keep_idx = np.flatnonzero(keep)
    new_pos = np.full(len(out), -1)
    new_pos[keep_idx] = np.arange(len(keep_idx))
    out = out[keep].reset_index(drop=True)
    prev = out["vorig_traject_idx"].to_numpy()
    out["vorig_traject_idx"] = np.where(prev >= 0, new_pos[np.maximum(prev, 0)], -1)
    # A B trajectory whose follow-up fell away simply ends as forced, without a successor.
    return out


def _einde(
    df: pd.DataFrame, aanb: pd.DataFrame, rng: np.random.Generator, peildatum: dt.date
) -> None:
    spic = reference.spic_catalogus().set_index("id")
    n = len(df)
    months = spic.loc[df["spic_id"], "richtduur_maanden"].to_numpy()
    start = df["startdatum"].to_numpy().astype("datetime64[D]")
    gepland = _add_days(start, (months * 30.44).astype(int))
    codes = np.array(["02", "20", "31", "32", "33", "34", "35"])
    base = np.array([0.002, 0.02, 0.798, 0.06, 0.03, 0.06, 0.03])
    factor = aanb.set_index("id").loc[df["hoofdaannemer_id"], "uitval_factor"].to_numpy()
    probs = np.tile(base, (n, 1))
    probs[:, 3:] *= factor[:, None]
    probs /= probs.sum(axis=1, keepdims=True)
    cum = probs.cumsum(axis=1)
    reden = codes[(rng.random(n)[:, None] > cum).sum(axis=1).clip(0, 6)]
    frac = rng.uniform(0.15, 0.85, n)
    vroeg = _add_days(start, (months * 30.44 * frac).astype(int))
    op_plan = _add_days(gepland, rng.integers(-30, 60, n))
    eind = np.where(reden == "31", op_plan, vroeg)
    forced = df["forced_end"].to_numpy().astype("datetime64[D]")
    has_forced = ~np.isnat(forced)
    eind = np.where(has_forced, forced, eind)
    # A re-indication ends the B trajectory mostly as planned: it is a switch, not dropout.
    reden = np.where(has_forced, np.where(rng.random(n) < 0.3, "34", "31"), reden)
    open_ = eind > np.datetime64(peildatum)
    df["geplande_einddatum"] = gepland
    df["einddatum"] = np.where(open_, np.datetime64("NaT"), eind).astype("datetime64[D]")
    df["reden_beeindiging"] = np.where(open_, None, reden)
    df["duur_fractie"] = np.where(reden == "31", 1.0, frac)
    df.loc[has_forced, "duur_fractie"] = (eind[has_forced] - start[has_forced]).astype(int) / (
        months[has_forced] * 30.44
    )


def _utilisation(
    df: pd.DataFrame, aanb: pd.DataFrame, rng: np.random.Generator, first_year: int
) -> np.ndarray:
    spic = reference.spic_catalogus().set_index("id")
    seg = spic.loc[df["spic_id"], "segment"].to_numpy()
    prof = spic.loc[df["spic_id"], "profiel_nr"].to_numpy()
    verblijf = spic.loc[df["spic_id"], "verblijf"].to_numpy()
    mean = np.where(seg == "C", 1.0, np.where(np.isin(prof, ZWARE_B_PROFIELEN), 1.45, 0.9))
    years = df["startdatum"].to_numpy().astype("datetime64[Y]").astype(int) + 1970 - first_year
    rising = (seg == "B") & (prof == STIJGEND_B_PROFIEL)
    mean = np.where(rising, 0.85 + STIJGING_PER_JAAR * years, mean)
    mean = np.where(verblijf, 1.02, mean)
    sigma = np.where(verblijf, 0.12, 0.22)
    effect = rng.normal(1.0, 0.05, len(aanb) + 1)[df["hoofdaannemer_id"].to_numpy()]
    return mean * effect * rng.lognormal(-(sigma**2) / 2, sigma)


def _onderaanneming_share(
    df: pd.DataFrame, aanb: pd.DataFrame, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Per trajectory: the subcontractor (0 = none) and its share of the cost."""
    n = len(df)
    spic = reference.spic_catalogus().set_index("id")
    seg = spic.loc[df["spic_id"], "segment"].to_numpy()
    verblijf = spic.loc[df["spic_id"], "verblijf"].to_numpy()
    ids = dict(zip(aanb["naam"], aanb["id"], strict=True))
    hoofd = df["hoofdaannemer_id"].to_numpy()
    sub = np.zeros(n, np.int64)
    share = np.zeros(n)
    u = rng.random(n)

    horizon = hoofd == ids[PLANTED.RESIDENTIEEL_HOOFDAANNEMER]
    sel = horizon & verblijf
    sub[sel], share[sel] = (
        ids[PLANTED.ZORGBOERDERIJ],
        rng.uniform(0.94, 0.96, sel.sum()),
    )
    planted_subs = np.array(
        [
            ids[PLANTED.STRUCTUREEL_TEAM],
            ids[PLANTED.GERESERVEERDE_UREN],
            ids[PLANTED.SPORTCLUB],
        ]
    )
    sel = horizon & ~verblijf & (u < 0.45)
    sub[sel] = rng.choice(planted_subs, sel.sum(), p=[0.4, 0.4, 0.2])
    share[sel] = rng.uniform(0.15, 0.35, sel.sum())

    sel = (hoofd == ids[PLANTED.AMBULANT_KOOPT_VERBLIJF]) & verblijf
    sub[sel], share[sel] = ids[PLANTED.WOONGROEP], rng.uniform(0.75, 0.85, sel.sum())

    afh = np.array([ids[name] for name in PLANTED.AFHANKELIJKE_B])
    sel = (hoofd == ids[PLANTED.AFHANKELIJK_HOOFDAANNEMER]) & (u < 0.6)
    sub[sel], share[sel] = rng.choice(afh, sel.sum()), rng.uniform(0.3, 0.6, sel.sum())

    # Generic subcontracting: C main contractors often, B rarely, within their own pool.
    pool_of = aanb.set_index("id")["pool"]
    rest = (sub == 0) & ~np.isin(
        hoofd,
        [
            ids[k]
            for k in (
                PLANTED.RESIDENTIEEL_HOOFDAANNEMER,
                PLANTED.AFHANKELIJK_HOOFDAANNEMER,
            )
        ],
    )
    sel = rest & (((seg == "C") & (u < 0.3)) | ((seg == "B") & (u < 0.05)))
    generic = aanb[aanb["gecontracteerd_b"] & ~aanb["naam"].isin(PLANTED.AFHANKELIJKE_B)]
    by_pool = {p: g["id"].to_numpy() for p, g in generic.groupby("pool")}
    pools = pool_of.loc[hoofd[sel]].to_numpy()
    chosen = np.zeros(sel.sum(), np.int64)
    for p in np.unique(pools):
        m = pools == p
        chosen[m] = rng.choice(by_pool[p], m.sum())
    sub[sel] = np.where(chosen == hoofd[sel], 0, chosen)
    share[sel] = np.where(chosen == hoofd[sel], 0.0, rng.uniform(0.1, 0.4, sel.sum()))
    return sub, share


def _facts(
    df: pd.DataFrame, aanb: pd.DataFrame, rng: np.random.Generator, preset: Preset
) -> dict[str, pd.DataFrame]:
    n = len(df)
    df["id"] = np.arange(1, n + 1)
    start = df["startdatum"].to_numpy().astype("datetime64[D]")
    jaar = start.astype("datetime64[Y]").astype(int) + 1970
    tarieven = reference.spic_tarieven().set_index(["spic_id", "jaar"])["tarief_cent"]
    df["tarief_cent"] = tarieven.loc[list(zip(df["spic_id"], jaar, strict=True))].to_numpy()
    df["toewijzingnummer"] = [f"TW{i:09d}" for i in df["id"]]
    df["client_pseudo"] = [f"P{v:016x}" for v in df["client_pseudo"]]
    vorig = df["vorig_traject_idx"].to_numpy()
    df["vorig_traject_id"] = pd.array(np.where(vorig >= 0, vorig + 1, 0), dtype="Int64")
    df.loc[vorig < 0, "vorig_traject_id"] = pd.NA

    # Cost so far: tariff x utilisation x share of the planned duration that has passed.
    u = _utilisation(df, aanb, rng, preset.jaren[0])
    einde = df["einddatum"].to_numpy().astype("datetime64[D]")
    tot = np.where(np.isnat(einde), np.datetime64(preset.peildatum), einde)
    gepland = df["geplande_einddatum"].to_numpy().astype("datetime64[D]")
    passed = np.clip((tot - start).astype(int) / np.maximum((gepland - start).astype(int), 1), 0, 1)
    passed = np.where(np.isnat(einde), passed, np.maximum(passed, df["duur_fractie"].clip(0, 1)))
    kosten = df["tarief_cent"].to_numpy() * u * passed

    # Spread over calendar months with some month-to-month noise.
    n_months = _months_between(start, tot) + 1
    rep = np.repeat(np.arange(n), n_months)
    offs = np.arange(len(rep)) - np.repeat(np.cumsum(n_months) - n_months, n_months)
    maand = (start.astype("datetime64[M]")[rep] + offs.astype("timedelta64[M]")).astype(
        "datetime64[D]"
    )
    w = np.clip(rng.normal(1.0, 0.15, len(rep)), 0.5, None)
    row_cost = kosten[rep] * w / np.bincount(rep, weights=w)[rep]

    sub, share = _onderaanneming_share(df, aanb, rng)
    hoofd = df["hoofdaannemer_id"].to_numpy()
    pairs = pd.DataFrame(
        {
            "hoofdaannemer_id": hoofd[sub > 0],
            "onderaannemer_id": sub[sub > 0],
            "start": start[sub > 0],
        }
    )
    oa = _onderaannemingen(pairs, aanb, rng)
    oa_id = oa.set_index(["hoofdaannemer_id", "onderaannemer_id"])["id"]
    sub_rows = sub[rep] > 0
    own = pd.DataFrame(
        {
            "traject_id": rep + 1,
            "aanbieder_id": hoofd[rep],
            "maand": maand,
            "kosten_cent": np.rint(row_cost * (1 - share[rep])).astype(np.int64),
            "onderaanneming_id": pd.array([pd.NA] * len(rep), dtype="Int64"),
        }
    )
    rate = aanb.set_index("id")["uurtarief_cent"]
    own["uren"] = (own["kosten_cent"] / rate.loc[own["aanbieder_id"]].to_numpy()).round(2)
    s_rep = rep[sub_rows]
    subs = pd.DataFrame(
        {
            "traject_id": s_rep + 1,
            "aanbieder_id": sub[s_rep],
            "maand": maand[sub_rows],
            "kosten_cent": np.rint(row_cost[sub_rows] * share[s_rep]).astype(np.int64),
        }
    )
    subs["onderaanneming_id"] = pd.array(
        oa_id.loc[list(zip(hoofd[s_rep], sub[s_rep], strict=True))].to_numpy(),
        dtype="Int64",
    )
    oa_rate = oa.set_index("id")["uurtarief_cent"]
    subs["uren"] = (subs["kosten_cent"] / oa_rate.loc[subs["onderaanneming_id"]].to_numpy()).round(
        2
    )
    _calibrate_capacity(subs, oa, rng)
    inzet = pd.concat([own, subs], ignore_index=True).sort_values(["traject_id", "maand"])
    inzet = inzet[inzet["kosten_cent"] > 0].reset_index(drop=True)
    inzet.insert(0, "id", np.arange(1, len(inzet) + 1))

    betaling, uitkomst = _betalingen_uitkomsten(df, rng)
    return {
        "onderaanneming": oa.drop(columns=["start"]),
        "inzet": inzet,
        "betaling": betaling,
        "uitkomst": uitkomst,
    }


def _onderaannemingen(
    pairs: pd.DataFrame, aanb: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    oa = pairs.groupby(["hoofdaannemer_id", "onderaannemer_id"], as_index=False)["start"].min()
    oa = oa.sort_values(["hoofdaannemer_id", "onderaannemer_id"]).reset_index(drop=True)
    oa.insert(0, "id", np.arange(1, len(oa) + 1))
    names = aanb.set_index("id")["naam"]
    sub_naam = names.loc[oa["onderaannemer_id"]].to_numpy()
    vorm = rng.choice(["per_jeugdige", "raamovereenkomst"], len(oa), p=[0.8, 0.2])
    vorm = np.where(sub_naam == PLANTED.STRUCTUREEL_TEAM, "structureel_fte", vorm)
    vorm = np.where(sub_naam == PLANTED.GERESERVEERDE_UREN, "gereserveerde_uren", vorm)
    vorm = np.where(
        np.isin(sub_naam, [PLANTED.ZORGBOERDERIJ, PLANTED.WOONGROEP, PLANTED.SPORTCLUB]),
        "per_jeugdige",
        vorm,
    )
    oa["vorm"] = vorm
    fact = rng.choice(["per_maand", "per_doel", "start_70"], len(oa), p=[0.6, 0.15, 0.25])
    oa["facturatie"] = np.where(vorm == "per_jeugdige", fact, "per_maand")
    oa["startdatum"] = oa["start"].to_numpy().astype("datetime64[M]").astype("datetime64[D]")
    oa["einddatum"] = pd.NaT
    oa["uren_per_week"] = [
        str(PLANTED.GERESERVEERD_UREN_PER_WEEK) if v == "gereserveerde_uren" else None for v in vorm
    ]
    oa["fte"] = [str(PLANTED.STRUCTUREEL_FTE) if v == "structureel_fte" else None for v in vorm]
    residential = np.isin(sub_naam, [PLANTED.ZORGBOERDERIJ, PLANTED.WOONGROEP])
    oa["uurtarief_cent"] = np.where(
        residential, 6_500, rng.integers(7_500, 11_000, len(oa)) // 100 * 100
    )
    return oa


def _calibrate_capacity(subs: pd.DataFrame, oa: pd.DataFrame, rng: np.random.Generator) -> None:
    """Scale hours of capacity contracts so monthly use sits at 60-100% of what was agreed."""
    weeks_per_month = 52 / 12
    for _, row in oa[oa["vorm"].isin(["structureel_fte", "gereserveerde_uren"])].iterrows():
        if row["vorm"] == "gereserveerde_uren":
            capacity = float(row["uren_per_week"]) * weeks_per_month
        else:
            capacity = float(row["fte"]) * 36 * weeks_per_month
        sel = subs["onderaanneming_id"] == row["id"]
        monthly = subs.loc[sel].groupby("maand")["uren"].transform("sum")
        months = subs.loc[sel, "maand"].unique()
        target = dict(zip(months, rng.uniform(0.6, 1.0, len(months)) * capacity, strict=True))
        goal = subs.loc[sel, "maand"].map(target)
        subs.loc[sel, "uren"] = (subs.loc[sel, "uren"] * goal / monthly).round(2)


def _betalingen_uitkomsten(
    df: pd.DataFrame, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    tarief = df["tarief_cent"].to_numpy()
    start_amount = start_tranches(tarief, Decimal("0.70"))
    reden = df["reden_beeindiging"].to_numpy()
    afgerond = pd.notna(reden) & (reden != "20")
    start_rows = pd.DataFrame(
        {
            "traject_id": df["id"],
            "tranche": "start",
            "bedrag_cent": start_amount,
            "datum": df["startdatum"],
        }
    )
    end_rows = pd.DataFrame(
        {
            "traject_id": df["id"][afgerond],
            "tranche": "afronding",
            "bedrag_cent": (tarief - start_amount)[afgerond],
            "datum": df["einddatum"][afgerond],
        }
    )
    bet = pd.concat([start_rows, end_rows], ignore_index=True)
    bet = bet.sort_values(["traject_id", "tranche"], ascending=[True, False]).reset_index(drop=True)
    bet.insert(0, "id", np.arange(1, len(bet) + 1))

    ended = afgerond & (reden != "02")
    ids = df["id"].to_numpy()[ended]
    uitval = np.isin(reden[ended], UITVAL_CODES)
    m = len(ids)
    r = rng.random(m)
    doel = np.where(
        uitval,
        np.where(r < 0.55, "niet", np.where(r < 0.95, "gedeeltelijk", "volledig")),
        np.where(r < 0.55, "volledig", np.where(r < 0.9, "gedeeltelijk", "niet")),
    )
    score = np.clip(rng.normal(7.6, 1.0, m) - 1.2 * uitval, 1, 10).round(1)
    responded = rng.random(m) > 0.15
    uit = pd.DataFrame(
        {
            "traject_id": ids,
            "ervaring_score": [
                f"{s:.1f}" if ok else None for s, ok in zip(score, responded, strict=True)
            ],
            "doelrealisatie": doel,
            "uitval": uitval,
        }
    )
    return bet, uit


def generate(preset_name: str, seed: int = 2018) -> dict[str, pd.DataFrame]:
    """All tables of a preset as DataFrames with explicit ids, in load order."""
    preset = PRESETS[preset_name]
    rng = np.random.default_rng(seed)
    regio, gem, pools = _pools(preset)
    aanb = _aanbieders(preset, pools, rng)
    traj = _trajecten(preset, gem, pools, aanb, rng)
    _einde(traj, aanb, rng, preset.peildatum)
    facts = _facts(traj, aanb, rng, preset)

    spic = reference.spic_catalogus()
    traject = traj[
        [
            "id",
            "toewijzingnummer",
            "client_pseudo",
            "gemeente_code",
            "hoofdaannemer_id",
            "spic_id",
            "tarief_cent",
            "startdatum",
            "geplande_einddatum",
            "einddatum",
            "reden_beeindiging",
            "vorig_traject_id",
        ]
    ].copy()
    users, portefeuille = demo_users(aanb)
    knelpunten = demo_knelpunten(aanb, users)
    return {
        "regio": regio,
        "gemeente": gem[["cbs_code", "naam", "regio_code", "inwoners"]],
        "redenbeeindiging": reference.reden_beeindiging()[["code", "omschrijving", "uitval"]],
        "aanbieder": aanb[
            [
                "id",
                "naam",
                "soort",
                "gecontracteerd_b",
                "gecontracteerd_c",
                "residentieel",
                "agb_code",
                "regio_code",
            ]
        ],
        "spic": spic[
            [
                "id",
                "code",
                "segment",
                "profiel_nr",
                "profiel_naam",
                "intensiteit_nr",
                "intensiteit_naam",
                "richtduur_maanden",
                "verblijf",
            ]
        ],
        "spictarief": reference.spic_tarieven(),  # every year of the table, indexed
        "traject": traject,
        **facts,
        "gebruiker": users,
        "portefeuille": portefeuille,
        **knelpunten,
    }


def write_parquet(tables: dict[str, pd.DataFrame], directory: Path, preset: str, seed: int) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        table = pa.Table.from_pandas(frame, preserve_index=False)
        # Calendar dates travel as date32, not as midnight timestamps.
        for i, fld in enumerate(table.schema):
            if pa.types.is_timestamp(fld.type) and fld.type.tz is None:
                table = table.set_column(i, fld.name, table.column(i).cast(pa.date32()))
        pq.write_table(table, directory / f"{name}.parquet", compression="zstd")
    manifest = {
        "preset": preset,
        "seed": seed,
        "generator_version": GENERATOR_VERSION,
        "peildatum": PRESETS[preset].peildatum.isoformat(),
        "tables": list(tables),
        "rows": {k: len(v) for k, v in tables.items()},
    }
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")


def read_parquet(directory: Path) -> dict[str, pd.DataFrame]:
    manifest = json.loads((directory / "manifest.json").read_text())
    return {name: pd.read_parquet(directory / f"{name}.parquet") for name in manifest["tables"]}
