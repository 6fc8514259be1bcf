"""Service levels: deadlines in Dutch working days, punctuality, and where they show."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from data_access.models import KnelpuntCategorie
from data_access.queries.trends import on_time_per_month
from data_access.register import reports
from data_access.register.reads import RegisterFilter, register
from data_access.register.service_levels import (
    NORMS,
    Tijdigheid,
    add_working_days,
    deadlines,
    punctuality,
    working_days_between,
)
from tests.helpers import sql_frame, user_scope
from tests.test_knelpunten import GOOD

D = dt.date
C = KnelpuntCategorie


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (D(2026, 11, 23), 5, D(2026, 11, 30)),  # Monday + 5 working days: the next Monday
        (D(2026, 11, 27), 1, D(2026, 11, 30)),  # Friday + 1: over the weekend
        (D(2026, 4, 24), 1, D(2026, 4, 28)),  # Friday + 1: Monday 27 April is King's Day
        (D(2027, 4, 26), 1, D(2027, 4, 28)),  # Monday + 1: Tuesday 27 April is King's Day
        (D(2026, 12, 24), 1, D(2026, 12, 28)),  # Christmas Day and Boxing Day, then Sunday
        (D(2026, 12, 23), 3, D(2026, 12, 29)),  # 24, (25, 26, 27), 28, 29
        (D(2026, 5, 13), 1, D(2026, 5, 15)),  # Ascension Day, Thursday 14 May
        (D(2026, 12, 31), 1, D(2027, 1, 4)),  # New Year's Day, then the weekend
    ],
)
def test_deadlines_skip_weekends_and_dutch_public_holidays(
    start: dt.date, days: int, expected: dt.date
) -> None:
    assert add_working_days(start, days) == expected
    assert working_days_between(start, expected) == days


def test_every_category_has_a_target_for_response_and_decision() -> None:
    assert set(NORMS) == set(KnelpuntCategorie)
    for norm in NORMS.values():
        assert 0 < norm.reactie < norm.besluit
    reactie, besluit = deadlines(C.CRISISCAPACITEIT, D(2026, 12, 23))
    assert (reactie, besluit) == (D(2026, 12, 28), D(2027, 1, 8))  # 1 January skipped too


@pytest.mark.parametrize(
    ("responded", "decided", "stopped", "today", "expected"),
    [
        (D(2026, 11, 24), D(2026, 12, 1), None, D(2026, 12, 20), Tijdigheid.OP_TIJD),
        (None, None, None, D(2026, 11, 25), Tijdigheid.OP_TIJD),  # nothing due yet
        (D(2026, 11, 26), None, None, D(2026, 11, 27), Tijdigheid.TE_LAAT),  # answered late
        (None, None, None, D(2026, 11, 26), Tijdigheid.TE_LAAT),  # still unanswered, past due
        (None, None, None, D(2026, 12, 7), Tijdigheid.RUIM_TE_LAAT),  # > 3 x 2 working days
        (None, None, D(2026, 11, 24), D(2027, 1, 1), Tijdigheid.OP_TIJD),  # withdrawn in time
    ],
)
def test_punctuality_against_the_targets(
    responded: dt.date | None,
    decided: dt.date | None,
    stopped: dt.date | None,
    today: dt.date,
    expected: Tijdigheid,
) -> None:
    submitted = D(2026, 11, 23)  # crisiscapaciteit: response in 2, decision in 10 working days
    reactie, besluit = deadlines(C.CRISISCAPACITEIT, submitted)
    assert reactie == D(2026, 11, 25)
    verdict = punctuality(
        C.CRISISCAPACITEIT, submitted, reactie, besluit, responded, decided, stopped, today
    )
    assert verdict == expected


def test_a_report_gets_its_deadlines_and_a_new_category_moves_them(
    demo_engine_rw: sa.Engine,
) -> None:
    engine = demo_engine_rw
    melding = dataclasses.replace(GOOD, categorie=C.CRISISCAPACITEIT)
    done = reports.submit(engine, user_scope(engine, "demo.aanbieder"), melding=melding)
    row = sql_frame(
        engine,
        "SELECT aangemaakt, reactie_deadline, besluit_deadline FROM knelpunt WHERE id = :i",
        i=done.id,
    ).iloc[0]
    stamp = pd.Timestamp(str(row["aangemaakt"]))
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp
    submitted = stamp.tz_convert("Europe/Amsterdam").date()  # the Dutch day it came in
    expected = deadlines(C.CRISISCAPACITEIT, submitted)
    assert (str(row["reactie_deadline"])[:10], str(row["besluit_deadline"])[:10]) == tuple(
        d.isoformat() for d in expected
    )
    kerngroep = user_scope(engine, "demo.kerngroep")
    reports.edit(
        engine,
        kerngroep,
        knelpunt_id=done.id,
        versie=1,
        categorie=C.TARIEF_FINANCIERING,
        urgentie=GOOD.urgentie,
        segment=GOOD.segment,
    )
    moved = sql_frame(
        engine, "SELECT besluit_deadline FROM knelpunt WHERE id = :i", i=done.id
    ).iloc[0]
    assert str(moved["besluit_deadline"])[:10] == str(
        deadlines(C.TARIEF_FINANCIERING, submitted)[1]
    )


def test_the_queue_filters_on_punctuality(demo_engine_rw: sa.Engine) -> None:
    engine = demo_engine_rw
    kerngroep = user_scope(engine, "demo.kerngroep")
    everything = register(engine, kerngroep)
    assert set(everything["tijdigheid"]) <= {t.value for t in Tijdigheid}
    for choice in Tijdigheid:
        chosen = register(engine, kerngroep, filters=RegisterFilter(tijdigheid=frozenset({choice})))
        assert set(chosen["tijdigheid"]) <= {choice.value}
        assert len(chosen) == int((everything["tijdigheid"] == choice.value).sum())
    # A new report is on time: nothing is due on the day it is submitted.
    done = reports.submit(engine, user_scope(engine, "demo.aanbieder"), melding=GOOD)
    fresh = register(engine, kerngroep)
    assert fresh.loc[fresh["id"] == done.id, "tijdigheid"].item() == "op_tijd"


def test_the_share_on_time_per_month_counts_what_was_due() -> None:
    rows = pd.DataFrame(
        {
            "maand": ["2026-11"] * 4,
            "reactie_deadline": [D(2026, 11, 25)] * 4,
            "besluit_deadline": [D(2026, 12, 7)] * 4,
            "eerste_reactie": [D(2026, 11, 24), D(2026, 11, 27), None, None],
            "besluit_op": [D(2026, 12, 1), None, None, None],
            "gestopt_op": [None, None, None, D(2026, 11, 24)],  # withdrawn: not counted
        }
    )
    out = on_time_per_month(rows, today=D(2026, 12, 2)).iloc[0]
    assert out["reacties"] == 3 and out["reactie_op_tijd"] == pytest.approx(1 / 3)
    assert out["besluiten"] == 1 and out["besluit_op_tijd"] == 1.0  # the others not yet due
