"""The shared dashboard filters, validated in the data layer, and the period the data covers."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from data_access.access import AccessDenied, Scope
from data_access.analytics import analytics
from data_access.lookups import municipalities, regions, visible_providers
from data_access.models import Gegevensimport, Gegevensversie, Segment
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


# Quick periods beside the date pickers, relative to the peildatum; in the URL as `periode=`.
SNELKEUZES = {
    "12m": "Laatste 12 maanden",
    "dit-jaar": "Dit jaar",
    "vorig-jaar": "Vorig jaar",
    "alles": "Alles",
}
STANDAARD_PERIODE = "12m"


def quick_period(periode: Periode, key: str) -> tuple[dt.date, dt.date]:
    """The dates of a quick period (they may lie before the data begins: then it is empty)."""
    p = periode.peildatum
    if key == "12m":
        return _shift_years(p, -1) + dt.timedelta(days=1), p
    if key == "dit-jaar":
        return dt.date(p.year, 1, 1), p
    if key == "vorig-jaar":
        return dt.date(p.year - 1, 1, 1), dt.date(p.year - 1, 12, 31)
    return periode.begin, p


def _shift_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def previous_year(filters: Filters) -> Filters:
    """The same selection one year earlier: what year-over-year compares with."""
    assert filters.van is not None and filters.tot is not None
    return dataclasses.replace(
        filters, van=_shift_years(filters.van, -1), tot=_shift_years(filters.tot, -1)
    )


@dataclass(frozen=True)
class Actualiteit:
    """How fresh the dashboards are: the data's last month and the last import."""

    peildatum: dt.date
    laatste_import: dt.datetime | None  # the import log's newest entry
    bijgewerkt: dt.datetime | None  # the data version's last change (also a load or restore)
    leeftijd_dagen: int  # from the peildatum to today
    verouderd: bool  # older than SPIC_MAX_DATA_AGE_DAYS


def actualiteit(engine: Engine, *, today: dt.date | None = None) -> Actualiteit:
    today = today or dt.date.today()
    peildatum = data_period(engine, today=today).peildatum
    with engine.connect() as conn:
        last_import = conn.execute(sa.select(sa.func.max(Gegevensimport.tijdstip))).scalar()
        changed = conn.execute(sa.select(Gegevensversie.gewijzigd).where(Gegevensversie.id == 1))
        bijgewerkt = changed.scalar()
    age = (today - peildatum).days
    return Actualiteit(
        peildatum=peildatum,
        laatste_import=_utc(last_import),
        bijgewerkt=_utc(bijgewerkt),
        leeftijd_dagen=age,
        verouderd=age > get_settings().max_data_age_days,
    )


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class FilterOptions:
    """What the filter bar may offer to this user."""

    periode: Periode
    actualiteit: Actualiteit
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
        actualiteit=actualiteit(engine),
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
