"""Kerngroep meetings: the agenda beforehand, decisions and actions during, Word documents.

Putting a report on the agenda moves it to 'geagendeerd'; recording a decision moves it to
'besloten'. Both happen in the same transaction as the agenda change, with history rows.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass

import sqlalchemy as sa
from docx import Document
from docx.shared import Pt
from sqlalchemy.engine import Engine
from sqlmodel import Session

from data_access.access import Scope
from data_access.db import session_scope
from data_access.labels import CATEGORIE, STATUS, URGENTIE, label
from data_access.models import Agendapunt, GebeurtenisSoort, KnelpuntStatus, Overleg
from data_access.register import actions
from data_access.register.actions import NieuweActie
from data_access.register.reads import agenda, require_meetings
from data_access.register.reports import bump, event, load_for_change, transition
from data_access.register.workflow import AGENDA_STATUSES, Conflict, WorkflowError
from data_access.validation import ValidationFailed, check_text

S = KnelpuntStatus
TITEL_LENGTE = (3, 150)
MAX_ACTIES = 20


def create(engine: Engine, scope: Scope, *, datum: dt.date, titel: str) -> int:
    require_meetings(scope)
    text = check_text(titel, "Titel", TITEL_LENGTE)
    with session_scope(engine) as session:
        overleg = Overleg(datum=datum, titel=text)
        session.add(overleg)
        session.flush()
        assert overleg.id is not None
        return overleg.id


def add_item(engine: Engine, scope: Scope, *, overleg_id: int, knelpunt_id: int) -> None:
    """Put a report at the end of the agenda; a report in progress becomes 'geagendeerd'."""
    require_meetings(scope)
    with session_scope(engine) as session:
        if session.get(Overleg, overleg_id) is None:
            raise WorkflowError("Dit overleg bestaat niet.")
        knelpunt = load_for_change(session, scope, knelpunt_id, None)
        present = session.execute(
            sa.select(Agendapunt.id).where(
                Agendapunt.overleg_id == overleg_id, Agendapunt.knelpunt_id == knelpunt_id
            )
        ).first()
        if present:
            raise WorkflowError(f"Melding {knelpunt.referentie} staat al op deze agenda.")
        if knelpunt.status not in AGENDA_STATUSES:
            raise WorkflowError(
                f"Melding {knelpunt.referentie} heeft status '{label(STATUS, knelpunt.status)}' "
                "en kan niet meer worden geagendeerd."
            )
        last = session.execute(
            sa.select(sa.func.max(Agendapunt.volgorde)).where(Agendapunt.overleg_id == overleg_id)
        ).scalar()
        session.add(
            Agendapunt(overleg_id=overleg_id, knelpunt_id=knelpunt_id, volgorde=(last or 0) + 1)
        )
        versie = knelpunt.versie
        if knelpunt.status == S.NIEUW:
            transition(session, scope, knelpunt, versie, S.IN_BEHANDELING, None)
            versie += 1
        if knelpunt.status == S.IN_BEHANDELING:
            transition(session, scope, knelpunt, versie, S.GEAGENDEERD, None)


def move_item(engine: Engine, scope: Scope, *, item_id: int, omhoog: bool) -> None:
    """Swap an agenda item with its neighbour above or below."""
    require_meetings(scope)
    with session_scope(engine) as session:
        item = session.get(Agendapunt, item_id)
        if item is None:
            raise WorkflowError("Dit agendapunt bestaat niet meer.")
        order = sa.select(Agendapunt).where(Agendapunt.overleg_id == item.overleg_id)
        if omhoog:
            order = order.where(Agendapunt.volgorde < item.volgorde).order_by(
                Agendapunt.volgorde.desc()
            )
        else:
            order = order.where(Agendapunt.volgorde > item.volgorde).order_by(Agendapunt.volgorde)
        neighbour = session.execute(order.limit(1)).scalar_one_or_none()
        if neighbour is None:
            return
        item.volgorde, neighbour.volgorde = neighbour.volgorde, item.volgorde
        session.add_all([item, neighbour])


def remove_item(engine: Engine, scope: Scope, *, item_id: int) -> None:
    require_meetings(scope)
    with session_scope(engine) as session:
        item = session.get(Agendapunt, item_id)
        if item is None:
            return
        if item.besluit:
            raise WorkflowError("Over dit agendapunt is al besloten; het blijft op de agenda.")
        session.delete(item)


def _checked_actions(acties: list[NieuweActie]) -> list[NieuweActie]:
    if len(acties) > MAX_ACTIES:
        raise ValidationFailed({"acties": [f"Leg hoogstens {MAX_ACTIES} acties per besluit vast."]})
    checked = []
    for n, actie in enumerate(acties, start=1):
        try:
            checked.append(actions.checked(actie))
        except ValidationFailed as exc:
            raise ValidationFailed(
                {f"actie {n}": [f"Actie {n}: {m}" for ms in exc.errors.values() for m in ms]}
            ) from None
    return checked


def record_decision(
    engine: Engine,
    scope: Scope,
    *,
    item_id: int,
    versie: int,
    besluit: str,
    acties: list[NieuweActie] | None = None,
) -> None:
    """Write the decision of one agenda item with the actions that follow from it; the report
    becomes 'besloten'. All of it or nothing."""
    require_meetings(scope)
    text = check_text(besluit, "Besluit")
    new_actions = _checked_actions(acties or [])
    with session_scope(engine) as session:
        item = session.get(Agendapunt, item_id)
        if item is None:
            raise WorkflowError("Dit agendapunt bestaat niet meer.")
        knelpunt = load_for_change(session, scope, item.knelpunt_id, versie)
        item.besluit = text
        session.add(item)
        if knelpunt.status == S.GEAGENDEERD:
            transition(session, scope, knelpunt, versie, S.BESLOTEN, text)
        elif knelpunt.status != S.BESLOTEN:
            raise WorkflowError(
                f"Melding {knelpunt.referentie} heeft status '{label(STATUS, knelpunt.status)}'; "
                "alleen geagendeerde meldingen krijgen een besluit."
            )
        else:
            raise Conflict(
                f"Over melding {knelpunt.referentie} is al besloten. Laad de agenda opnieuw."
            )
        for actie in new_actions:
            actions.add(session, scope, knelpunt, actie, agendapunt_id=item_id)


def correct_decision(
    engine: Engine,
    scope: Scope,
    *,
    item_id: int,
    versie: int,
    besluit: str,
    reden: str,
) -> None:
    """Correct a recorded decision; the report's history keeps what it said before and why.
    (Its actions change one by one, each with its own history row.)"""
    require_meetings(scope)
    text = check_text(besluit, "Besluit")
    why = check_text(reden, "Reden van de correctie")
    with session_scope(engine) as session:
        item = session.get(Agendapunt, item_id)
        if item is None:
            raise WorkflowError("Dit agendapunt bestaat niet meer.")
        if not item.besluit:
            raise WorkflowError(
                "Over dit agendapunt is nog niet besloten; leg eerst een besluit vast."
            )
        if item.besluit == text:
            return  # saved unchanged: nothing to correct, nothing logged
        knelpunt = load_for_change(session, scope, item.knelpunt_id, versie)
        before = item.besluit
        item.besluit = text
        session.add(item)
        bump(session, knelpunt, versie)
        event(
            session,
            item.knelpunt_id,
            scope,
            GebeurtenisSoort.BEWERKT,
            tekst=f"Besluit gecorrigeerd: {why}\nEerder vastgelegd: {before}",
        )


# --- Word documents ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Kop:
    titel: str
    datum: dt.date


def _header(engine: Engine, overleg_id: int) -> Kop:
    with Session(engine) as session:
        overleg = session.get(Overleg, overleg_id)
        if overleg is None:
            raise WorkflowError("Dit overleg bestaat niet.")
        return Kop(overleg.titel, overleg.datum)


def _document(kop: Kop, soort: str) -> Document:
    doc = Document()
    doc.styles["Normal"].font.name = "Calibri"
    doc.styles["Normal"].font.size = Pt(11)
    doc.add_heading(f"{soort} – {kop.titel}", level=1)
    doc.add_paragraph(f"Kerngroep SPIC, overleg van {kop.datum:%d-%m-%Y}")
    return doc


def _bytes(doc: Document) -> bytes:
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def agenda_docx(engine: Engine, scope: Scope, *, overleg_id: int) -> bytes:
    """The agenda to send out beforehand: the reports in order, with what they are about."""
    items = agenda(engine, scope, overleg_id=overleg_id)
    doc = _document(_header(engine, overleg_id), "Agenda")
    if items.empty:
        doc.add_paragraph("Er staan nog geen meldingen op de agenda.")
    for n, row in enumerate(items.itertuples(), start=1):
        doc.add_heading(f"{n}. {row.referentie} – {row.titel}", level=2)
        families = "onbekend" if row.aantal_gezinnen is None else str(int(row.aantal_gezinnen))
        doc.add_paragraph(
            f"Categorie: {label(CATEGORIE, row.categorie)}. "
            f"Urgentie: {label(URGENTIE, row.urgentie)}. Betrokken gezinnen: {families}. "
            f"Gemeld door: {row.aanbieder or 'onbekend'}. Status: {label(STATUS, row.status)}."
        )
        doc.add_paragraph(str(row.omschrijving))  # the reporter's own words, as plain text
    return _bytes(doc)


def decisions_docx(engine: Engine, scope: Scope, *, overleg_id: int) -> bytes:
    """The decisions list afterwards: per item the decision and the actions."""
    items = agenda(engine, scope, overleg_id=overleg_id)
    doc = _document(_header(engine, overleg_id), "Besluitenlijst")
    table = doc.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    for cell, text in zip(
        table.rows[0].cells, ("Nr.", "Melding", "Besluit", "Acties"), strict=True
    ):
        cell.text = text
    for n, row in enumerate(items.itertuples(), start=1):
        cells = table.add_row().cells
        cells[0].text = str(n)
        cells[1].text = f"{row.referentie} – {row.titel}"
        cells[2].text = row.besluit or "(nog geen besluit)"
        cells[3].text = row.acties or "–"
    return _bytes(doc)
