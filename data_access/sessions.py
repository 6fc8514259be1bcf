"""Logins that survive a reload, a new tab and a deep link: server-side sessions.

A page script cannot set a cookie (it talks to the browser over a websocket), so a login
takes two steps. `start` records the session with a one-time code; the page then lets the
browser fetch `/auth/sessie?code=…` (dashboard/server.py), where `redeem` swaps the code for
an opaque token that goes into an HttpOnly cookie. The database keeps only SHA-256 hashes of
code and token. Every page run re-checks its session (`check`), so a logout, a deactivation
or a timeout ends every tab of that session at its next click.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import select

from data_access import audit
from data_access.access import Identity
from data_access.db import session_scope
from data_access.models import AuditActie, Gebruiker, Sessie, utcnow
from data_access.settings import get_settings

COOKIE = "spic_sessie"
COOKIE_ROUTE = "/auth/sessie"  # served by dashboard/server.py
TOKEN_BYTES = 32  # 256 bits
# token_urlsafe(32) is 43 characters of the URL-safe alphabet; anything else is refused
# before the database is asked.
_TOKEN_FORMAT = re.compile(r"[A-Za-z0-9_-]{43}")
CODE_SECONDS = 120
# A session's last use is written at most this often: a page run is a read, not a write.
TOUCH_SECONDS = 60


class Einde(StrEnum):
    """Why a session no longer counts; the page tells the user in Dutch."""

    VERLOPEN = "Uw sessie is verlopen omdat u een tijd niet actief was. Log opnieuw in."
    TE_OUD = "Uw sessie is verlopen. Log opnieuw in."
    UITGELOGD = "U bent uitgelogd."
    GEDEACTIVEERD = "Uw account is gedeactiveerd."


@dataclass(frozen=True)
class Gestart:
    sessie_id: int
    code: str  # one-time, for the cookie route; never stored in clear


@dataclass(frozen=True)
class Stand:
    """The state of a session at a page run, with its account as read in the same transaction
    (one round trip per run instead of two)."""

    gebruiker_id: int | None  # None: the session has ended
    einde: Einde | None = None
    cookie_uitgegeven: bool = False
    identity: Identity | None = None


def is_token(value: object) -> bool:
    """The form of a token or one-time code: 43 characters of URL-safe base64."""
    return isinstance(value, str) and _TOKEN_FORMAT.fullmatch(value) is not None


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _ended(row: Sessie, user: Gebruiker | None, now: dt.datetime) -> Einde | None:
    settings = get_settings()
    if user is None or not user.actief:
        return Einde.GEDEACTIVEERD
    if row.beeindigd is not None:
        return Einde.UITGELOGD
    if now - _utc(row.aangemaakt) > dt.timedelta(hours=settings.session_max_hours):
        return Einde.TE_OUD
    if now - _utc(row.laatst_gebruikt) > dt.timedelta(minutes=settings.session_timeout_minutes):
        return Einde.VERLOPEN
    return None


def start(engine: Engine, *, gebruiker_id: int) -> Gestart:
    """A new session right after a successful login, with the code that fetches its cookie."""
    code = secrets.token_urlsafe(TOKEN_BYTES)
    now = utcnow()
    with session_scope(engine) as session:
        row = Sessie(
            gebruiker_id=gebruiker_id,
            code_hash=_hash(code),
            code_geldig_tot=now + dt.timedelta(seconds=CODE_SECONDS),
            aangemaakt=now,
            laatst_gebruikt=now,
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        return Gestart(row.id, code)


def redeem(engine: Engine, *, code: str) -> str | None:
    """Swap a one-time code for the session's token (the cookie's value), once, while valid."""
    if not is_token(code):
        return None
    now = utcnow()
    with session_scope(engine) as session:
        row = session.exec(
            select(Sessie).where(Sessie.code_hash == _hash(code)).with_for_update()
        ).first()
        if row is None:
            return None
        row.code_hash = None  # single use, also when it came too late
        expired = row.code_geldig_tot is None or _utc(row.code_geldig_tot) < now
        if expired or _ended(row, session.get(Gebruiker, row.gebruiker_id), now):
            session.add(row)
            return None
        token = secrets.token_urlsafe(TOKEN_BYTES)
        row.token_hash = _hash(token)
        row.laatst_gebruikt = now
        session.add(row)
        return token


def resume(engine: Engine, *, token: str | None) -> tuple[int, int] | None:
    """(session id, user id) for a cookie's token, or None for a forged, ended or expired one.

    A cookie that opens no session is an audit row (SESSIE_GEWEIGERD) with the reason and,
    when the session was known, its user; never the token. No cookie at all is no row.
    """
    if token is None or token == "":
        return None
    with session_scope(engine) as session:
        if not is_token(token):
            _refuse(session, None, "cookie van een ongeldige vorm")
            return None
        row = session.exec(select(Sessie).where(Sessie.token_hash == _hash(token))).first()
        if row is None:
            _refuse(session, None, "onbekend token")
            return None
        assert row.id is not None
        stand = _check(session, row)
        if stand.gebruiker_id is None:
            assert stand.einde is not None
            _refuse(session, row.gebruiker_id, REFUSAL_REASONS[stand.einde])
            return None
        return row.id, stand.gebruiker_id


REFUSAL_REASONS = {
    Einde.VERLOPEN: "sessie verlopen (niet actief)",
    Einde.TE_OUD: "sessie verlopen (maximale duur)",
    Einde.UITGELOGD: "sessie beëindigd (uitgelogd of wachtwoord gewijzigd)",
    Einde.GEDEACTIVEERD: "account gedeactiveerd",
}


def _refuse(session: sa.orm.Session, gebruiker_id: int | None, reason: str) -> None:
    audit.add(
        session,
        gebruiker_id=gebruiker_id,
        actie=AuditActie.SESSIE_GEWEIGERD,
        onderwerp=f"sessie geweigerd: {reason}",
        anoniem=gebruiker_id is None,
    )


def check(engine: Engine, *, sessie_id: int) -> Stand:
    """The session behind a tab at one page run; counts as use (idle timeout)."""
    with session_scope(engine) as session:
        row = session.get(Sessie, sessie_id)
        if row is None:
            return Stand(None, Einde.UITGELOGD)
        stand = _check(session, row)
        if stand.einde == Einde.GEDEACTIVEERD:
            # The one ending that is not the user's own doing or the clock's: an open tab of a
            # deactivated account that clicks again.
            _refuse(session, row.gebruiker_id, REFUSAL_REASONS[Einde.GEDEACTIVEERD])
        return stand


def _check(session: sa.orm.Session, row: Sessie) -> Stand:
    now = utcnow()
    user = session.get(Gebruiker, row.gebruiker_id)
    # A timeout is worked out at each check, not written: the tab that asks next hears why.
    einde = _ended(row, user, now)
    if einde is not None or user is None:
        return Stand(None, einde or Einde.GEDEACTIVEERD)
    if now - _utc(row.laatst_gebruikt) > dt.timedelta(seconds=TOUCH_SECONDS):
        row.laatst_gebruikt = now
        session.add(row)
    return Stand(row.gebruiker_id, None, row.token_hash is not None, Identity.of(user))


def end(engine: Engine, *, sessie_id: int) -> None:
    """Logout: this session ends in every tab that shares it."""
    with session_scope(engine) as session:
        row = session.get(Sessie, sessie_id)
        if row is not None and row.beeindigd is None:
            row.beeindigd = utcnow()
            row.code_hash = None
            session.add(row)


def end_all(session: sa.orm.Session, *, gebruiker_id: int) -> None:
    """Every open session of one user, inside the caller's transaction (a deactivation)."""
    session.execute(
        sa.update(Sessie)
        .where(Sessie.gebruiker_id == gebruiker_id, Sessie.beeindigd.is_(None))  # type: ignore[union-attr]
        .values(beeindigd=utcnow(), code_hash=None)
    )
