"""Overzicht: headline figures of the selection, per municipality and per quarter."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from data_access.access import Scope
from data_access.analytics import Analytics, analytics
from data_access.filters import Filters, check_filters
from data_access.models import Gemeente, Knelpunt, KnelpuntGemeente
from data_access.queries.common import (
    TRAJECT_ONLY,
    Jaarvergelijking,
    earlier_year,
    suppress_small,
    suppress_value,
    traject_where,
)
from data_access.register.workflow import OPEN


@dataclass(frozen=True)
class Kerncijfers:
    """Figures of one view; None means suppressed (fewer than the threshold of cases)."""

    actieve_trajecten: int | None
    gestarte_trajecten: int | None
    spic_waarde_cent: int | None
    betaald_cent: int | None
    nog_te_betalen_cent: int | None
    open_knelpunten: int | None


# The key figures compared with one year earlier (open reports are a state, not a period).
VERGELEKEN = (
    "actieve_trajecten",
    "gestarte_trajecten",
    "spic_waarde_cent",
    "betaald_cent",
    "nog_te_betalen_cent",
)


@dataclass(frozen=True)
class OverzichtKeuze:
    vergelijk: bool = False  # draw last year's quarters beside this year's


@dataclass(frozen=True)
class Overzicht:
    filters: Filters  # as applied, with the period filled in
    regio: Kerncijfers
    eigen_organisatie: Kerncijfers | None
    vergelijking: dict[str, Jaarvergelijking]  # key figure -> this period and a year earlier
    eigen_vergelijking: dict[str, Jaarvergelijking] | None
    per_gemeente: pd.DataFrame
    starts_per_kwartaal: pd.DataFrame
    gestart_per_segment: dict[str, int]  # the quarters shown, summed per segment
    starts_vorig_jaar: pd.DataFrame | None  # a year earlier, labelled with this year's quarters


def _compare(now: Kerncijfers, before: Kerncijfers | None) -> dict[str, Jaarvergelijking]:
    return {
        name: Jaarvergelijking(
            getattr(now, name), None if before is None else getattr(before, name)
        )
        for name in VERGELEKEN
    }


def _kerncijfers(
    snapshot: Analytics,
    conn: sa.Connection,
    filters: Filters,
    scope: Scope,
    suppress: bool,
    register: bool = True,
) -> Kerncijfers:
    where, params = traject_where(filters)
    active = "t.startdatum <= ? AND (t.einddatum IS NULL OR t.einddatum > ?)"
    started = "t.startdatum BETWEEN ? AND ?"
    row = snapshot.frame(
        f"""
        WITH sel AS (SELECT t.* FROM {TRAJECT_ONLY} WHERE {where}),
        bet AS (
            SELECT SUM(b.bedrag_cent) FILTER (WHERE b.datum BETWEEN ? AND ?) AS betaald,
                   SUM(b.bedrag_cent) FILTER (
                       WHERE b.datum <= ? AND t.startdatum <= ?
                         AND (t.einddatum IS NULL OR t.einddatum > ?)
                   ) AS betaald_actief
            FROM sel t JOIN betaling b ON b.traject_id = t.id
        )
        SELECT COUNT(*) FILTER (WHERE {active}) AS actief,
               COUNT(*) FILTER (WHERE {started}) AS gestart,
               COALESCE(SUM(t.tarief_cent) FILTER (WHERE {started}), 0) AS waarde,
               COALESCE(SUM(t.tarief_cent) FILTER (WHERE {active}), 0) AS actief_tarief,
               COALESCE(ANY_VALUE(bet.betaald), 0) AS betaald,
               COALESCE(ANY_VALUE(bet.betaald_actief), 0) AS betaald_actief
        FROM sel t, bet
        """,
        [
            *params,
            filters.van,
            filters.tot,
            filters.tot,
            filters.tot,
            filters.tot,
            filters.tot,
            filters.tot,
            filters.van,
            filters.tot,
            filters.van,
            filters.tot,
            filters.tot,
            filters.tot,
        ],
    ).iloc[0]
    n_actief, n_gestart, waarde, actief_tarief, betaald, betaald_actief = (
        int(row[c])
        for c in ("actief", "gestart", "waarde", "actief_tarief", "betaald", "betaald_actief")
    )
    knelpunten = _open_knelpunten(conn, filters, scope) if register else 0
    hide = suppress and scope.suppress_small_counts
    actieve = suppress_value(n_actief, hide)
    gestarte = suppress_value(n_gestart, hide)
    return Kerncijfers(
        actieve_trajecten=actieve,
        gestarte_trajecten=gestarte,
        spic_waarde_cent=waarde if gestarte is not None else None,
        betaald_cent=betaald if gestarte is not None else None,
        nog_te_betalen_cent=(actief_tarief - betaald_actief) if actieve is not None else None,
        open_knelpunten=suppress_value(knelpunten, hide) if register else None,
    )


def _open_knelpunten(conn: sa.Connection, filters: Filters, scope: Scope) -> int:
    stmt = (
        sa.select(sa.func.count())
        .select_from(Knelpunt)
        .where(Knelpunt.status.in_([s.value for s in OPEN]), scope.report_visibility(counting=True))
    )
    if filters.segment:
        stmt = stmt.where(sa.or_(Knelpunt.segment == filters.segment, Knelpunt.segment.is_(None)))
    if filters.aanbieder_id is not None:
        stmt = stmt.where(Knelpunt.aanbieder_id == filters.aanbieder_id)
    if filters.gemeente or filters.regio:
        links = sa.select(KnelpuntGemeente.knelpunt_id).join(
            Gemeente, Gemeente.cbs_code == KnelpuntGemeente.gemeente_code
        )
        if filters.gemeente:
            links = links.where(KnelpuntGemeente.gemeente_code == filters.gemeente)
        if filters.regio:
            links = links.where(Gemeente.regio_code == filters.regio)
        stmt = stmt.where(Knelpunt.id.in_(links))
    return int(conn.execute(stmt).scalar() or 0)


def overzicht(
    *,
    engine: Engine,
    scope: Scope,
    filters: Filters,
    choice: OverzichtKeuze = OverzichtKeuze(),
) -> Overzicht:
    filters = check_filters(engine, scope, filters=filters)
    before = earlier_year(engine, filters=filters)
    # The snapshot first: opening it reads the data version on a connection of its own, and
    # a second checkout while holding one leaves a full pool waiting for itself.
    snapshot = analytics(engine)
    with engine.connect() as conn:
        regio = _kerncijfers(snapshot, conn, filters, scope, suppress=True)
        regio_vorig = (
            None
            if before is None
            else _kerncijfers(snapshot, conn, before, scope, suppress=True, register=False)
        )
        eigen = eigen_vergelijking = None
        if scope.own_provider_id is not None:
            own = dataclasses.replace(filters, aanbieder_id=scope.own_provider_id)
            eigen = _kerncijfers(snapshot, conn, own, scope, suppress=False)
            eigen_vorig = (
                None
                if before is None
                else _kerncijfers(
                    snapshot,
                    conn,
                    dataclasses.replace(before, aanbieder_id=scope.own_provider_id),
                    scope,
                    suppress=False,
                    register=False,
                )
            )
            eigen_vergelijking = _compare(eigen, eigen_vorig)
    per_gemeente = _per_gemeente(engine, filters)
    per_kwartaal = suppress_small(_starts_per_kwartaal(engine, filters), "gestart", [], scope)
    shown = per_kwartaal.dropna(subset=["gestart"])
    vorig = None
    if choice.vergelijk and before is not None:
        vorig = suppress_small(_starts_per_kwartaal(engine, before), "gestart", [], scope)
        vorig["kwartaal"] = [_next_year(k) for k in vorig["kwartaal"]]
    return Overzicht(
        filters=filters,
        regio=regio,
        eigen_organisatie=eigen,
        vergelijking=_compare(regio, regio_vorig),
        eigen_vergelijking=eigen_vergelijking,
        per_gemeente=suppress_small(per_gemeente, "gestart", ["spic_waarde_cent"], scope),
        starts_per_kwartaal=per_kwartaal,
        gestart_per_segment={
            str(s): int(n) for s, n in shown.groupby("segment")["gestart"].sum().items()
        },
        starts_vorig_jaar=vorig,
    )


def _next_year(kwartaal: str) -> str:
    """'2024-K3' -> '2025-K3': last year's quarter drawn beside this year's."""
    year, quarter = kwartaal.split("-")
    return f"{int(year) + 1}-{quarter}"


def _per_gemeente(engine: Engine, filters: Filters) -> pd.DataFrame:
    where, params = traject_where(filters)
    return analytics(engine).frame(
        f"""
        SELECT g.naam AS gemeente,
               COUNT(*) FILTER (WHERE t.startdatum BETWEEN ? AND ?) AS gestart,
               COALESCE(SUM(t.tarief_cent) FILTER (WHERE t.startdatum BETWEEN ? AND ?), 0)
                   ::BIGINT AS spic_waarde_cent
        FROM {TRAJECT_ONLY}
        WHERE {where}
        GROUP BY g.naam ORDER BY g.naam
        """,
        [filters.van, filters.tot, filters.van, filters.tot, *params],
    )


def _starts_per_kwartaal(engine: Engine, filters: Filters) -> pd.DataFrame:
    """Started trajectories per quarter and segment."""
    where, params = traject_where(filters)
    return analytics(engine).frame(
        f"""
        SELECT YEAR(t.startdatum)::VARCHAR || '-K' || QUARTER(t.startdatum)::VARCHAR AS kwartaal,
               s.segment::VARCHAR AS segment, COUNT(*) AS gestart
        FROM {TRAJECT_ONLY}
        WHERE {where} AND t.startdatum BETWEEN ? AND ?
        GROUP BY ALL ORDER BY kwartaal, segment
        """,
        [*params, filters.van, filters.tot],
    )
