"""The filter bar shared by all dashboard pages, bound to the URL so a link reproduces a view."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

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
LINK_KEY = "_filters_uit_link"
SAVED_KEY = "_filters_laatst"
PENDING_KEY = "_filters_terugzetten"
LAST_PAGE_KEY = "_filters_vorige_pagina"
PAGE_KEY = "_pagina"  # set by dashboard/app.py before each page runs


def _parse_date(raw: str) -> dt.date | None:
    try:
        value = dt.date.fromisoformat(raw)
    except ValueError:
        return None
    return value if PERIODE_MIN <= value <= PERIODE_MAX else None


def _labels(options: FilterOptions) -> dict[str, dict[str, str]]:
    """Per select filter: the label a bound widget writes into the URL -> the option value."""
    return {
        "regio": {naam: code for code, naam in options.regios.items()},
        "gemeente": {naam: code for code, (naam, _) in options.gemeenten.items()},
        "segment": {label: code for code, label in SEGMENT_LABELS.items()},
        "aanbieder": {naam: str(i) for i, naam in options.aanbieders.items()},
    }


def _valid(key: str, raw: str, labels: dict[str, dict[str, str]]) -> bool:
    if key in ("van", "tot"):
        return _parse_date(raw) is not None
    return raw in labels[key]


def _invalid_params(labels: dict[str, dict[str, str]]) -> list[str]:
    """URL parameters that name something this user cannot choose; the widgets drop them."""
    return [
        key
        for key in KEYS
        if st.query_params.get(key) not in (None, "")
        and not _valid(key, st.query_params[key], labels)
    ]


def remember_link_filters() -> None:
    """Called on the login page: keep the filters of a shared link across the login."""
    if LINK_KEY not in st.session_state:
        st.session_state[LINK_KEY] = {k: st.query_params[k] for k in KEYS if k in st.query_params}


def _restore_link_filters(labels: dict[str, dict[str, str]]) -> list[str]:
    """Put the filters of a link opened before login into the widgets; return the invalid ones."""
    remembered: dict[str, str] = st.session_state.pop(LINK_KEY, None) or {}
    bad = []
    for key, raw in remembered.items():
        if not raw:
            continue
        if not _valid(key, raw, labels):
            bad.append(key)
        elif key in ("van", "tot"):
            st.session_state[key] = _parse_date(raw)
        else:
            # Widget state, not the URL: the binding then writes it back to the URL itself.
            st.session_state[key] = labels[key][raw]
    return bad


def _restore_after_page_switch() -> None:
    pending: dict[str, object] = st.session_state.pop(PENDING_KEY, None) or {}
    for key, value in pending.items():
        st.session_state[key] = value


def _keep_across_pages(values: dict[str, object]) -> None:
    """Carry the filters over to the next page.

    The URL binding keeps a filter across a page switch only once the user has touched it;
    a value that came from a link is dropped on the first switch in Streamlit 1.67
    (measured). So the last values are kept in the session too: when a page switch lost
    one, it is put back and the page runs once more.
    """
    page = st.session_state.get(PAGE_KEY)
    previous = st.session_state.get(LAST_PAGE_KEY)
    st.session_state[LAST_PAGE_KEY] = page
    saved: dict[str, object] = st.session_state.get(SAVED_KEY, {})
    if previous is not None and page != previous:
        lost = {k: v for k, v in saved.items() if values.get(k) != v}
        if lost:
            st.session_state[PENDING_KEY] = lost
            st.rerun()
    st.session_state[SAVED_KEY] = values


def share_link(values: dict[str, object], labels: dict[str, dict[str, str]]) -> str:
    """The address of this page with the current filters, in the form the widgets read back."""
    defaults: dict[str, object] = {"van": PERIODE_MIN, "tot": PERIODE_MAX}
    params: dict[str, str] = {}
    for key, value in values.items():
        if value in (None, ALLE) or value == defaults.get(key):
            continue
        if isinstance(value, dt.date):
            params[key] = value.isoformat()
        else:
            params[key] = next(label for label, v in labels[key].items() if v == value)
    base = st.context.url.split("?")[0] if st.context.url else ""
    return base + ("?" + urlencode(params) if params else "")


def filter_bar(engine: Engine, scope: Scope) -> Filters:
    """Draw the filters in the sidebar and return them, validated, for the data layer."""
    options: FilterOptions = cached_query(filter_options, engine, scope)
    labels = _labels(options)
    invalid = _restore_link_filters(labels) + _invalid_params(labels)
    _restore_after_page_switch()
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
    values = {k: st.session_state[k] for k in KEYS if k in st.session_state}
    _keep_across_pages(values)
    with st.sidebar.popover("Deel deze weergave", icon=":material/link:"):
        st.caption("Wie deze link opent, ziet deze pagina met dezelfde filters (na inloggen).")
        st.code(share_link(values, labels), language=None, wrap_lines=True)
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
