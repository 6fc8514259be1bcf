"""Headline figures for the overview page."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from data_access.access import Scope
from data_access.analytics import analytics
from data_access.filters import Filters, check_filters
from data_access.models import (
    Gemeente,
    Knelpunt,
    KnelpuntGemeente,
    KnelpuntStatus,
    Rol,
)
from data_access.queries.common import TRAJECT_ONLY, suppress_small, suppress_value, traject_where

OPEN_STATUSSEN = (
    KnelpuntStatus.NIEUW,
    KnelpuntStatus.IN_BEHANDELING,
    KnelpuntStatus.GEAGENDEERD,
    KnelpuntStatus.BESLOTEN,
)


@dataclass(frozen=True)
class Kerncijfers:
    """Figures of one view; None means suppressed (fewer than the threshold of cases)."""

    actieve_trajecten: int | None
    gestarte_trajecten: int | None
    spic_waarde_cent: int | None
    betaald_cent: int | None
    nog_te_betalen_cent: int | None
    open_knelpunten: int | None


@dataclass(frozen=True)
class Overzicht:
    regio: Kerncijfers
    eigen_organisatie: Kerncijfers | None
    per_gemeente: pd.DataFrame
    starts_per_kwartaal: pd.DataFrame


def _kerncijfers(
    engine: Engine, conn: sa.Connection, filters: Filters, scope: Scope, suppress: bool
) -> Kerncijfers:
    where, params = traject_where(filters)
    active = "t.startdatum <= ? AND (t.einddatum IS NULL OR t.einddatum > ?)"
    started = "t.startdatum BETWEEN ? AND ?"
    row = (
        analytics(engine)
        .frame(
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
        )
        .iloc[0]
    )
    n_actief, n_gestart, waarde, actief_tarief, betaald, betaald_actief = (
        int(row[c])
        for c in ("actief", "gestart", "waarde", "actief_tarief", "betaald", "betaald_actief")
    )
    knelpunten = _open_knelpunten(conn, filters, scope)
    hide = suppress and scope.suppress_small_counts
    actieve = suppress_value(n_actief, hide)
    gestarte = suppress_value(n_gestart, hide)
    return Kerncijfers(
        actieve_trajecten=actieve,
        gestarte_trajecten=gestarte,
        spic_waarde_cent=waarde if gestarte is not None else None,
        betaald_cent=betaald if gestarte is not None else None,
        nog_te_betalen_cent=(actief_tarief - betaald_actief) if actieve is not None else None,
        open_knelpunten=suppress_value(knelpunten, hide),
    )


def _open_knelpunten(conn: sa.Connection, filters: Filters, scope: Scope) -> int:
    stmt = (
        sa.select(sa.func.count()).select_from(Knelpunt).where(Knelpunt.status.in_(OPEN_STATUSSEN))
    )
    if scope.rol == Rol.AANBIEDER:
        stmt = stmt.where(Knelpunt.aanbieder_id == scope.aanbieder_id)
    elif scope.rol == Rol.CONTRACTMANAGER:
        stmt = stmt.where(
            sa.or_(
                Knelpunt.aanbieder_id.in_(scope.portefeuille or {-1}),
                Knelpunt.toegewezen_aan_id == scope.gebruiker_id,
            )
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


def overzicht(engine: Engine, scope: Scope, filters: Filters) -> Overzicht:
    check_filters(filters, scope)
    with engine.connect() as conn:
        regio = _kerncijfers(engine, conn, filters, scope, suppress=True)
        eigen = None
        if scope.rol == Rol.AANBIEDER and scope.aanbieder_id is not None:
            own = Filters(
                filters.van,
                filters.tot,
                filters.regio,
                filters.gemeente,
                filters.segment,
                scope.aanbieder_id,
            )
            eigen = _kerncijfers(engine, conn, own, scope, suppress=False)
    per_gemeente = _per_gemeente(engine, filters)
    per_kwartaal = _starts_per_kwartaal(engine, filters)
    return Overzicht(
        regio=regio,
        eigen_organisatie=eigen,
        per_gemeente=suppress_small(per_gemeente, "gestart", ["spic_waarde_cent"], scope),
        starts_per_kwartaal=suppress_small(per_kwartaal, "gestart", [], scope),
    )


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
