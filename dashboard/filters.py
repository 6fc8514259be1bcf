"""The filter bar, and the one place the filter state lives.

The state flows one way:

1. the URL is read once per browser session, on its first run (also on the login page, so a
   link shared before login still applies after it): `capture_link`;
2. that state is one dictionary in the session (`_STATE`), the values as the URL spells them;
3. each widget is seeded from it, and a change of a widget writes back into it (`on_change`);
4. at the end of the filter bar the state is written to the URL once, for the fields the
   page shows, so the address bar can be copied as a link.

Filters therefore carry across pages without reruns, and nothing else writes filter values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

import streamlit as st

from dashboard.db import get_engine
from dashboard.formatting import DATE_INPUT_FORMAT, datum, maand_jaar
from data_access.access import Scope
from data_access.db import versions
from data_access.filters import (
    SNELKEUZES,
    STANDAARD_PERIODE,
    FilterOptions,
    Filters,
    filter_options,
    quick_period,
)
from data_access.models import Segment
from data_access.settings import get_settings

FILTER_KEYS = ("periode", "van", "tot", "regio", "gemeente", "segment", "aanbieder")
SEGMENT_LABELS = {"B": "B – enkelvoudig", "C": "C – meervoudig"}
ALLE = "Alle"
_STATE = "_filterstand"  # key -> value as the URL spells it (ISO date, code, provider id)
_LABELS = {
    "periode": "Periode",
    "van": "Periode vanaf",
    "tot": "Periode tot en met",
    "regio": "Regio",
    "gemeente": "Gemeente",
    "segment": "Segment",
    "aanbieder": "Aanbieder",
}


def capture_link() -> None:
    """The filters in the address the session was opened with; read on its first run only."""
    if _STATE not in st.session_state:
        st.session_state[_STATE] = {
            key: str(st.query_params[key]) for key in FILTER_KEYS if st.query_params.get(key)
        }


def _state() -> dict[str, str]:
    capture_link()
    return st.session_state[_STATE]


@st.cache_data(ttl=300, max_entries=256, show_spinner=False)
def _options(scope: Scope, _version: tuple[int, int, str, int]) -> FilterOptions:
    return filter_options(get_engine(), scope)


def _choices(key: str, options: FilterOptions) -> dict[str, str]:
    """For a select filter: value as the URL spells it -> label."""
    if key == "regio":
        return dict(options.regios)
    if key == "gemeente":
        return {code: naam for code, (naam, _) in options.gemeenten.items()}
    if key == "segment":
        return dict(SEGMENT_LABELS)
    return {str(i): naam for i, naam in options.aanbieders.items()}


def _parse_date(raw: str, options: FilterOptions) -> dt.date | None:
    try:
        value = dt.date.fromisoformat(raw)
    except ValueError:
        return None
    periode = options.periode
    return value if periode.begin <= value <= periode.peildatum else None


@dataclass(frozen=True)
class _Parsed:
    values: dict[str, object]  # typed: dates, codes; ALLE for "no filter"
    invalid: list[str]  # keys whose value this user cannot choose (dropped)


def _parse(raw: dict[str, str], options: FilterOptions) -> _Parsed:
    values: dict[str, object] = {
        "periode": STANDAARD_PERIODE,
        "van": options.periode.begin,
        "tot": options.periode.peildatum,
        "regio": ALLE,
        "gemeente": ALLE,
        "segment": ALLE,
        "aanbieder": ALLE,
    }
    invalid = []
    for key, text in raw.items():
        if key in ("van", "tot"):
            parsed = _parse_date(text, options)
        elif key == "periode":
            parsed = text if text in SNELKEUZES else None
        else:
            parsed = text if text in _choices(key, options) else None
        if parsed is None:
            invalid.append(key)
        else:
            values[key] = parsed
    if "van" in raw or "tot" in raw:
        values["periode"] = None  # dates of one's own: no quick period
    else:
        van, tot = quick_period(options.periode, str(values["periode"]))
        values["van"], values["tot"] = van, tot
    region = values["regio"]
    gemeente = values["gemeente"]
    if region != ALLE and gemeente != ALLE and options.gemeenten[str(gemeente)][1] != region:
        values["gemeente"] = ALLE  # a municipality outside the chosen region: not both
    return _Parsed(values, invalid)


def _store(key: str) -> Callable[[], None]:
    """The on_change of a filter widget: its new value becomes the shared state."""

    def store() -> None:
        value = st.session_state.get(key)
        state = _state()
        if key == "periode":  # a quick period replaces dates of one's own
            state.pop("van", None)
            state.pop("tot", None)
        elif key in ("van", "tot"):  # a date of one's own ends the quick period
            state.pop("periode", None)
            other = "tot" if key == "van" else "van"
            if other not in state and isinstance(st.session_state.get(other), dt.date):
                state[other] = st.session_state[other].isoformat()
        if value in (None, ALLE):
            state.pop(key, None)
        elif isinstance(value, dt.date):
            state[key] = value.isoformat()
        else:
            state[key] = str(value)
        if key == "regio":
            state.pop("gemeente", None)

    return store


def _widget(
    key: str, value: object, options: FilterOptions, regio: object, *, empty: str = ALLE
) -> None:
    periode = options.periode
    if isinstance(value, dt.date):  # a quick period may reach before the data: show the edge
        value = min(max(value, periode.begin), periode.peildatum)
    st.session_state[key] = value  # seeded from the shared state before it is drawn
    if key == "periode":
        st.segmented_control(
            _LABELS[key],
            list(SNELKEUZES),
            format_func=SNELKEUZES.get,
            key=key,
            on_change=_store(key),
            help="Ten opzichte van de peildatum. Kies zelf datums hieronder voor een andere "
            "periode.",
        )
        return
    if key in ("van", "tot"):
        st.date_input(
            _LABELS[key],
            min_value=options.periode.begin,
            max_value=options.periode.peildatum,
            format=DATE_INPUT_FORMAT,
            key=key,
            on_change=_store(key),
        )
        return
    choices = _choices(key, options)
    if key == "gemeente" and regio != ALLE:
        choices = {c: n for c, n in choices.items() if options.gemeenten[c][1] == regio}
    st.selectbox(
        _LABELS[key],
        [ALLE, *choices],
        key=key,
        on_change=_store(key),
        format_func=lambda c: empty if c == ALLE else choices.get(c, c),
    )


def _write_url(shown: Sequence[str], state: dict[str, str]) -> None:
    """The address holds exactly the filters this page shows (others stay in the session)."""
    for key in FILTER_KEYS:
        wanted = state.get(key) if key in shown else None
        if st.query_params.get(key) != wanted:
            if wanted is None:
                del st.query_params[key]
            else:
                st.query_params[key] = wanted


def _freshness(options: FilterOptions) -> None:
    """How old the figures are, at the top of every dashboard page (from the data)."""
    fresh = options.actualiteit
    if fresh.laatste_import is not None:
        source = f"laatste import {datum(fresh.laatste_import)}"
    elif fresh.bijgewerkt is not None:
        source = f"nog niets geïmporteerd; gegevens geladen op {datum(fresh.bijgewerkt)}"
    else:
        source = "nog niets geïmporteerd"
    st.caption(f"Gegevens t/m {maand_jaar(fresh.peildatum)} · {source}")
    if fresh.verouderd:
        st.warning(
            f"De nieuwste gegevens lopen tot {datum(fresh.peildatum)}, {fresh.leeftijd_dagen} "
            f"dagen geleden (meer dan {get_settings().max_data_age_days}). De cijfers zeggen "
            "niets over de periode daarna; vraag de beheerder om nieuwe gegevens te importeren.",
            icon=":material/history:",
        )


def share_link(shown: Sequence[str]) -> str:
    """The address of this page with the current filters."""
    state = _state()
    params = {k: state[k] for k in shown if k in state}
    base = st.context.url.split("?")[0] if st.context.url else ""
    return base + ("?" + urlencode(params) if params else "")


def filter_bar(
    scope: Scope,
    *,
    fields: Sequence[str] = FILTER_KEYS,
    body: Sequence[str] = (),
) -> Filters:
    """Draw the filters and return them, validated, for the data layer.

    `fields` go in the sidebar, `body` in the page itself (the dossier's provider choice).
    """
    options = _options(scope, versions(get_engine()))
    state = _state()
    parsed = _parse(state, options)
    for key in parsed.invalid:
        state.pop(key, None)
    values = parsed.values
    shown = [k for k in FILTER_KEYS if k in fields or k in body]
    if "aanbieder" in shown and not options.aanbieders:
        shown.remove("aanbieder")
    with st.sidebar:
        st.header("Filters")
        if parsed.invalid:
            st.warning(
                "De link bevatte een ongeldige of niet toegestane filterwaarde ("
                + ", ".join(parsed.invalid)
                + "). Daarvoor geldt nu de standaardwaarde."
            )
        for key in shown:
            if key in fields:
                _widget(key, values[key], options, values["regio"])
    for key in shown:
        if key in body:  # a choice the page is about, so "all" reads as "choose one"
            _widget(key, values[key], options, values["regio"], empty=f"Kies een {key}")
    if "van" in shown:
        _freshness(options)
    _write_url(shown, state)
    with st.sidebar.popover("Deel deze weergave", icon=":material/link:"):
        st.caption("Wie deze link opent, ziet deze pagina met dezelfde filters (na inloggen).")
        st.code(share_link(shown), language=None, wrap_lines=True)
    van, tot = values["van"], values["tot"]
    assert isinstance(van, dt.date) and isinstance(tot, dt.date)
    if van > tot:
        st.sidebar.error("De periode is ongeldig: de begindatum ligt na de einddatum.")
        van, tot = quick_period(options.periode, STANDAARD_PERIODE)
    elif tot < options.periode.begin or van > options.periode.peildatum:
        st.sidebar.info(
            f"Voor {datum(van)} t/m {datum(tot)} zijn geen gegevens: de gegevens lopen van "
            f"{datum(options.periode.begin)} t/m {datum(options.periode.peildatum)}."
        )
    return Filters(
        van=van if "van" in shown else None,
        tot=tot if "tot" in shown else None,
        regio=None if values["regio"] == ALLE or "regio" not in shown else str(values["regio"]),
        gemeente=None
        if values["gemeente"] == ALLE or "gemeente" not in shown
        else str(values["gemeente"]),
        segment=None
        if values["segment"] == ALLE or "segment" not in shown
        else Segment(str(values["segment"])),
        aanbieder_id=None
        if values["aanbieder"] == ALLE or "aanbieder" not in shown
        else int(str(values["aanbieder"])),
    )


def describe(scope: Scope, filters: Filters) -> list[tuple[str, str]]:
    """The filters as a person reads them (names, not codes), for exports and PDF."""
    options = _options(scope, versions(get_engine()))
    rows = []
    if filters.van is not None and filters.tot is not None:
        rows.append(("Periode", f"{datum(filters.van)} t/m {datum(filters.tot)}"))
    if filters.regio:
        rows.append(("Regio", options.regios.get(filters.regio, filters.regio)))
    if filters.gemeente:
        naam = options.gemeenten.get(filters.gemeente, (filters.gemeente, ""))[0]
        rows.append(("Gemeente", f"{naam} ({filters.gemeente})"))
    if filters.segment:
        rows.append(("Segment", SEGMENT_LABELS[filters.segment.value]))
    if filters.aanbieder_id is not None:
        rows.append(("Aanbieder", options.aanbieders.get(filters.aanbieder_id, "")))
    return rows
