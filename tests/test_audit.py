"""The audit trail: append-only, written with the action it records, for the beheerder only."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from data_access import audit
from data_access.access import AccessDenied, Scope
from data_access.imports import Bestand, ImportGeweigerd, importeer, uitvoerder_voor
from data_access.loader import load_tables
from data_access.models import AuditActie, Rol
from data_access.sample_knelpunten import DEMO_PASSWORD
from data_access.users import UserAdminError, create_user, set_active
from tests.helpers import next_year_files, sql_frame, sql_scalar, user_scope

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
PAGES = Path(__file__).resolve().parent.parent / "pages" / "audit.py"

TODAY = dt.date.today()


def trail(engine: sa.Engine) -> list[tuple]:
    return [
        tuple(r)
        for r in sql_frame(
            engine, "SELECT gebruikersnaam, actie, onderwerp FROM auditregel ORDER BY id"
        ).itertuples(index=False)
    ]


def test_the_trail_cannot_be_changed_or_emptied(demo_engine_rw: sa.Engine) -> None:
    engine = demo_engine_rw
    audit.record(engine, gebruiker_id=None, actie=AuditActie.DOWNLOAD, onderwerp="a.csv")
    for statement in ("UPDATE auditregel SET onderwerp = 'b.csv'", "DELETE FROM auditregel"):
        with (
            pytest.raises(sa.exc.DatabaseError, match="alleen worden aangevuld"),
            engine.begin() as conn,
        ):
            conn.execute(sa.text(statement))
    assert trail(engine) == [("opdrachtregel", "download", "a.csv")]


def test_a_reload_of_all_data_keeps_the_trail(demo_engine_rw: sa.Engine, demo_tables: dict) -> None:
    audit.record(demo_engine_rw, gebruiker_id=None, actie=AuditActie.DOWNLOAD, onderwerp="a.csv")
    load_tables(demo_engine_rw, tables=demo_tables, replace=True)
    assert trail(demo_engine_rw) == [("opdrachtregel", "download", "a.csv")]


def test_user_administration_is_logged_with_the_change_and_only_then(
    demo_engine_rw: sa.Engine,
) -> None:
    engine = demo_engine_rw
    beheerder = user_scope(engine, "demo.beheerder")
    create_user(
        engine,
        beheerder,
        username="nieuwe.adviseur",
        display_name="Nieuw",
        role=Rol.ADVISEUR,
        password="correct-paard-batterij",
    )
    with pytest.raises(UserAdminError):  # the name is taken: no account, no audit row
        create_user(
            engine,
            beheerder,
            username="nieuwe.adviseur",
            display_name="Nog een",
            role=Rol.ADVISEUR,
            password="correct-paard-batterij",
        )
    set_active(engine, beheerder, username="nieuwe.adviseur", active=False)
    set_active(engine, beheerder, username="nieuwe.adviseur", active=False)  # no change
    set_active(engine, Scope.operator(), username="nieuwe.adviseur", active=True)
    assert trail(engine) == [
        ("demo.beheerder", "gebruiker_aangemaakt", "nieuwe.adviseur (Adviseur)"),
        ("demo.beheerder", "gebruiker_gedeactiveerd", "nieuwe.adviseur"),
        ("opdrachtregel", "gebruiker_geactiveerd", "nieuwe.adviseur"),
    ]


def test_an_import_is_logged_in_its_own_transaction(demo_engine_rw: sa.Engine) -> None:
    engine = demo_engine_rw
    beheerder = user_scope(engine, "demo.beheerder")
    uitvoerder = uitvoerder_voor(beheerder, "Beheerder (demo)")
    broken = [Bestand("trajecten 2026.csv", b"toewijzingnummer;startdatum\nX;gisteren\n")]
    with pytest.raises(ImportGeweigerd):
        importeer(engine, uitvoerder=uitvoerder, bestanden=broken, soort="trajecten")
    assert trail(engine) == []  # refused: nothing written, not even the audit row
    importeer(engine, uitvoerder=uitvoerder, bestanden=next_year_files(engine))
    [(user, actie, onderwerp)] = trail(engine)
    assert (user, actie) == ("demo.beheerder", "import")
    assert "trajecten 2026.csv (Trajecten, 12 rijen)" in onderwerp


@pytest.mark.parametrize("username", ["demo.kerngroep", "demo.contractmanager", "demo.adviseur"])
def test_only_the_beheerder_reads_the_trail(demo_engine_rw: sa.Engine, username: str) -> None:
    with pytest.raises(AccessDenied, match="Alleen een beheerder"):
        audit.audit_log(demo_engine_rw, user_scope(demo_engine_rw, username), van=TODAY, tot=TODAY)


def test_the_trail_filters_by_period_action_and_user(demo_engine_rw: sa.Engine) -> None:
    engine = demo_engine_rw
    kerngroep = int(
        sql_scalar(engine, "SELECT id FROM gebruiker WHERE gebruikersnaam = 'demo.kerngroep'")
    )
    audit.record(engine, gebruiker_id=kerngroep, actie=AuditActie.DOWNLOAD, onderwerp="x.csv")
    audit.record(engine, gebruiker_id=None, actie=AuditActie.DOWNLOAD, onderwerp="y.csv")
    audit.record(engine, gebruiker_id=kerngroep, actie=AuditActie.DOSSIER, onderwerp="Horizon")
    beheerder = user_scope(engine, "demo.beheerder")
    view = audit.audit_log(engine, beheerder, van=TODAY, tot=TODAY)
    assert view.totaal == 3 and list(view.regels["onderwerp"]) == ["Horizon", "y.csv", "x.csv"]
    assert view.gebruikers == ["demo.kerngroep", "opdrachtregel"]
    assert view.regels["tijdstip"].dt.tz is not None  # the same on SQLite and PostgreSQL
    only = audit.audit_log(
        engine,
        beheerder,
        van=TODAY,
        tot=TODAY,
        acties=[AuditActie.DOWNLOAD],
        gebruiker="demo.kerngroep",
    )
    assert list(only.regels["onderwerp"]) == ["x.csv"]
    yesterday = TODAY - dt.timedelta(days=1)
    assert audit.audit_log(engine, beheerder, van=yesterday, tot=yesterday).totaal == 0


def test_the_beheerder_reads_the_trail_in_dutch_on_its_page(
    monkeypatch: pytest.MonkeyPatch, demo_sqlite_rw: tuple[sa.Engine, str]
) -> None:
    engine, url = demo_sqlite_rw
    set_active(engine, Scope.operator(), username="demo.adviseur", active=False)
    monkeypatch.setenv("DATABASE_URL", url)
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.text_input[0].input("demo.beheerder")
    at.text_input[1].input(DEMO_PASSWORD)
    at.button[0].click()
    at.run()
    at.switch_page(str(PAGES)).run()
    assert not at.exception
    assert at.title[0].value == "Auditlog"
    shown = at.dataframe[0].value
    assert list(shown.columns) == [
        "Tijdstip",
        "Gebruiker",
        "Rol",
        "Actie",
        "Wat",
        "Pagina en filters",
    ]
    row = shown.iloc[0]
    assert (row["Gebruiker"], row["Actie"], row["Wat"]) == (
        "opdrachtregel",
        "Gebruiker gedeactiveerd",
        "demo.adviseur",
    )
    assert re.fullmatch(r"\d{2}-\d{2}-\d{4} \d{2}:\d{2}", row["Tijdstip"])
    assert "1 regel in deze selectie." in " ".join(c.value for c in at.caption)
