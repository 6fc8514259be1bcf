"""The page script of the app (dashboard/server.py serves it: `streamlit run dashboard/server.py`).

Page config, settings and database readiness, login, and a navigation built from the page
table (`data_access.access.PAGES`) for the user's role. Page scripts live in the top-level
pages/ folder and are registered here by path; there is deliberately no dashboard/pages/
folder (DESIGN.md §3).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run` puts only dashboard/ on the path
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
import streamlit as st  # noqa: E402

from data_access.settings import SettingsError, get_settings  # noqa: E402

# A local icon: an emoji or :material: icon is fetched from a font server, which an offline
# network does not reach.
st.set_page_config(
    page_title="SPIC-monitor", page_icon=str(ROOT / "dashboard/assets/favicon.png"), layout="wide"
)

try:
    get_settings()
except SettingsError as exc:  # a bad value stops the app with the reason, not a traceback
    st.error(str(exc), icon=":material/settings:")
    st.stop()

from dashboard.auth import (  # noqa: E402
    current_identity,
    fetch_session_cookie,
    login_page,
    logout,
)
from dashboard.components import demo_banner, start_export_context  # noqa: E402
from dashboard.db import get_engine, show_database_error  # noqa: E402
from dashboard.filters import capture_link  # noqa: E402
from dashboard.navigation import app_page  # noqa: E402
from data_access.access import PAGES, scope_for  # noqa: E402
from data_access.labels import ROL, label  # noqa: E402
from data_access.users import demo_accounts_active  # noqa: E402

# An outage can strike at any statement of a run (the identity lookup, the page's queries);
# each gets the same Dutch message instead of a traceback, and the next run tries again.
DATABASE_ERRORS = (sa.exc.OperationalError, sa.exc.InterfaceError)


def _login_at(url_path: str) -> st.Page:
    def show_login() -> None:
        login_page(get_engine())

    show_login.__name__ = f"login_{url_path}"  # Streamlit tells callable pages apart by name
    return st.Page(
        show_login,
        title="Inloggen",
        url_path=url_path,
        icon=":material/login:",
        default=url_path == "inloggen",
    )


def main() -> None:
    capture_link()  # the first run of a session reads the filters of the address, once
    engine = get_engine()
    identity = current_identity(engine)
    if identity is None:
        # An anonymous session gets only the login form, at every page address: a shared link
        # to a page asks for a login first and, once logged in, opens that page with its
        # filters.
        logins = [_login_at("inloggen"), *(_login_at(key) for key in PAGES)]
        st.navigation(logins, position="hidden").run()
        st.stop()

    scope = scope_for(engine, identity=identity)
    sections: dict[str, list[st.Page]] = {}
    for page in scope.pages():
        sections.setdefault(page.group, []).append(app_page(page, default=page.key == "overzicht"))
    # The navigation is drawn here with page links: Streamlit's own sidebar navigation is not
    # a valid list for screen readers (axe: list, listitem).
    page = st.navigation(sections, position="hidden")

    with st.sidebar:
        for group, pages in sections.items():
            st.caption(group)
            for entry in pages:
                st.page_link(entry, label=entry.title, icon=entry.icon)
        fetch_session_cookie()
        st.divider()
        st.markdown("**SPIC-monitor**")
        st.text(f"{identity.weergavenaam}\n{label(ROL, identity.rol)}")
        if st.button("Uitloggen", icon=":material/logout:"):
            logout("U bent uitgelogd.")
            st.rerun()

    if demo_accounts_active(engine):
        demo_banner()
    # What this run's downloads (and their audit rows) name as page and filters; a page with
    # filters replaces it. Without it, a page that sets none would name the previous page.
    start_export_context(page.title, [])
    page.run()


try:
    main()
except DATABASE_ERRORS as exc:
    show_database_error(str(exc.orig) if exc.orig else str(exc))
