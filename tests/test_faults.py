"""Faults: the database goes away and comes back; a writer dies in the middle of a transaction.

The outage is real: the app talks to PostgreSQL through a TCP proxy in this process, and the
test pulls the proxy's plug (every open connection is cut) and puts it back on the same port.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from data_access.db import make_engine, migrate
from data_access.generator import read_parquet
from data_access.imports import Bestand, Uitvoerder, importeer, writing
from data_access.imports.spec import PER_KEY
from data_access.imports.templates import csv_bytes, export_frame
from data_access.loader import DEMO_DIR, load_tables
from data_access.sample_knelpunten import DEMO_PASSWORD
from tests.conftest import BACKENDS, fresh_database, postgres_url
from tests.test_import import fingerprint

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "dashboard" / "app.py")


class Proxy:
    """Forwards a local port to the PostgreSQL server; `down()` cuts every connection."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._server: socket.socket | None = None
        self._open: list[socket.socket] = []

    def up(self) -> None:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(32)
        self._server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def down(self) -> None:
        if self._server is not None:
            # shutdown() first: on Linux, close() alone leaves a thread blocked in accept() on
            # the socket, which then still takes the pool's next connection attempt.
            with contextlib.suppress(OSError):
                self._server.shutdown(socket.SHUT_RDWR)
            self._server.close()
            self._server = None
        for conn in self._open:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()
        self._open.clear()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self._open += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def proxied_postgres(tmp_path: Path) -> tuple[Proxy, str]:
    base = sa.engine.make_url(postgres_url())
    with fresh_database("postgresql", tmp_path) as (engine, url):
        migrate(engine)
        load_tables(engine, tables=read_parquet(DEMO_DIR))
        proxy = Proxy((base.host or "127.0.0.1", base.port or 5432))
        proxied = sa.engine.make_url(url).set(port=proxy.port).render_as_string(False)
        yield proxy, proxied
        proxy.down()


def _errors(at: AppTest) -> str:
    return " ".join(e.value for e in at.error)


def test_outage_at_start_and_mid_session_shows_dutch_page_and_recovers(
    monkeypatch: pytest.MonkeyPatch, proxied_postgres: tuple[Proxy, str]
) -> None:
    proxy, url = proxied_postgres
    monkeypatch.setenv("DATABASE_URL", url)
    at = AppTest.from_file(APP, default_timeout=90)

    at.run()  # the database is down when the app starts
    assert not at.exception
    assert "niet bereikbaar" in _errors(at)

    proxy.up()
    at.run()  # back: the login form, no restart needed
    assert not at.exception and len(at.text_input) == 2
    at.text_input[0].input("demo.kerngroep")
    at.text_input[1].input(DEMO_PASSWORD)
    at.button[0].click().run()
    assert not at.exception and at.title[0].value == "Overzicht"

    proxy.down()  # mid-session: every open connection is cut
    at.run()
    assert not at.exception, at.exception
    assert "niet bereikbaar" in _errors(at)

    proxy.up()
    at.run()
    assert not at.exception
    assert at.title[0].value == "Overzicht" and not _errors(at)
    assert {m.label for m in at.metric} >= {"Actieve trajecten"}


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_error_in_the_middle_of_an_import_writes_nothing(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fresh_database(backend, tmp_path) as (engine, _):
        migrate(engine)
        load_tables(engine, tables=read_parquet(DEMO_DIR))
        files = [
            Bestand(f"{k}.csv", csv_bytes(export_frame(engine, soort=PER_KEY[k])))
            for k in ("trajecten", "betalingen")
        ]
        frame = export_frame(engine, soort=PER_KEY["betalingen"])
        frame["bedrag"] = "1,00"  # every payment changes
        files[1] = Bestand("betalingen.csv", csv_bytes(frame))
        before = fingerprint(engine)
        calls = 0
        original = writing._upsert

        def fail_on_second(*args: object) -> object:
            nonlocal calls
            calls += 1
            if calls == 2:
                raise RuntimeError("schijf vol")  # after the first file was written
            return original(*args)  # type: ignore[arg-type]

        monkeypatch.setattr(writing, "_upsert", fail_on_second)
        with pytest.raises(RuntimeError):
            importeer(engine, uitvoerder=Uitvoerder("test"), bestanden=files)
        assert calls == 2
        assert fingerprint(engine) == before


CRASHING_IMPORT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from data_access.db import make_engine
    from data_access.imports import Bestand, Uitvoerder, importeer, writing

    marker, data = Path(sys.argv[1]), Path(sys.argv[2]).read_bytes()
    original = writing._upsert

    def then_hang(*args):
        result = original(*args)  # rows written, transaction still open
        marker.write_text("geschreven")
        time.sleep(120)
        return result

    writing._upsert = then_hang
    importeer(
        make_engine(), uitvoerder=Uitvoerder("crash"), bestanden=[Bestand("betalingen.csv", data)]
    )
    """
)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_writer_killed_mid_transaction_leaves_no_trace(backend: str, tmp_path: Path) -> None:
    with fresh_database(backend, tmp_path) as (engine, url):
        migrate(engine)
        load_tables(engine, tables=read_parquet(DEMO_DIR))
        frame = export_frame(engine, soort=PER_KEY["betalingen"])
        frame["bedrag"] = "1,00"
        data = tmp_path / "betalingen.csv"
        data.write_bytes(csv_bytes(frame))
        before = fingerprint(engine)
        marker = tmp_path / "marker"
        child = subprocess.Popen(
            [sys.executable, "-c", CRASHING_IMPORT, str(marker), str(data)],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)},
        )
        deadline = time.time() + 120
        while not marker.exists():
            assert child.poll() is None, "the import ended before it could be killed"
            assert time.time() < deadline
            time.sleep(0.1)
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        engine.dispose()
        survivor = make_engine(url)
        assert fingerprint(survivor) == before
        if backend == "sqlite":
            with survivor.connect() as conn:
                assert conn.execute(sa.text("PRAGMA integrity_check")).scalar() == "ok"
        survivor.dispose()
