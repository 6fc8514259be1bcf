"""Backup and restore: back up, change data, restore, and the original is back."""

from __future__ import annotations

import shutil
import subprocess
import threading
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from data_access.__main__ import main
from data_access.db import data_version, make_engine
from tests.conftest import postgres_url
from tests.helpers import sql_frame
from tests.test_import import fingerprint


@pytest.fixture
def sqlite_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> sa.Engine:
    url = f"sqlite:///{tmp_path / 'live.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("SPIC_DATA_DIR", str(tmp_path))
    assert main(["load", "--preset", "demo"]) == 0
    engine = make_engine(url)
    yield engine
    engine.dispose()


def _change(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM uitkomst"))
        conn.execute(sa.text("UPDATE knelpunt SET titel = 'Gewijzigd na de back-up'"))


def test_sqlite_backup_change_restore_finds_the_original(
    sqlite_env: sa.Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    original = fingerprint(sqlite_env)
    target = tmp_path / "backups" / "spic.db"
    assert main(["backup", str(target)]) == 0
    # A backup is one file: no empty -wal or -shm beside it (the live database runs in WAL).
    assert sorted(p.name for p in target.parent.iterdir()) == ["spic.db"]
    _change(sqlite_env)
    assert fingerprint(sqlite_env) != original
    version = data_version(sqlite_env)
    assert main(["restore", str(target)]) == 2  # needs the confirmation
    assert main(["restore", str(target), "--ja"]) == 0
    restored = fingerprint(sqlite_env)
    assert data_version(sqlite_env) == version + 1  # caches keyed on older versions miss
    # The version and its change log move on (a restore changes everything, so the next
    # snapshot is built in full); every other table is as it was.
    wijzigingen = sql_frame(sqlite_env, "SELECT versie, tabel FROM gegevenswijziging")
    assert (version + 1, "*") in set(wijzigingen.itertuples(index=False, name=None))
    for moving in ("gegevensversie", "gegevenswijziging"):
        del restored[moving], original[moving]
    assert restored == original
    assert "Database hersteld" in capsys.readouterr().out


def test_backup_while_writers_are_busy_is_consistent(sqlite_env: sa.Engine, tmp_path: Path) -> None:
    """Each write removes one outcome and raises the version by one, in one transaction.

    In every backup taken meanwhile, outcomes + version is what it was: never half a write.
    """
    invariant = "SELECT (SELECT COUNT(*) FROM uitkomst) + (SELECT versie FROM gegevensversie)"
    with sqlite_env.connect() as conn:
        expected = conn.execute(sa.text(invariant)).scalar_one()
    stop = threading.Event()
    writes = 0

    def writer() -> None:
        nonlocal writes
        while not stop.is_set():
            with sqlite_env.begin() as conn:
                gone = conn.execute(
                    sa.text(
                        "DELETE FROM uitkomst "
                        "WHERE traject_id = (SELECT MIN(traject_id) FROM uitkomst)"
                    )
                ).rowcount
                conn.execute(sa.text("UPDATE gegevensversie SET versie = versie + :n"), {"n": gone})
            writes += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        for n in range(5):
            assert main(["backup", str(tmp_path / f"b{n}.db")]) == 0
    finally:
        stop.set()
        thread.join()
    assert writes > 0
    for n in range(5):
        copy = make_engine(f"sqlite:///{tmp_path / f'b{n}.db'}")
        with copy.connect() as conn:
            assert conn.execute(sa.text(invariant)).scalar_one() == expected
            assert conn.execute(sa.text("PRAGMA integrity_check")).scalar_one() == "ok"
        copy.dispose()


def test_restore_refuses_what_is_not_a_backup(
    sqlite_env: sa.Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = fingerprint(sqlite_env)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"dit is geen database" * 100)
    assert main(["restore", str(junk), "--ja"]) == 1
    assert "geen SQLite-database" in capsys.readouterr().err
    assert main(["restore", str(tmp_path / "bestaat-niet.db"), "--ja"]) == 1
    assert fingerprint(sqlite_env) == before
    existing = tmp_path / "al-daar.db"
    existing.write_bytes(b"x")
    assert main(["backup", str(existing)]) == 1
    assert "bestaat al" in capsys.readouterr().err


@pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump not installed")
def test_postgresql_pg_dump_and_pg_restore_as_documented(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's commands, run on a schema of the test server."""
    base = postgres_url()
    schema = f"b_{uuid.uuid4().hex[:10]}"
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    url = f"{base}?options=-csearch_path%3D{schema}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("SPIC_DATA_DIR", str(tmp_path))
    try:
        assert main(["load", "--preset", "demo"]) == 0
        engine = make_engine(url)
        original = fingerprint(engine)
        dump = tmp_path / "spic.dump"
        libpq = sa.engine.make_url(base).set(drivername="postgresql").render_as_string(False)
        subprocess.run(
            ["pg_dump", "--format=custom", f"--schema={schema}", f"--file={dump}", libpq],
            check=True,
        )
        _change(engine)
        assert fingerprint(engine) != original
        engine.dispose()
        subprocess.run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--single-transaction",
                f"--dbname={libpq}",
                str(dump),
            ],
            check=True,
        )
        engine = make_engine(url)
        assert fingerprint(engine) == original
        engine.dispose()
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()
