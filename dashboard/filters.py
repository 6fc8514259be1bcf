"""The filter bar shared by all dashboard pages, bound to the URL so a link reproduces a view."""

from __future__ import annotations

import datetime as dt

import streamlit as st
from sqlalchemy.engine import Engine

from dashboard.db import cached_query
from dashboard.formatting import DATE_INPUT_FORMAT
from data_access.access import Scope
from data_access.filters import PERIODE_MAX, PERIODE_MIN, FilterOptions, Filters, filter_options
from data_access.models import Segment

KEYS = ("van", "tot", "regio", "gemeente", "segment", "aanbieder")
SEGMENT_LABELS = {"B": "B – enkelvoudig", "C": "C – meervoudig"}
ALLE = "Alle"


def _parse_date(raw: str) -> dt.date | None:
    try:
        value = dt.date.fromisoformat(raw)
    except ValueError:
        return None
    return value if PERIODE_MIN <= value <= PERIODE_MAX else None


def _invalid_params(options: FilterOptions) -> list[str]:
    """URL parameters that name something this user cannot choose; the widgets drop them."""
    params = st.query_params
    bad: list[str] = []
    checks = {
        "van": lambda v: _parse_date(v) is not None,
        "tot": lambda v: _parse_date(v) is not None,
        "regio": lambda v: v in options.regios,
        "gemeente": lambda v: v in options.gemeenten,
        "segment": lambda v: v in SEGMENT_LABELS,
        "aanbieder": lambda v: v.isdigit() and int(v) in options.aanbieders,
    }
    for key, ok in checks.items():
        value = params.get(key)
        if value not in (None, "") and not ok(value):
            bad.append(key)
    return bad


def filter_bar(engine: Engine, scope: Scope) -> Filters:
    """Draw the filters in the sidebar and return them, validated, for the data layer."""
    options: FilterOptions = cached_query(filter_options, engine, scope)
    invalid = _invalid_params(options)
    with st.sidebar:
        st.header("Filters")
        if invalid:
            st.warning(
                "De link bevatte een ongeldige of niet toegestane filterwaarde ("
                + ", ".join(invalid)
                + "). Daarvoor geldt nu de standaardwaarde."
            )
        van = st.date_input(
            "Periode vanaf",
            value=PERIODE_MIN,
            min_value=PERIODE_MIN,
            max_value=PERIODE_MAX,
            format=DATE_INPUT_FORMAT,
            key="van",
            bind="query-params",
        )
        tot = st.date_input(
            "Periode tot en met",
            value=PERIODE_MAX,
            min_value=PERIODE_MIN,
            max_value=PERIODE_MAX,
            format=DATE_INPUT_FORMAT,
            key="tot",
            bind="query-params",
        )
        regio = st.selectbox(
            "Regio",
            [ALLE, *options.regios],
            key="regio",
            bind="query-params",
            format_func=lambda c: options.regios.get(c, c),
        )
        gemeenten = [c for c, (_, r) in options.gemeenten.items() if regio in (ALLE, r)]
        gemeente = st.selectbox(
            "Gemeente",
            [ALLE, *gemeenten],
            key="gemeente",
            bind="query-params",
            format_func=lambda c: options.gemeenten[c][0] if c in options.gemeenten else c,
        )
        segment = st.selectbox(
            "Segment",
            [ALLE, *SEGMENT_LABELS],
            key="segment",
            bind="query-params",
            format_func=lambda c: SEGMENT_LABELS.get(c, c),
        )
        aanbieder = None
        if options.aanbieders:
            aanbieder = st.selectbox(
                "Aanbieder",
                [ALLE, *[str(i) for i in options.aanbieders]],
                key="aanbieder",
                bind="query-params",
                format_func=lambda c: options.aanbieders.get(int(c), c) if c != ALLE else c,
            )
    if not isinstance(van, dt.date) or not isinstance(tot, dt.date) or van > tot:
        st.sidebar.error("De periode is ongeldig: de begindatum ligt na de einddatum.")
        van, tot = PERIODE_MIN, PERIODE_MAX
    return Filters(
        van=van,
        tot=tot,
        regio=None if regio == ALLE else regio,
        gemeente=None if gemeente == ALLE else gemeente,
        segment=None if segment == ALLE else Segment(segment),
        aanbieder_id=None if aanbieder in (None, ALLE) else int(aanbieder),
    )
