"""The benchmark harness works end to end on the demo data (its speed is not asserted)."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from benchmarks import run
from tests.conftest import BACKENDS, fresh_database
from tests.helpers import require_nginx


def in_own_thread(main: Callable[[list[str]], int], argv: list[str]) -> int:
    """A harness that drives Chromium through Playwright's sync API, run in a thread of its
    own: that API refuses to start where an event loop runs, and pytest-playwright leaves one
    running in a worker that ran a browser test before."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(main, argv).result()


def test_smoke_run_produces_a_table_for_every_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(run, "CACHE", tmp_path)
    monkeypatch.setenv("SPIC_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("SPIC_SMTP_HOST", raising=False)
    assert run.main(["--preset", "demo", "--smoke"]) == 0
    # The submission benchmark switches mail on for its own measurement only.
    assert "SPIC_SMTP_HOST" not in os.environ
    out = capsys.readouterr().out
    for page in run.PAGE_SETUP:
        assert f"| {page} |" in out
    assert "What-if-schuif" in out and "p95" in out
    assert "naïef ÷ koud" in out and "Doelen:" in out and "gehaald" in out


def test_import_smoke_run_imports_and_reimports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from benchmarks import imports

    monkeypatch.setattr(imports, "CACHE", tmp_path)
    monkeypatch.setenv("SPIC_DATA_DIR", str(tmp_path / "data"))
    assert imports.main(["--smoke"]) == 0
    out = capsys.readouterr().out
    assert "| eerste keer | 5000 | 5000 | 0 |" in out
    assert "| zelfde bestand opnieuw | 5000 | 0 | 0 |" in out


@pytest.mark.browser
def test_load_smoke_run_drives_sessions_through_one_process_and_through_nginx(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from benchmarks import load

    require_nginx()
    monkeypatch.setattr(run, "CACHE", tmp_path)
    assert load.main(["--preset", "demo", "--backend", "sqlite", "--smoke"]) == 0
    out = capsys.readouterr().out
    # Three sessions logged in through the form and each visited the six dashboards.
    assert "| 1 proces | 3 | 18 |" in out
    assert "| 2 processen + nginx | 3 | 18 |" in out
    assert "Doelen: p95 bij één proces" in out


def test_register_smoke_run_suggests_submits_and_writes_the_outbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from benchmarks import register

    monkeypatch.setattr(register, "CACHE", tmp_path)
    monkeypatch.setenv("SPIC_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SPIC_SMTP_HOST", "127.0.0.1")
    assert register.main(["--backend", "sqlite", "--smoke"]) == 0
    out = capsys.readouterr().out
    assert "### Register op sqlite, 300 meldingen" in out
    assert "| dubbele meldingen voorstellen, kerngroep (alle meldingen) |" in out
    # Every submission of the smoke run (one untimed round and one timed) wrote its receipt.
    assert "Ontvangstmails in de wachtrij geschreven: 40 van 40 meldingen." in out
    assert "voorstel binnen 0.3 s" in out and "melden p95 onder 0.2 s" in out


@pytest.mark.browser
def test_browser_smoke_run_times_every_page_with_its_bytes_and_chart_points(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from benchmarks import browser
    from data_access.access import PAGES

    monkeypatch.setattr(run, "CACHE", tmp_path)
    monkeypatch.setenv("SPIC_DATA_DIR", str(tmp_path / "data"))
    assert in_own_thread(browser.main, ["--backend", "sqlite", "--smoke"]) == 0
    out = capsys.readouterr().out
    rows = {line.split("|")[1].strip(): line for line in out.splitlines() if line.startswith("| ")}
    assert set(PAGES) <= set(rows)
    # A dashboard draws its charts and is sent over the websocket; a form page draws none.
    cells = [c.strip() for c in rows["uitnutting"].split("|")[1:-1]]
    assert float(cells[5]) > 0 and int(cells[6]) > 0 and cells[4] != "–"
    # The browser's busy part is part of the visit (a dashboard keeps it busy a while).
    assert 0 <= float(cells[3]) <= float(cells[2])
    assert rows["account"].split("|")[7].strip() == "0"
    assert "Eerste pagina na inloggen (verse server):" in out


@pytest.mark.parametrize("backend", BACKENDS)
def test_refresh_smoke_run_imports_a_month_and_shows_it_through_a_layer(
    backend: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    demo_tables: dict,
) -> None:
    from benchmarks import refresh
    from data_access.db import migrate
    from data_access.loader import load_tables

    monkeypatch.setenv("SPIC_DATA_DIR", str(tmp_path / "data"))
    with fresh_database(backend, tmp_path) as (engine, url):
        migrate(engine)
        load_tables(engine, tables=demo_tables)
        monkeypatch.setattr(refresh, "_database", lambda _preset, _backend: url)
        assert refresh.main(["--backend", backend, "--smoke"]) == 0
    out = capsys.readouterr().out
    assert f"### Nieuwe maand zichtbaar, `demo` op {backend}" in out
    assert "| na de import: nieuwe maand op de dashboards (incrementeel) |" in out
    assert "| inzet |" in out and "| traject_kosten |" in out  # the full build's steps
    assert "| leveringen per maand (inzet) |" in out
    assert "nieuwe maand zichtbaar binnen 15 s" in out
