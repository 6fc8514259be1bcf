"""What the register pages show: the queue, one report, the form's choices, a meeting.

Read from SQL on every page run, never from the analytical snapshot or a cache: the register
must always be current. Each register page makes one call here (`kerngroep`,
`mijn_meldingen`, `meldformulier`, `overleg`) and draws what it returns.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import aliased
from sqlmodel import Session

from data_access.access import AccessDenied, Scope, assignable_accounts
from data_access.labels import ACTIE_STATUS, label
from data_access.lookups import municipalities, profiles, visible_providers
from data_access.models import (
    Aanbieder,
    Actie,
    ActieStatus,
    Agendapunt,
    GebeurtenisSoort,
    Gebruiker,
    Gemeente,
    Knelpunt,
    KnelpuntCategorie,
    KnelpuntGebeurtenis,
    KnelpuntGemeente,
    KnelpuntStatus,
    Overleg,
    Segment,
    utcnow,
)
from data_access.register.duplicates import Suggestie, possible_duplicates, similar_reports
from data_access.register.service_levels import (
    NL,
    Tijdigheid,
    calendar_day,
    punctuality,
    submission_day,
)
from data_access.register.workflow import (
    AGENDA_STATUSES,
    CLOSED,
    OPEN,
    STEPS,
    WAITING_FOR_REPORTER,
    Wie,
    kerngroep_steps,
    reopening_deadline,
    step,
)

MEETINGS_ONLY = "Alleen de kerngroep beheert overleggen en agenda's."


def require_meetings(scope: Scope) -> None:
    scope.require(scope.may_handle_reports, MEETINGS_ONLY)


@dataclass(frozen=True)
class RegisterFilter:
    statussen: frozenset[KnelpuntStatus] = frozenset()
    categorie: KnelpuntCategorie | None = None
    segment: Segment | None = None
    aanbieder_id: int | None = None
    zoek: str = ""
    alleen_achterstallig: bool = False
    tijdigheid: frozenset[Tijdigheid] = frozenset()  # against the service levels; empty: all
    vandaag: dt.date = field(default_factory=dt.date.today)


REGISTER_COLUMNS = [
    "id",
    "referentie",
    "soort",
    "titel",
    "categorie",
    "segment",
    "urgentie",
    "status",
    "aanbieder",
    "toegewezen_aan",
    "actiehouder",
    "deadline",
    "achterstallig",
    "aantal_gezinnen",
    "aangemaakt",
    "gewijzigd",
    "versie",
    "omschrijving",
    "profiel_nr",
    "reactie_deadline",
    "besluit_deadline",
    "eerste_reactie",
    "besluit_op",
    "gestopt_op",
]
S = KnelpuntStatus
DECISIONS = (S.BESLOTEN, S.AFGEWEZEN, S.OPGELOST, S.SAMENGEVOEGD)
REPORTER_STEPS = tuple(
    naar for steps in STEPS.values() for naar, stap in steps.items() if stap.wie == Wie.MELDER
)


def service_level_columns() -> list[sa.Label]:
    """When a report was first answered, decided, or closed without a decision (the clocks
    of its service levels stop there), as correlated subqueries on `Knelpunt`."""
    return [
        # The first public answer to the reporter: a status step or remark of those who
        # handle the register (not the reporter's own steps or additions)...
        _first_event(
            lambda e: e.intern.is_(False),
            lambda e: sa.or_(
                e.soort == GebeurtenisSoort.OPMERKING,
                sa.and_(
                    e.soort == GebeurtenisSoort.STATUS,
                    e.naar.not_in([s.value for s in REPORTER_STEPS]),
                ),
            ),
        ).label("eerste_reactie"),
        # ... the decision, and a close without one (the clocks stop there).
        _first_event(
            lambda e: e.soort == GebeurtenisSoort.STATUS,
            lambda e: e.naar.in_([s.value for s in DECISIONS]),
        ).label("besluit_op"),
        _first_event(
            lambda e: e.soort == GebeurtenisSoort.STATUS,
            lambda e: e.naar == S.INGETROKKEN.value,
        ).label("gestopt_op"),
    ]


def next_action_columns() -> list[sa.Label]:
    """The owner and deadline of a report's next open action (earliest deadline first), as
    correlated subqueries on `Knelpunt`: the queue's 'Actiehouder' and 'Deadline'."""

    def of_next(column: str) -> sa.ScalarSelect:
        a = aliased(Actie)
        return (
            sa.select(getattr(a, column))
            .where(a.knelpunt_id == Knelpunt.id, a.status == ActieStatus.OPEN)
            .order_by(a.deadline.is_(None), a.deadline, a.id)
            .limit(1)
            .scalar_subquery()
        )

    return [of_next("eigenaar").label("actiehouder"), of_next("deadline").label("deadline")]


def _first_event(*where: sa.ColumnElement[bool]) -> sa.ScalarSelect:
    e = aliased(KnelpuntGebeurtenis)
    return (
        sa.select(sa.func.min(e.tijdstip))
        .where(e.knelpunt_id == Knelpunt.id, *[w(e) for w in where])  # type: ignore[operator]
        .scalar_subquery()
    )


def register(
    engine: Engine, scope: Scope, *, filters: RegisterFilter | None = None
) -> pd.DataFrame:
    """The queue: reports this user may see, newest change first."""
    filt = filters or RegisterFilter()
    toegewezen = aliased(Gebruiker)
    overdue = sa.and_(
        Knelpunt.status.in_([s.value for s in OPEN]),
        sa.exists().where(
            Actie.knelpunt_id == Knelpunt.id,
            Actie.status == ActieStatus.OPEN,
            Actie.deadline < filt.vandaag,
        ),
    )
    stmt = (
        sa.select(
            Knelpunt.id,
            Knelpunt.referentie,
            Knelpunt.soort,
            Knelpunt.titel,
            Knelpunt.categorie,
            Knelpunt.segment,
            Knelpunt.urgentie,
            Knelpunt.status,
            Aanbieder.naam.label("aanbieder"),
            toegewezen.weergavenaam.label("toegewezen_aan"),
            *next_action_columns(),
            sa.case((overdue, True), else_=False).label("achterstallig"),
            Knelpunt.aantal_gezinnen,
            Knelpunt.aangemaakt,
            Knelpunt.gewijzigd,
            Knelpunt.versie,
            Knelpunt.omschrijving,
            Knelpunt.profiel_nr,
            Knelpunt.reactie_deadline,
            Knelpunt.besluit_deadline,
            *service_level_columns(),
        )
        .outerjoin(Aanbieder, Aanbieder.id == Knelpunt.aanbieder_id)
        .outerjoin(toegewezen, toegewezen.id == Knelpunt.toegewezen_aan_id)
        .where(scope.report_visibility())
        .order_by(Knelpunt.gewijzigd.desc(), Knelpunt.id.desc())
    )
    if filt.statussen:
        stmt = stmt.where(Knelpunt.status.in_([s.value for s in filt.statussen]))
    if filt.categorie:
        stmt = stmt.where(Knelpunt.categorie == filt.categorie)
    if filt.segment:
        stmt = stmt.where(Knelpunt.segment == filt.segment)
    if filt.aanbieder_id is not None:
        stmt = stmt.where(Knelpunt.aanbieder_id == filt.aanbieder_id)
    if filt.alleen_achterstallig:
        stmt = stmt.where(overdue)
    zoek = filt.zoek.strip()
    if zoek:
        needle = zoek.lower()
        stmt = stmt.where(
            sa.or_(
                sa.func.lower(Knelpunt.titel).contains(needle, autoescape=True),
                sa.func.lower(Knelpunt.omschrijving).contains(needle, autoescape=True),
                sa.func.lower(Knelpunt.referentie).contains(needle, autoescape=True),
            )
        )
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
        places = conn.execute(
            sa.select(KnelpuntGemeente.knelpunt_id, Gemeente.naam)
            .join(Gemeente, Gemeente.cbs_code == KnelpuntGemeente.gemeente_code)
            .where(KnelpuntGemeente.knelpunt_id.in_([r[0] for r in rows] or [-1]))
            .order_by(Gemeente.naam)
        ).all()
    frame = pd.DataFrame(rows, columns=REGISTER_COLUMNS)
    for column in ("soort", "categorie", "segment", "urgentie", "status"):
        frame[column] = frame[column].map(lambda v: getattr(v, "value", v))
    frame["achterstallig"] = frame["achterstallig"].astype(bool)
    frame["tijdigheid"] = _punctuality(frame, filt.vandaag)
    if filt.tijdigheid:
        frame = frame[frame["tijdigheid"].isin([t.value for t in filt.tijdigheid])]
        frame = frame.reset_index(drop=True)
    per_report: dict[int, list[str]] = {}
    for report, naam in places:
        per_report.setdefault(int(report), []).append(str(naam))
    frame["gemeenten"] = [", ".join(per_report.get(int(i), [])) for i in frame["id"]]
    return frame


def _punctuality(frame: pd.DataFrame, today: dt.date) -> list[str]:
    return [
        punctuality(
            row.categorie,
            submission_day(row.aangemaakt),
            calendar_day(row.reactie_deadline),
            calendar_day(row.besluit_deadline),
            calendar_day(row.eerste_reactie),
            calendar_day(row.besluit_op),
            calendar_day(row.gestopt_op),
            today,
        ).value
        for row in frame.itertuples()
    ]


@dataclass(frozen=True)
class Detail:
    knelpunt: dict[str, object]
    gemeenten: list[str]
    geschiedenis: pd.DataFrame  # tijdstip, wie, soort, van, naar, tekst, intern
    agenda: pd.DataFrame  # overleg, datum, besluit, acties
    acties: pd.DataFrame = field(default_factory=pd.DataFrame)  # ACTION_COLUMNS


def detail(engine: Engine, scope: Scope, *, knelpunt_id: int) -> Detail:
    with Session(engine) as session:
        knelpunt = session.execute(
            sa.select(Knelpunt).where(Knelpunt.id == knelpunt_id, scope.report_visibility())
        ).scalar_one_or_none()
        if knelpunt is None:
            raise AccessDenied("Deze melding bestaat niet of u heeft er geen toegang toe.")
        data = knelpunt.model_dump()
        aanbieder = session.get(Aanbieder, knelpunt.aanbieder_id) if knelpunt.aanbieder_id else None
        data["aanbieder"] = aanbieder.naam if aanbieder else None
        melder = session.get(Gebruiker, knelpunt.ingediend_door_id)
        data["ingediend_door"] = melder.weergavenaam if melder else None
        toegewezen = (
            session.get(Gebruiker, knelpunt.toegewezen_aan_id)
            if knelpunt.toegewezen_aan_id
            else None
        )
        data["toegewezen_aan"] = toegewezen.weergavenaam if toegewezen else None
        if knelpunt.samengevoegd_in_id:
            target = session.get(Knelpunt, knelpunt.samengevoegd_in_id)
            data["samengevoegd_in"] = target.referentie if target else None
        gemeenten = list(
            session.execute(
                sa.select(Gemeente.naam)
                .join(KnelpuntGemeente, KnelpuntGemeente.gemeente_code == Gemeente.cbs_code)
                .where(KnelpuntGemeente.knelpunt_id == knelpunt_id)
                .order_by(Gemeente.naam)
            ).scalars()
        )
        events = (
            sa.select(
                KnelpuntGebeurtenis.tijdstip,
                Gebruiker.weergavenaam.label("wie"),
                KnelpuntGebeurtenis.soort,
                KnelpuntGebeurtenis.van,
                KnelpuntGebeurtenis.naar,
                KnelpuntGebeurtenis.tekst,
                KnelpuntGebeurtenis.intern,
            )
            .join(Gebruiker, Gebruiker.id == KnelpuntGebeurtenis.gebruiker_id)
            .where(KnelpuntGebeurtenis.knelpunt_id == knelpunt_id)
            .order_by(KnelpuntGebeurtenis.tijdstip, KnelpuntGebeurtenis.id)
        )
        if not scope.may_follow_up:  # internal comments are for those who follow up
            events = events.where(KnelpuntGebeurtenis.intern.is_(False))
        history = pd.DataFrame(
            session.execute(events).all(),
            columns=["tijdstip", "wie", "soort", "van", "naar", "tekst", "intern"],
        )
        items = session.execute(
            sa.select(Agendapunt.id, Overleg.titel, Overleg.datum, Agendapunt.besluit)
            .join(Overleg, Overleg.id == Agendapunt.overleg_id)
            .where(Agendapunt.knelpunt_id == knelpunt_id)
            .order_by(Overleg.datum)
        ).all()
        acties = report_actions(session.connection(), knelpunt_id)
    texts = actions_text(acties)
    agenda = pd.DataFrame(
        [(titel, datum, besluit, texts.get(int(i))) for i, titel, datum, besluit in items],
        columns=["overleg", "datum", "besluit", "acties"],
    )
    history["soort"] = history["soort"].map(lambda v: getattr(v, "value", v))
    for key in ("soort", "categorie", "segment", "urgentie", "status"):
        data[key] = getattr(data[key], "value", data[key])
    return Detail(data, gemeenten, history, agenda, acties)


ACTION_COLUMNS = [
    "id",
    "knelpunt_id",
    "agendapunt_id",
    "omschrijving",
    "eigenaar",
    "deadline",
    "status",
    "versie",
    "overleg_datum",
]


def report_actions(conn: sa.Connection, *knelpunt_ids: int) -> pd.DataFrame:
    """The actions of reports, open ones first, each with the date of the meeting whose
    decision it comes from (none for an action agreed outside a meeting)."""
    rows = conn.execute(
        sa.select(
            Actie.id,
            Actie.knelpunt_id,
            Actie.agendapunt_id,
            Actie.omschrijving,
            Actie.eigenaar,
            Actie.deadline,
            Actie.status,
            Actie.versie,
            Overleg.datum,
        )
        .outerjoin(Agendapunt, Agendapunt.id == Actie.agendapunt_id)
        .outerjoin(Overleg, Overleg.id == Agendapunt.overleg_id)
        .where(Actie.knelpunt_id.in_(knelpunt_ids))
        .order_by(Actie.status != ActieStatus.OPEN, Actie.deadline.is_(None), Actie.deadline)
        .order_by(Actie.id)
    ).all()
    frame = pd.DataFrame(rows, columns=ACTION_COLUMNS)
    frame["status"] = frame["status"].map(lambda v: getattr(v, "value", v))
    for column in ("agendapunt_id", "deadline", "overleg_datum"):  # None, not NaN
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame


def actions_text(acties: pd.DataFrame) -> dict[int, str]:
    """Per agenda item its actions in one line each: what — who (deadline, status)."""
    lines: dict[int, list[str]] = {}
    for row in acties.itertuples():
        if row.agendapunt_id is None:
            continue
        when = f"{row.deadline:%d-%m-%Y}, " if row.deadline else ""
        lines.setdefault(int(row.agendapunt_id), []).append(
            f"{row.omschrijving} — {row.eigenaar} ({when}{label(ACTIE_STATUS, row.status).lower()})"
        )
    return {item: "\n".join(texts) for item, texts in lines.items()}


def contractmanagers(engine: Engine, scope: Scope) -> dict[int, str]:
    """The active accounts a report can be assigned to."""
    scope.require(scope.may_handle_reports, "Uw rol mag meldingen toewijzen niet.")
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(Gebruiker.id, Gebruiker.weergavenaam)
            .where(assignable_accounts())
            .order_by(Gebruiker.weergavenaam)
        ).all()
    return {int(i): n for i, n in rows}


# --- meetings ---------------------------------------------------------------------------------


def overleggen(engine: Engine, scope: Scope) -> pd.DataFrame:
    require_meetings(scope)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                Overleg.id,
                Overleg.datum,
                Overleg.titel,
                sa.func.count(Agendapunt.id).label("punten"),
            )
            .outerjoin(Agendapunt, Agendapunt.overleg_id == Overleg.id)
            .group_by(Overleg.id, Overleg.datum, Overleg.titel)
            .order_by(Overleg.datum.desc(), Overleg.id.desc())
        ).all()
    return pd.DataFrame(rows, columns=["id", "datum", "titel", "punten"])


AGENDA_COLUMNS = [
    "id",
    "volgorde",
    "knelpunt_id",
    "referentie",
    "titel",
    "categorie",
    "aanbieder",
    "status",
    "versie",
    "besluit",
    "acties",
    "omschrijving",
    "urgentie",
    "aantal_gezinnen",
]


def agenda(engine: Engine, scope: Scope, *, overleg_id: int) -> pd.DataFrame:
    require_meetings(scope)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                Agendapunt.id,
                Agendapunt.volgorde,
                Knelpunt.id,
                Knelpunt.referentie,
                Knelpunt.titel,
                Knelpunt.categorie,
                Aanbieder.naam,
                Knelpunt.status,
                Knelpunt.versie,
                Agendapunt.besluit,
                sa.null(),
                Knelpunt.omschrijving,
                Knelpunt.urgentie,
                Knelpunt.aantal_gezinnen,
            )
            .join(Knelpunt, Knelpunt.id == Agendapunt.knelpunt_id)
            .outerjoin(Aanbieder, Aanbieder.id == Knelpunt.aanbieder_id)
            .where(Agendapunt.overleg_id == overleg_id)
            .order_by(Agendapunt.volgorde, Agendapunt.id)
        ).all()
        texts = actions_text(report_actions(conn, *(r[2] for r in rows)))
    frame = pd.DataFrame(rows, columns=AGENDA_COLUMNS)
    frame["acties"] = [texts.get(int(i)) for i in frame["id"]]
    for column in ("categorie", "status", "urgentie"):
        frame[column] = frame[column].map(lambda v: getattr(v, "value", v))
    for column in ("besluit", "acties", "aanbieder", "aantal_gezinnen"):  # None, not NaN
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame


# --- the register pages -----------------------------------------------------------------------


REFERENTIE = re.compile(r"KNP-\d{4}-\d{4,}")


def _linked(engine: Engine, scope: Scope, referentie: str | None) -> tuple[int, str] | None:
    """(id, "KNP-… – title") of the report a link names, if this user may see it."""
    if not referentie or not REFERENTIE.fullmatch(referentie):
        return None
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(Knelpunt.id, Knelpunt.referentie, Knelpunt.titel).where(
                Knelpunt.referentie == referentie, scope.report_visibility()
            )
        ).first()
    return None if row is None else (int(row[0]), f"{row[1]} – {row[2]}")


def _choose(
    engine: Engine, scope: Scope, keuzes: dict[int, str], gekozen: int | None, link: str | None
) -> tuple[dict[int, str], int | None, bool]:
    """The choices with a linked report added (also when the filters hide it), the chosen id,
    and whether the link named nothing this user may open."""
    if link is None:
        return keuzes, gekozen, False
    linked = _linked(engine, scope, link)
    if linked is None:
        return keuzes, gekozen, True
    return {**keuzes, linked[0]: linked[1]}, linked[0], False


def _choices(queue: pd.DataFrame) -> dict[int, str]:
    return dict(
        zip(queue["id"].astype(int), queue["referentie"] + " – " + queue["titel"], strict=True)
    )


@dataclass(frozen=True)
class Kerngroep:
    """The Kerngroep page: the queue and, once one is chosen, a report to handle."""

    queue: pd.DataFrame
    keuzes: dict[int, str]  # id -> "KNP-… – title", in queue order
    achterstallig: int  # reports with an action past its deadline
    dode_link: bool = False  # a deep link named a report this user cannot open
    detail: Detail | None = None
    stappen: list[KnelpuntStatus] = field(default_factory=list)  # status changes on offer
    contractmanagers: dict[int, str] = field(default_factory=dict)
    samenvoegen_met: dict[int, str] = field(default_factory=dict)  # open reports to merge into
    stap_teksten: dict[KnelpuntStatus, str] = field(default_factory=dict)  # steps that ask a text
    dubbel_van: str | None = None  # the earlier open report the chosen one closely resembles


def kerngroep(
    engine: Engine,
    scope: Scope,
    *,
    filters: RegisterFilter,
    gekozen: int | None,
    link: str | None = None,
) -> Kerngroep:
    """`link` is the reference of a deep link (…/kerngroep?melding=KNP-2026-0001), followed
    once: it opens that report, also when the filters hide it."""
    queue = register(engine, scope, filters=filters)
    queue["mogelijk_dubbel"] = possible_duplicates(queue)
    keuzes, gekozen, dode_link = _choose(engine, scope, _choices(queue), gekozen, link)
    view = Kerngroep(queue, keuzes, int(queue["achterstallig"].sum()), dode_link=dode_link)
    if gekozen not in keuzes:
        return view
    report = detail(engine, scope, knelpunt_id=int(gekozen))
    status = KnelpuntStatus(report.knelpunt["status"])
    handles = scope.may_handle_reports
    return Kerngroep(
        queue,
        keuzes,
        view.achterstallig,
        dode_link=dode_link,
        detail=report,
        stappen=kerngroep_steps(status) if handles else [],
        contractmanagers=contractmanagers(engine, scope) if handles else {},
        samenvoegen_met=(
            {i: r for i, r in keuzes.items() if i != gekozen}
            if handles and step(status, KnelpuntStatus.SAMENGEVOEGD) is not None
            else {}
        ),
        dubbel_van=next(
            (str(v) for v in queue.loc[queue["id"] == gekozen, "mogelijk_dubbel"] if v), None
        ),
        stap_teksten={n: t for n in kerngroep_steps(status) if (t := _text_of(status, n))}
        if handles
        else {},
    )


def _text_of(van: KnelpuntStatus, naar: KnelpuntStatus) -> str | None:
    stap = step(van, naar)
    return stap.tekst if stap else None


@dataclass(frozen=True)
class MijnMeldingen:
    """The Mijn meldingen page: the organisation's reports and, once one is chosen, its detail."""

    queue: pd.DataFrame
    keuzes: dict[int, str]
    dode_link: bool = False  # a deep link named a report this user cannot open
    detail: Detail | None = None
    aanvullen: bool = False  # the report is open: information can be added
    intrekken: bool = False  # nobody has picked it up: it can be withdrawn
    vraag: str | None = None  # the kerngroep's open question, waiting for an answer
    toelichting: str | None = None  # the public text of the step that set the current status
    heropenen_tot: dt.date | None = None  # until when reopening can be asked (after resolution)


def mijn_meldingen(
    engine: Engine, scope: Scope, *, gekozen: int | None, link: str | None = None
) -> MijnMeldingen:
    scope.require(scope.is_reporting_organisation, "Deze pagina is er voor aanbieders.")
    queue = register(engine, scope)
    keuzes, gekozen, dode_link = _choose(engine, scope, _choices(queue), gekozen, link)
    if gekozen not in keuzes:
        return MijnMeldingen(queue, keuzes, dode_link=dode_link)
    report = detail(engine, scope, knelpunt_id=int(gekozen))
    status = KnelpuntStatus(report.knelpunt["status"])
    return MijnMeldingen(
        queue,
        keuzes,
        dode_link=dode_link,
        detail=report,
        aanvullen=status not in CLOSED and status not in WAITING_FOR_REPORTER,
        intrekken=status == KnelpuntStatus.NIEUW,
        vraag=(
            _last_step_text(report, KnelpuntStatus.REACTIE_GEVRAAGD)
            if status in WAITING_FOR_REPORTER
            else None
        ),
        heropenen_tot=_reopen_until(report) if status == KnelpuntStatus.OPGELOST else None,
        toelichting=(
            _last_step_text(report, status) if status not in WAITING_FOR_REPORTER else None
        ),
    )


def _status_events(report: Detail, naar: KnelpuntStatus) -> pd.DataFrame:
    history = report.geschiedenis
    return history[(history["soort"] == "status") & (history["naar"] == naar.value)]


def _last_step_text(report: Detail, naar: KnelpuntStatus) -> str | None:
    steps = _status_events(report, naar)
    if steps.empty or pd.isna(steps["tekst"].iloc[-1]):
        return None
    return str(steps["tekst"].iloc[-1])


def _reopen_until(report: Detail) -> dt.date | None:
    """The last day the reporter can ask to reopen, or None once that has passed."""
    steps = _status_events(report, KnelpuntStatus.OPGELOST)
    if steps.empty:
        return None
    until = reopening_deadline(pd.Timestamp(steps["tijdstip"].iloc[-1]).to_pydatetime())
    return until.astimezone(NL).date() if utcnow() <= until else None


@dataclass(frozen=True)
class Meldformulier:
    """The choices of the report form."""

    namens: dict[int, str]  # providers to report on behalf of; empty for a provider itself
    gemeenten: dict[str, str]  # CBS code -> name
    profielen: dict[int, str]
    suggesties: list[Suggestie] = field(default_factory=list)  # similar reports already there


@dataclass(frozen=True)
class Concept:
    """What has been typed into the report form so far (for similar reports)."""

    titel: str = ""
    omschrijving: str = ""
    categorie: KnelpuntCategorie | None = None
    segment: Segment | None = None


def meldformulier(engine: Engine, scope: Scope, *, concept: Concept | None = None) -> Meldformulier:
    scope.require(scope.may_report, "Uw rol kan geen knelpunten melden.")
    concept = concept or Concept()
    with engine.connect() as conn:  # the form's reads, one connection
        return Meldformulier(
            namens=visible_providers(conn, scope) if scope.reports_on_behalf else {},
            gemeenten={code: naam for code, (naam, _) in municipalities(conn).items()},
            profielen=profiles(conn),
            suggesties=similar_reports(
                conn,
                scope,
                titel=concept.titel,
                omschrijving=concept.omschrijving,
                categorie=concept.categorie,
                segment=concept.segment,
            ),
        )


@dataclass(frozen=True)
class OverlegView:
    """The Kerngroepoverleg page: the meetings, the chosen one's agenda, what can be added."""

    overleggen: pd.DataFrame
    gekozen: int | None
    agenda: pd.DataFrame
    kandidaten: dict[int, str]  # open reports not yet on this agenda


def overleg(engine: Engine, scope: Scope, *, gekozen: int | None) -> OverlegView:
    meetings = overleggen(engine, scope)
    if meetings.empty:
        return OverlegView(meetings, None, pd.DataFrame(columns=AGENDA_COLUMNS), {})
    ids = [int(i) for i in meetings["id"]]
    chosen = gekozen if gekozen in ids else ids[0]
    items = agenda(engine, scope, overleg_id=chosen)
    candidates = register(engine, scope, filters=RegisterFilter(statussen=AGENDA_STATUSES))
    candidates = candidates[~candidates["id"].isin(items["knelpunt_id"])]
    return OverlegView(meetings, chosen, items, _choices(candidates))
