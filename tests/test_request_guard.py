"""The door of the web server: a foreign Host or Origin gets a refusal and an audit row."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocket, WebSocketDisconnect

from dashboard.request_guard import RequestGuard, hostname


async def _page(request) -> PlainTextResponse:
    return PlainTextResponse("de app")


async def _stream(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.send_text("verbonden")
    await websocket.close()


def _client(engine: sa.Engine, trusted: frozenset[str] | None) -> TestClient:
    app = Starlette(
        routes=[
            Route("/", _page),
            Route("/healthz", _page),
            WebSocketRoute("/_stcore/stream", _stream),
        ],
        middleware=[Middleware(RequestGuard, engine=lambda: engine, trusted_hosts=lambda: trusted)],
    )
    return TestClient(app, base_url="http://spic.example.nl")


def _refusals(engine: sa.Engine) -> list[tuple[str, str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT gebruikersnaam, onderwerp, filters FROM auditregel "
                "WHERE actie = 'verzoek_geweigerd' ORDER BY id"
            )
        )
        return [(str(a), str(b), str(c)) for a, b, c in rows]


TRUSTED = frozenset({"spic.example.nl"})


def test_the_apps_own_host_and_origin_pass(empty_engine: sa.Engine) -> None:
    client = _client(empty_engine, TRUSTED)
    assert client.get("/").text == "de app"
    assert client.get("/", headers={"Origin": "https://spic.example.nl"}).status_code == 200
    with client.websocket_connect(
        "ws://spic.example.nl/_stcore/stream", headers={"Origin": "https://spic.example.nl"}
    ) as socket:
        assert socket.receive_text() == "verbonden"
    assert _refusals(empty_engine) == []


def test_a_foreign_host_is_refused_in_dutch_and_audited_once_a_minute(
    empty_engine: sa.Engine,
) -> None:
    client = _client(empty_engine, TRUSTED)
    for _ in range(3):
        answer = client.get("/", headers={"Host": "aanvaller.example:8501"})
        assert answer.status_code == 400
        assert answer.text.startswith("Onbekend adres") and "de app" not in answer.text
    [(who, what, details)] = _refusals(empty_engine)
    assert who == "onbekend"
    assert what == "verzoek geweigerd: vreemde Host aanvaller.example:8501"
    assert details == "pad /; adres testclient"
    # A load balancer's health check by IP address passes.
    assert client.get("/healthz", headers={"Host": "10.0.0.5:8501"}).status_code == 200


def test_a_foreign_origin_is_refused_for_pages_and_the_websocket(empty_engine: sa.Engine) -> None:
    client = _client(empty_engine, TRUSTED)
    answer = client.post("/", headers={"Origin": "https://kwaadwillend.example"})
    assert answer.status_code == 403 and "andere website" in answer.text
    with (
        pytest.raises(WebSocketDisconnect) as closed,
        client.websocket_connect(
            "ws://spic.example.nl/_stcore/stream",
            headers={"Origin": "https://kwaadwillend.example"},
        ),
    ):
        pass
    assert closed.value.code == 1008
    assert [r[1] for r in _refusals(empty_engine)] == [
        "verzoek geweigerd: vreemde Origin https://kwaadwillend.example"
    ]  # one row: the same reason from the same address within a minute


def test_without_a_configured_name_the_origin_must_match_the_host(
    empty_engine: sa.Engine,
) -> None:
    client = _client(empty_engine, None)  # a developer's machine: any Host
    assert client.get("/", headers={"Host": "localhost:8501"}).status_code == 200
    same = {"Host": "localhost:8501", "Origin": "http://localhost:8501"}
    assert client.get("/", headers=same).status_code == 200
    other = {"Host": "localhost:8501", "Origin": "http://localhost:9999"}
    assert client.get("/", headers=other).status_code == 403


def test_a_header_of_an_attacker_reaches_the_trail_only_as_short_visible_text(
    empty_engine: sa.Engine,
) -> None:
    client = _client(empty_engine, TRUSTED)
    client.get("/", headers={"Origin": "https://x.example/" + "a" * 500})
    [(_, what, _)] = _refusals(empty_engine)
    assert len(what) < 150


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("spic.example.nl", "spic.example.nl"),
        ("SPIC.Example.NL.:443", "spic.example.nl"),
        ("https://spic.example.nl", "spic.example.nl"),
        ("[::1]:8501", "::1"),
        ("spic.example.nl:poort", None),
        ("gebruiker@spic.example.nl", None),
        ("spic.example.nl/pad", None),
        ("", None),
        (None, None),
    ],
)
def test_hostname_reads_host_headers_and_origins(value: str | None, expected: str | None) -> None:
    assert hostname(value) == expected


def test_every_browser_gets_one_meaningless_cookie_that_keeps_it_on_one_process() -> None:
    from dashboard.server import BROWSER_COOKIE, BrowserCookie

    app = Starlette(routes=[Route("/", _page)], middleware=[Middleware(BrowserCookie)])
    browser = TestClient(app, base_url="http://spic.example.nl")
    first = browser.get("/")
    assert first.text == "de app"
    cookie = first.headers["set-cookie"]
    assert cookie.startswith(f"{BROWSER_COOKIE}=") and "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie and "Max-Age" not in cookie  # gone with the browser
    value = browser.cookies[BROWSER_COOKIE]
    assert len(value) >= 22  # 128 random bits
    again = browser.get("/")  # the browser sends it back: nothing new is set
    assert "set-cookie" not in again.headers
    assert browser.cookies[BROWSER_COOKIE] == value
    other = TestClient(app, base_url="http://spic.example.nl").get("/")
    assert other.headers["set-cookie"] != cookie  # another browser, another value
