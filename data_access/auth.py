"""Local accounts: argon2 password hashes, login with lockout, user administration."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Engine
from sqlmodel import select

from data_access.db import session_scope
from data_access.models import Gebruiker, Rol, utcnow
from data_access.settings import Settings, get_settings

if TYPE_CHECKING:
    from data_access.access import Scope

_hasher = PasswordHasher()
# Verifying against a real hash when the account does not exist keeps timing equal,
# so response time does not reveal which user names exist.
_DUMMY_HASH = _hasher.hash("geen-account")

MIN_PASSWORD_LENGTH = 12
LOGIN_FAILED = (
    "Inloggen is niet gelukt. Controleer uw gebruikersnaam en wachtwoord. Na "
    "herhaalde mislukte pogingen wordt het account tijdelijk geblokkeerd."
)


class LoginError(Exception):
    """Login refused; the message is safe to show (it never says whether the account exists)."""


class UserAdminError(ValueError):
    pass


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _verify(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class Identity:
    """The logged-in user as the rest of the app sees it (no password material)."""

    id: int
    gebruikersnaam: str
    weergavenaam: str
    rol: Rol
    aanbieder_id: int | None
    is_demo: bool


def _identity(user: Gebruiker) -> Identity:
    assert user.id is not None
    return Identity(
        user.id,
        user.gebruikersnaam,
        user.weergavenaam,
        Rol(user.rol),
        user.aanbieder_id,
        user.is_demo,
    )


def _as_utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def authenticate(
    engine: Engine, username: str, password: str, settings: Settings | None = None
) -> Identity:
    """Check a password; count failures and lock the account after too many, in one transaction."""
    settings = settings or get_settings()
    now = utcnow()
    with session_scope(engine) as session:
        user = session.exec(
            select(Gebruiker).where(Gebruiker.gebruikersnaam == username.strip()).with_for_update()
        ).first()
        ok = _verify(user.wachtwoord_hash if user else None, password)
        if user is None:
            raise LoginError(LOGIN_FAILED)
        locked = user.geblokkeerd_tot is not None and _as_utc(user.geblokkeerd_tot) > now
        refused = not user.actief or locked or (user.is_demo and settings.is_production)
        if ok and not refused:
            user.mislukte_pogingen = 0
            user.geblokkeerd_tot = None
            user.laatst_ingelogd = now
            session.add(user)
            return _identity(user)
        if not ok:
            user.mislukte_pogingen += 1
            if user.mislukte_pogingen >= settings.max_failed_logins:
                user.geblokkeerd_tot = now + dt.timedelta(minutes=settings.lockout_minutes)
                user.mislukte_pogingen = 0
            session.add(user)
    raise LoginError(LOGIN_FAILED)


def identity_by_email(
    engine: Engine, email: str, settings: Settings | None = None
) -> Identity | None:
    """The active account for an e-mail address confirmed by the identity provider (OIDC)."""
    settings = settings or get_settings()
    with session_scope(engine) as session:
        user = session.exec(
            select(Gebruiker).where(sa.func.lower(Gebruiker.email) == email.strip().lower())
        ).first()
        if user is None or not user.actief or (user.is_demo and settings.is_production):
            return None
        user.laatst_ingelogd = utcnow()
        session.add(user)
        return _identity(user)


def identity_by_id(engine: Engine, user_id: int) -> Identity | None:
    """Re-read an account on every page run, so a deactivation takes effect at once."""
    with session_scope(engine) as session:
        user = session.get(Gebruiker, user_id)
        if user is None or not user.actief:
            return None
        return _identity(user)


def demo_accounts_active(engine: Engine) -> bool:
    with engine.connect() as conn:
        stmt = (
            sa.select(sa.func.count())
            .select_from(Gebruiker)
            .where(
                Gebruiker.is_demo.is_(True),
                Gebruiker.actief.is_(True),  # type: ignore[attr-defined]
            )
        )
        return bool(conn.execute(stmt).scalar())


def create_user(
    engine: Engine,
    *,
    gebruikersnaam: str,
    weergavenaam: str,
    rol: Rol,
    wachtwoord: str | None = None,
    email: str | None = None,
    aanbieder_id: int | None = None,
) -> Identity:
    if rol == Rol.AANBIEDER and aanbieder_id is None:
        raise UserAdminError("Een gebruiker met rol aanbieder hoort bij een aanbieder.")
    if rol != Rol.AANBIEDER and aanbieder_id is not None:
        raise UserAdminError("Alleen gebruikers met rol aanbieder horen bij een aanbieder.")
    for value, what, longest in (
        (gebruikersnaam, "De gebruikersnaam", 80),
        (weergavenaam, "De weergavenaam", 120),
        (email or "x", "Het e-mailadres", 200),
    ):
        if not value.strip():
            raise UserAdminError(f"{what} is verplicht.")
        if len(value) > longest:
            raise UserAdminError(f"{what} is te lang (maximaal {longest} tekens).")
        if any(unicodedata.category(c) in ("Cc", "Cs") for c in value):
            raise UserAdminError(f"{what} bevat onzichtbare of ongeldige tekens.")
    if wachtwoord is not None and ("\x00" in wachtwoord or len(wachtwoord) > 1024):
        raise UserAdminError(
            "Een wachtwoord mag geen NUL-teken bevatten en is hooguit 1024 tekens."
        )
    if wachtwoord is None and email is None:
        raise UserAdminError("Geef een wachtwoord of een e-mailadres (voor inloggen via SSO).")
    if wachtwoord is not None and len(wachtwoord) < MIN_PASSWORD_LENGTH:
        raise UserAdminError(f"Een wachtwoord heeft minstens {MIN_PASSWORD_LENGTH} tekens.")
    with session_scope(engine) as session:
        exists = session.exec(
            select(Gebruiker).where(Gebruiker.gebruikersnaam == gebruikersnaam)
        ).first()
        if exists:
            raise UserAdminError(f"Gebruikersnaam '{gebruikersnaam}' bestaat al.")
        user = Gebruiker(
            gebruikersnaam=gebruikersnaam,
            weergavenaam=weergavenaam,
            rol=rol,
            email=email,
            aanbieder_id=aanbieder_id,
            wachtwoord_hash=hash_password(wachtwoord) if wachtwoord else None,
        )
        session.add(user)
        session.flush()
        return _identity(user)


def set_active(engine: Engine, gebruikersnaam: str, actief: bool) -> None:
    with session_scope(engine) as session:
        user = session.exec(
            select(Gebruiker).where(Gebruiker.gebruikersnaam == gebruikersnaam)
        ).first()
        if user is None:
            raise UserAdminError(f"Gebruiker '{gebruikersnaam}' bestaat niet.")
        user.actief = actief
        session.add(user)


def list_users(engine: Engine, scope: Scope) -> list[dict[str, object]]:
    """Accounts for the admin page; never any password material."""
    scope.require_role({Rol.BEHEERDER}, "Alleen een beheerder mag gebruikers inzien.")
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                Gebruiker.gebruikersnaam,
                Gebruiker.weergavenaam,
                Gebruiker.rol,
                Gebruiker.email,
                Gebruiker.aanbieder_id,
                Gebruiker.actief,
                Gebruiker.is_demo,
                Gebruiker.laatst_ingelogd,
            ).order_by(Gebruiker.gebruikersnaam)
        ).mappings()
        return [dict(r) for r in rows]
