"""Fixtures: databases on SQLite and PostgreSQL, the demo dataset, Streamlit caches."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from data_access.db import make_engine, migrate
from data_access.generator import read_parquet
from data_access.loader import DEMO_DIR, load_tables

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
# Analytical snapshots and other files the app writes go to a temporary folder, never data/.
os.environ.setdefault("SPIC_DATA_DIR", tempfile.mkdtemp(prefix="spic-tests-"))
if _worker := os.environ.get("PYTEST_XDIST_WORKER"):
    # One folder per parallel worker: the workers inherit the folder above, and their
    # PostgreSQL schemas share one URL, so one worker's new snapshot cleared away another's.
    os.environ["SPIC_DATA_DIR"] = os.path.join(os.environ["SPIC_DATA_DIR"], _worker)
BACKENDS = ["sqlite", "postgresql"]


def postgres_url() -> str:
    """The PostgreSQL server for tests; skip (or fail, with REQUIRE_POSTGRES=1) if unreachable."""
    url = os.environ.get("TEST_DATABASE_URL", PG_DEFAULT)
    try:
        engine = make_engine(url)
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
    except sa.exc.OperationalError as exc:
        message = f"PostgreSQL not reachable at {url}: {exc.orig}"
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return url


@contextmanager
def fresh_database(backend: str, directory: Path) -> Iterator[tuple[Engine, str]]:
    """An empty database: a new SQLite file, or a new schema on the PostgreSQL server."""
    if backend == "sqlite":
        url = f"sqlite:///{directory / f'test-{uuid.uuid4().hex[:8]}.db'}"
        engine = make_engine(url)
        try:
            yield engine, url
        finally:
            engine.dispose()
        return
    base = postgres_url()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    engine = make_engine(base, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield engine, f"{base}?options=-csearch_path%3D{schema}"
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(scope="session")
def demo_tables() -> dict:
    return read_parquet(DEMO_DIR)


@pytest.fixture(params=BACKENDS)
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database; function scope, so tests may write."""
    with fresh_database(request.param, tmp_path) as (engine, _):
        migrate(engine)
        yield engine


@pytest.fixture(params=BACKENDS)
def demo_engine_rw(
    request: pytest.FixtureRequest, tmp_path: Path, demo_tables: dict
) -> Iterator[Engine]:
    """The demo dataset in a database of its own; tests may change it."""
    with fresh_database(request.param, tmp_path) as (engine, _):
        migrate(engine)
        load_tables(engine, tables=demo_tables)
        yield engine


@pytest.fixture(scope="session", params=BACKENDS)
def demo_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, demo_tables: dict
) -> Iterator[tuple[Engine, str]]:
    """The demo dataset, shared by read-only tests of one backend: (engine, url)."""
    with fresh_database(request.param, tmp_path_factory.mktemp("demo")) as (engine, url):
        migrate(engine)
        load_tables(engine, tables=demo_tables)
        yield engine, url


@pytest.fixture(scope="session")
def demo_engine_sqlite(
    tmp_path_factory: pytest.TempPathFactory, demo_tables: dict
) -> Iterator[tuple[Engine, str]]:
    with fresh_database("sqlite", tmp_path_factory.mktemp("demo_sqlite")) as (engine, url):
        migrate(engine)
        load_tables(engine, tables=demo_tables)
        yield engine, url


@pytest.fixture
def demo_engine(demo_db: tuple[Engine, str]) -> Engine:
    return demo_db[0]


@pytest.fixture(autouse=True)
def _clear_streamlit_caches() -> Iterator[None]:
    """Streamlit caches outlive an AppTest; clear them so every test starts cold."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    yield


@pytest.fixture
def demo_sqlite_rw(tmp_path: Path, demo_tables: dict) -> Iterator[tuple[Engine, str]]:
    """A writable demo database on SQLite, with its URL for the app under test."""
    with fresh_database("sqlite", tmp_path) as (engine, url):
        migrate(engine)
        load_tables(engine, tables=demo_tables)
        yield engine, url
