"""Login, logout, session expiry and the guard every page calls first."""

from __future__ import annotations

import streamlit as st
from sqlalchemy.engine import Engine

from dashboard.db import get_engine
from data_access import sessions
from data_access.access import Identity, Scope, scope_for
from data_access.sample_knelpunten import DEMO_PASSWORD
from data_access.users import (
    LoginError,
    authenticate,
    demo_accounts,
    identity_by_email,
)

SESSION_USER = "gebruiker_id"
SESSION_ID = "sessie_id"
COOKIE_CODE = "cookie_code"
SESSION_NOTICE = "login_melding"
# A tab's cookie is the one its browser sent when the tab connected, and it can open a session
# once: after a logout or an ending in this tab the same cookie is dead, and asking again would
# only write a false refusal to the audit trail at every click on the login page.
COOKIE_TRIED = "cookie_geprobeerd"


def oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except FileNotFoundError:
        return False
    except Exception:  # a malformed secrets file must not lock everybody out
        return False


def _start_session(identity: Identity) -> None:
    """A new server-side session; the app shell lets the browser fetch its cookie."""
    started = sessions.start(get_engine(), gebruiker_id=identity.id)
    st.session_state[SESSION_USER] = identity.id
    st.session_state[SESSION_ID] = started.sessie_id
    st.session_state[COOKIE_CODE] = started.code


def logout(notice: str | None = None) -> None:
    sessie_id = st.session_state.get(SESSION_ID)
    if sessie_id is not None:
        sessions.end(get_engine(), sessie_id=int(sessie_id))
    for key in (SESSION_USER, SESSION_ID, COOKIE_CODE):
        st.session_state.pop(key, None)
    if notice:
        st.session_state[SESSION_NOTICE] = notice
    if oidc_configured() and st.user.get("is_logged_in", False):
        st.logout()


def _forget(einde: sessions.Einde) -> None:
    for key in (SESSION_USER, SESSION_ID, COOKIE_CODE):
        st.session_state.pop(key, None)
    st.session_state[SESSION_NOTICE] = einde.value


def _cookie_token() -> str | None:
    try:
        value = st.context.cookies.get(sessions.COOKIE)
    except Exception:  # no browser behind this run (a bare script)
        return None
    return value if isinstance(value, str) else None  # AppTest has no real cookies


def current_identity(engine: Engine) -> Identity | None:
    """The logged-in account, re-read from the database; None when not (or no longer) logged in.

    A tab's session is checked on every run: a logout in another tab, a deactivation or a
    timeout ends it at the next click. A new tab, a reload or a deep link carries no
    session state but the cookie, which resumes the same server-side session.
    """
    if SESSION_ID not in st.session_state and not st.session_state.get(COOKIE_TRIED):
        st.session_state[COOKIE_TRIED] = True
        resumed = sessions.resume(engine, token=_cookie_token())
        if resumed is not None:
            st.session_state[SESSION_ID], st.session_state[SESSION_USER] = resumed
    if (
        SESSION_ID not in st.session_state
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
    sessie_id = st.session_state.get(SESSION_ID)
    if sessie_id is None:
        return None
    stand = sessions.check(engine, sessie_id=int(sessie_id))
    if stand.gebruiker_id is None:
        assert stand.einde is not None
        _forget(stand.einde)
        if oidc_configured() and st.user.get("is_logged_in", False):
            st.logout()
        return None
    if stand.cookie_uitgegeven:
        st.session_state.pop(COOKIE_CODE, None)
    return stand.identity


def fetch_session_cookie() -> None:
    """Until the browser holds the login's cookie, let it fetch the cookie as a 1×1 image
    (dashboard/server.py). The only HTML the app writes itself: the code is checked to be
    URL-safe base64 of the server's making, never text a user typed."""
    code = st.session_state.get(COOKIE_CODE)
    if code is None or not sessions.is_token(code):
        return
    src = f"{sessions.COOKIE_ROUTE.lstrip('/')}?code={code}"
    st.markdown(f'<img src="{src}" alt="" width="1" height="1">', unsafe_allow_html=True)


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
