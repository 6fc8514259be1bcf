"""Every change to a report: submit, review, follow up. Reads and writes SQL directly.

Every change is one transaction that also appends to `KnelpuntGebeurtenis`, so the history
can never miss a change or show one that did not happen. Concurrent edits of one report are
caught with its `versie` column: an update names the version it read, and a stale one is
refused with a message instead of overwriting silently.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from data_access.access import AccessDenied, Scope, may_be_assigned
from data_access.db import session_scope
from data_access.labels import STATUS, label
from data_access.mail import queue
from data_access.models import (
    Aanbieder,
    GebeurtenisSoort,
    Gebruiker,
    Gemeente,
    Knelpunt,
    KnelpuntCategorie,
    KnelpuntGebeurtenis,
    KnelpuntGemeente,
    KnelpuntSoort,
    KnelpuntStatus,
    Rol,
    Segment,
    Urgentie,
    Volgnummer,
    utcnow,
)
from data_access.register import notifications, service_levels
from data_access.register.workflow import (
    CLOSED,
    Conflict,
    Stap,
    Wie,
    WorkflowError,
    reopening_deadline,
    step,
)
from data_access.settings import get_settings
from data_access.validation import ValidationFailed, check_text, text_errors

S = KnelpuntStatus
TITEL_LENGTE = (5, 150)
OMSCHRIJVING_LENGTE = (20, 5_000)
MAX_GEZINNEN = 10_000
PROFIELEN = range(1, 12)


@dataclass(frozen=True)
class Melding:
    """What the form 'Knelpunt melden' collects."""

    soort: KnelpuntSoort
    titel: str
    omschrijving: str
    categorie: KnelpuntCategorie | None
    urgentie: Urgentie
    gemeenten: tuple[str, ...] = ()
    segment: Segment | None = None
    profiel_nr: int | None = None
    aantal_gezinnen: int | None = None
    aanbieder_id: int | None = None  # on a provider's behalf (kerngroep, contract manager)


@dataclass(frozen=True)
class Ingediend:
    id: int
    referentie: str


# --- validation -------------------------------------------------------------------------------

_municipalities_seen: dict[str, set[str]] = {}


def _known_municipalities(engine: Engine, codes: Iterable[str]) -> set[str]:
    """The codes that exist. Codes found once are remembered per database: a municipality
    does not disappear while the app runs (the foreign key would refuse it anyway), and
    twenty people reporting at once then do not each ask the database again."""
    seen = _municipalities_seen.setdefault(str(engine.url), set())
    codes = set(codes)
    # Only well-formed codes go to the database (a NUL byte would break PostgreSQL).
    ask = [c for c in codes - seen if re.fullmatch(r"GM\d{4}", c)]
    if ask:
        with engine.connect() as conn:
            seen.update(
                conn.execute(sa.select(Gemeente.cbs_code).where(Gemeente.cbs_code.in_(ask)))
                .scalars()
                .all()
            )
    return codes & seen


def validate(engine: Engine, scope: Scope, *, melding: Melding) -> dict[str, list[str]]:
    """Every problem with a report, per form field, in Dutch. Empty when it may be stored."""
    errors: dict[str, list[str]] = {}

    def add(key: str, messages: Iterable[str]) -> None:
        messages = list(messages)
        if messages:
            errors.setdefault(key, []).extend(messages)

    add("titel", text_errors(melding.titel, "Titel", TITEL_LENGTE))
    add("omschrijving", text_errors(melding.omschrijving, "Omschrijving", OMSCHRIJVING_LENGTE))
    if melding.categorie is None:
        add("categorie", ["Kies een categorie."])
    if not melding.gemeenten:
        add("gemeenten", ["Kies minstens één gemeente."])
    else:
        unknown = sorted(set(melding.gemeenten) - _known_municipalities(engine, melding.gemeenten))
        if unknown:
            add("gemeenten", [f"Onbekende gemeentecode: {', '.join(unknown)}."])
    if melding.profiel_nr is not None and melding.profiel_nr not in PROFIELEN:
        add("profiel_nr", ["Het profiel moet een nummer van 1 tot en met 11 zijn."])
    if melding.aantal_gezinnen is not None and not 0 <= melding.aantal_gezinnen <= MAX_GEZINNEN:
        add(
            "aantal_gezinnen",
            [f"Het aantal gezinnen moet tussen 0 en {MAX_GEZINNEN:,} liggen.".replace(",", ".")],
        )
    if scope.reports_on_behalf:
        if melding.aanbieder_id is None:
            add("aanbieder", ["Kies namens welke aanbieder u meldt."])
        elif not scope.may_see_provider(melding.aanbieder_id):
            add("aanbieder", ["U kunt alleen melden namens aanbieders uit uw portefeuille."])
        else:
            with engine.connect() as conn:
                exists = conn.execute(
                    sa.select(Aanbieder.id).where(Aanbieder.id == melding.aanbieder_id)
                ).first()
            if exists is None:
                add("aanbieder", ["Deze aanbieder bestaat niet."])
    return errors


# --- writing ----------------------------------------------------------------------------------


def _ensure_counter(conn: sa.Connection, soort: str, jaar: int) -> None:
    """Create the year's counter row if missing; a concurrent creation is simply ignored."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    conn.execute(
        insert(Volgnummer.__table__)  # type: ignore[attr-defined]
        .values(soort=soort, jaar=jaar, waarde=0)
        .on_conflict_do_nothing(index_elements=["soort", "jaar"])
    )


def assign_reference(session: Session, knelpunt_id: int, jaar: int, soort: str = "KNP") -> str:
    """Give a report the next KNP-<jaar>-<nnnn>: unique and without gaps under concurrency.

    SQLite: call it last before the commit; the transaction already holds the write lock.
    PostgreSQL draws the number inside the one submission statement (`_SUBMIT_POSTGRESQL`).
    """
    # Core statements on the session's connection: the ORM's bulk-update machinery cost more
    # than the statements themselves, and every millisecond here is held under the lock.
    conn = session.connection()
    _ensure_counter(conn, soort, jaar)
    waarde = conn.execute(
        sa.text(
            "UPDATE volgnummer SET waarde = waarde + 1 WHERE soort = :soort AND jaar = :jaar "
            "RETURNING waarde"
        ),
        {"soort": soort, "jaar": jaar},
    ).scalar_one()
    referentie = f"{soort}-{jaar}-{waarde:04d}"
    conn.execute(
        sa.text("UPDATE knelpunt SET referentie = :ref WHERE id = :id"),
        {"ref": referentie, "id": knelpunt_id},
    )
    return referentie


def event(
    session: Session,
    knelpunt_id: int,
    scope: Scope,
    soort: GebeurtenisSoort,
    *,
    van: str | None = None,
    naar: str | None = None,
    tekst: str | None = None,
    intern: bool = False,
) -> None:
    session.add(
        KnelpuntGebeurtenis(
            knelpunt_id=knelpunt_id,
            gebruiker_id=scope.gebruiker_id,
            soort=soort,
            van=van,
            naar=naar,
            tekst=tekst,
            intern=intern,
            tijdstip=utcnow(),
        )
    )


_SUBMIT_POSTGRESQL = sa.text(
    """
    WITH n AS (
        UPDATE volgnummer SET waarde = waarde + 1
        WHERE soort = 'KNP' AND jaar = :jaar RETURNING waarde
    ), k AS (
        INSERT INTO knelpunt (referentie, soort, titel, omschrijving, categorie, segment,
                              profiel_nr, aantal_gezinnen, urgentie, status, ingediend_door_id,
                              aanbieder_id, aangemaakt, gewijzigd, versie, reactie_deadline,
                              besluit_deadline)
        SELECT :prefix || LPAD(n.waarde::TEXT, 4, '0'), :soort, :titel, :omschrijving,
               :categorie, :segment, :profiel_nr, :aantal_gezinnen, :urgentie, 'nieuw',
               :gebruiker_id, :aanbieder_id, :nu, :nu, 1, :reactie_deadline, :besluit_deadline
        FROM n
        RETURNING id, referentie
    ), g AS (
        INSERT INTO knelpuntgemeente (knelpunt_id, gemeente_code)
        SELECT k.id, code FROM k, UNNEST(CAST(:gemeenten AS VARCHAR[])) AS code
    ), e AS (
        INSERT INTO knelpuntgebeurtenis (knelpunt_id, tijdstip, gebruiker_id, soort, naar, intern)
        SELECT k.id, :nu, :gebruiker_id, 'aangemaakt', 'nieuw', FALSE FROM k
    ), m AS (
        INSERT INTO uitgaandemail (aangemaakt, ontvanger, onderwerp, tekst, pogingen,
                                   volgende_poging)
        SELECT :nu, g.email, REPLACE(:mail_onderwerp, :ref_plek, k.referentie),
               REPLACE(:mail_tekst, :ref_plek, k.referentie), 0, :nu
        FROM k JOIN gebruiker g ON g.id = :gebruiker_id
        WHERE :mail AND g.email IS NOT NULL AND g.actief AND g.meldingen_per_mail
    )
    SELECT id, referentie FROM k
    """
)


def _submit_postgresql(
    engine: Engine,
    scope: Scope,
    melding: Melding,
    aanbieder_id: int | None,
    now: dt.datetime,
    deadlines: dict[str, dt.date | None],
) -> Ingediend:
    """The whole report in one statement: number, report, municipalities and history.

    The counter row is locked from this statement to the commit, and twenty submitters
    queue on it; one round trip instead of five keeps that queue short. A failure anywhere
    rolls the number back too, so numbers stay without gaps. The counter is a plain UPDATE,
    not an upsert: under contention ON CONFLICT DO UPDATE re-checks the locked row and the
    slowest of twenty submitters waited longer (p95 0.25 s against 0.19 s).
    """
    receipt = notifications.receipt_message(
        notifications.REFERENTIE, melding.titel.strip(), deadlines["reactie_deadline"]
    )
    parameters = {
        "jaar": now.year,
        "prefix": f"KNP-{now.year}-",
        "soort": melding.soort.value,
        "titel": melding.titel.strip(),
        "omschrijving": melding.omschrijving.strip(),
        "categorie": melding.categorie.value if melding.categorie else None,
        "segment": melding.segment.value if melding.segment else None,
        "profiel_nr": melding.profiel_nr,
        "aantal_gezinnen": melding.aantal_gezinnen,
        "urgentie": melding.urgentie.value,
        "gebruiker_id": scope.gebruiker_id,
        "aanbieder_id": aanbieder_id,
        "nu": now,
        "gemeenten": sorted(set(melding.gemeenten)),
        **deadlines,
        "mail": get_settings().mail_enabled,
        "mail_onderwerp": receipt.onderwerp,
        "mail_tekst": receipt.tekst,
        "ref_plek": notifications.REFERENTIE,
    }
    with session_scope(engine) as session:
        conn = session.connection()
        row = conn.execute(_SUBMIT_POSTGRESQL, parameters).first()
        if row is None:  # the year's first report: its counter row is not there yet
            _ensure_counter(conn, "KNP", now.year)
            row = conn.execute(_SUBMIT_POSTGRESQL, parameters).one()
        session.info["mail_queued"] = get_settings().mail_enabled
        return Ingediend(int(row.id), str(row.referentie))


def _deadlines(
    categorie: KnelpuntCategorie | str | None, submitted: dt.datetime
) -> dict[str, dt.date | None]:
    """The service-level deadlines a report gets, from its category and the (Dutch) day it
    was submitted."""
    if categorie is None:
        return {"reactie_deadline": None, "besluit_deadline": None}
    reactie, besluit = service_levels.deadlines(categorie, service_levels.submission_day(submitted))
    return {"reactie_deadline": reactie, "besluit_deadline": besluit}


def submit(engine: Engine, scope: Scope, *, melding: Melding) -> Ingediend:
    scope.require(scope.may_report, "Uw rol kan geen knelpunten melden.")
    errors = validate(engine, scope, melding=melding)
    if errors:
        raise ValidationFailed(errors)
    aanbieder_id = melding.aanbieder_id if scope.reports_on_behalf else scope.own_provider_id
    now = utcnow()
    deadlines = _deadlines(melding.categorie, now)
    if engine.dialect.name == "postgresql":
        return _submit_postgresql(engine, scope, melding, aanbieder_id, now, deadlines)
    # Core statements, not ORM objects: twenty people submitting at once queue on one
    # interpreter, and the unit of work cost more than the inserts themselves.
    with session_scope(engine) as session:
        conn = session.connection()
        knelpunt_id = conn.execute(
            sa.insert(Knelpunt.__table__)  # type: ignore[attr-defined]
            .values(
                # A placeholder until the end: the number is drawn last, so the counter row is
                # locked only for the final statements and the commit.
                referentie=f"TMP-{uuid.uuid4().hex[:12]}",
                soort=melding.soort,
                titel=melding.titel.strip(),
                omschrijving=melding.omschrijving.strip(),
                categorie=melding.categorie,
                segment=melding.segment,
                profiel_nr=melding.profiel_nr,
                aantal_gezinnen=melding.aantal_gezinnen,
                urgentie=melding.urgentie,
                status=S.NIEUW,
                ingediend_door_id=scope.gebruiker_id,
                aanbieder_id=aanbieder_id,
                aangemaakt=now,
                gewijzigd=now,
                versie=1,
                **deadlines,
            )
            .returning(Knelpunt.__table__.c.id)  # type: ignore[attr-defined]
        ).scalar_one()
        conn.execute(
            sa.insert(KnelpuntGemeente.__table__),  # type: ignore[attr-defined]
            [
                {"knelpunt_id": knelpunt_id, "gemeente_code": code}
                for code in sorted(set(melding.gemeenten))
            ],
        )
        conn.execute(
            sa.insert(KnelpuntGebeurtenis.__table__).values(  # type: ignore[attr-defined]
                knelpunt_id=knelpunt_id,
                gebruiker_id=scope.gebruiker_id,
                soort=GebeurtenisSoort.AANGEMAAKT,
                naar=S.NIEUW.value,
                intern=False,
                tijdstip=now,
            )
        )
        referentie = assign_reference(session, knelpunt_id, now.year)
        queue(
            session,
            ontvanger_id=scope.gebruiker_id,
            bericht=notifications.receipt_message(
                referentie, melding.titel.strip(), deadlines["reactie_deadline"]
            ),
        )
        return Ingediend(int(knelpunt_id), referentie)


def load_for_change(
    session: Session, scope: Scope, knelpunt_id: int, versie: int | None
) -> Knelpunt:
    knelpunt = session.execute(
        sa.select(Knelpunt).where(Knelpunt.id == knelpunt_id, scope.report_visibility())
    ).scalar_one_or_none()
    if knelpunt is None:
        raise AccessDenied("Deze melding bestaat niet of u heeft er geen toegang toe.")
    if versie is not None and knelpunt.versie != versie:
        raise Conflict(
            f"Melding {knelpunt.referentie} is intussen door iemand anders gewijzigd. "
            "Uw wijziging is niet opgeslagen; bekijk de nieuwe stand en probeer het opnieuw."
        )
    return knelpunt


def bump(session: Session, knelpunt: Knelpunt, versie: int, **values: object) -> None:
    """Change a report with compare-and-set on its version: the database decides who was first."""
    result = session.execute(
        sa.update(Knelpunt)
        .where(Knelpunt.id == knelpunt.id, Knelpunt.versie == versie)
        .values(versie=versie + 1, gewijzigd=utcnow(), **values)
    )
    if result.rowcount != 1:
        raise Conflict(
            f"Melding {knelpunt.referentie} is intussen door iemand anders gewijzigd. "
            "Uw wijziging is niet opgeslagen; bekijk de nieuwe stand en probeer het opnieuw."
        )
    session.refresh(knelpunt)


def change_status(
    engine: Engine,
    scope: Scope,
    *,
    knelpunt_id: int,
    versie: int,
    naar: KnelpuntStatus,
    reden: str | None = None,
    tot: dt.date | None = None,
) -> None:
    """A step of the kerngroep from the workflow table; `reden` is the step's text (a reason,
    the question to the reporter, how it was solved), `tot` the end of putting it on hold."""
    scope.require(scope.may_handle_reports, "Uw rol mag de status van een melding wijzigen niet.")
    if naar == S.SAMENGEVOEGD:
        raise WorkflowError("Samenvoegen gaat via 'Samenvoegen met een andere melding'.")
    if naar == S.INGETROKKEN:
        raise WorkflowError("Alleen de melder kan een melding intrekken.")
    with session_scope(engine) as session:
        knelpunt = load_for_change(session, scope, knelpunt_id, versie)
        transition(session, scope, knelpunt, versie, naar, reden, tot=tot)


def _actor(scope: Scope) -> Wie | None:
    if scope.may_handle_reports:
        return Wie.KERNGROEP
    if scope.is_reporting_organisation:
        return Wie.MELDER
    return None


def _step_text(stap: Stap, tekst: str | None) -> str | None:
    """The step's required text, or an optional remark, through the same privacy screen as a
    report."""
    if stap.tekst:
        return check_text(tekst, stap.tekst)
    return check_text(tekst, "Toelichting") if tekst and tekst.strip() else None


def _check_reopen_window(session: Session, knelpunt: Knelpunt) -> None:
    resolved = session.execute(
        sa.select(sa.func.max(KnelpuntGebeurtenis.tijdstip)).where(
            KnelpuntGebeurtenis.knelpunt_id == knelpunt.id,
            KnelpuntGebeurtenis.soort == GebeurtenisSoort.STATUS,
            KnelpuntGebeurtenis.naar == S.OPGELOST.value,
        )
    ).scalar()
    if resolved is None or utcnow() > reopening_deadline(resolved):
        raise WorkflowError(
            f"Heropenen kan tot {get_settings().reopen_days} dagen nadat een melding is "
            "opgelost. Doe een nieuwe melding en noem daarin het nummer van deze."
        )


def transition(
    session: Session,
    scope: Scope,
    knelpunt: Knelpunt,
    versie: int,
    naar: KnelpuntStatus,
    tekst: str | None,
    *,
    tot: dt.date | None = None,
) -> None:
    """One step, only if the workflow table has it for this user: status, history, and for
    putting on hold its end date, in the caller's transaction."""
    van = KnelpuntStatus(knelpunt.status)
    stap = step(van, naar)
    if stap is None or stap.wie != _actor(scope):
        raise WorkflowError(
            f"Van '{label(STATUS, van)}' naar '{label(STATUS, naar)}' is geen toegestane stap"
            + (" voor uw rol." if stap is not None else ".")
        )
    body = _step_text(stap, tekst)
    if naar == S.AANGEHOUDEN and (tot is None or tot <= dt.date.today()):
        raise WorkflowError("Geef aan tot welke datum (na vandaag) de melding wordt aangehouden.")
    if naar == S.VERZOEK_HEROPENEN:
        _check_reopen_window(session, knelpunt)
    assert knelpunt.id is not None
    bump(
        session,
        knelpunt,
        versie,
        status=naar,
        aangehouden_tot=tot if naar == S.AANGEHOUDEN else None,
    )
    event(
        session,
        knelpunt.id,
        scope,
        GebeurtenisSoort.STATUS,
        van=van.value,
        naar=naar.value,
        tekst=(f"{body} (tot {tot:%d-%m-%Y})" if naar == S.AANGEHOUDEN and tot else body),
    )
    notifications.status_changed(session, scope, knelpunt)


def _reporter_step(
    engine: Engine, scope: Scope, knelpunt_id: int, versie: int, naar: KnelpuntStatus, tekst: str
) -> None:
    scope.require(scope.is_reporting_organisation, "Alleen de melder kan dit doen.")
    with session_scope(engine) as session:
        knelpunt = load_for_change(session, scope, knelpunt_id, versie)
        transition(session, scope, knelpunt, versie, naar, tekst)


def withdraw(engine: Engine, scope: Scope, *, knelpunt_id: int, versie: int) -> None:
    """The reporting organisation takes back a report that nobody has picked up yet."""
    scope.require(scope.is_reporting_organisation, "Uw rol mag een melding intrekken niet.")
    with session_scope(engine) as session:
        knelpunt = load_for_change(session, scope, knelpunt_id, versie)
        if knelpunt.status != S.NIEUW:
            raise WorkflowError(
                "Een melding kan alleen worden ingetrokken zolang de status 'Nieuw' is."
            )
        transition(session, scope, knelpunt, versie, S.INGETROKKEN, None)


def answer(engine: Engine, scope: Scope, *, knelpunt_id: int, versie: int, tekst: str) -> None:
    """The reporter answers the kerngroep's question: the report goes back into the queue."""
    _reporter_step(engine, scope, knelpunt_id, versie, S.REACTIE_ONTVANGEN, tekst)


def request_reopening(
    engine: Engine, scope: Scope, *, knelpunt_id: int, versie: int, reden: str
) -> None:
    """The reporter asks to reopen a resolved report (within SPIC_REOPEN_DAYS)."""
    _reporter_step(engine, scope, knelpunt_id, versie, S.VERZOEK_HEROPENEN, reden)


def merge(
    engine: Engine, scope: Scope, *, knelpunt_id: int, versie: int, into_id: int, reden: str
) -> None:
    """Mark a duplicate: it closes as 'samengevoegd' and points at the report it joins."""
    scope.require(scope.may_handle_reports, "Uw rol mag meldingen samenvoegen niet.")
    tekst = check_text(reden, "Reden")
    if into_id == knelpunt_id:
        raise WorkflowError("Een melding kan niet met zichzelf worden samengevoegd.")
    with session_scope(engine) as session:
        knelpunt = load_for_change(session, scope, knelpunt_id, versie)
        target = load_for_change(session, scope, into_id, None)
        if target.status in CLOSED:
            raise WorkflowError(
                f"Melding {target.referentie} is al afgesloten; voeg samen met een open melding."
            )
        transition(session, scope, knelpunt, versie, S.SAMENGEVOEGD, tekst)
        session.execute(
            sa.update(Knelpunt).where(Knelpunt.id == knelpunt_id).values(samengevoegd_in_id=into_id)
        )
        assert target.id is not None
        event(
            session,
            knelpunt_id,
            scope,
            GebeurtenisSoort.SAMENGEVOEGD,
            naar=target.referentie,
            tekst=tekst,
        )
        event(
            session,
            target.id,
            scope,
            GebeurtenisSoort.SAMENGEVOEGD,
            van=knelpunt.referentie,
            tekst=f"Melding {knelpunt.referentie} is hierin samengevoegd.",
        )
        session.execute(
            sa.update(Knelpunt).where(Knelpunt.id == target.id).values(gewijzigd=utcnow())
        )


def assign(
    engine: Engine, scope: Scope, *, knelpunt_id: int, versie: int, gebruiker_id: int | None
) -> None:
    """Give the follow-up to a contract manager (or take it away with None)."""
    scope.require(scope.may_handle_reports, "Uw rol mag meldingen toewijzen niet.")
    with session_scope(engine) as session:
        knelpunt = load_for_change(session, scope, knelpunt_id, versie)
        new = session.get(Gebruiker, gebruiker_id) if gebruiker_id is not None else None
        if gebruiker_id is not None and (
            new is None or not may_be_assigned(Rol(new.rol)) or not new.actief
        ):
            raise WorkflowError("Wijs een melding toe aan een actieve contractmanager.")
        if knelpunt.toegewezen_aan_id == gebruiker_id:
            return  # saved unchanged: nothing happened, so nothing is logged
        old = (
            session.get(Gebruiker, knelpunt.toegewezen_aan_id)
            if knelpunt.toegewezen_aan_id
            else None
        )
        bump(session, knelpunt, versie, toegewezen_aan_id=gebruiker_id)
        event(
            session,
            knelpunt_id,
            scope,
            GebeurtenisSoort.TOEGEWEZEN,
            van=old.weergavenaam[:60] if old else None,
            naar=new.weergavenaam[:60] if new else None,
        )
        notifications.assigned(session, scope, knelpunt)


def edit(
    engine: Engine,
    scope: Scope,
    *,
    knelpunt_id: int,
    versie: int,
    categorie: KnelpuntCategorie,
    urgentie: Urgentie,
    segment: Segment | None,
) -> None:
    """The kerngroep re-classifies a report; the reporter's own text is never rewritten."""
    scope.require(scope.may_handle_reports, "Uw rol mag meldingen bewerken niet.")
    with session_scope(engine) as session:
        knelpunt = load_for_change(session, scope, knelpunt_id, versie)
        before = {
            "categorie": knelpunt.categorie,
            "urgentie": knelpunt.urgentie,
            "segment": knelpunt.segment,
        }
        after = {"categorie": categorie, "urgentie": urgentie, "segment": segment}
        changed = {k: (before[k], v) for k, v in after.items() if before[k] != v}
        if not changed:
            return
        if "categorie" in changed:  # a new category brings its own targets
            after |= _deadlines(categorie, knelpunt.aangemaakt)
        bump(session, knelpunt, versie, **after)
        event(
            session,
            knelpunt_id,
            scope,
            GebeurtenisSoort.BEWERKT,
            tekst="; ".join(
                f"{k}: {getattr(a, 'value', a) or '–'} → {getattr(b, 'value', b) or '–'}"
                for k, (a, b) in changed.items()
            ),
        )


def comment(engine: Engine, scope: Scope, *, knelpunt_id: int, tekst: str, intern: bool) -> None:
    """A remark in the history. Internal ones are never shown to providers."""
    if scope.is_reporting_organisation:
        return add_information(engine, scope, knelpunt_id=knelpunt_id, tekst=tekst)
    scope.require(scope.may_follow_up, "Uw rol mag opmerkingen plaatsen niet.")
    body = check_text(tekst, "Opmerking")
    with session_scope(engine) as session:
        knelpunt = load_for_change(session, scope, knelpunt_id, None)
        assert knelpunt.id is not None
        session.execute(
            sa.update(Knelpunt).where(Knelpunt.id == knelpunt.id).values(gewijzigd=utcnow())
        )
        event(session, knelpunt.id, scope, GebeurtenisSoort.OPMERKING, tekst=body, intern=intern)
        if not intern:
            notifications.remark_added(session, scope, knelpunt)


def add_information(engine: Engine, scope: Scope, *, knelpunt_id: int, tekst: str) -> None:
    """The reporting organisation adds information to its own open report."""
    scope.require(scope.is_reporting_organisation, "Uw rol mag aanvullingen plaatsen niet.")
    body = check_text(tekst, "Aanvulling")
    with session_scope(engine) as session:
        knelpunt = load_for_change(session, scope, knelpunt_id, None)
        if knelpunt.status in CLOSED:
            raise WorkflowError("Deze melding is afgesloten; doe zo nodig een nieuwe melding.")
        assert knelpunt.id is not None
        session.execute(
            sa.update(Knelpunt).where(Knelpunt.id == knelpunt.id).values(gewijzigd=utcnow())
        )
        event(session, knelpunt.id, scope, GebeurtenisSoort.AANVULLING, tekst=body)
