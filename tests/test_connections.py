"""No view holds two pooled connections at once.

A view that asks the pool for a second connection while it holds one deadlocks under load:
with as many sessions as the pool has connections, each holds one and waits for another
until the pool's timeout. Every page's view runs here on an engine that fails the moment a
thread checks out a second connection.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from data_access.db import make_engine
from data_access.filters import Filters
from data_access.queries import (
    aanbieder,
    onderaanneming,
    overzicht,
    resultaat,
    segmenten,
    trends,
    uitnutting,
)
from data_access.register import reads
from tests.helpers import user_scope

DASHBOARDS: list[Callable[..., Any]] = [
    overzicht.overzicht,
    uitnutting.uitnutting,
    segmenten.segmenten,
    resultaat.resultaat,
    onderaanneming.onderaanneming,
    trends.trends,
]


@pytest.fixture
def one_connection_per_thread(demo_db: tuple[sa.Engine, str]) -> Iterator[tuple[sa.Engine, list]]:
    engine = make_engine(demo_db[1])
    held = threading.local()
    second: list[str] = []

    @sa.event.listens_for(engine, "checkout")
    def _out(*_: object) -> None:
        if getattr(held, "count", 0):
            second.append("".join(traceback.format_stack(limit=12)[:-2]))
        held.count = getattr(held, "count", 0) + 1

    @sa.event.listens_for(engine, "checkin")
    def _in(*_: object) -> None:
        held.count = getattr(held, "count", 1) - 1

    yield engine, second
    engine.dispose()


@pytest.mark.parametrize("username", ["demo.kerngroep", "demo.aanbieder"])
def test_no_view_takes_a_second_connection_while_it_holds_one(
    one_connection_per_thread: tuple[sa.Engine, list], username: str
) -> None:
    engine, second = one_connection_per_thread
    scope = user_scope(engine, username)
    for view in DASHBOARDS:
        view(engine=engine, scope=scope, filters=Filters())
    if scope.is_reporting_organisation:
        aanbieder.aanbieder(engine=engine, scope=scope, filters=Filters())
        reads.mijn_meldingen(engine, scope, gekozen=None)
    else:
        reads.kerngroep(engine, scope, filters=reads.RegisterFilter(), gekozen=None)
        reads.overleg(engine, scope, gekozen=None)
    reads.meldformulier(engine, scope, concept=reads.Concept(titel="Geen hoofdaannemer voor B"))
    assert not second, "a second connection while holding one:\n" + second[0]
