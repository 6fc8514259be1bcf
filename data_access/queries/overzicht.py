"""Headline figures for the overview page."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from data_access.access import Scope
from data_access.filters import Filters, check_filters
from data_access.models import (
    Betaling,
    Gemeente,
    Knelpunt,
    KnelpuntGemeente,
    KnelpuntStatus,
    Rol,
    Spic,
    Traject,
)
from data_access.queries.common import suppress_small, suppress_value, traject_base

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
    conn: sa.Connection, filters: Filters, scope: Scope, suppress: bool
) -> Kerncijfers:
    base = traject_base(filters).subquery()
    actief = sa.and_(
        base.c.startdatum <= filters.tot,
        sa.or_(base.c.einddatum.is_(None), base.c.einddatum > filters.tot),
    )
    gestart = base.c.startdatum.between(filters.van, filters.tot)
    row = conn.execute(
        sa.select(
            sa.func.count().filter(actief),
            sa.func.count().filter(gestart),
            sa.func.coalesce(sa.func.sum(base.c.tarief_cent).filter(gestart), 0),
            sa.func.coalesce(sa.func.sum(base.c.tarief_cent).filter(actief), 0),
        )
    ).one()
    n_actief, n_gestart, waarde, actief_tarief = (int(v) for v in row)
    betaald = conn.execute(
        sa.select(sa.func.coalesce(sa.func.sum(Betaling.bedrag_cent), 0))
        .join(base, base.c.id == Betaling.traject_id)
        .where(Betaling.datum.between(filters.van, filters.tot))
    ).scalar()
    betaald_actief = conn.execute(
        sa.select(sa.func.coalesce(sa.func.sum(Betaling.bedrag_cent), 0))
        .join(base, base.c.id == Betaling.traject_id)
        .where(actief, Betaling.datum <= filters.tot)
    ).scalar()
    knelpunten = _open_knelpunten(conn, filters, scope)
    hide = suppress and scope.suppress_small_counts
    actieve = suppress_value(n_actief, hide)
    gestarte = suppress_value(n_gestart, hide)
    return Kerncijfers(
        actieve_trajecten=actieve,
        gestarte_trajecten=gestarte,
        spic_waarde_cent=waarde if gestarte is not None else None,
        betaald_cent=int(betaald or 0) if gestarte is not None else None,
        nog_te_betalen_cent=(actief_tarief - int(betaald_actief or 0))
        if actieve is not None
        else None,
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
        regio = _kerncijfers(conn, filters, scope, suppress=True)
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
            eigen = _kerncijfers(conn, own, scope, suppress=False)
        per_gemeente = _per_gemeente(conn, filters)
        per_kwartaal = _starts_per_kwartaal(conn, filters)
    return Overzicht(
        regio=regio,
        eigen_organisatie=eigen,
        per_gemeente=suppress_small(per_gemeente, "gestart", ["spic_waarde_cent"], scope),
        starts_per_kwartaal=suppress_small(per_kwartaal, "gestart", [], scope),
    )


def _per_gemeente(conn: sa.Connection, filters: Filters) -> pd.DataFrame:
    gestart = Traject.startdatum.between(filters.van, filters.tot)
    stmt = (
        traject_base(filters)
        .with_only_columns(
            Gemeente.naam.label("gemeente"),
            sa.func.count().filter(gestart).label("gestart"),
            sa.func.coalesce(sa.func.sum(Traject.tarief_cent).filter(gestart), 0).label(
                "spic_waarde_cent"
            ),
        )
        .group_by(Gemeente.naam)
        .order_by(Gemeente.naam)
    )
    return pd.DataFrame(
        conn.execute(stmt).all(), columns=["gemeente", "gestart", "spic_waarde_cent"]
    )


def _starts_per_kwartaal(conn: sa.Connection, filters: Filters) -> pd.DataFrame:
    """Started trajectories per quarter and segment (dates bucketed in Python: portable SQL)."""
    stmt = (
        traject_base(filters)
        .with_only_columns(Traject.startdatum, Spic.segment, sa.func.count().label("gestart"))
        .where(Traject.startdatum.between(filters.van, filters.tot))
        .group_by(Traject.startdatum, Spic.segment)
    )
    rows = pd.DataFrame(conn.execute(stmt).all(), columns=["startdatum", "segment", "gestart"])
    if rows.empty:
        return pd.DataFrame(columns=["kwartaal", "segment", "gestart"])
    dates = pd.to_datetime(rows["startdatum"])
    rows["kwartaal"] = dates.dt.year.astype(str) + "-K" + dates.dt.quarter.astype(str)
    rows["segment"] = rows["segment"].map(lambda s: getattr(s, "value", s))
    out = rows.groupby(["kwartaal", "segment"], as_index=False)["gestart"].sum()
    return out.sort_values(["kwartaal", "segment"]).reset_index(drop=True)
