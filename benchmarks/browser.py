"""Browser timings: from clicking a page in the sidebar to its script having finished.

A real Streamlit server and Debian's chromium (through Playwright) on a loaded database. The
first visit of a page is *koud* (this server has not run it yet), the second *warm*.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
# Page key -> (sidebar title, heading on the page)
BROWSER_PAGES = {
    "uitnutting": ("SPIC-uitnutting", "SPIC-uitnutting"),
    "resultaat": ("Resultaat en betaling", "Resultaat en betaling"),
}
FINISHED = "[data-testid='stApp'][data-test-script-state='notRunning']"
NAV = "[data-testid='stSidebar'] a[data-testid='stPageLink-NavLink']"  # the app's own links


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class StreamlitServer:
    """`streamlit run` of the app on a free port against `database_url`, until `stop()`.

    The browser tests use it too: one way to start the app for a browser. Its output goes to
    a file, not a pipe nobody reads (a full pipe would stall the server), and is shown when
    the server does not come up.
    """

    def __init__(
        self,
        database_url: str,
        timeout: float = 120,
        *,
        port: int | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.database_url = database_url
        self.port = port or _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._env = {**os.environ, **(env or {}), "DATABASE_URL": database_url}
        self._timeout = timeout
        self.start()

    def start(self) -> None:
        """(Re)start the process on this server's port, and wait until it answers."""
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the server
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(ROOT / "dashboard" / "server.py"),
                "--server.headless",
                "true",
                "--server.port",
                str(self.port),
                "--server.address",
                "127.0.0.1",
                "--browser.gatherUsageStats",
                "false",
                "--server.fileWatcherType",
                "none",
                "--global.developmentMode",
                "false",
            ],
            cwd=ROOT,
            env=self._env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.time() + self._timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit stopped:\n{self.output()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.read() == b"ok":
                        return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"streamlit did not become healthy within {self._timeout:.0f} s")

    def output(self) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self._log.close()


def _finished(page) -> None:
    page.wait_for_selector(FINISHED, timeout=300_000)
    page.wait_for_function(
        "document.querySelectorAll('[data-testid=stSkeleton]').length === 0", timeout=300_000
    )


def _visit(page, key: str) -> float:
    title, heading = BROWSER_PAGES[key]
    started = time.perf_counter()
    page.locator(NAV).filter(has_text=title).first.click()
    page.wait_for_url(f"**/{key}*", timeout=300_000)
    page.get_by_role("heading", name=heading).first.wait_for(timeout=300_000)
    _finished(page)
    return time.perf_counter() - started


def browser_timings(url: str, runs: int) -> dict[str, tuple[float, float]]:
    """Median seconds per page: (first visit on a fresh server, revisit)."""
    from playwright.sync_api import sync_playwright

    from data_access.sample_knelpunten import DEMO_PASSWORD

    colds: dict[str, list[float]] = {k: [] for k in BROWSER_PAGES}
    warms: dict[str, list[float]] = {k: [] for k in BROWSER_PAGES}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        for _ in range(runs):
            server = StreamlitServer(url)
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.goto(server.url)
                page.get_by_label("Gebruikersnaam").fill("demo.kerngroep")
                page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
                page.get_by_role("button", name="Inloggen").click()
                page.get_by_role("heading", name="Overzicht").first.wait_for(timeout=300_000)
                _finished(page)
                for key in BROWSER_PAGES:
                    colds[key].append(_visit(page, key))
                for key in BROWSER_PAGES:
                    warms[key].append(_visit(page, key))
                page.close()
            finally:
                server.stop()
        browser.close()
    return {k: (statistics.median(colds[k]), statistics.median(warms[k])) for k in BROWSER_PAGES}
