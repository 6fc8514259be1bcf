"""Where the page scripts live, and the one way to make a Streamlit page from the page table."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from data_access.access import PAGES, Page

PAGES_DIR = Path(__file__).resolve().parent.parent / "pages"


def page_path(key: str) -> Path:
    return PAGES_DIR / f"{key}.py"


def app_page(page: Page, *, default: bool = False) -> st.Page:
    return st.Page(
        page_path(page.key), title=page.title, icon=page.icon, url_path=page.key, default=default
    )


def page_for(key: str) -> st.Page:
    """A registered page by its key, for links between pages."""
    return st.Page(page_path(key), title=PAGES[key].title, url_path=key)
