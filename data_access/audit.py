"""The audit trail: who took which data out of the app, and who changed who may use it.

Rows are only ever added (the database refuses UPDATE and DELETE on `auditregel`). A change
that is audited writes its row in its own transaction (an import, a user administered); a
download writes its row when the file is built, just before the browser gets it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from data_access.access import Scope
from data_access.db import session_scope
from data_access.models import AuditActie, Auditregel, Gebruiker

COMMAND_LINE = "opdrachtregel"  # the user of Scope.operator(): whoever runs the server's CLI
ANONYMOUS = "onbekend"  # a request that carries no (valid) login
NOT_ALLOWED = "Alleen een beheerder mag het auditlog inzien."
LIMIT = 1000  # rows on screen and in the download; the filters narrow it down


def add(
    session: Session,
    *,
    gebruiker_id: int | None,
    actie: AuditActie,
    onderwerp: str,
    filters: str = "",
    anoniem: bool = False,
) -> None:
    """One row, in the caller's transaction: it lands only if the action does. Without a user
    the actor is the command line, or, for a refused web request (`anoniem`), unknown."""
    user = session.get(Gebruiker, gebruiker_id) if gebruiker_id else None
    nobody = ANONYMOUS if anoniem else COMMAND_LINE
    session.add(
        Auditregel(
            gebruiker_id=user.id if user else None,
            gebruikersnaam=user.gebruikersnaam if user else nobody,
            rol=str(user.rol) if user else None,
            actie=actie,
            onderwerp=onderwerp[:255],
            filters=filters[:1000],
        )
    )


def record(
    engine: Engine,
    *,
    gebruiker_id: int | None,
    actie: AuditActie,
    onderwerp: str,
    filters: str = "",
    anoniem: bool = False,
) -> None:
    with session_scope(engine) as session:
        add(
            session,
            gebruiker_id=gebruiker_id,
            actie=actie,
            onderwerp=onderwerp,
            filters=filters,
            anoniem=anoniem,
        )


@dataclass(frozen=True)
class AuditView:
    regels: pd.DataFrame  # newest first, at most LIMIT rows
    totaal: int  # rows matching the filters
    gebruikers: list[str]  # every name in the trail, for the filter


def audit_log(
    engine: Engine,
    scope: Scope,
    *,
    van: dt.date,
    tot: dt.date,
    acties: list[AuditActie] | None = None,
    gebruiker: str | None = None,
) -> AuditView:
    """The trail between two dates (inclusive), for the beheerder only."""
    scope.require(scope.may_administer, NOT_ALLOWED)
    table = Auditregel.__table__  # type: ignore[attr-defined]
    start = dt.datetime.combine(van, dt.time.min, tzinfo=dt.UTC)
    end = dt.datetime.combine(tot + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
    where = [table.c.tijdstip >= start, table.c.tijdstip < end]
    if acties:
        where.append(table.c.actie.in_([a.value for a in acties]))
    if gebruiker:
        where.append(table.c.gebruikersnaam == gebruiker)
    columns = [
        table.c.tijdstip,
        table.c.gebruikersnaam,
        table.c.rol,
        table.c.actie,
        table.c.onderwerp,
        table.c.filters,
    ]
    with engine.connect() as conn:
        totaal = conn.execute(sa.select(sa.func.count()).select_from(table).where(*where))
        rows = conn.execute(
            sa.select(*columns).where(*where).order_by(table.c.id.desc()).limit(LIMIT)
        ).all()
        names = conn.execute(
            sa.select(table.c.gebruikersnaam).distinct().order_by(table.c.gebruikersnaam)
        ).scalars()
        frame = pd.DataFrame(rows, columns=[c.name for c in columns])
        # SQLite hands back naive UTC timestamps, PostgreSQL aware ones: the same on both.
        frame["tijdstip"] = pd.to_datetime(frame["tijdstip"], utc=True)
        return AuditView(
            frame,
            int(totaal.scalar_one()),
            list(names),
        )
