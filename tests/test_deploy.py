"""Two app processes behind nginx (deploy/nginx/spic-monitor.conf) on one PostgreSQL."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
import websockets.exceptions
import websockets.sync.client

from benchmarks.servers import Nginx, free_port
from benchmarks.servers import StreamlitServer as Server
from data_access.db import make_engine, migrate
from data_access.loader import load_tables
from data_access.sample_knelpunten import DEMO_PASSWORD
from data_access.users import LOGIN_FAILED
from tests.conftest import fresh_database
from tests.helpers import require_nginx
from tests.test_browser import (  # noqa: F401 (the fixture points Playwright at Chromium)
    NAV,
    assert_no_exception,
    browser_type_launch_args,
    choose,
    login,
    wait_for_app,
)

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
# Every process signs Streamlit's XSRF cookie with the same secret (deploy/ sets it too), and
# answers only to its own host name (here the loopback address the test browses).
SHARED = {
    "STREAMLIT_SERVER_COOKIE_SECRET": "een-gedeeld-geheim-voor-de-test",
    "SPIC_ALLOWED_HOSTS": "127.0.0.1",
}


@pytest.fixture
def cluster(tmp_path: Path, demo_tables: dict) -> Iterator[tuple[Nginx, list[Server], str]]:
    """Two app processes on one PostgreSQL database (and one snapshot folder), nginx before."""
    require_nginx()
    with fresh_database("postgresql", tmp_path) as (engine, url):
        migrate(engine)
        load_tables(engine, tables=demo_tables)
        ports = [free_port(), free_port()]
        servers = [Server(url, port=port, env=SHARED) for port in ports]
        proxy = Nginx(tmp_path, ports)
        try:
            yield proxy, servers, url
        finally:
            proxy.stop()
            for server in servers:
                server.stop()


def _a_new_report(url: str) -> tuple[str, str]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                sa.text(
                    "SELECT referentie, titel FROM knelpunt WHERE status = 'nieuw' "
                    "ORDER BY referentie LIMIT 1"
                )
            ).one()
    finally:
        engine.dispose()
    return row[0], row[1]


def logged_in_at(page, url: str, heading: str) -> None:
    page.bring_to_front()  # a background tab draws no frames, so nothing in it gets "stable"
    page.goto(url)
    page.get_by_role("heading", name=heading).first.wait_for(timeout=90_000)
    wait_for_app(page)
    assert page.get_by_label("Gebruikersnaam").count() == 0
    assert_no_exception(page)


def test_two_processes_behind_nginx_share_logins_changes_and_lockouts(browser, cluster) -> None:
    proxy, (first, second), url = cluster
    with urllib.request.urlopen(f"{proxy.url}/healthz", timeout=10) as answer:
        assert answer.status == 200 and json.load(answer)["database"] == "bereikbaar"

    # A login through the proxy holds in both processes: the session is in the database.
    page = browser.new_context().new_page()
    login(page, proxy, "demo.kerngroep")  # type: ignore[arg-type]
    for _ in range(50):
        if any(c["name"] == "spic_sessie" for c in page.context.cookies()):
            break
        page.wait_for_timeout(100)
    logged_in_at(page, f"{first.url}/overzicht", "Overzicht")
    other = page.context.new_page()
    logged_in_at(other, f"{second.url}/kerngroep", "Kerngroep: knelpuntenregister")

    # A status change made through the first process shows in the second at its next rerun.
    reference, title = _a_new_report(url)
    option = f"{reference} – {title}"
    choose(other, "Melding behandelen", option)
    wait_for_app(other)
    assert (
        "Nieuw" in other.locator("[data-testid='stMetric']").filter(has_text="Status").inner_text()
    )
    logged_in_at(page, f"{first.url}/kerngroep", "Kerngroep: knelpuntenregister")
    choose(page, "Melding behandelen", option)
    wait_for_app(page)
    new_status = "In behandeling"
    choose(page, "Nieuwe status", new_status)
    page.get_by_role("button", name="Status opslaan").click()
    page.get_by_text(f"Status van {reference} is nu '{new_status}'").wait_for()
    other.bring_to_front()
    other.locator(NAV).filter(has_text="Trends knelpunten").first.click()
    other.get_by_role("heading", name="Trends knelpunten").first.wait_for()
    other.locator(NAV).filter(has_text="Kerngroep").first.click()
    other.get_by_role("heading", name="Kerngroep: knelpuntenregister").first.wait_for()
    choose(other, "Melding behandelen", option)
    wait_for_app(other)
    status = other.locator("[data-testid='stMetric']").filter(has_text="Status")
    assert new_status in status.inner_text()

    # When the process behind the proxy stops, the user goes on at the other, still logged in.
    for stopping in (first, second):
        stopping.stop()
        logged_in_at(page, f"{proxy.url}/overzicht", "Overzicht")
        stopping.start()
        time.sleep(6)  # nginx tries a failed process again after fail_timeout (5 s)

    # Failed logins count in the database: three at one process and two at the other lock it.
    anonymous = browser.new_context().new_page()
    for server in (first, first, first, second, second):
        anonymous.goto(f"{server.url}/")
        wait_for_app(anonymous)
        anonymous.get_by_label("Gebruikersnaam").fill("demo.adviseur")
        anonymous.get_by_label("Wachtwoord").fill("fout-wachtwoord")
        anonymous.get_by_role("button", name="Inloggen").click()
        anonymous.get_by_text(LOGIN_FAILED).wait_for()
    anonymous.goto(f"{first.url}/")
    wait_for_app(anonymous)
    anonymous.get_by_label("Gebruikersnaam").fill("demo.adviseur")
    anonymous.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    anonymous.get_by_role("button", name="Inloggen").click()
    anonymous.get_by_text(LOGIN_FAILED).wait_for()  # the right password, but locked
    assert anonymous.locator("[data-testid='stMetric']").count() == 0


def test_the_proxy_passes_the_host_on_so_a_foreign_one_is_refused(cluster) -> None:
    proxy, _, url = cluster
    forged = urllib.request.Request(f"{proxy.url}/", headers={"Host": "aanvaller.example"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(forged, timeout=10)
    assert refused.value.code == 400
    with pytest.raises(websockets.exceptions.InvalidStatus) as hijack:
        websockets.sync.client.connect(
            proxy.url.replace("http", "ws") + "/_stcore/stream",
            origin="https://kwaadwillend.example",
            open_timeout=10,
        )
    assert hijack.value.response.status_code == 403
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT onderwerp FROM auditregel WHERE actie = 'verzoek_geweigerd' ORDER BY id"
                )
            ).scalars()
            assert list(rows) == [
                "verzoek geweigerd: vreemde Host aanvaller.example",
                "verzoek geweigerd: vreemde Origin https://kwaadwillend.example",
            ]
    finally:
        engine.dispose()
