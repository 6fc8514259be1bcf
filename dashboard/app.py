"""Entry point: `streamlit run dashboard/app.py`.

Page config, database readiness, login, and a navigation built from the user's role. Page
scripts live in the top-level pages/ folder and are registered here by path; there is
deliberately no dashboard/pages/ folder (DESIGN.md §3).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run` puts only dashboard/ on the path
    sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
import streamlit as st  # noqa: E402

from dashboard.auth import current_identity, login_page, logout  # noqa: E402
from dashboard.components import demo_banner  # noqa: E402
from dashboard.db import get_engine, show_database_error  # noqa: E402
from dashboard.filters import PAGE_KEY  # noqa: E402
from dashboard.navigation import PAGES, page_path  # noqa: E402
from data_access.access import scope_for  # noqa: E402
from data_access.auth import demo_accounts_active  # noqa: E402
from data_access.labels import ROL, label  # noqa: E402

st.set_page_config(page_title="SPIC-monitor", page_icon=":material/monitoring:", layout="wide")


engine = get_engine()
# An outage can strike at any statement of a run (the identity lookup, the page's queries);
# each gets the same Dutch message instead of a traceback, and the next run tries again.
DATABASE_ERRORS = (sa.exc.OperationalError, sa.exc.InterfaceError)


def _login_at(url_path: str) -> st.Page:
    def show_login() -> None:
        login_page(engine)

    show_login.__name__ = f"login_{url_path}"  # Streamlit tells callable pages apart by name
    return st.Page(
        show_login,
        title="Inloggen",
        url_path=url_path,
        icon=":material/login:",
        default=url_path == "inloggen",
    )


def main() -> None:
    identity = current_identity(engine)
    if identity is None:
        # An anonymous session gets only the login form, at every page address: a shared link
        # to a page asks for a login first and, once logged in, opens that page with its
        # filters.
        logins = [_login_at("inloggen"), *(_login_at(key) for key in PAGES)]
        st.navigation(logins, position="hidden").run()
        st.stop()

    scope = scope_for(engine, identity)
    sections: dict[str, list[st.Page]] = {}
    for key, (title, icon, section) in PAGES.items():
        if scope.may_open(key):
            sections.setdefault(section, []).append(
                st.Page(
                    page_path(key),
                    title=title,
                    icon=icon,
                    url_path=key,
                    default=key == "overzicht",
                )
            )
    page = st.navigation(sections)
    st.session_state[PAGE_KEY] = page.url_path

    with st.sidebar:
        st.markdown("**SPIC-monitor**")
        st.text(f"{identity.weergavenaam}\n{label(ROL, identity.rol)}")
        if st.button("Uitloggen", icon=":material/logout:"):
            logout("U bent uitgelogd.")
            st.rerun()

    if demo_accounts_active(engine):
        demo_banner()
    page.run()


try:
    main()
except DATABASE_ERRORS as exc:
    show_database_error(str(exc.orig) if exc.orig else str(exc))
