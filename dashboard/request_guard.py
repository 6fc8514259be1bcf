"""The door of the web server: requests for a foreign Host or from a foreign Origin are refused.

An ASGI middleware before Streamlit (dashboard/server.py). It defends against DNS rebinding
(a page of another site that reaches the app under the attacker's host name) and cross-site
websocket hijacking (another site opening the app's websocket in the user's browser), and it
writes each refusal to the audit trail — never a page. Which hosts count as the app's own
comes from the settings: the host of `SPIC_APP_URL` plus `SPIC_ALLOWED_HOSTS`. With neither
set (a developer's machine) any Host is accepted, and an Origin must match the request's Host.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from anyio import to_thread
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from data_access import audit
from data_access.models import AuditActie
from data_access.settings import get_settings

_LOGGER = logging.getLogger(__name__)
# A load balancer asks for its health by the backend's address, not the app's name.
OPEN_PATHS = frozenset({"/healthz"})
# One audit row per reason and client address per minute: a flood of forged requests must
# not become a flood of rows.
AUDIT_INTERVAL_SECONDS = 60.0
FOREIGN_HOST = "Onbekend adres: deze server beantwoordt alleen verzoeken voor SPIC-monitor."
FOREIGN_ORIGIN = "Geweigerd: dit verzoek komt van een andere website."


def hostname(value: str | None) -> str | None:
    """The host name of a Host header or an Origin (lower case, no port); None if malformed."""
    if not value:
        return None
    try:
        parts = urlsplit(value if "://" in value else f"//{value}")
        _ = parts.port  # a port that is not a number makes the whole value malformed
    except ValueError:
        return None
    if parts.username or parts.password or parts.path not in ("", "/") or parts.query:
        return None
    return parts.hostname.rstrip(".") if parts.hostname else None


def _printable(value: str | None) -> str:
    """An attacker's header as it may appear in the audit trail: visible ASCII, short."""
    text = "".join(c if 32 <= ord(c) < 127 else "?" for c in (value or ""))
    return text[:100] or "(leeg)"


class RequestGuard:
    def __init__(
        self,
        app: ASGIApp,
        *,
        engine: Callable[[], Engine],
        trusted_hosts: Callable[[], frozenset[str] | None] | None = None,
    ) -> None:
        self.app = app
        self._engine = engine
        self._trusted = trusted_hosts or (lambda: get_settings().trusted_hosts)
        self._last_audit: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        refusal = self._refusal(headers)
        if refusal is None:
            await self.app(scope, receive, send)
            return
        reason, answer = refusal
        client = scope.get("client")
        address = headers.get("x-forwarded-for", "").split(",")[0].strip() or (
            client[0] if client else "onbekend"
        )
        if self._due(reason, address):
            await to_thread.run_sync(self._audit, reason, f"pad {scope['path']}; adres {address}")
        if scope["type"] == "websocket":
            # Closing before accepting answers the handshake with 403: the socket never opens.
            await send({"type": "websocket.close", "code": 1008})
            return
        status = 400 if answer == FOREIGN_HOST else 403
        await PlainTextResponse(answer, status_code=status)(scope, receive, send)

    def _refusal(self, headers: Headers) -> tuple[str, str] | None:
        """(reason for the audit trail, answer for the client), or None to let it pass."""
        trusted = self._trusted()
        host_header = headers.get("host")
        host = hostname(host_header)
        if trusted is not None and host not in trusted:
            return f"vreemde Host {_printable(host_header)}", FOREIGN_HOST
        origin = headers.get("origin")
        if origin is None:
            return None
        origin_host = hostname(origin)
        if trusted is not None:
            ok = origin_host in trusted
        else:  # no configured name: the page must come from the address it talks to
            ok = origin_host is not None and urlsplit(origin).netloc == host_header
        return None if ok else (f"vreemde Origin {_printable(origin)}", FOREIGN_ORIGIN)

    def _due(self, reason: str, address: str) -> bool:
        now = time.monotonic()
        with self._lock:
            if len(self._last_audit) > 10_000:  # forget old entries rather than grow forever
                self._last_audit.clear()
            last = self._last_audit.get((reason, address))
            if last is not None and now - last < AUDIT_INTERVAL_SECONDS:
                return False
            self._last_audit[(reason, address)] = now
            return True

    def _audit(self, reason: str, details: str) -> None:
        try:
            audit.record(
                self._engine(),
                gebruiker_id=None,
                actie=AuditActie.VERZOEK_GEWEIGERD,
                onderwerp=f"verzoek geweigerd: {reason}",
                filters=details,
                anoniem=True,
            )
        except SQLAlchemyError:  # the refusal stands even when the trail cannot be written
            _LOGGER.exception("Auditregel voor een geweigerd verzoek niet geschreven")
