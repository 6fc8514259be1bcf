"""Login, logout, session expiry and the guard every page calls first."""

from __future__ import annotations

import time

import streamlit as st
from sqlalchemy.engine import Engine

from dashboard.db import get_engine
from data_access.access import Identity, Scope, scope_for
from data_access.sample_knelpunten import DEMO_PASSWORD
from data_access.settings import get_settings
from data_access.users import (
    LoginError,
    authenticate,
    demo_accounts,
    identity_by_email,
    identity_by_id,
)

SESSION_USER = "gebruiker_id"
SESSION_SEEN = "laatst_actief"
SESSION_NOTICE = "login_melding"


def oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except FileNotFoundError:
        return False
    except Exception:  # a malformed secrets file must not lock everybody out
        return False


def _start_session(identity: Identity) -> None:
    st.session_state[SESSION_USER] = identity.id
    st.session_state[SESSION_SEEN] = time.time()


def logout(notice: str | None = None) -> None:
    for key in (SESSION_USER, SESSION_SEEN):
        st.session_state.pop(key, None)
    if notice:
        st.session_state[SESSION_NOTICE] = notice
    if oidc_configured() and st.user.get("is_logged_in", False):
        st.logout()


def current_identity(engine: Engine) -> Identity | None:
    """The logged-in account, re-read from the database; None when not (or no longer) logged in."""
    if (
        SESSION_USER not in st.session_state
        and oidc_configured()
        and st.user.get("is_logged_in", False)
        and st.user.get("email")
    ):
        identity = identity_by_email(engine, email=str(st.user.get("email")))
        if identity is None:
            st.session_state[SESSION_NOTICE] = (
                "Uw account is niet bekend in SPIC-monitor of is gedeactiveerd. "
                "Vraag de beheerder om toegang."
            )
            return None
        _start_session(identity)
    user_id = st.session_state.get(SESSION_USER)
    if user_id is None:
        return None
    timeout = get_settings().session_timeout_minutes * 60
    now = time.time()
    if now - float(st.session_state.get(SESSION_SEEN, now)) > timeout:
        logout("Uw sessie is verlopen omdat u een tijd niet actief was. Log opnieuw in.")
        return None
    identity = identity_by_id(engine, user_id=int(user_id))
    if identity is None:
        logout("Uw account is gedeactiveerd.")
        return None
    st.session_state[SESSION_SEEN] = now
    return identity


def guard(page: str) -> tuple[Identity, Scope]:
    """First line of every page script: stop unless this user's role may open the page."""
    engine = get_engine()
    identity = current_identity(engine)
    if identity is None:
        st.warning("U bent niet ingelogd.")
        st.stop()
    scope = scope_for(engine, identity=identity)
    if not scope.may_open(page):
        st.error("U heeft geen toegang tot deze pagina.")
        st.stop()
    return identity, scope  # type: ignore[return-value]


def login_page(engine: Engine) -> None:
    st.title("Inloggen bij SPIC-monitor")
    notice = st.session_state.pop(SESSION_NOTICE, None)
    if notice:
        st.info(notice)
    if oidc_configured():
        st.write("Log in met het account van uw organisatie.")
        st.button("Inloggen met uw organisatie-account", on_click=st.login, type="primary")
        return
    with st.form("login", enter_to_submit=True):
        username = st.text_input("Gebruikersnaam", autocomplete="username")
        password = st.text_input("Wachtwoord", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Inloggen", type="primary")
    if submitted:
        if not username or not password:
            st.error("Vul uw gebruikersnaam en wachtwoord in.")
            return
        try:
            identity = authenticate(engine, username=username, password=password)
        except LoginError as exc:
            st.error(str(exc))
            return
        _start_session(identity)
        st.rerun()
    accounts = demo_accounts(engine)
    if accounts:
        with st.expander("Demo-accounts"):
            st.write(
                "Deze omgeving bevat fictieve demogegevens. Log in met een van deze accounts; "
                f"het wachtwoord is voor alle accounts `{DEMO_PASSWORD}`."
            )
            st.table(
                {
                    "Gebruikersnaam": [a.username for a in accounts],
                    "Rol": [a.role for a in accounts],
                }
            )
