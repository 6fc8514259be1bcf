"""Speed as a person feels it: every page in Chromium, from the click to the finished page.

    .venv/bin/python -m benchmarks.browser --preset regio --backend sqlite --write-readme
    .venv/bin/python -m benchmarks.browser --preset landelijk --backend postgresql --write-readme
    .venv/bin/python -m benchmarks.browser --preset demo --backend sqlite --smoke   # CI runs it

A real Streamlit server on the preset's benchmark database (`benchmarks.run`) and Debian's
chromium through Playwright, logged in as the beheerder (and as a provider for the provider's
own page). Per page:

- *eerste bezoek*: the first time this server runs the page (its caches cold);
- *opnieuw*: the next visit;
- *na filterwissel*: choosing segment B in the sidebar, on pages with that filter;
- *waarvan browser bezig*: of the next visit, how long the browser's main thread was busy
  in tasks of more than 50 ms (Long Tasks API): drawing charts and tables. The rest is the
  server running the page and the wait between (a lower bound of the browser's part);
- *KB*: what the server sent over the websocket for the visit (protobuf frames);
- *grafiekpunten*: the data points of the page's Plotly charts as drawn in the browser.

And the first page after logging in on a freshly started server. Times run from the click
until the page's script has finished and no placeholder is left. Medians of `--runs` servers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.servers import StreamlitServer
from data_access.models import Rol

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
FINISHED = "[data-testid='stApp'][data-test-script-state='notRunning']"
NAV = "[data-testid='stSidebar'] a[data-testid='stPageLink-NavLink']"  # the app's own links
SEGMENT_B = "B – enkelvoudig"
HOME = "overzicht"  # dashboard/app.py's default page, shown after login
TARGET_AGAIN = {"regio": 0.8, "landelijk": 1.0}
TARGET_FIRST = {"landelijk": 2.0}
TARGET_LOGIN = {"regio": 2.5}
# Every point Plotly computed to draw (its calcdata: a bar, a marker, a heatmap cell).
CHART_POINTS = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).reduce(
  (n, gd) => n + (gd.calcdata || []).reduce((m, cd) => m + (
      cd[0] && cd[0].z ? cd[0].z.length * ((cd[0].z[0] || []).length || 1) : cd.length), 0), 0)"""


def _headings() -> dict[str, tuple[str, str]]:
    """Page key -> (sidebar title, the page's own title), from the page table and scripts."""
    import re

    from data_access.access import PAGES

    titles = {}
    for key, page in PAGES.items():
        script = (ROOT / "pages" / f"{key}.py").read_text(encoding="utf-8")
        found = re.search(r'st\.title\("([^"]+)"\)', script)
        titles[key] = (page.title, found.group(1) if found else page.title)
    return titles


def _finished(page) -> None:
    page.wait_for_timeout(100)  # let a rerun begin before waiting for it to end
    page.wait_for_selector(FINISHED, timeout=300_000)
    page.wait_for_function(
        "document.querySelectorAll('[data-testid=stSkeleton]').length === 0", timeout=300_000
    )


@dataclass
class Meting:
    eerste: list[float] = field(default_factory=list)
    opnieuw: list[float] = field(default_factory=list)
    filter: list[float] = field(default_factory=list)
    kb: list[float] = field(default_factory=list)
    punten: list[int] = field(default_factory=list)
    browser: list[float] = field(default_factory=list)  # of `opnieuw`: the browser busy


@dataclass
class Resultaat:
    pages: dict[str, Meting]
    login: list[float]


class Wire:
    """Counts the bytes the server sends over the page's websocket."""

    def __init__(self, page) -> None:
        self.received = 0
        page.on("websocket", self._attach)

    def _attach(self, socket) -> None:
        socket.on("framereceived", self._count)

    def _count(self, payload: str | bytes) -> None:
        self.received += len(payload)


# The browser's main thread, busy: every task of more than 50 ms (Long Tasks API). Streamlit is
# one page for the whole session, so the observer installed after the first load sees all.
WATCH_LONG_TASKS = """() => { window.__lange = [];
  new PerformanceObserver(list => list.getEntries().forEach(
    e => window.__lange.push([e.startTime, e.duration]))).observe({type: 'longtask'}); }"""
BUSY_SINCE = """t0 => (window.__lange || []).filter(([start]) => start >= t0)
  .reduce((sum, [, duration]) => sum + duration, 0) / 1000"""


@dataclass(frozen=True)
class Bezoek:
    seconds: float
    kb: float
    browser: float  # the browser's main thread busy in tasks of more than 50 ms


def _timed(page, wire: Wire, action: Callable[[], None]) -> Bezoek:
    """From the action until the page has finished: the time, the KB received, and how long
    the browser was busy drawing (a lower bound: tasks under 50 ms are not counted)."""
    before = wire.received
    t0 = page.evaluate("performance.now()")
    started = time.perf_counter()
    action()
    _finished(page)
    elapsed = time.perf_counter() - started
    page.wait_for_timeout(50)  # frames still being handed to the listener
    busy = min(float(page.evaluate(BUSY_SINCE, t0)), elapsed)
    return Bezoek(elapsed, (wire.received - before) / 1024, busy)


def _has_segment_filter(page) -> bool:
    sidebar = page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']")
    return sidebar.filter(has=page.get_by_text("Segment", exact=True)).count() > 0


def _choose_segment(page, option: str) -> None:
    box = page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").filter(
        has=page.get_by_text("Segment", exact=True)
    )
    box.locator("input").first.click()
    page.keyboard.type(option[:20])
    page.get_by_role("option", name=option).first.click()


# Who measures which page: the beheerder has every page but the provider's own.
ACCOUNTS = (("demo.beheerder", Rol.BEHEERDER), ("demo.aanbieder", Rol.AANBIEDER))


def _pages_per_account(keys: list[str]) -> list[tuple[str, list[str]]]:
    from data_access.access import PAGES

    left, plan = list(keys), []
    for username, role in ACCOUNTS:
        mine = [k for k in left if role in PAGES[k].roles]
        left = [k for k in left if k not in mine]
        if mine:
            plan.append((username, mine))
    return plan


def _session(browser, server: StreamlitServer, username: str, keys: list[str], result: Resultaat):
    """Log in, then visit the pages twice and change the filter once on each."""
    from data_access.sample_knelpunten import DEMO_PASSWORD

    titles = _headings()
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    wire = Wire(page)

    def visit(key: str) -> None:
        title, heading = titles[key]
        page.locator(NAV).filter(has_text=title).first.click()
        if key != HOME:  # the home page keeps the bare address
            page.wait_for_url(f"**/{key}*", timeout=300_000)
        page.get_by_role("heading", name=heading).first.wait_for(timeout=300_000)

    def log_in() -> None:
        page.get_by_role("button", name="Inloggen").click()
        page.get_by_role("heading", name="Overzicht").first.wait_for(timeout=300_000)

    page.goto(server.url)
    page.evaluate(WATCH_LONG_TASKS)
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    login = _timed(page, wire, log_in)
    if username == ACCOUNTS[0][0]:  # the first login on this fresh server
        result.login.append(login.seconds)
    page.wait_for_timeout(1_000)  # the session cookie is fetched after login
    for when in ("eerste", "opnieuw"):
        for key in keys:
            bezoek = _timed(page, wire, lambda key=key: visit(key))
            meting = result.pages[key]
            getattr(meting, when).append(bezoek.seconds)
            if when == "opnieuw":
                meting.kb.append(bezoek.kb)
                meting.browser.append(bezoek.browser)
                meting.punten.append(int(page.evaluate(CHART_POINTS)))
    for key in keys:
        _timed(page, wire, lambda key=key: visit(key))
        if not _has_segment_filter(page):
            continue
        result.pages[key].filter.append(
            _timed(page, wire, lambda: _choose_segment(page, SEGMENT_B)).seconds
        )
        _timed(page, wire, lambda: _choose_segment(page, "Alle"))
    page.close()


def measure(url: str, runs: int, pages: list[str] | None = None) -> Resultaat:
    from playwright.sync_api import sync_playwright

    keys = [k for k in _headings() if pages is None or k in pages]
    result = Resultaat({k: Meting() for k in keys}, [])
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        for _ in range(runs):
            server = StreamlitServer(url)
            try:
                for username, mine in _pages_per_account(keys):
                    _session(browser, server, username, mine, result)
            finally:
                server.stop()
        browser.close()
    return result


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _cell(value: float, digits: int = 2) -> str:
    return "–" if value != value else f"{value:.{digits}f}"


def table(preset: str, backend: str, result: Resultaat, runs: int) -> str:
    lines = [
        f"### In de browser, `{preset}` op {backend}",
        "",
        (
            f"Gemeten {dt.date.today():%d-%m-%Y}, Chromium 1440×900, mediaan van {runs} "
            f"verse servers. Eerste pagina na inloggen (verse server): "
            f"{_median(result.login):.2f} s."
        ),
        "",
        (
            "| pagina | eerste bezoek (s) | opnieuw (s) | waarvan browser bezig (s) "
            "| na filterwissel (s) | KB via websocket | grafiekpunten |"
        ),
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for key, m in result.pages.items():
        points = int(statistics.median(m.punten)) if m.punten else 0
        lines.append(
            f"| {key} | {_cell(_median(m.eerste))} | {_cell(_median(m.opnieuw))} | "
            f"{_cell(_median(m.browser))} | {_cell(_median(m.filter))} | "
            f"{_cell(_median(m.kb), 0)} | {points} |"
        )
    again = max(_median(m.opnieuw) for m in result.pages.values())
    first = max(_median(m.eerste) for m in result.pages.values())
    checks = []
    if preset in TARGET_AGAIN:
        goal = TARGET_AGAIN[preset]
        checks.append((f"elke pagina opnieuw onder {goal} s (hoogste {again:.2f} s)", again < goal))
    if preset in TARGET_FIRST:
        goal = TARGET_FIRST[preset]
        checks.append(
            (f"elke pagina eerste bezoek onder {goal} s (hoogste {first:.2f} s)", first < goal)
        )
    if preset in TARGET_LOGIN:
        goal, login = TARGET_LOGIN[preset], _median(result.login)
        checks.append((f"eerste pagina na inloggen onder {goal} s ({login:.2f} s)", login < goal))
    if checks:
        lines += ["", "Doelen:", ""]
        lines += [f"- {text}: {'gehaald' if ok else 'NIET gehaald'}" for text, ok in checks]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    from benchmarks.run import _database, _write_readme

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="regio", choices=["demo", "regio", "landelijk"])
    parser.add_argument("--backend", default="sqlite", choices=["sqlite", "postgresql"])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pages", nargs="*", default=None, help="alleen deze pagina's")
    parser.add_argument("--smoke", action="store_true", help="demo, één server, geen README")
    parser.add_argument("--write-readme", action="store_true")
    args = parser.parse_args(argv)
    preset = "demo" if args.smoke else args.preset
    runs = 1 if args.smoke else args.runs
    url = _database(preset, args.backend)
    section = table(preset, args.backend, measure(url, runs, args.pages), runs)
    print(section)
    if args.write_readme and not args.smoke:
        _write_readme(section, f"browser-{preset}-{args.backend}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
