"""Engine factory, sessions and schema creation."""

from __future__ import annotations

import datetime as dt
import threading
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from data_access.settings import PROJECT_ROOT, get_settings

MIGRATIONS_DIR = PROJECT_ROOT / "data_access" / "migrations"


class DatabaseUnavailable(RuntimeError):
    """The database cannot be reached; the message says what to check, in Dutch."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """The one way to build an engine: SQLite gets WAL, busy_timeout and foreign keys.

    Bound values never appear in error messages (`hide_parameters`): a failed statement
    must not print a password hash or a report's text on a screen or in a log.
    """
    url = url or get_settings().database_url
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        path = sa.engine.make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    connect_args = kwargs.pop("connect_args", {})
    connect_args.setdefault("connect_timeout", 5)
    return sa.create_engine(url, connect_args=connect_args, **kwargs)


Bind = Engine | sa.Connection


@contextmanager
def connected(bind: Bind) -> Iterator[sa.Connection]:
    """A connection for reading: the caller's own (several reads of one view share it, one
    round trip to the pool instead of one each), or a new one from the engine."""
    if isinstance(bind, sa.Connection):
        yield bind
    else:
        with bind.connect() as conn:
            yield conn


def check_connection(engine: Engine) -> None:
    """Raise DatabaseUnavailable with a Dutch explanation when the database cannot be reached."""
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        target = engine.url.render_as_string(hide_password=True)
        raise DatabaseUnavailable(
            f"De database is niet bereikbaar ({target}). Controleer of de databaseserver draait, "
            "of DATABASE_URL klopt (host, poort, databasenaam, gebruiker) en of het netwerk "
            "de verbinding toelaat."
        ) from exc


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: commit on success, roll back everything on any error.

    On SQLite the transaction takes the write lock at its start (BEGIN IMMEDIATE), so
    concurrent writers queue instead of failing when a read turns into a write. Writers of
    this process queue on a lock first, in arrival order (`FairLock`): SQLite's own busy
    handler sleeps in growing steps, which made the slowest of 20 simultaneous submissions
    wait ten times the median.
    """
    sqlite = engine.dialect.name == "sqlite"
    with (
        _writer_lock(engine) if sqlite else nullcontext(),
        Session(engine, expire_on_commit=False) as session,
    ):
        if sqlite:
            session.connection().exec_driver_sql("BEGIN IMMEDIATE")
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


class FairLock:
    """A lock handed to waiters in the order they arrived.

    `threading.Lock` wakes an arbitrary waiter, and a thread that releases it can take it
    straight back: with twenty writers queued, some waited a dozen turns while others went
    first (p95 six times the median). Handing the lock over in turn bounds every wait at
    the queue in front of it.
    """

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._waiters: deque[threading.Lock] = deque()
        self._held = False

    def acquire(self) -> None:
        with self._mutex:
            if not self._held:
                self._held = True
                return
            turn = threading.Lock()
            turn.acquire()
            self._waiters.append(turn)
        turn.acquire()  # released by the holder before us, which passes the lock on

    def release(self) -> None:
        with self._mutex:
            if not self._held:
                raise RuntimeError("FairLock released while not held")
            if self._waiters:
                self._waiters.popleft().release()  # stays held: it now belongs to that waiter
            else:
                self._held = False

    @property
    def waiting(self) -> int:
        with self._mutex:
            return len(self._waiters)

    def __enter__(self) -> FairLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


_writer_locks: dict[str, FairLock] = {}


def _writer_lock(engine: Engine) -> FairLock:
    key = str(engine.url)
    return _writer_locks.setdefault(key, FairLock())


def alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (creates it on an empty database).

    Every process start calls this. A database already at the newest migration is left alone
    without running alembic's upgrade, whose SQLite run ends with a foreign key check of the
    whole database (6 s per start at national scale)."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = alembic_config(engine)
    newest = set(ScriptDirectory.from_config(config).get_heads())
    with engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    if current == newest:
        return
    command.upgrade(config, "head")


def versions(bind: Bind) -> tuple[int, int, str, int]:
    """What the dashboards read outside the analytical snapshot, as one stamp: the fact data's
    version, the register's state (reports, last change) and the saved scenarios.

    A cached page keyed on this never outlives an import, a change to a report or a new
    scenario. One query.
    """
    with connected(bind) as conn:
        row = conn.execute(
            sa.text(
                "SELECT (SELECT versie FROM gegevensversie WHERE id = 1),"
                " (SELECT COUNT(*) FROM knelpunt), (SELECT MAX(gewijzigd) FROM knelpunt),"
                " (SELECT COUNT(*) FROM betaalscenario)"
            )
        ).one()
    return int(row[0] or 0), int(row[1] or 0), str(row[2]), int(row[3] or 0)


def data_version(engine: Engine) -> int:
    with engine.connect() as conn:
        value = conn.execute(sa.text("SELECT versie FROM gegevensversie WHERE id = 1")).scalar()
    return int(value or 0)


Wijzigingen = Mapping[str, Iterable[dt.date] | None]


def bump_data_version(session: Session, wijzigingen: Wijzigingen | None = None) -> int:
    """Called inside the transaction that changed fact data, so caches see it atomically.

    `wijzigingen` says what changed: per table the months of its rows (for a table in
    `models.CHANGES_PER_MONTH`) or None for the whole table. Without it the change is unknown
    (a load, a restore) and the next snapshot is built in full. Returns the new version.
    """
    from data_access.models import Gegevensversie, utcnow

    stamp = session.get(Gegevensversie, 1)
    if stamp is None:
        stamp = Gegevensversie(id=1, versie=1, gewijzigd=utcnow())
    else:
        stamp.versie += 1
        stamp.gewijzigd = utcnow()
    session.add(stamp)
    log_change(session, stamp.versie, wijzigingen)
    return stamp.versie


def log_change(session: Session, versie: int, wijzigingen: Wijzigingen | None) -> None:
    """Record what data version `versie` changed (`Gegevenswijziging`); '*' for unknown."""
    from data_access.models import Gegevenswijziging

    rows = []
    for tabel, months in (wijzigingen or {"*": None}).items():
        if months is None:
            rows.append(Gegevenswijziging(versie=versie, tabel=tabel, maand=None))
        else:
            rows += [Gegevenswijziging(versie=versie, tabel=tabel, maand=m) for m in set(months)]
    session.add_all(rows)
