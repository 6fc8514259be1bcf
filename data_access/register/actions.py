"""Actions on a report: what is to be done, by whom, by when, and whether it is done.

An action is agreed in a meeting (then it is linked to that decision, `meetings`) or while
following a report up. Each change is one transaction with a history row on the report; a
stale change is refused by the action's `versie`, as for reports.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from data_access.access import AccessDenied, Scope
from data_access.db import session_scope
from data_access.labels import ACTIE_STATUS, label
from data_access.models import Actie, ActieStatus, GebeurtenisSoort, Knelpunt, utcnow
from data_access.register.reports import event, load_for_change
from data_access.register.workflow import Conflict
from data_access.validation import ValidationFailed, check_text

OMSCHRIJVING_LENGTE = (3, 1_000)
EIGENAAR_LENGTE = (2, 120)
NOT_ALLOWED = "Uw rol mag acties vastleggen niet."
STALE = (
    "Deze actie is intussen door iemand anders gewijzigd. Uw wijziging is niet opgeslagen; "
    "bekijk de nieuwe stand en probeer het opnieuw."
)


@dataclass(frozen=True)
class NieuweActie:
    omschrijving: str
    eigenaar: str
    deadline: dt.date | None = None


def checked(actie: NieuweActie) -> NieuweActie:
    """The action as it will be stored (texts through the privacy screen), or ValidationFailed."""
    errors: dict[str, list[str]] = {}
    values: dict[str, str] = {}
    for field, text, limits in (
        ("Actie", actie.omschrijving, OMSCHRIJVING_LENGTE),
        ("Eigenaar", actie.eigenaar, EIGENAAR_LENGTE),
    ):
        try:
            values[field] = check_text(text, field, limits)
        except ValidationFailed as exc:
            errors |= exc.errors
    if errors:
        raise ValidationFailed(errors)
    return NieuweActie(values["Actie"], values["Eigenaar"], actie.deadline)


def _summary(omschrijving: str, eigenaar: str) -> str:
    return f"{omschrijving} — {eigenaar}"


def add(
    session: Session,
    scope: Scope,
    knelpunt: Knelpunt,
    actie: NieuweActie,
    *,
    agendapunt_id: int | None = None,
) -> None:
    """One checked action on a report, in the caller's transaction, with its history row."""
    assert knelpunt.id is not None
    now = utcnow()
    session.add(
        Actie(
            knelpunt_id=knelpunt.id,
            agendapunt_id=agendapunt_id,
            omschrijving=actie.omschrijving,
            eigenaar=actie.eigenaar,
            deadline=actie.deadline,
            status=ActieStatus.OPEN,
            aangemaakt=now,
            gewijzigd=now,
        )
    )
    event(
        session,
        knelpunt.id,
        scope,
        GebeurtenisSoort.ACTIE,
        naar=actie.deadline.isoformat() if actie.deadline else None,
        tekst=_summary(actie.omschrijving, actie.eigenaar),
    )


def add_action(engine: Engine, scope: Scope, *, knelpunt_id: int, actie: NieuweActie) -> None:
    """An action agreed while following a report up (not in a meeting)."""
    scope.require(scope.may_follow_up, NOT_ALLOWED)
    new = checked(actie)
    with session_scope(engine) as session:
        knelpunt = load_for_change(session, scope, knelpunt_id, None)
        add(session, scope, knelpunt, new)
        session.execute(
            sa.update(Knelpunt).where(Knelpunt.id == knelpunt_id).values(gewijzigd=utcnow())
        )


def change_action(
    engine: Engine,
    scope: Scope,
    *,
    actie_id: int,
    versie: int,
    status: ActieStatus,
    eigenaar: str,
    deadline: dt.date | None,
) -> None:
    """Mark an action done or dropped, or give it another owner or deadline."""
    scope.require(scope.may_follow_up, NOT_ALLOWED)
    owner = check_text(eigenaar, "Eigenaar", EIGENAAR_LENGTE)
    with session_scope(engine) as session:
        actie = session.get(Actie, actie_id)
        if actie is None:
            raise AccessDenied("Deze actie bestaat niet of u heeft er geen toegang toe.")
        knelpunt = load_for_change(session, scope, actie.knelpunt_id, None)
        if actie.versie != versie:
            raise Conflict(STALE)
        changes = []
        if actie.status != status:
            changes.append(
                f"status {label(ACTIE_STATUS, actie.status)} → {label(ACTIE_STATUS, status)}"
            )
        if actie.eigenaar != owner:
            changes.append(f"eigenaar {actie.eigenaar} → {owner}")
        if actie.deadline != deadline:
            before = f"{actie.deadline:%d-%m-%Y}" if actie.deadline else "geen"
            after = f"{deadline:%d-%m-%Y}" if deadline else "geen"
            changes.append(f"deadline {before} → {after}")
        if not changes:
            return  # saved unchanged: nothing logged
        result = session.execute(
            sa.update(Actie)
            .where(Actie.id == actie_id, Actie.versie == versie)
            .values(
                status=status,
                eigenaar=owner,
                deadline=deadline,
                gewijzigd=utcnow(),
                versie=versie + 1,
            )
        )
        if result.rowcount != 1:
            raise Conflict(STALE)
        assert knelpunt.id is not None
        event(
            session,
            knelpunt.id,
            scope,
            GebeurtenisSoort.ACTIE,
            naar=deadline.isoformat() if deadline else None,
            tekst=f"Actie '{actie.omschrijving[:80]}': " + "; ".join(changes),
        )
        session.execute(
            sa.update(Knelpunt).where(Knelpunt.id == knelpunt.id).values(gewijzigd=utcnow())
        )
