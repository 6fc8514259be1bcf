"""The register: validation, workflow, history, access, merging, meetings, concurrency."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import docx
import pytest
import sqlalchemy as sa

from data_access.access import AccessDenied, Scope
from data_access.db import make_engine, migrate
from data_access.labels import URGENTIE
from data_access.loader import load_tables
from data_access.models import (
    KnelpuntCategorie,
    KnelpuntSoort,
    KnelpuntStatus,
    Rol,
    Segment,
    Urgentie,
)
from data_access.register import actions, meetings, reads, reports, workflow
from data_access.register.actions import NieuweActie
from data_access.register.reads import RegisterFilter
from data_access.register.reports import Melding
from data_access.register.workflow import Conflict, Wie, WorkflowError
from data_access.validation import ValidationFailed
from tests.conftest import BACKENDS, fresh_database
from tests.helpers import provider_ids, sql_frame, sql_scalar, user_scope

S = KnelpuntStatus
GOOD = Melding(
    soort=KnelpuntSoort.KNELPUNT,
    titel="Geen crisisplek beschikbaar",
    omschrijving="Voor jeugdigen met acute problematiek is binnen de regio geen crisisplek vrij.",
    categorie=KnelpuntCategorie.CRISISCAPACITEIT,
    urgentie=Urgentie.HOOG,
    gemeenten=("GM0363", "GM0479"),
    segment=Segment.C,
    profiel_nr=3,
    aantal_gezinnen=4,
)


def _counts(engine: sa.Engine) -> tuple[int, int, int]:
    return (
        int(sql_scalar(engine, "SELECT COUNT(*) FROM knelpunt")),
        int(sql_scalar(engine, "SELECT COUNT(*) FROM knelpuntgebeurtenis")),
        int(sql_scalar(engine, "SELECT COUNT(*) FROM knelpuntgemeente")),
    )


def _submit(engine: sa.Engine, **changes: object) -> reports.Ingediend:
    return reports.submit(
        engine, user_scope(engine, "demo.aanbieder"), melding=dataclasses.replace(GOOD, **changes)
    )


# --- validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "fragment"),
    [
        ({"titel": ""}, "titel", "verplicht"),
        ({"titel": "   "}, "titel", "verplicht"),
        ({"titel": "Kort"}, "titel", "te kort"),
        ({"titel": "x" * 151}, "titel", "te lang"),
        ({"omschrijving": ""}, "omschrijving", "verplicht"),
        ({"omschrijving": "te kort"}, "omschrijving", "te kort"),
        ({"omschrijving": "x" * 5001}, "omschrijving", "te lang"),
        ({"categorie": None}, "categorie", "Kies een categorie"),
        ({"gemeenten": ()}, "gemeenten", "minstens één gemeente"),
        ({"gemeenten": ("GM9999",)}, "gemeenten", "Onbekende gemeentecode"),
        ({"profiel_nr": 0}, "profiel_nr", "1 tot en met 11"),
        ({"profiel_nr": 12}, "profiel_nr", "1 tot en met 11"),
        ({"aantal_gezinnen": -1}, "aantal_gezinnen", "tussen 0 en 10.000"),
        ({"aantal_gezinnen": 10_001}, "aantal_gezinnen", "tussen 0 en 10.000"),
        ({"titel": "Bel mij op 06-12345678"}, "titel", "telefoonnummer"),
        ({"omschrijving": "Het gaat om cliënt 111222333 in Zaanstad."}, "omschrijving", "BSN"),
        ({"omschrijving": "Mail naar planner@praktijk.nl voor details."}, "omschrijving", "e-mail"),
    ],
)
def test_invalid_reports_are_refused_per_field_and_nothing_is_stored(
    demo_engine_rw: sa.Engine, changes: dict, field: str, fragment: str
) -> None:
    before = _counts(demo_engine_rw)
    with pytest.raises(ValidationFailed) as failed:
        _submit(demo_engine_rw, **changes)
    assert field in failed.value.errors
    assert any(fragment in m for m in failed.value.errors[field])
    assert _counts(demo_engine_rw) == before


def test_limits_themselves_are_accepted(demo_engine_rw: sa.Engine) -> None:
    done = _submit(
        demo_engine_rw,
        titel="x" * 150,
        omschrijving="y" * 5000,
        profiel_nr=11,
        aantal_gezinnen=10_000,
    )
    assert done.referentie.startswith("KNP-")


def test_markdown_html_and_script_are_stored_verbatim(demo_engine_rw: sa.Engine) -> None:
    payload = (
        "<script>alert('x')</script> **vet** [klik](javascript:alert(1)) <b>html</b>\n"
        "| tabel | kop |\n# kop ' OR 1=1; DROP TABLE knelpunt; --"
    )
    done = _submit(demo_engine_rw, titel="<img src=x onerror=alert(1)> titel", omschrijving=payload)
    detail = reads.detail(
        demo_engine_rw, user_scope(demo_engine_rw, "demo.kerngroep"), knelpunt_id=done.id
    )
    assert detail.knelpunt["omschrijving"] == payload
    assert detail.knelpunt["titel"] == "<img src=x onerror=alert(1)> titel"


def test_on_behalf_reports_need_a_provider_the_user_may_see(demo_engine_rw: sa.Engine) -> None:
    ids = provider_ids(demo_engine_rw)
    cm = user_scope(demo_engine_rw, "demo.contractmanager")
    with pytest.raises(ValidationFailed) as failed:
        reports.submit(demo_engine_rw, cm, melding=GOOD)
    assert "aanbieder" in failed.value.errors
    outside = next(i for i in ids.values() if i not in cm.portefeuille)
    with pytest.raises(ValidationFailed):
        reports.submit(demo_engine_rw, cm, melding=dataclasses.replace(GOOD, aanbieder_id=outside))
    inside = next(iter(cm.portefeuille))
    done = reports.submit(
        demo_engine_rw, cm, melding=dataclasses.replace(GOOD, aanbieder_id=inside)
    )
    assert (
        sql_scalar(demo_engine_rw, "SELECT aanbieder_id FROM knelpunt WHERE id = :i", i=done.id)
        == inside
    )
    with pytest.raises(AccessDenied):
        reports.submit(demo_engine_rw, user_scope(demo_engine_rw, "demo.adviseur"), melding=GOOD)


def test_a_provider_always_reports_for_its_own_organisation(demo_engine_rw: sa.Engine) -> None:
    ids = provider_ids(demo_engine_rw)
    done = _submit(demo_engine_rw, aanbieder_id=ids["Praktijk De Zonnebloem"])
    owner = sql_scalar(demo_engine_rw, "SELECT aanbieder_id FROM knelpunt WHERE id = :i", i=done.id)
    assert owner == ids["Horizon Jeugd & Gezin"]


def test_submission_writes_report_municipalities_and_history(demo_engine_rw: sa.Engine) -> None:
    before = _counts(demo_engine_rw)
    done = _submit(demo_engine_rw)
    assert _counts(demo_engine_rw) == (before[0] + 1, before[1] + 1, before[2] + 2)
    year = dt.datetime.now(dt.UTC).year
    assert done.referentie == f"KNP-{year}-0001"
    assert _submit(demo_engine_rw).referentie == f"KNP-{year}-0002"


# --- workflow -----------------------------------------------------------------------------


def _force_status(engine: sa.Engine, knelpunt_id: int, status: KnelpuntStatus) -> int:
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE knelpunt SET status = :s, versie = 7 WHERE id = :i"),
            {"s": status.value, "i": knelpunt_id},
        )
    return 7


ROLE_ACCOUNTS = {
    "beheerder": "demo.beheerder",
    "kerngroep": "demo.kerngroep",
    "contractmanager": "demo.contractmanager",
    "adviseur": "demo.adviseur",
    "aanbieder": "demo.aanbieder",  # the reporting organisation of the report under test
}
ACTOR = {"beheerder": Wie.KERNGROEP, "kerngroep": Wie.KERNGROEP, "aanbieder": Wie.MELDER}
STEP_TEXT = "Een toelichting bij deze stap, lang genoeg"


def _take_step(
    engine: sa.Engine, scope, knelpunt_id: int, versie: int, naar: KnelpuntStatus, other: int
) -> None:
    """The function a user calls for a step to `naar` (each step has one way in)."""
    common = {"knelpunt_id": knelpunt_id, "versie": versie}
    if naar == S.SAMENGEVOEGD:
        reports.merge(engine, scope, into_id=other, reden=STEP_TEXT, **common)
    elif naar == S.INGETROKKEN:
        reports.withdraw(engine, scope, **common)
    elif naar == S.REACTIE_ONTVANGEN:
        reports.answer(engine, scope, tekst=STEP_TEXT, **common)
    elif naar == S.VERZOEK_HEROPENEN:
        reports.request_reopening(engine, scope, reden=STEP_TEXT, **common)
    else:
        tot = dt.date.today() + dt.timedelta(days=14)
        reports.change_status(engine, scope, naar=naar, reden=STEP_TEXT, tot=tot, **common)


def test_every_state_role_and_target_of_the_workflow_table(demo_engine_rw: sa.Engine) -> None:
    """Generated from the table: every allowed step succeeds for exactly the role the table
    names, every other (state, role, target) is refused with no row written."""
    engine = demo_engine_rw
    done = _submit(engine)
    other = _submit(engine).id  # an open report to merge into
    with engine.begin() as conn:  # resolved just now: within the reopening window
        conn.execute(
            sa.text(
                "INSERT INTO knelpuntgebeurtenis (knelpunt_id, tijdstip, gebruiker_id, soort, "
                "van, naar, intern) SELECT :i, :t, id, 'status', 'besloten', 'opgelost', FALSE "
                "FROM gebruiker WHERE gebruikersnaam = 'demo.kerngroep'"
            ),
            {"i": done.id, "t": dt.datetime.now(dt.UTC)},
        )
    scopes = {role: user_scope(engine, account) for role, account in ROLE_ACCOUNTS.items()}
    checked = allowed_seen = 0
    for van in S:
        for role, scope in scopes.items():
            for naar in S:
                if naar == van:
                    continue
                versie = _force_status(engine, done.id, van)
                events = int(sql_scalar(engine, "SELECT COUNT(*) FROM knelpuntgebeurtenis"))
                stap = workflow.step(van, naar)
                allowed = stap is not None and ACTOR.get(role) == stap.wie
                case = (van.value, role, naar.value)
                if allowed:
                    _take_step(engine, scope, done.id, versie, naar, other)
                    row = sql_frame(
                        engine, "SELECT status, versie FROM knelpunt WHERE id = :i", i=done.id
                    ).iloc[0]
                    assert (row["status"], row["versie"]) == (naar.value, versie + 1), case
                    last = sql_frame(
                        engine,
                        "SELECT soort, van, naar FROM knelpuntgebeurtenis WHERE soort = 'status' "
                        "ORDER BY id DESC LIMIT 1",
                    ).iloc[0]
                    assert (last["van"], last["naar"]) == (van.value, naar.value), case
                    allowed_seen += 1
                else:
                    with pytest.raises((WorkflowError, AccessDenied)):
                        _take_step(engine, scope, done.id, versie, naar, other)
                    after = sql_scalar(
                        engine, "SELECT status FROM knelpunt WHERE id = :i", i=done.id
                    )
                    assert after == van.value, case
                    count = sql_scalar(engine, "SELECT COUNT(*) FROM knelpuntgebeurtenis")
                    assert count == events, case
                checked += 1
    assert checked == len(S) * (len(S) - 1) * len(ROLE_ACCOUNTS)
    # Every step of the table was taken once for each role it names.
    expected = sum(
        1 + (stap.wie == Wie.KERNGROEP)  # beheerder and kerngroep both handle the register
        for naar_steps in workflow.STEPS.values()
        for stap in naar_steps.values()
    )
    assert allowed_seen == expected


@pytest.mark.parametrize(
    ("van", "naar"),
    [(v, n) for v, steps in workflow.STEPS.items() for n, st in steps.items() if st.tekst],
    ids=lambda s: s.value,
)
def test_a_step_that_asks_for_a_text_is_refused_without_one(
    demo_sqlite_rw: tuple[sa.Engine, str], van: KnelpuntStatus, naar: KnelpuntStatus
) -> None:
    engine = demo_sqlite_rw[0]
    done, other = _submit(engine), _submit(engine).id
    versie = _force_status(engine, done.id, van)
    stap = workflow.step(van, naar)
    assert stap is not None
    scope = user_scope(engine, "demo.kerngroep" if stap.wie == Wie.KERNGROEP else "demo.aanbieder")
    common = {"knelpunt_id": done.id, "versie": versie}
    with pytest.raises(ValidationFailed):
        if naar == S.SAMENGEVOEGD:
            reports.merge(engine, scope, into_id=other, reden=" ", **common)
        elif naar == S.REACTIE_ONTVANGEN:
            reports.answer(engine, scope, tekst=" ", **common)
        elif naar == S.VERZOEK_HEROPENEN:
            reports.request_reopening(engine, scope, reden="", **common)
        else:
            tot = dt.date.today() + dt.timedelta(days=7)
            reports.change_status(engine, scope, naar=naar, reden="", tot=tot, **common)
    assert sql_scalar(engine, "SELECT status FROM knelpunt WHERE id = :i", i=done.id) == van


def test_reopening_is_asked_within_the_window_and_on_hold_needs_a_future_date(
    demo_sqlite_rw: tuple[sa.Engine, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = demo_sqlite_rw[0]
    kerngroep = user_scope(engine, "demo.kerngroep")
    aanbieder = user_scope(engine, "demo.aanbieder")
    done = _submit(engine)
    for naar, reden in (
        (S.IN_BEHANDELING, None),
        (S.GEAGENDEERD, None),
        (S.BESLOTEN, None),
        (S.OPGELOST, "Er is een hoofdaannemer gevonden"),
    ):
        versie = int(sql_scalar(engine, "SELECT versie FROM knelpunt WHERE id = :i", i=done.id))
        reports.change_status(
            engine, kerngroep, knelpunt_id=done.id, versie=versie, naar=naar, reden=reden
        )
    monkeypatch.setenv("SPIC_REOPEN_DAYS", "1")
    with engine.begin() as conn:  # resolved three days ago
        conn.execute(
            sa.text("UPDATE knelpuntgebeurtenis SET tijdstip = :t WHERE naar = 'opgelost'"),
            {"t": dt.datetime.now(dt.UTC) - dt.timedelta(days=3)},
        )
    with pytest.raises(WorkflowError, match="tot 1 dagen"):
        reports.request_reopening(engine, aanbieder, knelpunt_id=done.id, versie=5, reden=STEP_TEXT)
    monkeypatch.setenv("SPIC_REOPEN_DAYS", "60")
    reports.request_reopening(engine, aanbieder, knelpunt_id=done.id, versie=5, reden=STEP_TEXT)
    reports.change_status(
        engine, kerngroep, knelpunt_id=done.id, versie=6, naar=S.HEROPEND, reden=STEP_TEXT
    )
    for tot in (None, dt.date.today()):
        with pytest.raises(WorkflowError, match="na vandaag"):
            reports.change_status(
                engine,
                kerngroep,
                knelpunt_id=done.id,
                versie=7,
                naar=S.AANGEHOUDEN,
                reden=STEP_TEXT,
                tot=tot,
            )
    until = dt.date.today() + dt.timedelta(days=30)
    reports.change_status(
        engine,
        kerngroep,
        knelpunt_id=done.id,
        versie=7,
        naar=S.AANGEHOUDEN,
        reden="Wacht op het nieuwe inkoopkader",
        tot=until,
    )
    row = sql_frame(
        engine, "SELECT status, aangehouden_tot FROM knelpunt WHERE id = :i", i=done.id
    ).iloc[0]
    assert row["status"] == "aangehouden" and str(row["aangehouden_tot"]) == str(until)


def test_rejection_needs_a_reason(demo_engine_rw: sa.Engine) -> None:
    kerngroep = user_scope(demo_engine_rw, "demo.kerngroep")
    done = _submit(demo_engine_rw)
    with pytest.raises(ValidationFailed):
        reports.change_status(
            demo_engine_rw, kerngroep, knelpunt_id=done.id, versie=1, naar=S.AFGEWEZEN, reden="  "
        )
    assert sql_scalar(demo_engine_rw, "SELECT status FROM knelpunt WHERE id = :i", i=done.id) == (
        "nieuw"
    )


def test_a_stale_version_is_refused_and_writes_nothing(demo_engine_rw: sa.Engine) -> None:
    kerngroep = user_scope(demo_engine_rw, "demo.kerngroep")
    done = _submit(demo_engine_rw)
    reports.change_status(
        demo_engine_rw, kerngroep, knelpunt_id=done.id, versie=1, naar=S.IN_BEHANDELING
    )
    before = _counts(demo_engine_rw)
    with pytest.raises(Conflict, match="intussen door iemand anders gewijzigd"):
        reports.change_status(
            demo_engine_rw,
            kerngroep,
            knelpunt_id=done.id,
            versie=1,
            naar=S.AFGEWEZEN,
            reden="dubbel werk",
        )
    with pytest.raises(Conflict):
        reports.assign(
            demo_engine_rw,
            kerngroep,
            knelpunt_id=done.id,
            versie=1,
            gebruiker_id=user_scope(demo_engine_rw, "demo.contractmanager").gebruiker_id,
        )
    assert _counts(demo_engine_rw) == before


def test_only_the_kerngroep_moves_the_workflow(demo_engine_rw: sa.Engine) -> None:
    done = _submit(demo_engine_rw)
    for name in ("demo.contractmanager", "demo.aanbieder", "demo.adviseur"):
        with pytest.raises(AccessDenied):
            reports.change_status(
                demo_engine_rw,
                user_scope(demo_engine_rw, name),
                knelpunt_id=done.id,
                versie=1,
                naar=S.IN_BEHANDELING,
            )


def test_provider_withdraws_only_while_new(demo_engine_rw: sa.Engine) -> None:
    provider = user_scope(demo_engine_rw, "demo.aanbieder")
    first, second = _submit(demo_engine_rw), _submit(demo_engine_rw)
    reports.withdraw(demo_engine_rw, provider, knelpunt_id=first.id, versie=1)
    assert sql_scalar(demo_engine_rw, "SELECT status FROM knelpunt WHERE id = :i", i=first.id) == (
        "ingetrokken"
    )
    reports.change_status(
        demo_engine_rw,
        user_scope(demo_engine_rw, "demo.kerngroep"),
        knelpunt_id=second.id,
        versie=1,
        naar=S.IN_BEHANDELING,
    )
    with pytest.raises(WorkflowError):
        reports.withdraw(demo_engine_rw, provider, knelpunt_id=second.id, versie=2)
    other = user_scope(demo_engine_rw, "demo.aanbieder2")
    with pytest.raises(AccessDenied):  # not its organisation's report
        reports.withdraw(demo_engine_rw, other, knelpunt_id=first.id, versie=2)


def test_merge_closes_the_duplicate_and_records_both_sides(demo_engine_rw: sa.Engine) -> None:
    kerngroep = user_scope(demo_engine_rw, "demo.kerngroep")
    original, duplicate = _submit(demo_engine_rw), _submit(demo_engine_rw)
    with pytest.raises(ValidationFailed):
        reports.merge(
            demo_engine_rw,
            kerngroep,
            knelpunt_id=duplicate.id,
            versie=1,
            into_id=original.id,
            reden="",
        )
    with pytest.raises(WorkflowError):
        reports.merge(
            demo_engine_rw,
            kerngroep,
            knelpunt_id=duplicate.id,
            versie=1,
            into_id=duplicate.id,
            reden="zelfde",
        )
    reports.merge(
        demo_engine_rw,
        kerngroep,
        knelpunt_id=duplicate.id,
        versie=1,
        into_id=original.id,
        reden="Zelfde knelpunt",
    )
    row = sql_frame(
        demo_engine_rw,
        "SELECT status, samengevoegd_in_id FROM knelpunt WHERE id = :i",
        i=duplicate.id,
    ).iloc[0]
    assert (row["status"], row["samengevoegd_in_id"]) == ("samengevoegd", original.id)
    target = reads.detail(demo_engine_rw, kerngroep, knelpunt_id=original.id).geschiedenis
    assert duplicate.referentie in target["van"].tolist()
    third = _submit(demo_engine_rw)
    with pytest.raises(WorkflowError):  # a closed report cannot absorb others
        reports.merge(
            demo_engine_rw,
            kerngroep,
            knelpunt_id=third.id,
            versie=1,
            into_id=duplicate.id,
            reden="Zelfde knelpunt",
        )


def test_assignment_comments_actions_and_edits_are_all_in_the_history(
    demo_engine_rw: sa.Engine,
) -> None:
    kerngroep = user_scope(demo_engine_rw, "demo.kerngroep")
    cm = user_scope(demo_engine_rw, "demo.contractmanager")
    done = _submit(demo_engine_rw)
    with pytest.raises(WorkflowError):  # only contract managers take follow-up
        reports.assign(
            demo_engine_rw,
            kerngroep,
            knelpunt_id=done.id,
            versie=1,
            gebruiker_id=kerngroep.gebruiker_id,
        )
    reports.assign(
        demo_engine_rw, kerngroep, knelpunt_id=done.id, versie=1, gebruiker_id=cm.gebruiker_id
    )
    reports.comment(
        demo_engine_rw, cm, knelpunt_id=done.id, tekst="Gesprek met aanbieder gepland", intern=True
    )
    reports.comment(
        demo_engine_rw, kerngroep, knelpunt_id=done.id, tekst="Wordt besproken in mei", intern=False
    )
    actions.add_action(
        demo_engine_rw,
        cm,
        knelpunt_id=done.id,
        actie=NieuweActie("Gesprek met de aanbieder", "Contractmanager", dt.date(2026, 12, 1)),
    )
    reports.edit(
        demo_engine_rw,
        kerngroep,
        knelpunt_id=done.id,
        versie=2,
        categorie=KnelpuntCategorie.TARIEF_FINANCIERING,
        urgentie=Urgentie.MIDDEL,
        segment=Segment.B,
    )
    history = reads.detail(demo_engine_rw, kerngroep, knelpunt_id=done.id).geschiedenis
    assert history["soort"].tolist() == [
        "aangemaakt",
        "toegewezen",
        "opmerking",
        "opmerking",
        "actie",
        "bewerkt",
    ]
    assert history["intern"].tolist() == [False, False, True, False, False, False]
    assert history["tekst"].iloc[-1] == (
        "categorie: crisiscapaciteit → tarief_financiering; urgentie: hoog → middel; segment: C → B"
    )
    overdue = reads.register(
        demo_engine_rw,
        kerngroep,
        filters=RegisterFilter(alleen_achterstallig=True, vandaag=dt.date(2026, 12, 2)),
    )
    assert done.id in overdue["id"].tolist()
    not_yet = reads.register(
        demo_engine_rw,
        kerngroep,
        filters=RegisterFilter(alleen_achterstallig=True, vandaag=dt.date(2026, 11, 30)),
    )
    assert done.id not in not_yet["id"].tolist()


# --- access -------------------------------------------------------------------------------


def test_a_provider_sees_only_its_own_reports_and_no_internal_notes(
    demo_engine_rw: sa.Engine,
) -> None:
    kerngroep = user_scope(demo_engine_rw, "demo.kerngroep")
    provider = user_scope(demo_engine_rw, "demo.aanbieder")
    done = _submit(demo_engine_rw)
    reports.comment(
        demo_engine_rw, kerngroep, knelpunt_id=done.id, tekst="Interne afweging budget", intern=True
    )
    reports.comment(
        demo_engine_rw, kerngroep, knelpunt_id=done.id, tekst="Openbare reactie", intern=False
    )
    own = reads.register(demo_engine_rw, provider)
    expected = sql_scalar(
        demo_engine_rw,
        "SELECT COUNT(*) FROM knelpunt WHERE aanbieder_id = :a",
        a=provider.aanbieder_id,
    )
    assert len(own) == expected and set(own["aanbieder"]) == {"Horizon Jeugd & Gezin"}
    texts = (
        reads.detail(demo_engine_rw, provider, knelpunt_id=done.id).geschiedenis["tekst"].tolist()
    )
    assert "Openbare reactie" in texts and "Interne afweging budget" not in texts
    other = user_scope(demo_engine_rw, "demo.aanbieder2")
    assert done.id not in reads.register(demo_engine_rw, other)["id"].tolist()
    with pytest.raises(AccessDenied):
        reads.detail(demo_engine_rw, other, knelpunt_id=done.id)


def test_an_adviser_gets_no_free_text(demo_engine: sa.Engine) -> None:
    adviseur = user_scope(demo_engine, "demo.adviseur")
    with pytest.raises(AccessDenied):
        reads.register(demo_engine, adviseur)
    with pytest.raises(AccessDenied):
        reads.detail(demo_engine, adviseur, knelpunt_id=1)


def test_a_contract_manager_sees_portfolio_and_assigned_reports(demo_engine: sa.Engine) -> None:
    cm = user_scope(demo_engine, "demo.contractmanager")
    seen = reads.register(demo_engine, cm)
    rows = sql_frame(demo_engine, "SELECT id, aanbieder_id, toegewezen_aan_id FROM knelpunt")
    expected = rows[
        rows["aanbieder_id"].isin(cm.portefeuille) | (rows["toegewezen_aan_id"] == cm.gebruiker_id)
    ]
    assert set(seen["id"]) == set(expected["id"]) and 0 < len(seen) < len(rows)


# --- meetings -----------------------------------------------------------------------------


def test_agenda_order_decisions_and_word_documents(demo_engine_rw: sa.Engine) -> None:
    kerngroep = user_scope(demo_engine_rw, "demo.kerngroep")
    submitted = [_submit(demo_engine_rw, titel=f"Knelpunt nummer {n}") for n in range(3)]
    meeting = meetings.create(
        demo_engine_rw, kerngroep, datum=dt.date(2026, 12, 10), titel="Kerngroep december"
    )
    for report in submitted:
        meetings.add_item(demo_engine_rw, kerngroep, overleg_id=meeting, knelpunt_id=report.id)
    with pytest.raises(WorkflowError):
        meetings.add_item(
            demo_engine_rw, kerngroep, overleg_id=meeting, knelpunt_id=submitted[0].id
        )
    items = reads.agenda(demo_engine_rw, kerngroep, overleg_id=meeting)
    assert set(items["status"]) == {"geagendeerd"}
    meetings.move_item(demo_engine_rw, kerngroep, item_id=int(items["id"].iloc[2]), omhoog=True)
    order = reads.agenda(demo_engine_rw, kerngroep, overleg_id=meeting)["referentie"].tolist()
    assert order == [submitted[0].referentie, submitted[2].referentie, submitted[1].referentie]

    agenda_doc = docx.Document(
        io.BytesIO(meetings.agenda_docx(demo_engine_rw, kerngroep, overleg_id=meeting))
    )
    headings = [p.text for p in agenda_doc.paragraphs if p.style.name == "Heading 2"]
    assert [h.split(" – ")[0] for h in headings] == [f"{n}. {r}" for n, r in enumerate(order, 1)]
    # Each item carries what the meeting needs to discuss it: urgency, families, description.
    body = "\n".join(p.text for p in agenda_doc.paragraphs)
    assert f"Urgentie: {URGENTIE[GOOD.urgentie]}." in body
    assert f"Betrokken gezinnen: {GOOD.aantal_gezinnen}." in body
    assert body.count(GOOD.omschrijving) == 3

    first = reads.agenda(demo_engine_rw, kerngroep, overleg_id=meeting).iloc[0]
    meetings.record_decision(
        demo_engine_rw,
        kerngroep,
        item_id=int(first["id"]),
        versie=int(first["versie"]),
        besluit="Regio onderzoekt een crisisvoorziening",
        acties=[NieuweActie("Voorstel crisisvoorziening", "Contractmanager", dt.date(2027, 1, 15))],
    )
    assert (
        sql_scalar(
            demo_engine_rw, "SELECT status FROM knelpunt WHERE id = :i", i=int(first["knelpunt_id"])
        )
        == "besloten"
    )
    decisions = docx.Document(
        io.BytesIO(meetings.decisions_docx(demo_engine_rw, kerngroep, overleg_id=meeting))
    )
    cells = [[c.text for c in row.cells] for row in decisions.tables[0].rows]
    assert cells[0] == ["Nr.", "Melding", "Besluit", "Acties"]
    assert cells[1][2] == "Regio onderzoekt een crisisvoorziening"
    assert cells[1][3] == "Voorstel crisisvoorziening — Contractmanager (15-01-2027, open)"
    assert cells[2][2] == "(nog geen besluit)"
    with pytest.raises(AccessDenied):
        reads.agenda(
            demo_engine_rw, user_scope(demo_engine_rw, "demo.contractmanager"), overleg_id=meeting
        )


def test_a_decision_is_corrected_with_its_old_text_in_the_history(
    demo_engine_rw: sa.Engine,
) -> None:
    engine = demo_engine_rw
    kerngroep = user_scope(engine, "demo.kerngroep")
    report = _submit(engine)
    meeting = meetings.create(engine, kerngroep, datum=dt.date(2026, 12, 10), titel="Kerngroep")
    meetings.add_item(engine, kerngroep, overleg_id=meeting, knelpunt_id=report.id)
    item = reads.agenda(engine, kerngroep, overleg_id=meeting).iloc[0]
    meetings.record_decision(
        engine,
        kerngroep,
        item_id=int(item["id"]),
        versie=int(item["versie"]),
        besluit="Regio koopt tien crisisplekken in",
    )
    item = reads.agenda(engine, kerngroep, overleg_id=meeting).iloc[0]
    correct = {
        "item_id": int(item["id"]),
        "versie": int(item["versie"]),
        "besluit": "Regio koopt twaalf crisisplekken in",
    }
    with pytest.raises(ValidationFailed):  # a correction says why
        meetings.correct_decision(engine, kerngroep, reden=" ", **correct)
    meetings.correct_decision(engine, kerngroep, reden="Telfout in het verslag", **correct)
    after = reads.agenda(engine, kerngroep, overleg_id=meeting).iloc[0]
    assert after["besluit"] == "Regio koopt twaalf crisisplekken in"
    last = sql_frame(
        engine,
        "SELECT soort, tekst FROM knelpuntgebeurtenis WHERE knelpunt_id = :i ORDER BY id DESC",
        i=report.id,
    ).iloc[0]
    assert last["soort"] == "bewerkt"
    assert "Telfout in het verslag" in last["tekst"]
    assert "Regio koopt tien crisisplekken in" in last["tekst"]  # what it said before
    events = sql_scalar(engine, "SELECT COUNT(*) FROM knelpuntgebeurtenis")
    unchanged = {**correct, "versie": int(after["versie"])}
    meetings.correct_decision(engine, kerngroep, reden="Nogmaals opgeslagen", **unchanged)
    assert sql_scalar(engine, "SELECT COUNT(*) FROM knelpuntgebeurtenis") == events
    stale = {**correct, "besluit": "Regio koopt vijftien crisisplekken in"}
    with pytest.raises(Conflict):  # from a page that still shows the first version
        meetings.correct_decision(engine, kerngroep, reden="Verouderd", **stale)


def test_decision_with_a_phone_number_is_refused(demo_engine_rw: sa.Engine) -> None:
    kerngroep = user_scope(demo_engine_rw, "demo.kerngroep")
    report = _submit(demo_engine_rw)
    meeting = meetings.create(
        demo_engine_rw, kerngroep, datum=dt.date(2026, 12, 10), titel="Kerngroep"
    )
    meetings.add_item(demo_engine_rw, kerngroep, overleg_id=meeting, knelpunt_id=report.id)
    item = reads.agenda(demo_engine_rw, kerngroep, overleg_id=meeting).iloc[0]
    with pytest.raises(ValidationFailed):
        meetings.record_decision(
            demo_engine_rw,
            kerngroep,
            item_id=int(item["id"]),
            versie=int(item["versie"]),
            besluit="Bel de aanbieder op 06-12345678",
        )
    assert reads.agenda(demo_engine_rw, kerngroep, overleg_id=meeting).iloc[0]["besluit"] is None


# --- concurrency --------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_fifty_parallel_submissions_all_land_with_unique_numbers(
    backend: str, tmp_path: Path, demo_tables: dict
) -> None:
    with fresh_database(backend, tmp_path) as (engine, url):
        migrate(engine)
        load_tables(engine, tables=demo_tables)
        scope = user_scope(engine, "demo.aanbieder")
        before = _counts(engine)
        # Separate engines per worker group, as separate Streamlit sessions would share one
        # engine but separate processes would not.
        engines = [engine, make_engine(url)] if backend == "sqlite" else [engine]

        def one(n: int) -> str:
            melding = dataclasses.replace(GOOD, titel=f"Parallelle melding {n}")
            return reports.submit(engines[n % len(engines)], scope, melding=melding).referentie

        with ThreadPoolExecutor(max_workers=16) as pool:
            references = list(pool.map(one, range(50)))
        assert len(set(references)) == 50
        after = _counts(engine)
        assert after == (before[0] + 50, before[1] + 50, before[2] + 100)
        numbers = sorted(int(r.rsplit("-", 1)[1]) for r in references)
        assert numbers == list(range(1, 51))  # no gaps, no duplicates
        for extra in engines[1:]:
            extra.dispose()


def test_scope_without_role_rights_cannot_comment(demo_engine: sa.Engine) -> None:
    adviseur = Scope(Rol.ADVISEUR, 1)
    with pytest.raises(AccessDenied):
        reports.comment(demo_engine, adviseur, knelpunt_id=1, tekst="Hallo daar", intern=False)


def test_trends_count_what_the_register_holds_and_suppress_for_advisers(
    demo_engine: sa.Engine,
) -> None:
    from data_access.queries.trends import register_trends as trends

    full = trends(demo_engine, user_scope(demo_engine, "demo.kerngroep"))
    rows = sql_frame(demo_engine, "SELECT categorie, status FROM knelpunt")
    assert full.totaal == len(rows)
    closed = {s.value for s in workflow.CLOSED}
    assert full.open == int((~rows["status"].isin(closed)).sum())
    per_cat = full.per_categorie.groupby("categorie")["meldingen"].sum()
    assert per_cat.to_dict() == rows["categorie"].value_counts().to_dict()
    assert full.per_maand["meldingen"].sum() == len(rows)
    decided = sql_scalar(
        demo_engine,
        "SELECT COUNT(DISTINCT knelpunt_id) FROM knelpuntgebeurtenis WHERE naar = 'besloten'",
    )
    assert full.doorlooptijd["besloten"].sum() == decided
    adviser = trends(demo_engine, user_scope(demo_engine, "demo.adviseur"))
    counts = adviser.per_categorie["meldingen"].dropna()
    assert ((counts == 0) | (counts >= 10)).all()
    assert adviser.per_categorie["onderdrukt"].all()  # the demo register is small
    assert adviser.totaal == len(rows)  # 16 reports: the total itself is shown


def test_saving_an_unchanged_assignment_logs_nothing(demo_engine_rw: sa.Engine) -> None:
    engine = demo_engine_rw
    kerngroep = user_scope(engine, "demo.kerngroep")
    done = _submit(engine)
    manager = int(
        sql_scalar(engine, "SELECT id FROM gebruiker WHERE gebruikersnaam = 'demo.contractmanager'")
    )
    reports.assign(engine, kerngroep, knelpunt_id=done.id, versie=1, gebruiker_id=manager)
    events = sql_scalar(engine, "SELECT COUNT(*) FROM knelpuntgebeurtenis")
    reports.assign(engine, kerngroep, knelpunt_id=done.id, versie=2, gebruiker_id=manager)
    assert sql_scalar(engine, "SELECT COUNT(*) FROM knelpuntgebeurtenis") == events
    assert sql_scalar(engine, "SELECT versie FROM knelpunt WHERE id = :i", i=done.id) == 2
