"""The access matrix: every read and write function of data_access, called as every role.

DESIGN.md §2 decides who may do what. Each row below names a call and the roles that may make
it; every other role must get AccessDenied (hiding a menu item is not access control). Two
provider accounts take part: `aanbieder` (Horizon, whose data the calls are about) and
`aanbieder2` (another organisation).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from data_access import imports, scenarios
from data_access.access import AccessDenied, Scope
from data_access.filters import Filters, check_filters, filter_options
from data_access.generator import PLANTED
from data_access.models import KnelpuntStatus, Rol
from data_access.queries import resultaat
from data_access.queries.aanbieder import aanbieder, dossier
from data_access.queries.onderaanneming import NetwerkKeuze, onderaanneming
from data_access.queries.overzicht import overzicht
from data_access.queries.segmenten import segmenten
from data_access.queries.trends import register_trends, trends
from data_access.queries.uitnutting import Selectie, capaciteit, trajecten, uitnutting
from data_access.register import actions, meetings, reads, reports
from data_access.register.actions import NieuweActie
from data_access.users import (
    check_new_user,
    create_user,
    list_users,
    providers,
    reset_password,
    set_active,
    user_admin,
)
from tests.helpers import provider_ids, sql_scalar, user_scope
from tests.test_knelpunten import GOOD

ACCOUNTS = {
    "beheerder": "demo.beheerder",
    "kerngroep": "demo.kerngroep",
    "contractmanager": "demo.contractmanager",
    "adviseur": "demo.adviseur",
    "aanbieder": "demo.aanbieder",
    "aanbieder2": "demo.aanbieder2",
}
ALL = frozenset(ACCOUNTS)
DETAIL = frozenset({"beheerder", "kerngroep", "contractmanager", "aanbieder"})  # Horizon's
BEHANDELAARS = frozenset({"beheerder", "kerngroep"})
VOLGERS = BEHANDELAARS | {"contractmanager"}
BEHEER = frozenset({"beheerder"})


@dataclasses.dataclass
class World:
    engine: sa.Engine
    horizon: int
    outside: int  # a provider outside the contract manager's portfolio
    report: int  # a new report of Horizon
    scope: Scope

    def version(self) -> int:
        return int(
            sql_scalar(self.engine, "SELECT versie FROM knelpunt WHERE id = :i", i=self.report)
        )

    def melding(self) -> reports.Melding:
        on_behalf = self.horizon if self.scope.reports_on_behalf else None
        return dataclasses.replace(GOOD, aanbieder_id=on_behalf)


YEAR = Filters(van=dt.date(2019, 1, 1), tot=dt.date(2019, 12, 31))
SCENARIO = scenarios.Scenario(
    "Matrix",
    scenarios.Decimal("0.3"),
    scenarios.Decimal(1),
    scenarios.Decimal(1),
    scenarios.Decimal(1),
    True,
)

Call = Callable[[World], Any]
READS: dict[str, tuple[Call, frozenset[str]]] = {
    "overzicht": (lambda w: overzicht(engine=w.engine, scope=w.scope, filters=YEAR), ALL),
    "overzicht van Horizon": (
        lambda w: overzicht(
            engine=w.engine,
            scope=w.scope,
            filters=dataclasses.replace(YEAR, aanbieder_id=w.horizon),
        ),
        DETAIL,
    ),
    "uitnutting": (lambda w: uitnutting(engine=w.engine, scope=w.scope, filters=YEAR), ALL),
    "trajecten achter een cel": (
        lambda w: trajecten(
            w.engine, w.scope, filters=YEAR, selectie=Selectie(hoofdaannemer_id=w.horizon)
        ),
        ALL - {"adviseur"},  # aggregates only; providers get only their own rows
    ),
    "dossier Horizon": (
        lambda w: dossier(w.engine, w.scope, filters=YEAR, aanbieder_id=w.horizon),
        DETAIL,
    ),
    "dossierpagina Horizon": (
        lambda w: aanbieder(
            engine=w.engine,
            scope=w.scope,
            filters=dataclasses.replace(YEAR, aanbieder_id=w.horizon),
        ),
        DETAIL,
    ),
    "dossier buiten portefeuille": (
        lambda w: dossier(w.engine, w.scope, filters=YEAR, aanbieder_id=w.outside),
        BEHANDELAARS,
    ),
    "segmenten": (lambda w: segmenten(engine=w.engine, scope=w.scope, filters=YEAR), ALL),
    "resultaat": (lambda w: resultaat.resultaat(engine=w.engine, scope=w.scope, filters=YEAR), ALL),
    "tranches": (lambda w: resultaat.tranches(w.engine, w.scope, filters=YEAR), ALL),
    "trechter": (lambda w: resultaat.funnel(w.engine, w.scope, filters=YEAR), ALL),
    "indicatoren": (
        lambda w: resultaat.indicators_by(w.engine, w.scope, filters=YEAR, dimension="segment"),
        ALL,
    ),
    "wat-als basis": (lambda w: resultaat.scenario_basis(w.engine, w.scope, filters=YEAR), VOLGERS),
    "scenario's": (lambda w: scenarios.saved_scenarios(w.engine, w.scope), VOLGERS),
    "netwerk": (
        lambda w: onderaanneming(
            engine=w.engine, scope=w.scope, filters=YEAR, choice=NetwerkKeuze()
        ),
        ALL,
    ),
    "trends knelpunten": (lambda w: trends(engine=w.engine, scope=w.scope, filters=YEAR), ALL),
    "trends per segment": (lambda w: register_trends(w.engine, w.scope), ALL),
    # Advisers see aggregates only: the trends, not individual reports.
    "register": (lambda w: reads.register(w.engine, w.scope), ALL - {"adviseur"}),
    "kerngroeppagina": (
        lambda w: reads.kerngroep(
            w.engine, w.scope, filters=reads.RegisterFilter(), gekozen=w.report
        ),
        ALL - {"adviseur"},
    ),
    "mijn meldingen": (
        lambda w: reads.mijn_meldingen(w.engine, w.scope, gekozen=w.report),
        frozenset({"aanbieder", "aanbieder2"}),
    ),
    "meldformulier": (lambda w: reads.meldformulier(w.engine, w.scope), ALL - {"adviseur"}),
    "melding van Horizon": (
        lambda w: reads.detail(w.engine, w.scope, knelpunt_id=w.report),
        BEHANDELAARS | {"contractmanager", "aanbieder"},
    ),
    "contractmanagers": (lambda w: reads.contractmanagers(w.engine, w.scope), BEHANDELAARS),
    "filteropties": (lambda w: filter_options(w.engine, w.scope), ALL),
    "gebruikers": (lambda w: list_users(w.engine, w.scope), BEHEER),
    "gebruikersbeheer": (lambda w: user_admin(w.engine, w.scope), BEHEER),
    "aanbieders (beheer)": (lambda w: providers(w.engine, w.scope), BEHEER),
    "importlogboek": (lambda w: imports.importlog(w.engine, w.scope), BEHEER),
    "importbeheer": (lambda w: imports.importbeheer(w.engine, w.scope), BEHEER),
    "export trajecten": (
        lambda w: imports.exporteer(w.engine, w.scope, soort="trajecten", fmt="csv"),
        BEHEER,
    ),
    "productcodes": (lambda w: imports.productkoppelingen(w.engine, w.scope), BEHEER),
    "overleggen": (lambda w: reads.overleggen(w.engine, w.scope), BEHANDELAARS),
    "overlegpagina": (lambda w: reads.overleg(w.engine, w.scope, gekozen=1), BEHANDELAARS),
    "agenda": (lambda w: reads.agenda(w.engine, w.scope, overleg_id=1), BEHANDELAARS),
    "agenda als Word": (
        lambda w: meetings.agenda_docx(w.engine, w.scope, overleg_id=1),
        BEHANDELAARS,
    ),
    "besluitenlijst als Word": (
        lambda w: meetings.decisions_docx(w.engine, w.scope, overleg_id=1),
        BEHANDELAARS,
    ),
    "wat-als doorrekenen": (
        lambda w: resultaat.doorrekenen(
            resultaat.scenario_basis(w.engine, Scope(Rol.KERNGROEP, 0), filters=YEAR),
            SCENARIO,
            w.scope,
        ),
        VOLGERS,
    ),
    "filter op Horizon": (
        lambda w: check_filters(
            w.engine, w.scope, filters=dataclasses.replace(YEAR, aanbieder_id=w.horizon)
        ),
        DETAIL,
    ),
    "capaciteit": (lambda w: capaciteit(w.engine, w.scope, filters=YEAR), ALL),
}
WRITES: dict[str, tuple[Call, frozenset[str]]] = {
    "melden": (
        lambda w: reports.submit(w.engine, w.scope, melding=w.melding()),
        ALL - {"adviseur"},
    ),
    "status wijzigen": (
        lambda w: reports.change_status(
            w.engine,
            w.scope,
            knelpunt_id=w.report,
            versie=w.version(),
            naar=KnelpuntStatus.IN_BEHANDELING,
        ),
        BEHANDELAARS,
    ),
    "toewijzen": (
        lambda w: reports.assign(
            w.engine, w.scope, knelpunt_id=w.report, versie=w.version(), gebruiker_id=None
        ),
        BEHANDELAARS,
    ),
    "actie vastleggen": (
        lambda w: actions.add_action(
            w.engine,
            w.scope,
            knelpunt_id=w.report,
            actie=NieuweActie("Overleg met de aanbieder", "Gemeente A", dt.date(2027, 1, 1)),
        ),
        VOLGERS,
    ),
    "opmerking": (
        lambda w: reports.comment(
            w.engine, w.scope, knelpunt_id=w.report, tekst="Een opmerking erbij.", intern=False
        ),
        VOLGERS | {"aanbieder"},  # a provider's remark is an addition to its own report
    ),
    "aanvullen": (
        lambda w: reports.add_information(
            w.engine, w.scope, knelpunt_id=w.report, tekst="Nog een aanvulling."
        ),
        frozenset({"aanbieder"}),
    ),
    "intrekken": (
        lambda w: reports.withdraw(w.engine, w.scope, knelpunt_id=w.report, versie=w.version()),
        frozenset({"aanbieder"}),
    ),
    "vraag beantwoorden": (
        lambda w: reports.answer(
            w.engine,
            w.scope,
            knelpunt_id=w.report,
            versie=_in_state(w, "reactie_gevraagd"),
            tekst="Het gaat om twaalf gezinnen in Zaanstad.",
        ),
        frozenset({"aanbieder"}),
    ),
    "heropenen vragen": (
        lambda w: reports.request_reopening(
            w.engine,
            w.scope,
            knelpunt_id=w.report,
            versie=_in_state(w, "opgelost"),
            reden="Er is nog steeds geen hoofdaannemer gevonden.",
        ),
        frozenset({"aanbieder"}),
    ),
    "samenvoegen": (
        lambda w: reports.merge(
            w.engine,
            w.scope,
            knelpunt_id=w.report,
            versie=w.version(),
            into_id=3,
            reden="Dezelfde vraag als de eerdere melding.",
        ),
        BEHANDELAARS,
    ),
    "herindelen": (
        lambda w: reports.edit(
            w.engine,
            w.scope,
            knelpunt_id=w.report,
            versie=w.version(),
            categorie=GOOD.categorie,
            urgentie=GOOD.urgentie,
            segment=None,
        ),
        BEHANDELAARS,
    ),
    "besluit vastleggen": (
        lambda w: meetings.record_decision(
            w.engine,
            w.scope,
            item_id=5,
            versie=int(sql_scalar(w.engine, "SELECT versie FROM knelpunt WHERE id = 3")),
            besluit="De regio zoekt samen met de aanbieders een tussenoplossing.",
        ),
        BEHANDELAARS,
    ),
    "besluit corrigeren": (
        lambda w: meetings.correct_decision(
            w.engine,
            w.scope,
            item_id=5,
            versie=_decided(w, item_id=5, knelpunt_id=3),
            besluit="De regio zoekt met twee aanbieders een tussenoplossing.",
            reden="Het aantal aanbieders stond verkeerd in het verslag.",
        ),
        BEHANDELAARS,
    ),
    "agendapunt verplaatsen": (
        lambda w: meetings.move_item(w.engine, w.scope, item_id=6, omhoog=True),
        BEHANDELAARS,
    ),
    "agendapunt schrappen": (
        lambda w: meetings.remove_item(w.engine, w.scope, item_id=6),
        BEHANDELAARS,
    ),
    "overleg plannen": (
        lambda w: meetings.create(
            w.engine, w.scope, datum=dt.date(2027, 1, 15), titel="Kerngroep januari"
        ),
        BEHANDELAARS,
    ),
    "op de agenda": (
        lambda w: meetings.add_item(w.engine, w.scope, overleg_id=1, knelpunt_id=w.report),
        BEHANDELAARS,
    ),
    "scenario bewaren": (
        lambda w: scenarios.save_scenario(w.engine, w.scope, scenario=SCENARIO),
        BEHANDELAARS,
    ),
    "importeren": (lambda w: imports.uitvoerder_voor(w.scope, "x"), BEHEER),
    "gebruiker aanmaken": (
        lambda w: create_user(
            w.engine,
            w.scope,
            username=f"nieuw.{w.scope.rol.value}",
            display_name="Nieuw",
            role=Rol.ADVISEUR,
            password="een-lang-wachtwoord",
        ),
        BEHEER,
    ),
    "gebruiker controleren": (
        lambda w: check_new_user(
            w.engine, w.scope, username="nog.niet", display_name="Nieuw", role=Rol.ADVISEUR
        ),
        BEHEER,
    ),
    "gebruiker deactiveren": (
        lambda w: set_active(w.engine, w.scope, username="demo.adviseur", active=False),
        BEHEER,
    ),
    "wachtwoord instellen": (
        lambda w: reset_password(
            w.engine, w.scope, username=_real_account(w.engine), new="een-nieuw-wachtwoord"
        ),
        BEHEER,
    ),
}


def _decided(world: World, *, item_id: int, knelpunt_id: int) -> int:
    """A decision on an agenda item (recorded as the kerngroep if there is none yet); the
    report's version after."""
    version = "SELECT versie FROM knelpunt WHERE id = :i"
    decided = sql_scalar(world.engine, "SELECT besluit FROM agendapunt WHERE id = :i", i=item_id)
    if decided:
        return int(sql_scalar(world.engine, version, i=knelpunt_id))
    meetings.record_decision(
        world.engine,
        user_scope(world.engine, "demo.kerngroep"),
        item_id=item_id,
        versie=int(sql_scalar(world.engine, version, i=knelpunt_id)),
        besluit="De regio zoekt samen met de aanbieders een tussenoplossing.",
    )
    return int(sql_scalar(world.engine, version, i=knelpunt_id))


def _in_state(world: World, status: str) -> int:
    """Put the world's report in `status` (resolved just now, for reopening); its version."""
    with world.engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE knelpunt SET status = :s WHERE id = :i"),
            {"s": status, "i": world.report},
        )
        conn.execute(
            sa.text(
                "INSERT INTO knelpuntgebeurtenis (knelpunt_id, tijdstip, gebruiker_id, soort, "
                "van, naar, intern) SELECT :i, :t, ingediend_door_id, 'status', 'besloten', "
                "'opgelost', FALSE FROM knelpunt WHERE id = :i"
            ),
            {"i": world.report, "t": dt.datetime.now(dt.UTC)},
        )
    return world.version()


def _real_account(engine: sa.Engine) -> str:
    """A non-demo account (a demo account's shared password cannot be changed by anyone)."""
    create_user(
        engine,
        Scope.operator(),
        username="echt.account",
        display_name="Echt",
        role=Rol.ADVISEUR,
        password="een-lang-wachtwoord",
    )
    return "echt.account"


def _world(engine: sa.Engine, account: str) -> World:
    ids = provider_ids(engine)
    report = reports.submit(engine, user_scope(engine, "demo.aanbieder"), melding=GOOD).id
    return World(
        engine,
        ids[PLANTED.RESIDENTIEEL_HOOFDAANNEMER],
        ids[PLANTED.SPORTCLUB],
        report,
        user_scope(engine, ACCOUNTS[account]),
    )


def _check(world: World, name: str, call: Call, allowed: frozenset[str], account: str) -> None:
    if account in allowed:
        call(world)  # must not raise AccessDenied (nor anything else)
    else:
        with pytest.raises(AccessDenied):
            call(world)


@pytest.mark.parametrize("account", list(ACCOUNTS))
def test_every_read_function_as_every_role(demo_engine: sa.Engine, account: str) -> None:
    world = _world_readonly(demo_engine, account)
    for name, (call, allowed) in READS.items():
        try:
            _check(world, name, call, allowed, account)
        except BaseException as exc:
            raise AssertionError(f"{name} as {account}: {exc!r}") from exc


@pytest.mark.parametrize("account", list(ACCOUNTS))
def test_every_write_function_as_every_role(demo_engine_rw: sa.Engine, account: str) -> None:
    for name, (call, allowed) in WRITES.items():
        world = _world(demo_engine_rw, account)  # a fresh new report for every write
        try:
            _check(world, name, call, allowed, account)
        except BaseException as exc:
            raise AssertionError(f"{name} as {account}: {exc!r}") from exc


def _world_readonly(engine: sa.Engine, account: str) -> World:
    """The shared demo database is read-only: use an existing report of Horizon."""
    ids = provider_ids(engine)
    report = sql_scalar(
        engine,
        "SELECT MIN(id) FROM knelpunt WHERE aanbieder_id = :a",
        a=ids[PLANTED.RESIDENTIEEL_HOOFDAANNEMER],
    )
    assert report is not None
    return World(
        engine,
        ids[PLANTED.RESIDENTIEEL_HOOFDAANNEMER],
        ids[PLANTED.SPORTCLUB],
        int(report),
        user_scope(engine, ACCOUNTS[account]),
    )


def test_the_matrix_covers_every_public_function_that_takes_a_scope() -> None:
    """A new function with a scope argument must get a row here."""
    import inspect

    import data_access.queries.aanbieder as q_aanbieder
    import data_access.queries.onderaanneming as q_netwerk
    import data_access.queries.overzicht as q_overzicht
    import data_access.queries.segmenten as q_segmenten
    import data_access.queries.trends as q_trends
    import data_access.queries.uitnutting as q_uitnutting
    from data_access import filters, lookups, users

    covered = " ".join(inspect.getsource(c) for c, _ in [*READS.values(), *WRITES.values()])
    modules = [
        reports,
        reads,
        meetings,
        imports,
        resultaat,
        scenarios,
        lookups,
        q_aanbieder,
        q_trends,
        q_netwerk,
        q_overzicht,
        q_segmenten,
        q_uitnutting,
        users,
        filters,
    ]
    missing = []
    for module in modules:
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or fn.__module__ != module.__name__:
                continue
            if "scope" in inspect.signature(fn).parameters and f"{name}(" not in covered:
                missing.append(f"{module.__name__}.{name}")
    # Session-level steps inside a write: they take the scope from the write that calls them.
    # validate() is the first step of submit() and refuses nothing on its own.
    # require_what_if/require_meetings are the checks themselves; visible_providers is the
    # filter options' provider list (a row above) and filters by the scope on its own.
    passed_on = {
        "data_access.register.reports.load_for_change",
        "data_access.register.reports.event",
        "data_access.register.reports.transition",
        "data_access.register.reports.validate",
        "data_access.register.reads.require_meetings",
        "data_access.scenarios.require_what_if",
        "data_access.lookups.visible_providers",
    }
    assert sorted(set(missing) - passed_on) == []


def test_security_md_names_only_tests_that_exist() -> None:
    """SECURITY.md says which test proves each promise; each named test must be there."""
    import re

    from data_access.settings import PROJECT_ROOT

    text = (PROJECT_ROOT / "SECURITY.md").read_text(encoding="utf-8")
    refs = re.findall(r"(tests/\w+\.py)(?:::(\w+))?", text)
    assert len(refs) > 20
    for path, name in refs:
        source = (PROJECT_ROOT / path).read_text(encoding="utf-8")
        assert not name or f"def {name}(" in source, f"{path}::{name}"
