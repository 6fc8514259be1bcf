"""Segment B versus C: where the B tariff does not fit, and where B clients go.

B providers are those contracted for segment B only; C main contractors those contracted for
C. Cost figures are over trajectories ended in the period, as on the utilisation page.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pandas as pd
from sqlalchemy.engine import Engine

from data_access.access import Scope
from data_access.analytics import analytics
from data_access.filters import Filters, check_filters
from data_access.models import Segment
from data_access.queries.common import (
    TRAJECT_JOINS,
    TRAJECT_ONLY,
    Jaarvergelijking,
    anonymise_providers,
    earlier_year,
    suppress_small,
    suppress_value,
    threshold,
    traject_where,
)
from data_access.queries.trends import Trends, register_trends
from data_access.queries.uitnutting import Drilldown, Selectie, cell_figures, trajecten

FLOWS_DRAWN = 40  # re-indications drawn in the Sankey diagram; the table has them all


@dataclass(frozen=True)
class Kop:
    """One line of the headline: a B cell whose cost runs furthest over its tariff."""

    spic_code: str
    profiel_naam: str
    intensiteit_naam: str
    uitnutting: float
    tekort_per_traject_cent: int
    trajecten: int


@dataclass(frozen=True)
class Stromen:
    """Re-indications from B to C at one level of detail, with what the chart draws."""

    tabel: pd.DataFrame  # van_code, naar_code, van_profiel, aantal, mediaan_dagen
    getekend: pd.DataFrame  # the largest FLOWS_DRAWN shown rows
    aandeel_top3: float | None  # share of the drawn flows from the three largest B profiles
    top_profielen: list[int]


@dataclass(frozen=True)
class SegmentenKeuze:
    spic_id: int | None = None  # the drill-down: trajectories of one SPIC


@dataclass(frozen=True)
class SegmentenBC:
    filters: Filters
    kop: Jaarvergelijking  # cost ÷ tariff of all ended B trajectories, and a year earlier
    tarievenjaar: int  # the year of the catalogue tariffs shown
    tarieven_ontbreken: bool  # no tariffs for that year have been imported
    tariefkloof: pd.DataFrame
    intensiteiten: dict[int, str]  # nr -> name, in order
    koppen: list[Kop]
    b_aanbieders: pd.DataFrame  # per B provider: result on its own B trajectories
    b_met_cijfers: int  # B providers with (unsuppressed) figures
    b_met_tekort: int
    b_tekort_cent: int
    b_per_profiel: pd.DataFrame  # per profile: B providers, in deficit, total deficit
    stromen: Stromen  # per SPIC
    stromen_per_profiel: Stromen  # per B profile to C profile
    herindicaties: int | None
    b_onder_c: pd.DataFrame  # per B provider: income as main, as sub of C, share
    b_onder_c_trajecten: int | None  # C trajectories with care by a B provider
    knelpunten: Trends  # the register, in this segment (read live)
    spic_opties: dict[int, str]  # drill-down choices, by code
    drilldown: Drilldown | None


def _tariefkloof(
    engine: Engine, filters: Filters, scope: Scope, before: Filters | None
) -> pd.DataFrame:
    """Per profile x intensity: B and C tariff and realised cost per ended trajectory, and
    the B utilisation a year earlier."""
    cells = cell_figures(engine, filters=dataclasses.replace(filters, segment=None))
    if before is None:
        cells["uitnutting_vorig"] = pd.array([pd.NA] * len(cells), dtype="Float64")
    else:
        earlier = suppress_small(
            cell_figures(engine, filters=dataclasses.replace(before, segment=None)),
            "trajecten",
            ["uitnutting"],
            scope,
        )
        cells["uitnutting_vorig"] = cells["spic_id"].map(earlier.set_index("spic_id")["uitnutting"])
    cells["kosten_per_traject"] = (
        cells["kosten_cent"] / cells["trajecten"].where(cells["trajecten"] > 0)
    ).astype("Float64")
    cells["tarief_per_traject"] = (
        cells["tarief_cent"] / cells["trajecten"].where(cells["trajecten"] > 0)
    ).astype("Float64")
    cells = suppress_small(
        cells,
        "trajecten",
        ["tarief_cent", "kosten_cent", "uitnutting", "kosten_per_traject", "tarief_per_traject"],
        scope,
    )
    # The catalogue tariff of the period's last year, so empty cells have one too. A year
    # without tariffs shows none (the page says so), never another year's.
    catalogue = analytics(engine).frame(
        "SELECT spic_id, tarief_cent AS catalogustarief_cent FROM spictarief WHERE jaar = ?",
        [filters.tot.year],
    )
    cells = cells.merge(catalogue, on="spic_id", how="left")
    keys = ["profiel_nr", "profiel_naam", "intensiteit_nr", "intensiteit_naam"]
    b = cells[cells["segment"] == "B"].set_index(keys)
    c = cells[cells["segment"] == "C"].set_index(keys)
    columns = {
        "spic_id": "spic_id",
        "spic_code": "code",
        "catalogustarief_cent": "tarief_cent",
        "trajecten": "trajecten",
        "kosten_per_traject": "kosten_per_traject_cent",
        "tarief_per_traject": "tarief_per_traject_cent",
        "uitnutting": "uitnutting",
        "uitnutting_vorig": "uitnutting_vorig",
        "onderdrukt": "onderdrukt",
    }
    gap = (
        b[list(columns)]
        .rename(columns={k: f"b_{v}" for k, v in columns.items()})
        .join(c[list(columns)].rename(columns={k: f"c_{v}" for k, v in columns.items()}))
    )
    gap = gap.reset_index().sort_values(["profiel_nr", "intensiteit_nr"]).reset_index(drop=True)
    gap["stap_b_naar_c_cent"] = gap["c_tarief_cent"] - gap["b_tarief_cent"]
    gap["onderdrukt"] = gap["b_onderdrukt"] & gap["c_onderdrukt"]
    return gap


def _koppen(gap: pd.DataFrame, n: int = 3) -> list[Kop]:
    """The n B cells where cost runs furthest over the tariff.

    Only cells with at least the suppression threshold of trajectories: a headline should
    not rest on a handful of cases, for any role.
    """
    enough = gap["b_trajecten"].fillna(0) >= threshold()
    over = gap[enough & gap["b_uitnutting"].notna() & (gap["b_uitnutting"] > 1)].copy()
    over = over.sort_values("b_uitnutting", ascending=False).head(n)
    return [
        Kop(
            spic_code=r.b_code,
            profiel_naam=r.profiel_naam,
            intensiteit_naam=r.intensiteit_naam,
            uitnutting=float(r.b_uitnutting),
            # Against the trajectories' own tariffs (each of its start year).
            tekort_per_traject_cent=round(
                r.b_kosten_per_traject_cent - r.b_tarief_per_traject_cent
            ),
            trajecten=int(r.b_trajecten),
        )
        for r in over.itertuples()
    ]


def _b_aanbieders(
    engine: Engine, filters: Filters, scope: Scope
) -> tuple[pd.DataFrame, pd.DataFrame]:
    where, params = traject_where(dataclasses.replace(filters, segment=Segment.B))
    base = f"""
        FROM {TRAJECT_JOINS} JOIN aanbieder a ON a.id = t.hoofdaannemer_id
        WHERE {where} AND t.einddatum BETWEEN ? AND ?
          AND a.gecontracteerd_b AND NOT a.gecontracteerd_c
    """
    params = [*params, filters.van, filters.tot]
    an = analytics(engine)
    providers = an.frame(
        f"""
        SELECT t.hoofdaannemer_id AS aanbieder_id, a.naam, COUNT(*) AS trajecten,
               SUM(t.tarief_cent)::BIGINT AS tarief_cent,
               SUM(COALESCE(t.kosten_cent, 0))::BIGINT AS kosten_cent
        {base}
        GROUP BY ALL
        """,
        params,
    )
    providers["resultaat_cent"] = providers["tarief_cent"] - providers["kosten_cent"]
    providers["tekort"] = providers["resultaat_cent"] < 0
    providers = providers.sort_values(["resultaat_cent", "naam"]).reset_index(drop=True)
    per_provider_profile = an.frame(
        f"""
        SELECT s.profiel_nr, s.profiel_naam, t.hoofdaannemer_id, COUNT(*) AS trajecten,
               SUM(t.tarief_cent) - SUM(COALESCE(t.kosten_cent, 0)) AS resultaat
        {base}
        GROUP BY ALL
        """,
        params,
    )
    per_profile = (
        per_provider_profile.assign(
            tekort=per_provider_profile["resultaat"] < 0,
            tekort_cent=(-per_provider_profile["resultaat"]).clip(lower=0),
        )
        .groupby(["profiel_nr", "profiel_naam"], as_index=False)
        .agg(
            trajecten=("trajecten", "sum"),
            aanbieders=("hoofdaannemer_id", "nunique"),
            met_tekort=("tekort", "sum"),
            tekort_cent=("tekort_cent", "sum"),
        )
        .sort_values("profiel_nr")
        .reset_index(drop=True)
    )
    per_profile["tekort_cent"] = per_profile["tekort_cent"].round().astype("int64")
    per_profile = suppress_small(
        per_profile, "trajecten", ["aanbieders", "met_tekort", "tekort_cent"], scope
    )
    own = scope.own_rows(providers, "aanbieder_id")
    providers = suppress_small(
        providers, "trajecten", ["tarief_cent", "kosten_cent", "resultaat_cent"], scope, exempt=own
    )
    providers.loc[providers["onderdrukt"], "tekort"] = False
    providers = anonymise_providers(
        engine, scope, frame=providers, id_column="aanbieder_id", name_column="naam"
    )
    return providers, per_profile


def _stromen(
    engine: Engine, filters: Filters, scope: Scope
) -> tuple[pd.DataFrame, pd.DataFrame, int | None]:
    """Re-indications: a trajectory followed by one in another SPIC, here from B to C.

    Filters apply to the follow-up trajectory: it starts in the period, in the selection.
    Returned per SPIC and per profile (larger groups, so less is suppressed).
    """
    where, params = traject_where(dataclasses.replace(filters, segment=None))
    an = analytics(engine)

    def flows(van: str, naar: str) -> pd.DataFrame:
        return an.frame(
            f"""
            SELECT {van} AS van_code, {naar} AS naar_code, v.profiel_nr AS van_profiel,
                   COUNT(*) AS aantal,
                   MEDIAN(DATEDIFF('day', t0.startdatum, t.startdatum)) AS mediaan_dagen
            FROM {TRAJECT_ONLY}
            JOIN traject t0 ON t0.id = t.vorig_traject_id
            JOIN spic v ON v.id = t0.spic_id
            WHERE {where} AND t.startdatum BETWEEN ? AND ?
              AND v.segment = 'B' AND s.segment = 'C'
            GROUP BY ALL
            ORDER BY aantal DESC, van_code, naar_code
            """,
            [*params, filters.van, filters.tot],
        )

    per_spic = flows("v.code", "s.code")
    per_profile = flows(
        "'B-P' || LPAD(v.profiel_nr::VARCHAR, 2, '0')",
        "'C-P' || LPAD(s.profiel_nr::VARCHAR, 2, '0')",
    )
    total = int(per_spic["aantal"].sum())
    return (
        suppress_small(per_spic, "aantal", ["mediaan_dagen"], scope),
        suppress_small(per_profile, "aantal", ["mediaan_dagen"], scope),
        suppress_value(total, scope.suppress_small_counts),
    )


def _b_onder_c(engine: Engine, filters: Filters, scope: Scope) -> tuple[pd.DataFrame, int | None]:
    """Income of B providers in the period: as main contractor (payments received) and as
    subcontractor (cost of their care paid by the main contractor), split by the segment of
    the main contractor's trajectory."""
    unfiltered = dataclasses.replace(filters, segment=None, aanbieder_id=None)
    on_payments, payment_params = traject_where(unfiltered, on="b")
    where, params = traject_where(unfiltered, on="i")
    an = analytics(engine)
    provider = "" if filters.aanbieder_id is None else "AND a.id = ?"
    provider_params = [] if filters.aanbieder_id is None else [filters.aanbieder_id]
    income = an.frame(
        f"""
        WITH hoofd AS (
            SELECT b.hoofdaannemer_id AS aanbieder_id, SUM(b.bedrag_cent) AS als_hoofd_cent
            FROM betaling_traject b
            WHERE {on_payments} AND b.datum BETWEEN ? AND ?
            GROUP BY ALL
        ), onder AS (
            SELECT i.aanbieder_id,
                   SUM(i.kosten_cent) FILTER (WHERE i.segment = 'C') AS onder_c_cent,
                   SUM(i.kosten_cent) FILTER (WHERE i.segment = 'B') AS onder_b_cent,
                   COUNT(DISTINCT i.traject_id) FILTER (WHERE i.segment = 'C') AS c_trajecten
            FROM onder_inzet i
            WHERE {where} AND i.maand BETWEEN ? AND ? AND i.aanbieder_id <> i.hoofdaannemer_id
            GROUP BY ALL
        )
        SELECT a.id AS aanbieder_id, a.naam,
               COALESCE(h.als_hoofd_cent, 0)::BIGINT AS als_hoofd_cent,
               COALESCE(o.onder_c_cent, 0)::BIGINT AS onder_c_cent,
               COALESCE(o.onder_b_cent, 0)::BIGINT AS onder_b_cent,
               COALESCE(o.c_trajecten, 0)::BIGINT AS c_trajecten
        FROM aanbieder a
        LEFT JOIN hoofd h ON h.aanbieder_id = a.id
        LEFT JOIN onder o ON o.aanbieder_id = a.id
        WHERE a.gecontracteerd_b AND NOT a.gecontracteerd_c {provider}
          AND (h.aanbieder_id IS NOT NULL OR o.aanbieder_id IS NOT NULL)
        ORDER BY a.naam
        """,
        [
            *payment_params,
            filters.van,
            filters.tot,
            *params,
            filters.van,
            filters.tot,
            *provider_params,
        ],
    )
    income["inkomen_cent"] = (
        income["als_hoofd_cent"] + income["onder_c_cent"] + income["onder_b_cent"]
    )
    income["aandeel_onder_c"] = (
        income["onder_c_cent"] / income["inkomen_cent"].where(income["inkomen_cent"] > 0)
    ).astype("Float64")
    income = income.sort_values(["aandeel_onder_c", "naam"], ascending=[False, True])
    income = income.reset_index(drop=True)
    c_trajecten = (
        analytics(engine)
        .frame(
            f"""
        SELECT COUNT(DISTINCT i.traject_id) AS n
        FROM onder_inzet i
        JOIN aanbieder a ON a.id = i.aanbieder_id
        WHERE {where} AND i.maand BETWEEN ? AND ? AND i.segment = 'C'
          AND i.aanbieder_id <> i.hoofdaannemer_id
          AND a.gecontracteerd_b AND NOT a.gecontracteerd_c
        """,
            [*params, filters.van, filters.tot],
        )["n"]
        .iloc[0]
    )
    income = anonymise_providers(
        engine, scope, frame=income, id_column="aanbieder_id", name_column="naam"
    )
    return income, suppress_value(int(c_trajecten), scope.suppress_small_counts)


def _b_utilisation(engine: Engine, filters: Filters, scope: Scope) -> float | None:
    cells = cell_figures(engine, filters=dataclasses.replace(filters, segment=Segment.B))
    n = int(cells["trajecten"].sum())
    if n == 0 or suppress_value(n, scope.suppress_small_counts) is None:
        return None
    return float(cells["kosten_cent"].sum() / cells["tarief_cent"].sum())


def _stromen_view(flows: pd.DataFrame) -> Stromen:
    drawn = flows.dropna(subset=["aantal"]).head(FLOWS_DRAWN)
    by_profile = drawn.groupby("van_profiel")["aantal"].sum().sort_values(ascending=False)
    total = by_profile.sum()
    return Stromen(
        tabel=flows,
        getekend=drawn.reset_index(drop=True),
        aandeel_top3=float(by_profile.head(3).sum() / total) if total else None,
        top_profielen=[int(p) for p in by_profile.head(3).index],
    )


def segmenten(
    *,
    engine: Engine,
    scope: Scope,
    filters: Filters,
    choice: SegmentenKeuze = SegmentenKeuze(),
) -> SegmentenBC:
    filters = check_filters(engine, scope, filters=filters)
    before = earlier_year(engine, filters=filters)
    gap = _tariefkloof(engine, filters, scope, before)
    providers, per_profile = _b_aanbieders(engine, filters, scope)
    flows, flows_per_profile, total = _stromen(engine, filters, scope)
    income, under_c = _b_onder_c(engine, filters, scope)
    shown = providers.dropna(subset=["resultaat_cent"])
    deficit = shown[shown["tekort"]]
    spics = {
        int(i): str(c)
        for col_id, col_code in (("b_spic_id", "b_code"), ("c_spic_id", "c_code"))
        for i, c in zip(gap[col_id], gap[col_code], strict=True)
    }
    drill = None
    if scope.sees_trajectories and choice.spic_id is not None:
        drill = trajecten(engine, scope, filters=filters, selectie=Selectie(spic_id=choice.spic_id))
    assert filters.tot is not None
    return SegmentenBC(
        filters=filters,
        kop=Jaarvergelijking(
            _b_utilisation(engine, filters, scope),
            None if before is None else _b_utilisation(engine, before, scope),
        ),
        tarievenjaar=filters.tot.year,
        tarieven_ontbreken=bool(gap["b_tarief_cent"].isna().all()),
        tariefkloof=gap,
        intensiteiten=dict(zip(gap["intensiteit_nr"], gap["intensiteit_naam"], strict=False)),
        koppen=_koppen(gap),
        b_aanbieders=providers,
        b_met_cijfers=len(shown),
        b_met_tekort=len(deficit),
        b_tekort_cent=int(-deficit["resultaat_cent"].sum()),
        b_per_profiel=per_profile,
        stromen=_stromen_view(flows),
        stromen_per_profiel=_stromen_view(flows_per_profile),
        herindicaties=total,
        b_onder_c=income,
        b_onder_c_trajecten=under_c,
        knelpunten=register_trends(engine, scope, segment=filters.segment),
        spic_opties=dict(sorted(spics.items(), key=lambda item: item[1])),
        drilldown=drill,
    )
