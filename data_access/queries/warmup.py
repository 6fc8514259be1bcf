"""Every dashboard's figures for the whole region over the standard period, computed once
when a server starts, so that the first visit of each page finds its questions answered.

The analytical snapshot keeps small query results for as long as it is open
(`Analytics.frame`); the views below ask the questions a page asks with its default filters.
Most first visits are exactly that: the region's view of the last twelve months. A user with
other filters, or whose role narrows the figures, still gets them computed on demand.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from data_access.access import Scope
from data_access.filters import STANDAARD_PERIODE, Filters, data_period, quick_period
from data_access.queries.onderaanneming import NetwerkKeuze, onderaanneming
from data_access.queries.overzicht import OverzichtKeuze, overzicht
from data_access.queries.resultaat import ResultaatKeuze, resultaat
from data_access.queries.segmenten import SegmentenKeuze, segmenten
from data_access.queries.uitnutting import UitnuttingKeuze, uitnutting


def warm_dashboards(engine: Engine) -> None:
    """Run each dashboard's view once, as a page with its default filters and choices would."""
    van, tot = quick_period(data_period(engine), STANDAARD_PERIODE)
    filters = Filters(van=van, tot=tot)
    scope = Scope.operator()
    overzicht(engine=engine, scope=scope, filters=filters, choice=OverzichtKeuze())
    uitnutting(engine=engine, scope=scope, filters=filters, choice=UitnuttingKeuze())
    segmenten(engine=engine, scope=scope, filters=filters, choice=SegmentenKeuze())
    resultaat(engine=engine, scope=scope, filters=filters, choice=ResultaatKeuze())
    onderaanneming(engine=engine, scope=scope, filters=filters, choice=NetwerkKeuze())
