"""Browser timings: from clicking a page in the sidebar to its script having finished.

A real Streamlit server and Debian's chromium (through Playwright) on a loaded database. The
first visit of a page is *koud* (this server has not run it yet), the second *warm*.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from benchmarks.servers import StreamlitServer

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
# Page key -> (sidebar title, heading on the page)
BROWSER_PAGES = {
    "uitnutting": ("SPIC-uitnutting", "SPIC-uitnutting"),
    "resultaat": ("Resultaat en betaling", "Resultaat en betaling"),
}
FINISHED = "[data-testid='stApp'][data-test-script-state='notRunning']"
NAV = "[data-testid='stSidebar'] a[data-testid='stPageLink-NavLink']"  # the app's own links


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
