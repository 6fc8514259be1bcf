"""A server computes the dashboards' default figures at its start (`warm_dashboards`), so the
first visit of a page asks the analytical snapshot nothing it has not answered already."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from data_access.analytics import analytics
from data_access.filters import STANDAARD_PERIODE, Filters, data_period, quick_period
from data_access.queries.overzicht import OverzichtKeuze, overzicht
from data_access.queries.resultaat import ResultaatKeuze, resultaat
from data_access.queries.uitnutting import UitnuttingKeuze, uitnutting
from data_access.queries.warmup import warm_dashboards
from tests.helpers import user_scope


@pytest.mark.parametrize("username", ["demo.kerngroep", "demo.adviseur", "demo.beheerder"])
def test_after_the_warm_up_a_first_visit_with_default_filters_asks_nothing_new(
    demo_engine: sa.Engine, username: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    snapshot = analytics(demo_engine)
    snapshot._results.clear()  # as a freshly opened snapshot: nothing answered yet
    warm_dashboards(demo_engine)
    asked: list[str] = []

    class Counting:  # the snapshot's DuckDB connection, noting every question put to it
        def __init__(self, inner: Any) -> None:
            self.inner = inner

        def cursor(self) -> Counting:
            return Counting(self.inner.cursor())

        def execute(self, sql: str, *args: Any) -> Any:
            asked.append(sql)
            return self.inner.execute(sql, *args)

        def close(self) -> None:
            self.inner.close()

    monkeypatch.setattr(snapshot, "_con", Counting(snapshot._con))
    van, tot = quick_period(data_period(demo_engine), STANDAARD_PERIODE)
    filters = Filters(van=van, tot=tot)
    scope = user_scope(demo_engine, username)
    overzicht(engine=demo_engine, scope=scope, filters=filters, choice=OverzichtKeuze())
    uitnutting(engine=demo_engine, scope=scope, filters=filters, choice=UitnuttingKeuze())
    resultaat(engine=demo_engine, scope=scope, filters=filters, choice=ResultaatKeuze())
    assert asked == []
