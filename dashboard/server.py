"""The web server: `streamlit run dashboard/server.py` (or `uvicorn dashboard.server:app`).

Streamlit's ASGI application serves the page script dashboard/app.py plus two routes of our
own, which a page script cannot offer because it talks to the browser over a websocket:

- `/auth/sessie?code=…` swaps a login's one-time code for the session cookie (HttpOnly,
  SameSite=Lax, Secure behind https); the logged-in page fetches it as a 1×1 image;
- `/healthz` for a load balancer: 200 with the database reachable, 503 otherwise, in JSON;

and a middleware (`BrowserCookie`) that lets a proxy keep each browser on one process.

Before all of it sits `RequestGuard` (dashboard/request_guard.py): a request for a foreign Host
or from a foreign Origin is refused and audited.
"""

from __future__ import annotations

import base64
import logging
import secrets
import sys
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run` puts only dashboard/ on the path
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
import streamlit as st  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from starlette.datastructures import MutableHeaders  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import JSONResponse, Response  # noqa: E402
from starlette.routing import Route  # noqa: E402
from starlette.types import ASGIApp, Message, Receive, Scope, Send  # noqa: E402

from dashboard.request_guard import RequestGuard  # noqa: E402
from data_access import sessions  # noqa: E402
from data_access.analytics import analytics, snapshot_age_seconds  # noqa: E402
from data_access.db import make_engine  # noqa: E402
from data_access.queries.warmup import warm_dashboards  # noqa: E402
from data_access.settings import get_settings  # noqa: E402

# A transparent 1×1 GIF: the answer to the image that fetches the cookie.
BROWSER_COOKIE = "spic_browser"
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
NO_STORE = {"Cache-Control": "no-store"}
logger = logging.getLogger(__name__)


@cache
def _engine() -> Engine:
    return make_engine(get_settings().database_url)


def issue_cookie(request: Request) -> Response:
    """The session cookie for a valid one-time code; an empty answer for anything else."""
    response = Response(PIXEL, media_type="image/gif", headers=NO_STORE)
    token = sessions.redeem(_engine(), code=request.query_params.get("code", ""))
    if token is not None:
        settings = get_settings()
        response.set_cookie(
            sessions.COOKIE,
            token,
            max_age=settings.session_max_hours * 3600,
            path="/",
            httponly=True,
            samesite="lax",
            secure=settings.secure_cookies,
        )
    return response


class BrowserCookie:
    """Every browser gets a random, meaningless cookie with its first answer, so that a proxy in
    front of several processes can keep it on one (deploy/nginx: `hash $cookie_spic_browser`).

    A Streamlit session lives in one process with its websocket and uploads. Keeping a browser
    there by its address would put a whole municipality, which reaches the server from one
    address, on one process. The cookie says nothing about the user and expires with the
    browser session.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or BROWSER_COOKIE in Request(scope).cookies:
            await self.app(scope, receive, send)
            return
        cookie = f"{BROWSER_COOKIE}={secrets.token_urlsafe(16)}; Path=/; HttpOnly; SameSite=Lax" + (
            "; Secure" if get_settings().secure_cookies else ""
        )

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.append("set-cookie", cookie)
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def health(request: Request) -> JSONResponse:
    engine = _engine()
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        age = snapshot_age_seconds(engine)
    except sa.exc.SQLAlchemyError:
        return JSONResponse(
            {"status": "fout", "database": "niet bereikbaar"}, status_code=503, headers=NO_STORE
        )
    return JSONResponse(
        {
            "status": "ok",
            "database": "bereikbaar",
            "snapshot_leeftijd_seconden": None if age is None else round(age),
        },
        headers=NO_STORE,
    )


def warm_up() -> None:
    """Open the analytical snapshot, or build it when the data has none yet (after a load),
    and compute the dashboards' default figures, while the first user is still logging in:
    the first page then finds them ready."""
    try:
        analytics(_engine())
        warm_dashboards(_engine())
    except Exception:  # the first page asks again, and says in Dutch what is wrong
        logger.warning("Snapshot opwarmen bij de start mislukt", exc_info=True)


@asynccontextmanager
async def lifespan(_app: st.App) -> AsyncIterator[None]:
    threading.Thread(target=warm_up, name="snapshot-opwarmen", daemon=True).start()
    yield


app = st.App(
    ROOT / "dashboard" / "app.py",
    lifespan=lifespan,
    routes=[Route(sessions.COOKIE_ROUTE, issue_cookie), Route("/healthz", health)],
    middleware=[Middleware(RequestGuard, engine=_engine), Middleware(BrowserCookie)],
)
