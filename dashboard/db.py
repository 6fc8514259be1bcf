"""The engine for this process, readiness, and cached read queries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st
from sqlalchemy.engine import Engine

from data_access.db import DatabaseUnavailable, check_connection, data_version, make_engine
from data_access.loader import ensure_ready
from data_access.settings import get_settings

T = TypeVar("T")


@st.cache_resource(show_spinner="Database wordt voorbereid…", on_release=lambda e: e.dispose())
def _engine_for(url: str) -> Engine:
    # Not cached when it raises, so the next page run tries again once the database is back.
    engine = make_engine(url)
    check_connection(engine)
    ensure_ready(engine)
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


@st.cache_data(ttl=900, max_entries=512, show_spinner=False)
def _cached_call(_fn: Callable[..., Any], fn_name: str, url: str, version: int, *args: Any) -> Any:
    del fn_name, url, version  # part of the cache key only
    return _fn(_engine_for(get_settings().database_url), *args)


def cached_query(fn: Callable[..., T], engine: Engine, *args: Any) -> T:
    """Run a data_access read function through a bounded cache keyed on the data version.

    The arguments after the engine (scope, filters, ...) are hashed; a new data load bumps
    the version, so no page ever shows figures older than the data.
    """
    name = f"{fn.__module__}.{fn.__qualname__}"
    return _cached_call(fn, name, str(engine.url), data_version(engine), *args)
