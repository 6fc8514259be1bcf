"""The structure a new engineer relies on (DESIGN.md §3), checked on the source itself.

- A page draws: guard, filters, one view, draw. It compares no roles, computes no figures,
  builds no figures and holds no SQL.
- Role rules live in `data_access/access.py` only.
- Public data_access functions take everything after engine and scope by keyword.
- data_access has no import cycles and never imports Streamlit.
- The README's tables of pages and settings are the page table and the settings object.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import pkgutil
import re
from importlib import import_module
from pathlib import Path

import pytest

import data_access
from data_access.access import PAGES
from data_access.labels import ROL, label
from data_access.models import Rol
from data_access.settings import PROJECT_ROOT, settings_table

PAGES_DIR = PROJECT_ROOT / "pages"
PAGE_FILES = sorted(PAGES_DIR.glob("*.py"))
# Where a page's data comes from: modules whose functions are views (read functions).
VIEW_MODULES = ("data_access.queries", "data_access.register.reads")
VIEW_FUNCTIONS = {
    "data_access.users": {"user_admin", "own_account"},
    "data_access.imports": {"importbeheer"},
    "data_access.audit": {"audit_log"},
}
FORBIDDEN_IN_PAGES = {
    "scope.rol": "a page compares no roles (ask a capability of Scope)",
    "px.": "figures are built in dashboard/charts.py",
    "go.Figure": "figures are built in dashboard/charts.py",
}
COMPUTING = ("groupby", "merge")  # pandas methods a page must not call: the view computes
SQL = re.compile(r"\bSELECT\b.+\bFROM\b|\bUPDATE\b.+\bSET\b|\bINSERT\s+INTO\b", re.I | re.S)


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _view_names(tree: ast.Module) -> set[str]:
    """Names a page imported from a module of views."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                name = alias.asname or alias.name
                if node.module.startswith(VIEW_MODULES):
                    if alias.name[:1].islower():  # functions, not view types
                        names.add(name)
                elif alias.name in VIEW_FUNCTIONS.get(node.module, set()):
                    names.add(name)
    return names


def _imported_modules(tree: ast.Module) -> set[str]:
    """Names under which a page imported a module (`from data_access.register import reports`)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                if importlib.util.find_spec(node.module) and _is_module(node.module, alias.name):
                    names.add(alias.asname or alias.name)
    return names


def _is_module(package: str, name: str) -> bool:
    try:
        return importlib.util.find_spec(f"{package}.{name}") is not None
    except ModuleNotFoundError:
        return False


def _computing_calls(tree: ast.Module) -> list[int]:
    """Lines calling .groupby(...) or .merge(...) on data (not a function of a module)."""
    modules = _imported_modules(tree)
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in COMPUTING
        and not (isinstance(node.func.value, ast.Name) and node.func.value.id in modules)
    ]


def test_every_page_has_a_script_and_every_script_a_page() -> None:
    assert {p.stem for p in PAGE_FILES} == set(PAGES)


@pytest.mark.parametrize("path", PAGE_FILES, ids=lambda p: p.stem)
def test_a_page_makes_one_view_call_and_computes_nothing(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    for fragment, why in FORBIDDEN_IN_PAGES.items():
        assert fragment not in source, f"{path.name}: {fragment!r}: {why}"
    tree = _tree(path)
    assert _computing_calls(tree) == [], f"{path.name}: a page computes no figures"
    strings = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)]
    assert not [s for s in strings if isinstance(s, str) and SQL.search(s)], path.name
    imported = {
        a.name.split(".")[0] if isinstance(n, ast.Import) else (n.module or "")
        for n in ast.walk(tree)
        if isinstance(n, ast.Import | ast.ImportFrom)
        for a in n.names
    }
    assert not imported & {"sqlalchemy", "sqlmodel", "duckdb", "data_access.analytics"}, path.name
    views = _view_names(tree)
    uses = [n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id in views]
    assert len(uses) == 1, f"{path.name}: {len(uses)} view calls ({sorted(views)})"


def test_the_page_check_finds_what_it_forbids(tmp_path: Path) -> None:
    """Control: the checks above do fail on a page that breaks the rules."""
    bad = tmp_path / "slecht.py"
    bad.write_text(
        "from data_access.queries.overzicht import overzicht\n"
        "from data_access.queries.uitnutting import uitnutting\n"
        "a = overzicht(engine=1)\nb = uitnutting(engine=1)\n"
        "q = 'SELECT naam FROM aanbieder'\n"
        "from data_access.register import reports\n"
        "reports.merge(engine=1)\nc = frame.groupby('x').sum()\nd = frame.merge(other)\n"
    )
    tree = _tree(bad)
    assert sorted(_computing_calls(tree)) == [8, 9]
    uses = [n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id in _view_names(tree)]
    assert len(uses) == 2
    assert any(isinstance(n, ast.Constant) and SQL.search(str(n.value)) for n in ast.walk(tree))


def _role_comparisons(tree: ast.Module) -> list[int]:
    """Lines comparing a role: `x.rol ==/!=/in ...`, or any comparison with a `Rol.` member."""

    def is_role(node: ast.AST) -> bool:
        if isinstance(node, ast.Attribute) and node.attr == "rol":
            return True
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            return node.value.id == "Rol"
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            return any(is_role(e) for e in node.elts)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            return node.func.id == "frozenset" and any(is_role(a) for a in node.args)
        return False

    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Compare) and any(is_role(x) for x in (node.left, *node.comparators))
    ]


def _product_files() -> list[Path]:
    files = [*PAGE_FILES]
    for folder in ("data_access", "dashboard"):
        files += sorted((PROJECT_ROOT / folder).rglob("*.py"))
    return [f for f in files if "migrations" not in f.parts]


def test_roles_are_compared_only_in_the_capability_module() -> None:
    found = {
        str(path.relative_to(PROJECT_ROOT)): lines
        for path in _product_files()
        if path.name != "access.py" and (lines := _role_comparisons(_tree(path)))
    }
    assert found == {}


def test_the_only_html_the_app_writes_is_the_cookie_image() -> None:
    """Text a user typed is never rendered as HTML: `unsafe_allow_html` and `st.html` appear
    once, where the server's own one-time code goes into an image address."""
    found = [
        f"{path.relative_to(PROJECT_ROOT)}:{number}"
        for path in _product_files()
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "unsafe_allow_html" in line or "st.html(" in line
    ]
    assert found == ["dashboard/auth.py:" + str(_line_of("dashboard/auth.py", "unsafe_allow_html"))]
    from data_access.sessions import is_token

    assert not is_token('"><script>alert(1)</script>' + "a" * 20)
    assert is_token("A" * 43)


def _line_of(relative: str, needle: str) -> int:
    lines = (PROJECT_ROOT / relative).read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def test_the_role_check_finds_a_role_comparison() -> None:
    for code in (
        "x = scope.rol == Rol.ADVISEUR",
        "x = scope.rol in (Rol.AANBIEDER,)",
        "x = new.rol != Rol.CONTRACTMANAGER",
        "x = Rol.ADVISEUR in roles",
    ):
        assert _role_comparisons(ast.parse(code)) == [1], code


def _data_access_modules() -> list[str]:
    return sorted(
        m.name
        for m in pkgutil.walk_packages(data_access.__path__, "data_access.")
        if ".migrations" not in m.name and m.name != "data_access.__main__"
    )


def test_public_functions_take_all_but_engine_and_scope_by_keyword() -> None:
    """Adjacent ints such as `id, versie` must never be swappable."""
    loose = []
    for name in _data_access_modules():
        module = import_module(name)
        for fname, fn in inspect.getmembers(module, inspect.isfunction):
            if fname.startswith("_") or fn.__module__ != name:
                continue
            params = list(inspect.signature(fn).parameters.values())
            if not params or params[0].name != "engine":
                continue
            leading = 2 if len(params) > 1 and params[1].name == "scope" else 1
            positional = [
                p.name
                for p in params[leading:]
                if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
            ]
            if positional:
                loose.append(f"{name}.{fname}: {positional}")
    assert loose == []


def _imports_of(path: Path, package: str) -> set[str]:
    """data_access modules imported at module level (not inside functions)."""
    tree = _tree(path)
    found = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.startswith(package):
                found.add(node.module)
                for alias in node.names:
                    candidate = f"{node.module}.{alias.name}"
                    if (PROJECT_ROOT / (candidate.replace(".", "/") + ".py")).exists():
                        found.add(candidate)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith(package)}
    return found


def test_data_access_has_no_import_cycles_and_no_streamlit() -> None:
    graph: dict[str, set[str]] = {}
    for name in _data_access_modules():
        module = import_module(name)
        path = Path(str(module.__file__))
        graph[name] = {m for m in _imports_of(path, "data_access") if m != name}
        assert "streamlit" not in path.read_text(encoding="utf-8"), name

    def parent_packages(name: str) -> set[str]:
        parts = name.split(".")
        return {".".join(parts[:n]) for n in range(2, len(parts))}

    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in graph.get(node, set()) - parent_packages(node):
            if state.get(nxt) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*trail, node, nxt]))
            if nxt in graph and not state.get(nxt):
                visit(nxt, [*trail, node])
        state[node] = 2

    for node in graph:
        if not state.get(node):
            visit(node, [])


def test_generator_dates_are_used_only_by_the_generator_and_the_loader() -> None:
    allowed = {"generator.py", "loader.py"}
    for path in _product_files():
        if path.name in allowed:
            continue
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"\b(PEILDATUM|JAREN)\b", source), path
        assert not re.search(r"from data_access\.generator import", source) or path.parts[
            -2
        ] not in ("dashboard", "pages", "queries"), path


def _readme_table(heading: str) -> list[list[str]]:
    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")]
    return [[c.strip() for c in row.strip("|").split("|")] for row in rows[2:]]


def roles_text(roles: frozenset[Rol]) -> str:
    """How the README's pages table names the roles of a page."""
    if roles == frozenset(Rol):
        return "iedereen"
    return ", ".join(label(ROL, r).lower() for r in Rol if r in roles)


def test_readme_pages_table_is_the_page_table() -> None:
    rows = _readme_table("Pagina's")
    assert [r[0] for r in rows] == [p.title for p in PAGES.values()]
    assert [r[1] for r in rows] == [roles_text(p.roles) for p in PAGES.values()]


def test_readme_settings_table_is_the_settings_object() -> None:
    rows = _readme_table("Instellingen")
    assert [(r[0].strip("`"), r[2]) for r in rows] == [(n, d) for n, _, d in settings_table()]
