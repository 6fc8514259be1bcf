"""Backup and restore of the embedded SQLite database, while the app keeps running.

SQLite's online backup API copies a consistent state page by page, also while other
connections read and write (WAL included), so a backup never holds half a transaction.
PostgreSQL has its own tools for this (pg_dump / pg_restore, see the README); the app does not
wrap them.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from data_access.db import (
    _writer_lock,
    bump_data_version,
    data_version,
    log_change,
    session_scope,
)


class BackupError(RuntimeError):
    """Backup or restore cannot be done; the message is Dutch."""


def _sqlite_path(engine: Engine) -> Path:
    if engine.dialect.name != "sqlite":
        raise BackupError(
            "Back-up en herstel via SPIC-monitor werken alleen voor SQLite. Gebruik voor "
            "PostgreSQL pg_dump en pg_restore (zie de README)."
        )
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupError("Deze SQLite-database staat niet in een bestand.")
    return Path(database)


def _check(path: Path) -> None:
    """The file is a sound SQLite database of SPIC-monitor."""
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            if conn.execute("PRAGMA integrity_check").fetchone() != ("ok",):
                raise BackupError(f"{path} is beschadigd (integrity_check faalt).")
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is geen SQLite-database.") from exc
    if not {"alembic_version", "traject", "knelpunt"} <= tables:
        raise BackupError(f"{path} is geen back-up van SPIC-monitor.")


def backup(engine: Engine, *, target: Path) -> None:
    """Write a consistent copy of the live database to `target` (a new file)."""
    source = _sqlite_path(engine)
    if target.exists():
        raise BackupError(f"{target} bestaat al; kies een nieuwe bestandsnaam.")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".deels")
    try:
        with closing(sqlite3.connect(source)) as live, closing(sqlite3.connect(partial)) as copy:
            live.backup(copy)
            # The copy carries the live database's WAL mode in its header, and opening it
            # would leave empty -wal and -shm files beside the backup: one file is a backup.
            copy.execute("PRAGMA journal_mode=DELETE")
        partial.rename(target)  # only a complete backup gets the name asked for
    finally:
        for leftover in (partial, *_sidecars(partial)):
            leftover.unlink(missing_ok=True)
    _check(target)
    for leftover in _sidecars(target):
        leftover.unlink(missing_ok=True)


def _sidecars(path: Path) -> tuple[Path, Path]:
    return path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")


def restore(engine: Engine, *, source: Path) -> None:
    """Replace the live database's contents with a backup, in one step.

    Writers of this process wait on the writer lock; other processes' connections see the
    restored state at their next transaction.
    """
    live = _sqlite_path(engine)
    if not source.exists():
        raise BackupError(f"{source} bestaat niet.")
    _check(source)
    before = data_version(engine)
    with (
        _writer_lock(engine),
        closing(sqlite3.connect(source)) as backup_conn,
        closing(sqlite3.connect(live, timeout=30)) as live_conn,
    ):
        backup_conn.backup(live_conn)
    engine.dispose()  # pooled connections may hold pages of the old state
    # Past every version the live database had: caches keyed on an old number never match.
    with session_scope(engine) as session:
        bump_data_version(session)
        session.flush()
        session.execute(
            sa.text("UPDATE gegevensversie SET versie = :v WHERE id = 1"), {"v": before + 1}
        )
        log_change(session, before + 1, None)  # a restore changes everything
