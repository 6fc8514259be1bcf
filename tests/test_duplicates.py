"""Possible duplicates: similar reports while writing, and "mogelijk dubbel" in the queue."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest
import sqlalchemy as sa

from data_access.db import make_engine
from data_access.models import KnelpuntCategorie, KnelpuntSoort, KnelpuntStatus, Urgentie
from data_access.register import duplicates, reports
from data_access.register.duplicates import (
    FRESH_SECONDS,
    SUGGESTIONS,
    possible_duplicates,
    similar_reports,
)
from data_access.register.reads import Concept, meldformulier
from data_access.register.reports import Melding
from tests.helpers import sql_frame, user_scope


def test_a_close_title_finds_the_existing_report_first(demo_engine_rw: sa.Engine) -> None:
    engine = demo_engine_rw
    kerngroep = user_scope(engine, "demo.kerngroep")
    existing = sql_frame(
        engine,
        "SELECT referentie, titel FROM knelpunt WHERE titel = "
        "'B-aanbieders vinden geen hoofdaannemer'",
    ).iloc[0]
    found = similar_reports(engine, kerngroep, titel="Geen hoofdaannemer voor B-cliënten")
    assert found and found[0].referentie == existing["referentie"]
    assert len(found) <= SUGGESTIONS
    assert similar_reports(engine, kerngroep, titel="Geen") == []  # too short to compare
    unrelated = similar_reports(engine, kerngroep, titel="Parkeerplaatsen bij het stadhuis")
    assert existing["referentie"] not in [s.referentie for s in unrelated]


def test_a_provider_is_only_shown_its_own_organisations_reports(
    demo_engine_rw: sa.Engine,
) -> None:
    engine = demo_engine_rw
    provider = user_scope(engine, "demo.aanbieder")
    own = set(
        sql_frame(
            engine,
            "SELECT k.referentie FROM knelpunt k JOIN aanbieder a ON a.id = k.aanbieder_id "
            "WHERE a.naam = 'Horizon Jeugd & Gezin'",
        )["referentie"]
    )
    everyone = sql_frame(engine, "SELECT titel FROM knelpunt")["titel"]
    for titel in everyone:  # each existing title, typed again
        for suggestion in similar_reports(engine, provider, titel=str(titel)):
            assert suggestion.referentie in own


def test_suggestions_follow_the_register_as_it_changes(demo_engine_rw: sa.Engine) -> None:
    engine = demo_engine_rw
    kerngroep = user_scope(engine, "demo.kerngroep")
    titel = "Wachttijd voor dyslexiezorg in Purmerend loopt op"
    assert all(s.titel != titel for s in similar_reports(engine, kerngroep, titel=titel))
    done = reports.submit(
        engine,
        user_scope(engine, "demo.aanbieder"),
        melding=Melding(
            soort=KnelpuntSoort.KNELPUNT,
            titel=titel,
            omschrijving="Kinderen met dyslexie wachten maanden voordat de zorg begint.",
            categorie=KnelpuntCategorie.OVERIG,
            urgentie=Urgentie.MIDDEL,
            gemeenten=("GM0439",),
        ),
    )
    time.sleep(FRESH_SECONDS)  # the promise: suggested at the latest this long after saving
    [first, *_] = similar_reports(engine, kerngroep, titel=titel)
    assert (first.referentie, first.status) == (done.referentie, "nieuw")
    reports.change_status(
        engine, kerngroep, knelpunt_id=done.id, versie=1, naar=KnelpuntStatus.IN_BEHANDELING
    )
    time.sleep(FRESH_SECONDS)
    [first, *_] = similar_reports(engine, kerngroep, titel=titel)
    assert (first.referentie, first.status) == (done.referentie, "in_behandeling")


def test_many_people_typing_at_once_never_wait_for_each_others_connections(
    demo_db: tuple[sa.Engine, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every keystroke asks the register whether it changed; the form holds a connection while
    # it does. Eight people at once on a pool of two must all get their suggestions.
    monkeypatch.setattr(duplicates, "FRESH_SECONDS", 0.0)
    small = make_engine(demo_db[1], pool_size=2, max_overflow=0, pool_timeout=5)
    kerngroep = user_scope(small, "demo.kerngroep")
    concept = Concept(titel="Geen hoofdaannemer voor B-cliënten")
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            forms = list(
                pool.map(lambda _: meldformulier(small, kerngroep, concept=concept), range(24))
            )
    finally:
        small.dispose()
    assert all(
        f.suggesties and f.suggesties[0].titel == "B-aanbieders vinden geen hoofdaannemer"
        for f in forms
    )


def test_the_same_category_counts_for_a_report(demo_engine_rw: sa.Engine) -> None:
    engine = demo_engine_rw
    kerngroep = user_scope(engine, "demo.kerngroep")
    titel = "Teams voor crisis ontbreken"
    plain = {s.referentie: s.score for s in similar_reports(engine, kerngroep, titel=titel)}
    crisis = {
        s.referentie: s.score
        for s in similar_reports(
            engine, kerngroep, titel=titel, categorie=KnelpuntCategorie.CRISISCAPACITEIT
        )
    }
    category = dict(
        sql_frame(engine, "SELECT referentie, categorie FROM knelpunt").itertuples(index=False)
    )
    compared = [r for r in plain if r in crisis]
    assert compared  # the case the test is about
    for reference in compared:
        bonus = 8 if category[reference] == "crisiscapaciteit" else 0
        assert crisis[reference] == min(plain[reference] + bonus, 100), reference


def test_the_queue_marks_a_later_report_as_a_possible_duplicate_of_an_earlier_open_one() -> None:
    queue = pd.DataFrame(
        {
            "referentie": ["KNP-2026-0003", "KNP-2026-0002", "KNP-2026-0001"],
            "titel": [
                "Geen hoofdaannemer voor B-cliënten",
                "Facturen komen te laat binnen",
                "B-cliënten vinden geen hoofdaannemer",
            ],
            "status": ["nieuw", "nieuw", "in_behandeling"],
            "aangemaakt": ["2026-11-03", "2026-11-02", "2026-11-01"],
        }
    )
    marked = possible_duplicates(queue)
    assert list(marked) == ["KNP-2026-0001", None, None]  # the earliest is the original
    queue.loc[2, "status"] = "opgelost"  # a closed original is no merge target
    assert list(possible_duplicates(queue)) == [None, None, None]
