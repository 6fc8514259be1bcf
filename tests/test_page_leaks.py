"""No page shows a role what it may not see, also not when the URL asks for it.

Every page a role may open is run with hostile query parameters (another provider's name and
ids). Everything the page produced (text, tables, charts) is searched for the names of
providers whose detail the role may not see.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from data_access.access import PAGES
from data_access.generator import PLANTED
from tests.helpers import each_section, open_tables, provider_ids, sql_frame, sql_scalar, user_scope
from tests.test_app import login, new_app

PAGES_DIR = Path(__file__).resolve().parent.parent / "pages"
OTHER = "Praktijk De Zonnebloem"  # demo.aanbieder2's organisation


def _everything(at: AppTest) -> str:
    parts: list[str] = []

    def walk(node: object) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    parts += [frame.value.to_string() for frame in at.dataframe]
    return "\n".join(parts)


def _hostile(engine: sa.Engine) -> dict[str, str]:
    other = provider_ids(engine)[OTHER]
    report = sql_scalar(engine, "SELECT MIN(id) FROM knelpunt WHERE aanbieder_id = :a", a=other)
    return {
        "aanbieder": str(other),
        "segment": "B",
        "dossier": str(other),
        "aanbieder_id": str(other),
        "knelpunt": str(report or 1),
        "ego": OTHER,
    }


def _visit_all(at: AppTest, username: str, params: dict[str, str]) -> dict[str, str]:
    rol = user_scope_role(username)
    shown: dict[str, str] = {}
    for page in sorted(PAGES):
        if rol not in PAGES[page].roles:
            continue
        at.query_params.update(params)
        at.switch_page(str(PAGES_DIR / f"{page}.py")).run()
        parts = []
        for section in each_section(at):
            open_tables(section)
            assert not at.exception, (username, page, at.exception)
            parts.append(_everything(at))
        shown[page] = "\n".join(parts)
    return shown


def _opened_with(at: AppTest, params: dict[str, str]) -> AppTest:
    """The session is opened with the hostile link: the filters of a URL are read then."""
    at.query_params.update(params)
    return at


def user_scope_role(username: str) -> object:
    from data_access.models import Rol

    return Rol.ADVISEUR if username == "demo.adviseur" else Rol.AANBIEDER


def test_an_adviser_sees_no_provider_names_anywhere(
    monkeypatch: pytest.MonkeyPatch, demo_engine_sqlite: tuple[sa.Engine, str]
) -> None:
    engine, url = demo_engine_sqlite
    at = login(_opened_with(new_app(monkeypatch, url), _hostile(engine)), "demo.adviseur")
    names = list(provider_ids(engine))
    for page, text in _visit_all(at, "demo.adviseur", _hostile(engine)).items():
        leaked = [n for n in names if n in text]
        assert not leaked, (page, leaked)


def test_a_provider_never_sees_another_organisations_detail(
    monkeypatch: pytest.MonkeyPatch, demo_engine_sqlite: tuple[sa.Engine, str]
) -> None:
    engine, url = demo_engine_sqlite
    scope = user_scope(engine, "demo.aanbieder")
    partners = set(
        sql_frame(
            engine,
            "SELECT a.naam FROM onderaanneming o JOIN aanbieder a ON a.id = o.onderaannemer_id "
            "WHERE o.hoofdaannemer_id = :h",
            h=scope.aanbieder_id,
        )["naam"]
    )
    assert OTHER not in partners  # its own subcontractors may be named; this one is not one
    assert provider_ids(engine)[PLANTED.RESIDENTIEEL_HOOFDAANNEMER] == scope.aanbieder_id
    at = login(_opened_with(new_app(monkeypatch, url), _hostile(engine)), "demo.aanbieder")
    for page, text in _visit_all(at, "demo.aanbieder", _hostile(engine)).items():
        assert OTHER not in text, page


def test_the_search_finds_a_name_where_it_may_be_shown(
    monkeypatch: pytest.MonkeyPatch, demo_engine_sqlite: tuple[sa.Engine, str]
) -> None:
    """Control: the same visit as the other organisation itself does show its name."""
    engine, url = demo_engine_sqlite
    at = login(_opened_with(new_app(monkeypatch, url), _hostile(engine)), "demo.aanbieder2")
    shown = _visit_all(at, "demo.aanbieder2", _hostile(engine))
    assert OTHER in shown["aanbieder"]
