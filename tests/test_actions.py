"""Structured actions: owner, deadline and status, linked to the decision they come from."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from data_access.access import AccessDenied
from data_access.models import ActieStatus, KnelpuntStatus
from data_access.register import actions, meetings, reads
from data_access.register.actions import NieuweActie
from data_access.register.reads import RegisterFilter
from data_access.register.workflow import Conflict
from data_access.validation import ValidationFailed
from tests.helpers import sql_frame, sql_scalar, user_scope
from tests.test_knelpunten import _submit

S = KnelpuntStatus


def _on_agenda(engine: sa.Engine) -> tuple[int, int, int]:
    """(knelpunt, agendapunt, versie) of a fresh report on a new meeting's agenda."""
    kerngroep = user_scope(engine, "demo.kerngroep")
    report = _submit(engine)
    meeting = meetings.create(engine, kerngroep, datum=dt.date(2027, 1, 14), titel="Kerngroep")
    meetings.add_item(engine, kerngroep, overleg_id=meeting, knelpunt_id=report.id)
    item = reads.agenda(engine, kerngroep, overleg_id=meeting).iloc[0]
    return report.id, int(item["id"]), int(item["versie"])


def _actions(engine: sa.Engine, knelpunt_id: int) -> list[list[object]]:
    frame = sql_frame(
        engine,
        "SELECT agendapunt_id, omschrijving, eigenaar, deadline, status FROM actie "
        "WHERE knelpunt_id = :k ORDER BY id",
        k=knelpunt_id,
    )
    frame["deadline"] = frame["deadline"].map(lambda d: None if pd.isna(d) else str(d)[:10])
    return frame.astype(object).where(frame.notna(), None).values.tolist()


def test_a_decision_records_its_actions_linked_to_it(demo_engine_rw: sa.Engine) -> None:
    engine = demo_engine_rw
    kerngroep = user_scope(engine, "demo.kerngroep")
    report, item, versie = _on_agenda(engine)
    meetings.record_decision(
        engine,
        kerngroep,
        item_id=item,
        versie=versie,
        besluit="De regio koopt tien crisisplekken in.",
        acties=[
            NieuweActie(
                "Offerte opvragen bij twee aanbieders", "Contractmanager", dt.date(2027, 2, 1)
            ),
            NieuweActie("Financiering voorleggen aan de wethouders", "Kerngroep"),
        ],
    )
    assert _actions(engine, report) == [
        [item, "Offerte opvragen bij twee aanbieders", "Contractmanager", "2027-02-01", "open"],
        [item, "Financiering voorleggen aan de wethouders", "Kerngroep", None, "open"],
    ]
    detail = reads.detail(engine, kerngroep, knelpunt_id=report)
    assert detail.acties["overleg_datum"].tolist() == [dt.date(2027, 1, 14)] * 2
    assert detail.agenda["acties"].iloc[0].splitlines() == [
        "Offerte opvragen bij twee aanbieders — Contractmanager (01-02-2027, open)",
        "Financiering voorleggen aan de wethouders — Kerngroep (open)",
    ]
    history = detail.geschiedenis
    assert history["soort"].tolist()[-2:] == ["actie", "actie"]


@pytest.mark.parametrize(
    ("actie", "fragment"),
    [
        (NieuweActie("Offerte opvragen", ""), "Eigenaar is verplicht"),
        (NieuweActie("", "Contractmanager"), "Actie is verplicht"),
        (NieuweActie("Bel de moeder op 06-12345678", "Contractmanager"), "telefoonnummer"),
    ],
)
def test_one_bad_action_stores_neither_the_decision_nor_any_action(
    demo_engine_rw: sa.Engine, actie: NieuweActie, fragment: str
) -> None:
    engine = demo_engine_rw
    report, item, versie = _on_agenda(engine)
    with pytest.raises(ValidationFailed, match=fragment) as refused:
        meetings.record_decision(
            engine,
            user_scope(engine, "demo.kerngroep"),
            item_id=item,
            versie=versie,
            besluit="De regio koopt tien crisisplekken in.",
            acties=[NieuweActie("Een goede actie", "Kerngroep"), actie],
        )
    assert "Actie 2" in str(refused.value)  # says which row
    assert _actions(engine, report) == []
    assert sql_scalar(engine, "SELECT besluit FROM agendapunt WHERE id = :i", i=item) is None
    assert sql_scalar(engine, "SELECT status FROM knelpunt WHERE id = :i", i=report) == (
        "geagendeerd"
    )


def test_the_queue_shows_the_next_open_action_and_flags_it_when_overdue(
    demo_engine_rw: sa.Engine,
) -> None:
    engine = demo_engine_rw
    cm = user_scope(engine, "demo.contractmanager")
    report = _submit(engine).id
    for wat, wie, when in (
        ("Later gesprek", "Gemeente Zaanstad", dt.date(2027, 3, 1)),
        ("Eerst bellen", "Contractmanager", dt.date(2026, 12, 10)),
        ("Zonder datum", "Kerngroep", None),
    ):
        actions.add_action(engine, cm, knelpunt_id=report, actie=NieuweActie(wat, wie, when))

    def row(today: dt.date) -> dict:
        queue = reads.register(engine, cm, filters=RegisterFilter(vandaag=today))
        return queue[queue["id"] == report].iloc[0].to_dict()

    first = row(dt.date(2026, 12, 1))
    assert (first["actiehouder"], first["deadline"], first["achterstallig"]) == (
        "Contractmanager",
        dt.date(2026, 12, 10),
        False,
    )
    assert row(dt.date(2026, 12, 11))["achterstallig"] is True
    overdue = reads.register(
        engine, cm, filters=RegisterFilter(alleen_achterstallig=True, vandaag=dt.date(2026, 12, 11))
    )
    assert report in overdue["id"].tolist()

    detail = reads.detail(engine, cm, knelpunt_id=report)
    bellen = detail.acties[detail.acties["omschrijving"] == "Eerst bellen"].iloc[0]
    actions.change_action(
        engine,
        cm,
        actie_id=int(bellen["id"]),
        versie=int(bellen["versie"]),
        status=ActieStatus.GEREED,
        eigenaar="Contractmanager",
        deadline=dt.date(2026, 12, 10),
    )
    # Done: the next open action takes its place, and nothing is overdue any more.
    after = row(dt.date(2026, 12, 11))
    assert (after["actiehouder"], after["achterstallig"]) == ("Gemeente Zaanstad", False)
    last = reads.detail(engine, cm, knelpunt_id=report).geschiedenis.iloc[-1]
    assert last["tekst"] == "Actie 'Eerst bellen': status Open → Gereed"


def test_a_stale_or_unchanged_action_change_writes_nothing(demo_engine_rw: sa.Engine) -> None:
    engine = demo_engine_rw
    cm = user_scope(engine, "demo.contractmanager")
    report = _submit(engine).id
    actions.add_action(
        engine, cm, knelpunt_id=report, actie=NieuweActie("Gesprek plannen", "Contractmanager")
    )
    actie = reads.detail(engine, cm, knelpunt_id=report).acties.iloc[0]
    events = sql_scalar(engine, "SELECT COUNT(*) FROM knelpuntgebeurtenis")
    same = {
        "actie_id": int(actie["id"]),
        "versie": int(actie["versie"]),
        "status": ActieStatus.OPEN,
        "eigenaar": "Contractmanager",
        "deadline": None,
    }
    actions.change_action(engine, cm, **same)
    assert sql_scalar(engine, "SELECT COUNT(*) FROM knelpuntgebeurtenis") == events
    actions.change_action(engine, cm, **{**same, "eigenaar": "Gemeente Purmerend"})
    with pytest.raises(Conflict):  # the page still shows version 1
        actions.change_action(engine, cm, **{**same, "status": ActieStatus.VERVALLEN})
    assert sql_scalar(engine, "SELECT status FROM actie WHERE id = :i", i=same["actie_id"]) == (
        "open"
    )


def test_only_those_who_follow_up_record_actions(demo_engine_rw: sa.Engine) -> None:
    engine = demo_engine_rw
    report = _submit(engine).id
    for name in ("demo.aanbieder", "demo.adviseur"):
        with pytest.raises(AccessDenied):
            actions.add_action(
                engine,
                user_scope(engine, name),
                knelpunt_id=report,
                actie=NieuweActie("Zelf iets regelen", "Aanbieder"),
            )
    assert sql_scalar(engine, "SELECT COUNT(*) FROM actie WHERE knelpunt_id = :k", k=report) == 0
    # A provider reads the actions on its own report (they are not internal).
    actions.add_action(
        engine,
        user_scope(engine, "demo.kerngroep"),
        knelpunt_id=report,
        actie=NieuweActie("Gesprek plannen", "Contractmanager"),
    )
    own = reads.detail(engine, user_scope(engine, "demo.aanbieder"), knelpunt_id=report)
    assert own.acties["omschrijving"].tolist() == ["Gesprek plannen"]
