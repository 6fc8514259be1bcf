"""The shared dashboard filters, validated in the data layer, and the period the data covers."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from data_access.access import AccessDenied, Scope
from data_access.analytics import analytics
from data_access.lookups import municipalities, regions, visible_providers
from data_access.models import Segment
from data_access.settings import get_settings


@dataclass(frozen=True)
class Periode:
    """What the data covers: from the first month a trajectory started to the peildatum."""

    begin: dt.date
    peildatum: dt.date


@dataclass(frozen=True)
class Filters:
    """The filter bar. A missing date means the edge of the data's period."""

    van: dt.date | None = None
    tot: dt.date | None = None
    regio: str | None = None
    gemeente: str | None = None
    segment: Segment | None = None
    aanbieder_id: int | None = None

    def __post_init__(self) -> None:
        if self.segment is not None:
            object.__setattr__(self, "segment", Segment(self.segment))
        if self.van is not None and self.tot is not None and self.van > self.tot:
            raise ValueError("De begindatum van de periode ligt na de einddatum.")


@dataclass(frozen=True)
class FilterOptions:
    """What the filter bar may offer to this user."""

    periode: Periode
    regios: dict[str, str]
    gemeenten: dict[str, tuple[str, str]]  # cbs_code -> (naam, regio_code)
    aanbieders: dict[int, str]  # only providers whose detail the user may see


def _month_end(day: dt.date) -> dt.date:
    following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def data_period(engine: Engine, *, today: dt.date | None = None) -> Periode:
    """The period the data covers.

    The peildatum is the end of the last complete month with deliveries (a month still under
    way is not complete), or SPIC_PEILDATUM when set; the period begins with the month of the
    earliest start.
    """
    today = today or dt.date.today()
    row = (
        analytics(engine)
        .frame(
            "SELECT (SELECT MIN(startdatum) FROM traject) AS eerste,"
            " (SELECT MAX(maand) FROM aanbieder_maand) AS laatste"
        )
        .iloc[0]
    )
    configured = get_settings().peildatum
    this_month = today.replace(day=1)
    if configured is not None:
        peildatum = configured
    elif row["laatste"] is not None and str(row["laatste"]) not in ("NaT", "None"):
        last = min(_as_date(row["laatste"]).replace(day=1), this_month - dt.timedelta(days=1))
        peildatum = _month_end(last)
    else:
        peildatum = this_month - dt.timedelta(days=1)
    first = row["eerste"]
    begin = (
        _as_date(first).replace(day=1)
        if first is not None and str(first) not in ("NaT", "None")
        else peildatum.replace(month=1, day=1)
    )
    return Periode(min(begin, peildatum), peildatum)


def _as_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def filter_options(engine: Engine, scope: Scope) -> FilterOptions:
    return FilterOptions(
        periode=data_period(engine),
        regios=regions(engine),
        gemeenten=municipalities(engine),
        aanbieders=visible_providers(engine, scope),
    )


def check_filters(engine: Engine, scope: Scope, *, filters: Filters) -> Filters:
    """The filters as the queries use them: allowed for this user, with a concrete period.

    A provider filter is provider detail: only for users who may see that provider.
    """
    if filters.aanbieder_id is not None and not scope.may_see_provider(filters.aanbieder_id):
        raise AccessDenied(
            "U mag niet filteren op een aanbieder waarvan u de gegevens niet mag inzien."
        )
    return with_period(engine, filters=filters)


def with_period(engine: Engine, *, filters: Filters) -> Filters:
    """The filters with a missing date filled in from the data's period."""
    if filters.van is not None and filters.tot is not None:
        return filters
    periode = data_period(engine)
    return dataclasses.replace(
        filters, van=filters.van or periode.begin, tot=filters.tot or periode.peildatum
    )
