"""The retention period of the register: the free text of a report closed more than
`SPIC_RETENTION_YEARS` ago is anonymised; what it was about stays.

Kept: reference, dates, category, segment, profile, urgency, number of families, the
municipalities and the whole status history (who, when, from which status to which).
Removed: title, description and action holder of the report, the texts in its history, and
the decision and actions recorded for it in meetings. `python -m data_access retentie` shows
what would change; `--uitvoeren` changes it, in one transaction, with an audit row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from data_access import audit
from data_access.access import Scope
from data_access.db import session_scope
from data_access.models import (
    Actie,
    Agendapunt,
    AuditActie,
    GebeurtenisSoort,
    Knelpunt,
    KnelpuntGebeurtenis,
    utcnow,
)
from data_access.register.workflow import CLOSED
from data_access.settings import get_settings

ANONIEM = "[geanonimiseerd]"
NOT_ALLOWED = "Alleen een beheerder past de bewaartermijn toe."


@dataclass(frozen=True)
class Opschoning:
    referenties: list[str]  # the reports whose text is (or would be) anonymised
    grens: dt.datetime  # closed before this moment
    uitgevoerd: bool


def _closed_before(limit: dt.datetime) -> sa.Select:
    """Reports in a closed status whose last step into it is older than `limit`, and whose
    text is still there."""
    closing = (
        sa.select(
            KnelpuntGebeurtenis.knelpunt_id,
            sa.func.max(KnelpuntGebeurtenis.tijdstip).label("gesloten"),
        )
        .where(
            KnelpuntGebeurtenis.soort == GebeurtenisSoort.STATUS,
            KnelpuntGebeurtenis.naar.in_([s.value for s in CLOSED]),
        )
        .group_by(KnelpuntGebeurtenis.knelpunt_id)
        .subquery()
    )
    return (
        sa.select(Knelpunt.id, Knelpunt.referentie)
        .join(closing, closing.c.knelpunt_id == Knelpunt.id)
        .where(
            Knelpunt.status.in_([s.value for s in CLOSED]),
            closing.c.gesloten < limit,
            Knelpunt.titel != ANONIEM,
        )
        .order_by(Knelpunt.referentie)
    )


def apply_retention(engine: Engine, scope: Scope, *, uitvoeren: bool = False) -> Opschoning:
    """What the retention period removes; with `uitvoeren`, remove it (one transaction)."""
    scope.require(scope.may_administer, NOT_ALLOWED)
    years = get_settings().retention_years
    now = utcnow()
    try:
        limit = now.replace(year=now.year - years)
    except ValueError:  # 29 February
        limit = now.replace(year=now.year - years, day=28)
    with session_scope(engine) as session:
        rows = session.execute(_closed_before(limit)).all()
        ids = [int(r[0]) for r in rows]
        references = [str(r[1]) for r in rows]
        if uitvoeren and ids:
            session.execute(
                sa.update(Knelpunt)
                .where(Knelpunt.id.in_(ids))
                # `gewijzigd` too: every cache keyed on the register's state drops the texts.
                .values(titel=ANONIEM, omschrijving=ANONIEM, gewijzigd=now)
            )
            session.execute(
                sa.update(KnelpuntGebeurtenis)
                .where(KnelpuntGebeurtenis.knelpunt_id.in_(ids))
                .values(tekst=None)
            )
            session.execute(
                sa.update(Agendapunt).where(Agendapunt.knelpunt_id.in_(ids)).values(besluit=None)
            )
            session.execute(
                sa.update(Actie)
                .where(Actie.knelpunt_id.in_(ids))
                .values(omschrijving=ANONIEM, eigenaar=ANONIEM)
            )
            audit.add(
                session,
                gebruiker_id=scope.gebruiker_id,
                actie=AuditActie.RETENTIE,
                onderwerp=f"{len(ids)} meldingen, gesloten vóór {limit:%d-%m-%Y}",
                filters=", ".join(references),
            )
    return Opschoning(references, limit, uitvoeren and bool(ids))
