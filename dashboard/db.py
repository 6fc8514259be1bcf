"""The engine for this process, readiness, and the one way a page loads its view."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st
from sqlalchemy.engine import Engine

from data_access.access import Scope
from data_access.db import DatabaseUnavailable, check_connection, make_engine, versions
from data_access.filters import Filters
from data_access.loader import ensure_ready
from data_access.mail import start_background_sender, stop_background_sender
from data_access.settings import get_settings

T = TypeVar("T")


def _release(engine: Engine) -> None:
    stop_background_sender(engine)
    engine.dispose()


@st.cache_resource(show_spinner="Database wordt voorbereid…", on_release=_release)
def _engine_for(url: str) -> Engine:
    # Not cached when it raises, so the next page run tries again once the database is back.
    engine = make_engine(url)
    check_connection(engine)
    ensure_ready(engine)
    start_background_sender(engine)  # only when a mail server is configured
    return engine


def get_engine() -> Engine:
    """The process-wide engine; on a database outage a Dutch message and a stop, no traceback."""
    try:
        return _engine_for(get_settings().database_url)
    except DatabaseUnavailable as exc:
        show_database_error(str(exc))
        st.stop()
        raise  # unreachable: st.stop() raises


def show_database_error(message: str) -> None:
    st.error(
        "**De database is op dit moment niet bereikbaar.**\n\n"
        "Probeer het over een paar minuten opnieuw. Blijft dit gebeuren, neem dan contact op "
        "met de beheerder van SPIC-monitor.",
        icon=":material/cloud_off:",
    )
    with st.expander("Technische details voor de beheerder"):
        st.text(message)


_settings = get_settings()


@st.cache_data(
    ttl=_settings.page_cache_ttl_seconds,
    max_entries=_settings.page_cache_entries,
    show_spinner=False,
)
def _cached_view(
    _view: Callable[..., Any],
    view_name: str,
    url: str,
    version: tuple[int, int, str, int],
    scope: Scope,
    filters: Filters,
    choice: Any,
) -> Any:
    del view_name, url, version  # part of the cache key only
    engine = _engine_for(get_settings().database_url)
    return _view(engine=engine, scope=scope, filters=filters, choice=choice)


def load_view(view: Callable[..., T], *, scope: Scope, filters: Filters, choice: Any) -> T:
    """A dashboard page's view, through a bounded cache keyed on what it depends on.

    The key holds the data version (an import bumps it) and the register's state (a new or
    changed report), so no page ever shows figures older than the data or the register.
    """
    engine = get_engine()
    name = f"{view.__module__}.{view.__qualname__}"
    return _cached_view(view, name, str(engine.url), versions(engine), scope, filters, choice)
