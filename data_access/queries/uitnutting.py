"""SPIC-uitnutting: does the tariff cover the care delivered, per SPIC, provider and trajectory?

Utilisation is the cost of delivered care (own and subcontracted) divided by the SPIC tariff.
It is measured on trajectories that ended in the period: an open trajectory has not had all its
care yet, so its ratio would read low. Everything aggregates in the analytical layer.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pandas as pd
from sqlalchemy.engine import Engine

from data_access.access import AccessDenied, Scope
from data_access.analytics import analytics
from data_access.filters import Filters, check_filters, with_period
from data_access.models import OnderaannemingVorm
from data_access.queries.common import (
    TRAJECT_JOINS,
    Jaarvergelijking,
    anonymise_providers,
    earlier_year,
    open_shares,
    shift_months,
    suppress_small,
    suppress_value,
    traject_where,
)
from data_access.settings import get_settings

# Histogram bins of 10 percentage points; everything from 300% up shares the last bin.
BIN_WIDTH = 0.10
LAST_BIN = 30
WEEKS_PER_MONTH = 52 / 12
HOURS_PER_FTE = 36  # the collective agreement's working week for youth care
BALANCE_BARS = 30  # main contractors drawn in the balance chart; the table has them all
CAPACITY_FORMS = (OnderaannemingVorm.STRUCTUREEL_FTE, OnderaannemingVorm.GERESERVEERDE_UREN)


@dataclass(frozen=True)
class Verdeling:
    per_bin: pd.DataFrame  # segment, bin (0..LAST_BIN), ondergrens, trajecten, onderdrukt
    afgesloten: int | None
    boven_tarief: int | None  # trajectories that cost more than their tariff
    mediaan: float | None
    overschrijding_cent: int | None  # summed cost above tariff over those trajectories
    getekend: bool  # some bin is shown (not everything suppressed or empty)
    laatste_klasse_getekend: bool  # the bar of everything from 300% up is drawn


@dataclass(frozen=True)
class Heatmap:
    """Utilisation per SPIC cell, with what its one-line summary says."""

    cellen: pd.DataFrame
    segmenten: list[str]  # the segments the cells cover, one grid each
    afgesloten: int  # ended trajectories behind the shown cells
    boven_tarief: int  # cells whose cost exceeds their tariff
    duurste: pd.DataFrame  # the three cells furthest over their tariff


@dataclass(frozen=True)
class Balans:
    per_hoofdaannemer: pd.DataFrame  # sorted from largest deficit to largest surplus
    getekend: pd.DataFrame  # the first BALANCE_BARS with figures, for the chart
    met_cijfers: int  # main contractors with (unsuppressed) figures
    met_tekort: int
    tekort_cent: int  # summed deficit of those in deficit


@dataclass(frozen=True)
class Selectie:
    """What a click on the page selects: one SPIC cell and/or one main contractor."""

    spic_id: int | None = None
    hoofdaannemer_id: int | None = None

    @property
    def leeg(self) -> bool:
        return self.spic_id is None and self.hoofdaannemer_id is None


@dataclass(frozen=True)
class Drilldown:
    trajecten: pd.DataFrame
    totaal: int  # before the display limit
    beperkt_tot_eigen: bool  # rows limited to the providers this user may see
    naam: str = ""  # the selection in words: "B-P03-I2" or "B-P03-I2 bij Horizon Jeugd & Gezin"


TREND_PER = {"afsluiting": "Per maand van afsluiting", "start": "Per maand van start (cohort)"}


@dataclass(frozen=True)
class UitnuttingKeuze:
    selectie: Selectie = Selectie()
    trend_per: str = "afsluiting"  # one of TREND_PER
    vergelijk: bool = False  # draw last year's cost beside this year's


@dataclass(frozen=True)
class Uitnutting:
    filters: Filters
    kop: Jaarvergelijking  # utilisation of all ended trajectories, and a year earlier
    heatmap: Heatmap
    eigen_heatmap: Heatmap | None  # a provider's own organisation, unsuppressed
    verdeling: Verdeling
    balans: Balans
    trend: pd.DataFrame  # per month (of closure or start, as chosen), with `voorlopig`
    trend_per: str
    trend_vorig_jaar: pd.DataFrame | None  # a year earlier, moved onto this year's months
    trend_kostenaandeel: dict[str, float]  # per segment: cost as a share of tariff value
    capaciteit: pd.DataFrame
    capaciteit_per_maand: pd.DataFrame
    spic_opties: dict[int, str]  # drill-down choices
    hoofdaannemer_opties: dict[int, str]
    drilldown: Drilldown | None  # the chosen selection's trajectories, for those who may


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    num = numerator.astype("Float64")
    den = denominator.astype("Float64")
    return (num / den.where(den > 0)).astype("Float64")


def _ended(filters: Filters) -> tuple[str, list[object]]:
    where, params = traject_where(filters)
    return f"{where} AND t.einddatum BETWEEN ? AND ?", [*params, filters.van, filters.tot]


def cell_figures(engine: Engine, *, filters: Filters) -> pd.DataFrame:
    """Per SPIC: ended trajectories, tariff and cost; one row per SPIC of the catalogue."""
    filters = with_period(engine, filters=filters)
    where, params = _ended(filters)
    frame = analytics(engine).frame(
        f"""
        WITH cel AS (
            SELECT t.spic_id, COUNT(*) AS trajecten,
                   SUM(t.tarief_cent)::BIGINT AS tarief_cent,
                   SUM(COALESCE(t.kosten_cent, 0))::BIGINT AS kosten_cent
            FROM {TRAJECT_JOINS}
            WHERE {where}
            GROUP BY t.spic_id
        )
        SELECT s.id AS spic_id, s.code AS spic_code, s.segment::VARCHAR AS segment,
               s.profiel_nr, s.profiel_naam, s.intensiteit_nr, s.intensiteit_naam,
               COALESCE(c.trajecten, 0)::BIGINT AS trajecten,
               COALESCE(c.tarief_cent, 0)::BIGINT AS tarief_cent,
               COALESCE(c.kosten_cent, 0)::BIGINT AS kosten_cent
        FROM spic s LEFT JOIN cel c ON c.spic_id = s.id
        {"WHERE s.segment = ?" if filters.segment else ""}
        ORDER BY s.segment, s.profiel_nr, s.intensiteit_nr
        """,
        [*params, *([str(filters.segment)] if filters.segment else [])],
    )
    frame["uitnutting"] = _ratio(frame["kosten_cent"], frame["tarief_cent"])
    return frame


def _verdeling(engine: Engine, filters: Filters, scope: Scope) -> Verdeling:
    where, params = _ended(filters)
    an = analytics(engine)
    per_bin = an.frame(
        f"""
        SELECT s.segment::VARCHAR AS segment,
               LEAST(FLOOR(COALESCE(t.kosten_cent, 0) / t.tarief_cent / {BIN_WIDTH}),
                     {LAST_BIN})::INTEGER AS bin,
               COUNT(*) AS trajecten
        FROM {TRAJECT_JOINS}
        WHERE {where} AND t.tarief_cent > 0
        GROUP BY ALL ORDER BY segment, bin
        """,
        params,
    )
    per_bin["ondergrens"] = per_bin["bin"] * BIN_WIDTH
    per_bin = suppress_small(per_bin, "trajecten", [], scope)
    stats = an.frame(
        f"""
        SELECT COUNT(*) AS n,
               COUNT(*) FILTER (WHERE COALESCE(t.kosten_cent, 0) > t.tarief_cent) AS boven,
               MEDIAN(COALESCE(t.kosten_cent, 0) / t.tarief_cent) AS mediaan,
               COALESCE(SUM(COALESCE(t.kosten_cent, 0) - t.tarief_cent)
                   FILTER (WHERE COALESCE(t.kosten_cent, 0) > t.tarief_cent), 0)::BIGINT AS over
        FROM {TRAJECT_JOINS}
        WHERE {where} AND t.tarief_cent > 0
        """,
        params,
    ).iloc[0]
    hide = scope.suppress_small_counts
    n = suppress_value(int(stats["n"]), hide)
    boven = suppress_value(int(stats["boven"]), hide)
    return Verdeling(
        per_bin=per_bin,
        afgesloten=n,
        boven_tarief=boven,
        mediaan=float(stats["mediaan"]) if n and pd.notna(stats["mediaan"]) else None,
        overschrijding_cent=int(stats["over"]) if boven is not None else None,
        getekend=bool(per_bin["trajecten"].fillna(0).sum() > 0),
        laatste_klasse_getekend=bool(
            per_bin.loc[per_bin["bin"] == LAST_BIN, "trajecten"].fillna(0).sum() > 0
        ),
    )


def _balans(engine: Engine, filters: Filters, scope: Scope) -> pd.DataFrame:
    where, params = _ended(filters)
    frame = analytics(engine).frame(
        f"""
        SELECT t.hoofdaannemer_id AS aanbieder_id, a.naam,
               COUNT(*) AS trajecten,
               AVG(CASE WHEN s.segment = 'B' THEN 1.0 ELSE 0.0 END) AS aandeel_b,
               SUM(t.tarief_cent)::BIGINT AS tarief_cent,
               SUM(COALESCE(t.eigen_kosten_cent, 0))::BIGINT AS eigen_kosten_cent,
               SUM(COALESCE(t.onder_kosten_cent, 0))::BIGINT AS onder_kosten_cent
        FROM {TRAJECT_JOINS} JOIN aanbieder a ON a.id = t.hoofdaannemer_id
        WHERE {where}
        GROUP BY ALL
        """,
        params,
    )
    frame["kosten_cent"] = frame["eigen_kosten_cent"] + frame["onder_kosten_cent"]
    frame["resultaat_cent"] = frame["tarief_cent"] - frame["kosten_cent"]
    frame["uitnutting"] = _ratio(frame["kosten_cent"], frame["tarief_cent"])
    frame["tekort"] = frame["resultaat_cent"] < 0
    frame = frame.sort_values(["resultaat_cent", "naam"]).reset_index(drop=True)
    own = scope.own_rows(frame, "aanbieder_id")
    frame = suppress_small(
        frame,
        "trajecten",
        [
            "aandeel_b",
            "tarief_cent",
            "eigen_kosten_cent",
            "onder_kosten_cent",
            "kosten_cent",
            "resultaat_cent",
            "uitnutting",
        ],
        scope,
        exempt=own,
    )
    frame.loc[frame["onderdrukt"], "tekort"] = False
    return anonymise_providers(
        engine, scope, frame=frame, id_column="aanbieder_id", name_column="naam"
    )


def _trend(engine: Engine, filters: Filters, scope: Scope, per: str = "afsluiting") -> pd.DataFrame:
    """Cost and tariff value of ended trajectories per month of closure, or per month of start
    (the cohort view); each month marked voorlopig when most of its starters still run."""
    where, params = _ended(filters) if per == "afsluiting" else _started_and_ended(filters)
    month = "t.einddatum" if per == "afsluiting" else "t.startdatum"
    frame = analytics(engine).frame(
        f"""
        SELECT DATE_TRUNC('month', {month})::DATE AS maand, s.segment::VARCHAR AS segment,
               COUNT(*) AS trajecten,
               SUM(t.tarief_cent)::BIGINT AS tarief_cent,
               SUM(COALESCE(t.kosten_cent, 0))::BIGINT AS kosten_cent
        FROM {TRAJECT_JOINS}
        WHERE {where}
        GROUP BY ALL ORDER BY maand, segment
        """,
        params,
    )
    frame["maand"] = pd.to_datetime(frame["maand"]).dt.date
    frame["uitnutting"] = _ratio(frame["kosten_cent"], frame["tarief_cent"])
    shares = open_shares(engine, filters=filters, grain="month").set_index("periode")["voorlopig"]
    frame["voorlopig"] = frame["maand"].map(shares).fillna(False).astype(bool)
    return suppress_small(frame, "trajecten", ["tarief_cent", "kosten_cent", "uitnutting"], scope)


def _started_and_ended(filters: Filters) -> tuple[str, list[object]]:
    where, params = traject_where(filters)
    return (
        f"{where} AND t.startdatum BETWEEN ? AND ? AND t.einddatum IS NOT NULL",
        [*params, filters.van, filters.tot],
    )


def _headline(engine: Engine, filters: Filters, scope: Scope) -> float | None:
    """Cost ÷ tariff over all trajectories ended in the period (withheld when too few)."""
    cells = cell_figures(engine, filters=filters)
    n = int(cells["trajecten"].sum())
    if n == 0 or suppress_value(n, scope.suppress_small_counts) is None:
        return None
    return float(cells["kosten_cent"].sum() / cells["tarief_cent"].sum())


def capaciteit(
    engine: Engine, scope: Scope, *, filters: Filters
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Hours used per week against hours reserved, for fte and reserved-hours subcontracts.

    Capacity belongs to the contract, not to a municipality or segment: only the period and
    the provider filter (on either side of the contract) apply.
    """
    params: list[object] = [filters.van, filters.tot]
    provider = ""
    if filters.aanbieder_id is not None:
        provider = "AND (o.hoofdaannemer_id = ? OR o.onderaannemer_id = ?)"
        params += [filters.aanbieder_id, filters.aanbieder_id]
    forms = ", ".join(f"'{f.value}'" for f in CAPACITY_FORMS)
    monthly = analytics(engine).frame(
        f"""
        SELECT o.id AS onderaanneming_id, o.hoofdaannemer_id, h.naam AS hoofdaannemer,
               o.onderaannemer_id, n.naam AS onderaannemer, o.vorm::VARCHAR AS vorm,
               COALESCE(o.uren_per_week, o.fte * {HOURS_PER_FTE}) AS gereserveerd_per_week,
               i.maand::DATE AS maand, SUM(i.uren) / {WEEKS_PER_MONTH} AS gebruikt_per_week
        FROM onderaanneming o
        JOIN onder_inzet i ON i.onderaanneming_id = o.id
        JOIN aanbieder h ON h.id = o.hoofdaannemer_id
        JOIN aanbieder n ON n.id = o.onderaannemer_id
        WHERE o.vorm IN ({forms}) AND i.maand BETWEEN ? AND ? {provider}
        GROUP BY ALL ORDER BY onderaanneming_id, maand
        """,
        params,
    )
    monthly["maand"] = pd.to_datetime(monthly["maand"]).dt.date
    monthly["benutting"] = monthly["gebruikt_per_week"] / monthly["gereserveerd_per_week"]
    keys = [
        "onderaanneming_id",
        "hoofdaannemer_id",
        "hoofdaannemer",
        "onderaannemer_id",
        "onderaannemer",
        "vorm",
        "gereserveerd_per_week",
    ]
    summary = (
        monthly.groupby(keys, as_index=False)
        .agg(
            maanden=("maand", "count"),
            gebruikt_per_week=("gebruikt_per_week", "mean"),
            maanden_onder_80=("benutting", lambda b: int((b < 0.8).sum())),
        )
        .sort_values("onderaanneming_id")
        .reset_index(drop=True)
    )
    summary["benutting"] = summary["gebruikt_per_week"] / summary["gereserveerd_per_week"]
    # A capacity contract is visible in detail to whoever may see either party.
    for frame in (summary, monthly):
        visible = frame["hoofdaannemer_id"].map(scope.may_see_provider) | frame[
            "onderaannemer_id"
        ].map(scope.may_see_provider)
        for side in ("hoofdaannemer", "onderaannemer"):
            anonymous = anonymise_providers(
                engine, scope, frame=frame, id_column=f"{side}_id", name_column=side
            )
            frame[side] = frame[side].astype(object).where(visible, anonymous[side])
        for side in ("hoofdaannemer_id", "onderaannemer_id"):
            frame[side] = frame[side].astype("Int64").where(visible, pd.NA)
    monthly["contract"] = monthly["hoofdaannemer"] + " → " + monthly["onderaannemer"]
    return summary, monthly


def _heatmap_view(cells: pd.DataFrame) -> Heatmap:
    over = cells[(cells["uitnutting"] > 1) & ~cells["onderdrukt"]].sort_values(
        "uitnutting", ascending=False
    )
    return Heatmap(
        cellen=cells,
        segmenten=sorted(str(s) for s in cells["segment"].unique()),
        afgesloten=int(cells["trajecten"].fillna(0).sum()),
        boven_tarief=len(over),
        duurste=over.head(3).reset_index(drop=True),
    )


def _balans_view(balans: pd.DataFrame) -> Balans:
    shown = balans.dropna(subset=["tarief_cent"])
    deficit = shown[shown["tekort"]]
    return Balans(
        per_hoofdaannemer=balans,
        getekend=shown.head(BALANCE_BARS),
        met_cijfers=len(shown),
        met_tekort=len(deficit),
        tekort_cent=int(-deficit["resultaat_cent"].sum()),
    )


def _cost_share(trend: pd.DataFrame) -> dict[str, float]:
    totals = (
        trend.dropna(subset=["tarief_cent"])
        .groupby("segment")[["kosten_cent", "tarief_cent"]]
        .sum()
    )
    return {
        str(segment): float(row.kosten_cent / row.tarief_cent)
        for segment, row in totals.iterrows()
        if row.tarief_cent
    }


def uitnutting(
    *,
    engine: Engine,
    scope: Scope,
    filters: Filters,
    choice: UitnuttingKeuze = UitnuttingKeuze(),
) -> Uitnutting:
    filters = check_filters(engine, scope, filters=filters)
    cells = cell_figures(engine, filters=filters)
    value_columns = ["tarief_cent", "kosten_cent", "uitnutting"]
    eigen = None
    if scope.own_provider_id is not None:
        own = cell_figures(
            engine, filters=dataclasses.replace(filters, aanbieder_id=scope.own_provider_id)
        )
        eigen = suppress_small(own, "trajecten", value_columns, scope, exempt=own["trajecten"] >= 0)
    summary, monthly = capaciteit(engine, scope, filters=filters)
    shown_cells = suppress_small(cells, "trajecten", value_columns, scope)
    balans = _balans(engine, filters, scope)
    named = balans.dropna(subset=["aanbieder_id"])
    per = choice.trend_per if choice.trend_per in TREND_PER else "afsluiting"
    trend = _trend(engine, filters, scope, per)
    before = earlier_year(engine, filters=filters)
    vorig = None
    if choice.vergelijk and before is not None:
        vorig = shift_months(_trend(engine, before, scope, per), "maand", 12)
    drill = None
    if scope.sees_trajectories and not choice.selectie.leeg:
        drill = trajecten(engine, scope, filters=filters, selectie=choice.selectie)
    return Uitnutting(
        filters=filters,
        kop=Jaarvergelijking(
            _headline(engine, filters, scope),
            None if before is None else _headline(engine, before, scope),
        ),
        heatmap=_heatmap_view(shown_cells),
        eigen_heatmap=None if eigen is None else _heatmap_view(eigen),
        verdeling=_verdeling(engine, filters, scope),
        balans=_balans_view(balans),
        trend=trend,
        trend_per=per,
        trend_vorig_jaar=vorig,
        trend_kostenaandeel=_cost_share(trend),
        capaciteit=summary,
        capaciteit_per_maand=monthly,
        spic_opties={
            int(r.spic_id): f"{r.spic_code} – {r.profiel_naam}, {r.intensiteit_naam}"
            for r in cells.itertuples()
        },
        hoofdaannemer_opties=dict(
            zip(named["aanbieder_id"].astype(int), named["naam"], strict=True)
        ),
        drilldown=drill,
    )


def trajecten(
    engine: Engine,
    scope: Scope,
    *,
    filters: Filters,
    selectie: Selectie,
    limit: int | None = None,
) -> Drilldown:
    """The ended trajectories behind one heatmap cell or balance bar.

    Trajectory rows are provider detail: advisers get none, providers only their own,
    contract managers those of their portfolio. At most SPIC_DRILL_LIMIT rows, the highest
    utilisation first.
    """
    filters = check_filters(engine, scope, filters=filters)
    if not scope.sees_trajectories:
        raise AccessDenied(
            "Gegevens per traject zijn niet beschikbaar voor uw rol; u ziet alleen totalen."
        )
    limit = get_settings().drill_limit if limit is None else limit
    where, params = _ended(filters)
    visible, visible_params = scope.provider_condition("t.hoofdaannemer_id")
    conditions = [where, visible]
    params += visible_params
    if selectie.spic_id is not None:
        conditions.append("t.spic_id = ?")
        params.append(selectie.spic_id)
    if selectie.hoofdaannemer_id is not None:
        conditions.append("t.hoofdaannemer_id = ?")
        params.append(selectie.hoofdaannemer_id)
    frame = analytics(engine).frame(
        f"""
        SELECT t.id AS traject_id, t.client_pseudo, g.naam AS gemeente, s.code AS spic_code,
               a.naam AS hoofdaannemer, t.startdatum, t.einddatum, t.reden_beeindiging,
               t.tarief_cent, COALESCE(t.kosten_cent, 0)::BIGINT AS kosten_cent,
               COALESCE(t.eigen_kosten_cent, 0)::BIGINT AS eigen_kosten_cent,
               COUNT(*) OVER () AS totaal
        FROM {TRAJECT_JOINS} JOIN aanbieder a ON a.id = t.hoofdaannemer_id
        WHERE {" AND ".join(conditions)}
        ORDER BY COALESCE(t.kosten_cent, 0) / NULLIF(t.tarief_cent, 0) DESC NULLS LAST, t.id
        LIMIT ?
        """,
        [*params, limit],
    )
    total = int(frame["totaal"].iloc[0]) if len(frame) else 0
    frame = frame.drop(columns="totaal")
    for column in ("startdatum", "einddatum"):
        frame[column] = pd.to_datetime(frame[column]).dt.date
    frame["uitnutting"] = _ratio(frame["kosten_cent"], frame["tarief_cent"])
    frame["eigen_aandeel"] = _ratio(frame["eigen_kosten_cent"], frame["kosten_cent"])
    return Drilldown(
        frame,
        total,
        beperkt_tot_eigen=not scope.sees_all_detail,
        naam=_selection_name(engine, scope, selectie),
    )


def _selection_name(engine: Engine, scope: Scope, selectie: Selectie) -> str:
    an = analytics(engine)
    parts = []
    if selectie.spic_id is not None:
        parts += an.frame("SELECT code FROM spic WHERE id = ?", [selectie.spic_id])["code"].tolist()
    if selectie.hoofdaannemer_id is not None and scope.may_see_provider(selectie.hoofdaannemer_id):
        names = an.frame("SELECT naam FROM aanbieder WHERE id = ?", [selectie.hoofdaannemer_id])
        parts += [f"bij {n}" for n in names["naam"]]
    return " ".join(parts) or "alle trajecten"
