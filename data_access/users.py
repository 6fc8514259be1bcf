"""Accounts and authentication: argon2 password hashes, login with lockout, administration.

Every administrative function takes the caller's `Scope` and refuses unless it may administer
(the command line acts as `Scope.operator()`). Messages are Dutch and never contain password
material.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from data_access import audit, sessions
from data_access.access import Identity, Scope, belongs_to_provider
from data_access.db import session_scope
from data_access.labels import ROL, label
from data_access.models import Aanbieder, AuditActie, Gebruiker, Rol, utcnow
from data_access.settings import get_settings

_hasher = PasswordHasher()
# Verifying against a real hash when the account does not exist keeps timing equal,
# so response time does not reveal which user names exist.
_DUMMY_HASH = _hasher.hash("geen-account")

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
LOGIN_FAILED = (
    "Inloggen is niet gelukt. Controleer uw gebruikersnaam en wachtwoord. Na "
    "herhaalde mislukte pogingen wordt het account tijdelijk geblokkeerd."
)
NOT_ALLOWED = "Alleen een beheerder beheert gebruikers."


class LoginError(Exception):
    """Login refused; the message is safe to show (it never says whether the account exists)."""


class UserAdminError(ValueError):
    """An account cannot be created or changed as asked; the message is Dutch."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _verify(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def _as_utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


# --- login ------------------------------------------------------------------------------------


def _password_matches(user: Gebruiker | None, password: str, now: dt.datetime) -> bool:
    """Check a password against an account, counting a failure towards the lockout (the
    caller commits, also when it then refuses). A locked account matches nothing."""
    ok = _verify(user.wachtwoord_hash if user else None, password)
    if user is None:
        return False
    locked = user.geblokkeerd_tot is not None and _as_utc(user.geblokkeerd_tot) > now
    if not ok:
        settings = get_settings()
        user.mislukte_pogingen += 1
        if user.mislukte_pogingen >= settings.max_failed_logins:
            user.geblokkeerd_tot = now + dt.timedelta(minutes=settings.lockout_minutes)
            user.mislukte_pogingen = 0
        return False
    return not locked


def authenticate(engine: Engine, *, username: str, password: str) -> Identity:
    """Check a password; count failures and lock the account after too many, in one transaction."""
    settings = get_settings()
    now = utcnow()
    with session_scope(engine) as session:
        user = session.exec(
            select(Gebruiker).where(Gebruiker.gebruikersnaam == username.strip()).with_for_update()
        ).first()
        # Checked before the refusals below, so that a deactivated or demo account still
        # costs an attacker the same time and counts its failures.
        ok = _password_matches(user, password, now)
        if user is not None:
            session.add(user)
        refused = user is None or not user.actief or (user.is_demo and settings.is_production)
        if ok and not refused:
            assert user is not None
            user.mislukte_pogingen = 0
            user.geblokkeerd_tot = None
            user.laatst_ingelogd = now
            return Identity.of(user)
    raise LoginError(LOGIN_FAILED)


@dataclass(frozen=True)
class Account:
    """What the Mijn account page shows of the logged-in user's own account."""

    gebruikersnaam: str
    weergavenaam: str
    rol: Rol
    aanbieder: str | None
    email: str | None
    heeft_wachtwoord: bool  # False: logs in through the organisation (OIDC) only
    is_demo: bool
    laatst_ingelogd: dt.datetime | None
    meldingen_per_mail: bool = True


def own_account(engine: Engine, *, user_id: int) -> Account | None:
    with session_scope(engine) as session:
        user = session.get(Gebruiker, user_id)
        if user is None:
            return None
        aanbieder = session.get(Aanbieder, user.aanbieder_id) if user.aanbieder_id else None
        return Account(
            user.gebruikersnaam,
            user.weergavenaam,
            Rol(user.rol),
            aanbieder.naam if aanbieder else None,
            user.email,
            user.wachtwoord_hash is not None,
            user.is_demo,
            user.laatst_ingelogd,
            user.meldingen_per_mail,
        )


def set_notifications(engine: Engine, *, user_id: int, aan: bool) -> None:
    """A user turns e-mail about their reports and assignments (and the digest) on or off."""
    with session_scope(engine) as session:
        user = session.get(Gebruiker, user_id)
        if user is None or not user.actief:
            raise UserAdminError("Uw account is gedeactiveerd.")
        user.meldingen_per_mail = aan
        session.add(user)


def identity_by_email(engine: Engine, *, email: str) -> Identity | None:
    """The active account for an e-mail address confirmed by the identity provider (OIDC)."""
    settings = get_settings()
    with session_scope(engine) as session:
        user = session.exec(
            select(Gebruiker).where(sa.func.lower(Gebruiker.email) == email.strip().lower())
        ).first()
        if user is None or not user.actief or (user.is_demo and settings.is_production):
            return None
        user.laatst_ingelogd = utcnow()
        session.add(user)
        return Identity.of(user)


def identity_by_id(engine: Engine, *, user_id: int) -> Identity | None:
    """Re-read an account on every page run, so a deactivation takes effect at once."""
    with session_scope(engine) as session:
        user = session.get(Gebruiker, user_id)
        if user is None or not user.actief:
            return None
        return Identity.of(user)


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


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str  # Dutch, with the provider for provider accounts


def demo_accounts(engine: Engine) -> list[DemoAccount]:
    """The active demo accounts for the login page; none in production."""
    if get_settings().is_production:
        return []
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(Gebruiker.gebruikersnaam, Gebruiker.rol, Aanbieder.naam)
            .outerjoin(Aanbieder, Aanbieder.id == Gebruiker.aanbieder_id)
            .where(Gebruiker.is_demo.is_(True), Gebruiker.actief.is_(True))
            .order_by(Gebruiker.id)
        ).all()
    return [
        DemoAccount(name, label(ROL, role).lower() + (f" ({provider})" if provider else ""))
        for name, role, provider in rows
    ]


# --- administration ---------------------------------------------------------------------------


def _check_text(value: str, what: str, longest: int) -> None:
    if not value.strip():
        raise UserAdminError(f"{what} is verplicht.")
    if len(value) > longest:
        raise UserAdminError(f"{what} is te lang (maximaal {longest} tekens).")
    if any(unicodedata.category(c) in ("Cc", "Cs") for c in value):
        raise UserAdminError(f"{what} bevat onzichtbare of ongeldige tekens.")


def check_new_user(
    engine: Engine,
    scope: Scope,
    *,
    username: str,
    display_name: str,
    role: Rol,
    email: str | None = None,
    provider_id: int | None = None,
) -> None:
    """Everything about a new account except the password: the command line asks for the
    password only once this passes, so a typo in the role never costs a typed password."""
    scope.require(scope.may_administer, NOT_ALLOWED)
    if belongs_to_provider(role) and provider_id is None:
        raise UserAdminError("Een gebruiker met rol aanbieder hoort bij een aanbieder.")
    if not belongs_to_provider(role) and provider_id is not None:
        raise UserAdminError("Alleen gebruikers met rol aanbieder horen bij een aanbieder.")
    _check_text(username, "De gebruikersnaam", 80)
    _check_text(display_name, "De weergavenaam", 120)
    if email is not None:
        _check_text(email, "Het e-mailadres", 200)
    with engine.connect() as conn:
        if provider_id is not None and (
            conn.execute(sa.select(Aanbieder.id).where(Aanbieder.id == provider_id)).first() is None
        ):
            raise UserAdminError(
                f"Aanbieder {provider_id} bestaat niet. De opdracht 'aanbieders' toont de nummers."
            )
        taken = conn.execute(
            sa.select(Gebruiker.id).where(Gebruiker.gebruikersnaam == username)
        ).first()
    if taken:
        raise UserAdminError(f"Gebruikersnaam '{username}' bestaat al.")


def create_user(
    engine: Engine,
    scope: Scope,
    *,
    username: str,
    display_name: str,
    role: Rol,
    password: str | None = None,
    email: str | None = None,
    provider_id: int | None = None,
) -> Identity:
    check_new_user(
        engine,
        scope,
        username=username,
        display_name=display_name,
        role=role,
        email=email,
        provider_id=provider_id,
    )
    if password is None and email is None:
        raise UserAdminError("Geef een wachtwoord of een e-mailadres (voor inloggen via SSO).")
    if password is not None:
        _check_new_password(password)
    with session_scope(engine) as session:
        user = Gebruiker(
            gebruikersnaam=username,
            weergavenaam=display_name,
            rol=role,
            email=email,
            aanbieder_id=provider_id,
            wachtwoord_hash=hash_password(password) if password else None,
        )
        session.add(user)
        try:
            session.flush()
        except sa.exc.IntegrityError:
            # Another administrator took the name between the check and the insert.
            raise UserAdminError(f"Gebruikersnaam '{username}' bestaat al.") from None
        audit.add(
            session,
            gebruiker_id=scope.gebruiker_id,
            actie=AuditActie.GEBRUIKER_AANGEMAAKT,
            onderwerp=f"{username} ({label(ROL, role)})",
        )
        return Identity.of(user)


def _check_new_password(password: str) -> None:
    if "\x00" in password or len(password) > MAX_PASSWORD_LENGTH:
        raise UserAdminError(
            "Een wachtwoord mag geen NUL-teken bevatten en is hooguit "
            f"{MAX_PASSWORD_LENGTH} tekens."
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserAdminError(f"Een wachtwoord heeft minstens {MIN_PASSWORD_LENGTH} tekens.")


def _new_password(session: Session, user: Gebruiker, password: str, *, door: int | None) -> None:
    """Set a password in the caller's transaction: every session of the account ends with it
    (a stolen cookie dies with the old password), and the change is audited."""
    assert user.id is not None
    user.wachtwoord_hash = hash_password(password)
    user.mislukte_pogingen = 0
    user.geblokkeerd_tot = None
    session.add(user)
    sessions.end_all(session, gebruiker_id=user.id)
    audit.add(
        session,
        gebruiker_id=door,
        actie=AuditActie.WACHTWOORD_GEWIJZIGD,
        onderwerp=user.gebruikersnaam if door != user.id else f"{user.gebruikersnaam} (eigen)",
    )


def change_own_password(engine: Engine, *, user_id: int, current: str, new: str) -> None:
    """A user's own change: the current password is asked again (a failure counts towards the
    lockout, like a login), and every session of the account ends, this one included."""
    if new == current:
        raise UserAdminError("Het nieuwe wachtwoord is gelijk aan het huidige.")
    _check_new_password(new)
    now = utcnow()
    with session_scope(engine) as session:
        user = session.exec(
            select(Gebruiker).where(Gebruiker.id == user_id).with_for_update()
        ).first()
        if user is None or not user.actief:
            raise UserAdminError("Uw account is gedeactiveerd.")
        if user.is_demo:
            raise UserAdminError("Het wachtwoord van een demo-account kan niet worden gewijzigd.")
        if user.wachtwoord_hash is None:
            raise UserAdminError(
                "U logt in via uw organisatie; uw wachtwoord wijzigt u daar, niet hier."
            )
        ok = _password_matches(user, current, now)
        session.add(user)
        if ok:
            _new_password(session, user, new, door=user.id)
    if not ok:  # raised after the commit, so the failure counts
        raise UserAdminError(
            "Het huidige wachtwoord klopt niet. Na herhaalde mislukte pogingen wordt het "
            "account tijdelijk geblokkeerd."
        )


def reset_password(engine: Engine, scope: Scope, *, username: str, new: str) -> None:
    """The beheerder (or the command line) sets a new password, e.g. for a forgotten one; the
    account's sessions end and a lockout is lifted."""
    scope.require(scope.may_administer, NOT_ALLOWED)
    _check_new_password(new)
    with session_scope(engine) as session:
        user = session.exec(
            select(Gebruiker).where(Gebruiker.gebruikersnaam == username).with_for_update()
        ).first()
        if user is None:
            raise UserAdminError(f"Gebruiker '{username}' bestaat niet.")
        if user.is_demo:
            raise UserAdminError("Het wachtwoord van een demo-account kan niet worden gewijzigd.")
        _new_password(session, user, new, door=scope.gebruiker_id)


def set_active(engine: Engine, scope: Scope, *, username: str, active: bool) -> None:
    scope.require(scope.may_administer, NOT_ALLOWED)
    with session_scope(engine) as session:
        user = session.exec(select(Gebruiker).where(Gebruiker.gebruikersnaam == username)).first()
        if user is None:
            raise UserAdminError(f"Gebruiker '{username}' bestaat niet.")
        if user.id == scope.gebruiker_id and not active:
            raise UserAdminError("U kunt uw eigen account niet deactiveren.")
        if user.actief == active:
            return  # nothing changes, so nothing is logged
        user.actief = active
        session.add(user)
        if not active:
            assert user.id is not None
            sessions.end_all(session, gebruiker_id=user.id)
        actie = AuditActie.GEBRUIKER_GEACTIVEERD if active else AuditActie.GEBRUIKER_GEDEACTIVEERD
        audit.add(session, gebruiker_id=scope.gebruiker_id, actie=actie, onderwerp=username)


def list_users(engine: Engine, scope: Scope) -> pd.DataFrame:
    """Accounts for the admin page; never any password material."""
    scope.require(scope.may_administer, "Alleen een beheerder mag gebruikers inzien.")
    with engine.connect() as conn:
        result = conn.execute(
            sa.select(
                Gebruiker.gebruikersnaam,
                Gebruiker.weergavenaam,
                Gebruiker.rol,
                Gebruiker.email,
                Gebruiker.aanbieder_id,
                Aanbieder.naam.label("aanbieder"),
                Gebruiker.actief,
                Gebruiker.is_demo,
                Gebruiker.laatst_ingelogd,
            )
            .outerjoin(Aanbieder, Aanbieder.id == Gebruiker.aanbieder_id)
            .order_by(Gebruiker.gebruikersnaam)
        )
        frame = pd.DataFrame(result.all(), columns=list(result.keys()))
    frame["rol"] = frame["rol"].map(lambda v: getattr(v, "value", v))
    return frame


def providers(engine: Engine, scope: Scope) -> dict[int, str]:
    """Every provider by id, for choosing the organisation of a provider account."""
    scope.require(scope.may_administer, NOT_ALLOWED)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(Aanbieder.id, Aanbieder.naam).order_by(Aanbieder.naam))
        return {int(i): str(n) for i, n in rows}


@dataclass(frozen=True)
class UserAdmin:
    """What the Gebruikers page shows."""

    users: pd.DataFrame
    providers: dict[int, str]


def user_admin(engine: Engine, scope: Scope) -> UserAdmin:
    return UserAdmin(list_users(engine, scope), providers(engine, scope))
