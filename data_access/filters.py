"""The shared dashboard filters, validated in the data layer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from data_access.access import AccessDenied, Scope
from data_access.generator import JAREN, PEILDATUM
from data_access.models import Aanbieder, Gemeente, Regio, Segment

PERIODE_MIN = dt.date(JAREN[0], 1, 1)
PERIODE_MAX = PEILDATUM


@dataclass(frozen=True)
class Filters:
    van: dt.date = PERIODE_MIN
    tot: dt.date = PERIODE_MAX
    regio: str | None = None
    gemeente: str | None = None
    segment: Segment | None = None
    aanbieder_id: int | None = None

    def __post_init__(self) -> None:
        if self.van > self.tot:
            raise ValueError("De begindatum van de periode ligt na de einddatum.")


@dataclass(frozen=True)
class FilterOptions:
    """What the filter bar may offer to this user."""

    regios: dict[str, str]
    gemeenten: dict[str, tuple[str, str]]  # cbs_code -> (naam, regio_code)
    aanbieders: dict[int, str]  # only providers whose detail the user may see


def filter_options(engine: Engine, scope: Scope) -> FilterOptions:
    with engine.connect() as conn:
        regios = {r.code: r.naam for r in conn.execute(sa.select(Regio).order_by(Regio.naam))}
        gemeenten = {
            g.cbs_code: (g.naam, g.regio_code)
            for g in conn.execute(sa.select(Gemeente).order_by(Gemeente.naam))
        }
        aanbieders = {
            a.id: a.naam
            for a in conn.execute(sa.select(Aanbieder.id, Aanbieder.naam).order_by(Aanbieder.naam))
            if scope.may_see_provider(a.id)
        }
    return FilterOptions(regios, gemeenten, aanbieders)


def check_filters(filters: Filters, scope: Scope) -> None:
    """A provider filter is provider detail: only for users who may see that provider."""
    if filters.aanbieder_id is not None:
        try:
            scope.require_provider(filters.aanbieder_id)
        except AccessDenied:
            raise AccessDenied(
                "U mag niet filteren op een aanbieder waarvan u de gegevens niet mag inzien."
            ) from None
