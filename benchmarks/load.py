"""Load: concurrent sessions against one app process, and against two behind nginx.

    .venv/bin/python -m benchmarks.load --preset regio --sessions 20 --write-readme
    .venv/bin/python -m benchmarks.load --preset demo --smoke      # CI: the harness works

Twenty Chromium browsers would eat the two cores the server needs, so the sessions speak
Streamlit's own protocol over the websocket (`BackMsg` out, `ForwardMsg` back, the protobufs
in `streamlit.proto`): each logs in through the login form's widgets, fetches its session
cookie like the browser's 1×1 image does, then switches between the dashboard pages. A page
time runs from sending the page request to the `script_finished` message of the run that
draws the page. Two real Chromium sessions click the same pages beside them for the time a
person feels. Like a browser, each session first loads the page, which gives it the cookie by
which nginx keeps it on one process (deploy/nginx: `hash $cookie_spic_browser`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from benchmarks.servers import Nginx, StreamlitServer

ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")
# The dashboards every role has, by URL path ("" is the default page, Overzicht).
PAGES = ["", "uitnutting", "segmenten", "resultaat", "onderaanneming", "trends"]
ACCOUNTS = ["demo.kerngroep", "demo.contractmanager", "demo.adviseur", "demo.aanbieder"]
BROWSER_CLICKS = {  # sidebar title -> heading, the pages the Chromium sessions visit
    "Overzicht": "Overzicht",
    "SPIC-uitnutting": "SPIC-uitnutting",
    "Segment B en C": "Segment B en C",
    "Resultaat en betaling": "Resultaat en betaling",
    "Onderaanneming": "Onderaanneming",
    "Trends knelpunten": "Trends knelpunten",
}
_COOKIE_IMAGE = re.compile(r'src="(auth/sessie\?code=[A-Za-z0-9_-]{43})"')


class ProtocolError(RuntimeError):
    pass


@dataclass
class Session:
    """One browser tab, spoken at the protocol level."""

    base: str  # http://host:port
    page_hashes: dict[str, str] = field(default_factory=dict)
    received: int = 0  # bytes of ForwardMsg
    cookies: dict[str, str] = field(default_factory=dict)

    def _get(self, path: str) -> None:
        """An HTTP request with this tab's cookies, keeping the ones the answer sets."""
        request = urllib.request.Request(f"{self.base}/{path}", headers=self._cookie_header())
        with urllib.request.urlopen(request, timeout=60) as answer:
            answer.read()
            for header in answer.headers.get_all("set-cookie") or []:
                name, _, rest = header.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]

    def _cookie_header(self) -> dict[str, str]:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}

    async def open(self) -> None:
        import websockets

        await asyncio.to_thread(self._get, "")  # the page itself, as a browser loads it first
        self._socket = await websockets.connect(
            self.base.replace("http", "ws", 1) + "/_stcore/stream",
            subprotocols=["streamlit"],  # type: ignore[list-item]
            origin=self.base,  # type: ignore[arg-type]
            additional_headers=self._cookie_header(),
            max_size=None,
            open_timeout=60,
        )

    async def close(self) -> None:
        await self._socket.close()

    async def _run(self, **client_state: object) -> list:
        """Send one rerun request; the elements drawn by the run that completes the page."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        message = BackMsg()
        state = message.rerun_script
        for name, value in client_state.items():
            if name == "widgets":
                for widget_id, kind, widget_value in value:  # type: ignore[attr-defined]
                    widget = state.widget_states.widgets.add()
                    widget.id = widget_id
                    setattr(widget, kind, widget_value)
            else:
                setattr(state, name, value)
        await self._socket.send(message.SerializeToString())
        elements = []
        while True:
            data = await asyncio.wait_for(self._socket.recv(), timeout=300)
            self.received += len(data)
            forward = ForwardMsg()
            forward.ParseFromString(data)
            kind = forward.WhichOneof("type")
            if kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
                elements.append(forward.delta.new_element)
            elif kind == "navigation":
                self.page_hashes = {
                    p.url_pathname: p.page_script_hash for p in forward.navigation.app_pages
                }
            elif kind == "script_finished":
                status = forward.script_finished
                if status == ForwardMsg.FINISHED_SUCCESSFULLY:
                    return elements
                if status != ForwardMsg.FINISHED_EARLY_FOR_RERUN:  # an st.rerun: wait on
                    raise ProtocolError(f"script ended with status {status}")
                elements = []

    async def login(self, username: str, password: str) -> None:
        elements = await self._run(query_string="", page_name="")
        fields = [e.text_input.id for e in elements if e.WhichOneof("type") == "text_input"]
        buttons = [e.button.id for e in elements if e.WhichOneof("type") == "button"]
        if len(fields) != 2 or not buttons:
            raise ProtocolError("no login form on the first page")
        elements = await self._run(
            widgets=[
                (fields[0], "string_value", username),
                (fields[1], "string_value", password),
                (buttons[0], "trigger_value", True),
            ]
        )
        images = [
            m.group(1)
            for e in elements
            if e.WhichOneof("type") == "markdown"
            for m in [_COOKIE_IMAGE.search(e.markdown.body)]
            if m
        ]
        if not images or "" not in self.page_hashes:
            raise ProtocolError(f"login of {username} failed")
        # What the browser's 1×1 image does: swap the one-time code for the session cookie.
        await asyncio.to_thread(self._get, images[0])

    async def visit(self, page: str) -> float:
        started = time.perf_counter()
        await self._run(page_script_hash=self.page_hashes[page], query_string="")
        return time.perf_counter() - started


@dataclass
class Result:
    setup: str
    sessions: int
    times: list[float]  # every page time of every session, seconds
    wall: float  # seconds from the first request to the last finished page
    received: int  # bytes
    browser_times: list[float]

    @property
    def throughput(self) -> float:
        return len(self.times) / self.wall


def _quantile(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


async def _drive(url: str, sessions: int, rounds: int, password: str, think: float) -> tuple:
    tabs = [Session(url) for _ in range(sessions)]
    await asyncio.gather(*(t.open() for t in tabs))
    await asyncio.gather(
        *(t.login(ACCOUNTS[i % len(ACCOUNTS)], password) for i, t in enumerate(tabs))
    )
    times: list[float] = []

    async def walk(index: int, tab: Session) -> None:
        order = PAGES[index % len(PAGES) :] + PAGES[: index % len(PAGES)]  # not in lockstep
        for _ in range(rounds):
            for page in order:
                times.append(await tab.visit(page))
                await asyncio.sleep(think)  # reading the page

    started = time.perf_counter()
    await asyncio.gather(*(walk(i, t) for i, t in enumerate(tabs)))
    wall = time.perf_counter() - started
    received = sum(t.received for t in tabs)
    await asyncio.gather(*(t.close() for t in tabs))
    return times, wall, received


def _browsers(url: str, count: int, password: str, stop: threading.Event, out: list) -> None:
    """`count` Chromium tabs clicking through the dashboards until `stop` is set."""
    from playwright.sync_api import sync_playwright

    from benchmarks.browser import CHROMIUM, NAV, _finished

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        pages = []
        for i in range(count):
            page = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
            page.goto(url)
            page.get_by_label("Gebruikersnaam").fill(ACCOUNTS[i % len(ACCOUNTS)])
            page.get_by_label("Wachtwoord").fill(password)
            page.get_by_role("button", name="Inloggen").click()
            page.get_by_role("heading", name="Overzicht").first.wait_for(timeout=300_000)
            _finished(page)
            pages.append(page)
        while not stop.is_set():
            for page in pages:  # one click per tab in turn: two people, not two threads
                page.bring_to_front()  # a background tab draws no frames
                title = list(BROWSER_CLICKS)[len(out) % len(BROWSER_CLICKS)]
                started = time.perf_counter()
                page.locator(NAV).filter(has_text=title).first.click()
                page.get_by_role("heading", name=BROWSER_CLICKS[title]).first.wait_for(
                    timeout=300_000
                )
                _finished(page)
                out.append(time.perf_counter() - started)
        browser.close()


def _in_own_loop(coroutine: Callable[..., Awaitable[T]], *args: object) -> T:
    """Run a coroutine in a thread with an event loop of its own: the caller's thread may
    have one running already (Playwright's sync API in the tests)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(coroutine(*args))).result()


def measure(
    setup: str,
    url: str,
    sessions: int,
    rounds: int,
    browsers: int,
    password: str,
    think: float = 0.0,
) -> Result:
    browser_times: list[float] = []
    stop = threading.Event()
    thread = threading.Thread(
        target=_browsers, args=(url, browsers, password, stop, browser_times), daemon=True
    )
    if browsers:
        thread.start()
        time.sleep(5)  # let them log in before the load starts
    try:
        times, wall, received = _in_own_loop(_drive, url, sessions, rounds, password, think)
    finally:
        stop.set()
        if browsers:
            thread.join(timeout=600)
    return Result(setup, sessions, times, wall, received, browser_times)


def _warm(url: str, password: str) -> None:
    """Every page once per process, so both setups are measured warm (snapshot open)."""
    _in_own_loop(_drive, url, 1, 1, password, 0.0)


def _row(result: Result) -> str:
    felt = result.browser_times
    felt_text = f"{statistics.median(felt):.2f} / {_quantile(felt, 0.95):.2f}" if felt else "–"
    return (
        f"| {result.setup} | {result.sessions} | {len(result.times)} | "
        f"{statistics.median(result.times):.2f} | {_quantile(result.times, 0.95):.2f} | "
        f"{result.throughput:.2f} | {felt_text} | "
        f"{result.received / len(result.times) / 1024:.0f} |"
    )


HEADER = (
    "| opstelling | sessies | paginawissels | mediaan (s) | p95 (s) | doorvoer (pagina's/s) "
    "| Chromium mediaan / p95 (s) | KB per pagina |\n|---|---|---|---|---|---|---|---|"
)


def report(results: list[Result], preset: str, backend: str, think: float) -> str:
    import datetime as dt

    one, two = results
    ratio = two.throughput / one.throughput
    p95 = _quantile(one.times, 0.95)
    title = (
        f"Belasting, `{preset}` op {backend}, {one.sessions} sessies tegelijk, "
        f"{think:g} s tussen twee pagina's "
        f"({os.cpu_count()} cores; belasting, browsers en servers op één machine), "
        f"{dt.date.today():%d-%m-%Y}:"
    )
    targets = (
        f"Doelen: p95 bij één proces < 2.5 s: {p95:.2f} s "
        f"({'gehaald' if p95 < 2.5 else 'niet gehaald'}); doorvoer twee processen ÷ één "
        f"≥ 1.6×: {ratio:.2f}× ({'gehaald' if ratio >= 1.6 else 'niet gehaald'})."
    )
    return "\n".join([title, "", HEADER, _row(one), _row(two), "", targets]) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="regio", choices=["demo", "regio", "landelijk"])
    parser.add_argument("--backend", default="postgresql", choices=["sqlite", "postgresql"])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3, help="rondes langs de dashboards")
    parser.add_argument("--browsers", type=int, default=2, help="echte Chromium-sessies ernaast")
    parser.add_argument(
        "--think", type=float, default=0.0, help="seconden tussen twee pagina's (lezen)"
    )
    parser.add_argument("--smoke", action="store_true", help="3 sessies, 1 ronde, geen README")
    parser.add_argument("--write-readme", action="store_true")
    args = parser.parse_args(argv)
    from benchmarks import run
    from data_access.sample_knelpunten import DEMO_PASSWORD

    if args.smoke:
        args.sessions, args.rounds, args.browsers = 3, 1, 0
    run.CACHE.mkdir(parents=True, exist_ok=True)
    url = run._database(args.preset, args.backend)
    with tempfile.TemporaryDirectory() as scratch:
        env = {
            "SPIC_DATA_DIR": str(run.CACHE / f"load-{args.preset}-{args.backend}"),
            "STREAMLIT_SERVER_COOKIE_SECRET": "een-gedeeld-geheim-voor-de-belasting",
            "SPIC_ALLOWED_HOSTS": "127.0.0.1",
        }
        servers = [StreamlitServer(url, env=env)]
        results = []
        try:
            _warm(servers[0].url, DEMO_PASSWORD)
            results.append(
                measure(
                    "1 proces",
                    servers[0].url,
                    args.sessions,
                    args.rounds,
                    args.browsers,
                    DEMO_PASSWORD,
                    args.think,
                )
            )
            servers.append(StreamlitServer(url, env=env))
            _warm(servers[1].url, DEMO_PASSWORD)
            proxy = Nginx(Path(scratch), [s.port for s in servers])
            try:
                results.append(
                    measure(
                        "2 processen + nginx",
                        proxy.url,
                        args.sessions,
                        args.rounds,
                        args.browsers,
                        DEMO_PASSWORD,
                        args.think,
                    )
                )
            finally:
                proxy.stop()
        finally:
            for server in servers:
                server.stop()
    section = report(results, args.preset, args.backend, args.think)
    print(section)
    if args.write_readme and not args.smoke:
        key = f"load-{args.preset}-{args.backend}" + (
            f"-denktijd-{args.think:g}s" if args.think else ""
        )
        run._write_readme(section, key)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
