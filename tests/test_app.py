"""The Streamlit app under AppTest: login, pages per role, figures from the database."""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from dashboard.formatting import aantal
from data_access.access import Scope
from data_access.imports import Uitvoerder, importeer
from data_access.models import ActieStatus, KnelpuntCategorie, KnelpuntStatus, Rol, utcnow
from data_access.sample_knelpunten import DEMO_PASSWORD
from data_access.users import create_user
from tests.helpers import next_year_files, open_tables, sql_frame, sql_scalar

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
PAGES_DIR = Path(__file__).resolve().parent.parent / "pages"

DASHBOARDS = {"overzicht", "uitnutting", "segmenten", "resultaat", "onderaanneming", "trends"}
EVERYONE = DASHBOARDS | {"account"}
ROLE_PAGES = {
    "demo.beheerder": EVERYONE
    | {"aanbieder", "melden", "kerngroep", "overleggen", "gebruikers", "importeren", "audit"},
    "demo.kerngroep": EVERYONE | {"aanbieder", "melden", "kerngroep", "overleggen"},
    "demo.contractmanager": EVERYONE | {"aanbieder", "melden", "kerngroep"},
    "demo.adviseur": EVERYONE,
    "demo.aanbieder": EVERYONE | {"aanbieder", "melden", "meldingen"},
}
ALL_PAGES = {p.stem for p in PAGES_DIR.glob("*.py")}


def new_app(monkeypatch: pytest.MonkeyPatch, url: str) -> AppTest:
    monkeypatch.setenv("DATABASE_URL", url)
    return AppTest.from_file(APP, default_timeout=60)


def login(at: AppTest, username: str, password: str = DEMO_PASSWORD) -> AppTest:
    at.run()
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    at.button[0].click()
    return at.run()


def test_anonymous_visitor_sees_only_the_login_page(
    monkeypatch: pytest.MonkeyPatch, demo_engine_sqlite: tuple[sa.Engine, str]
) -> None:
    at = new_app(monkeypatch, demo_engine_sqlite[1])
    at.run()
    assert not at.exception
    assert at.title[0].value == "Inloggen bij SPIC-monitor"
    assert len(at.metric) == 0
    with pytest.raises(ValueError):
        at.switch_page(str(PAGES_DIR / "overzicht.py"))


def test_wrong_password_gives_a_dutch_message(
    monkeypatch: pytest.MonkeyPatch, demo_engine_sqlite: tuple[sa.Engine, str]
) -> None:
    at = login(new_app(monkeypatch, demo_engine_sqlite[1]), "demo.adviseur", "fout")
    assert "Inloggen is niet gelukt" in at.error[0].value
    assert at.title[0].value == "Inloggen bij SPIC-monitor"


@pytest.mark.parametrize("username", sorted(ROLE_PAGES))
def test_each_role_opens_exactly_its_pages(
    monkeypatch: pytest.MonkeyPatch, demo_engine_sqlite: tuple[sa.Engine, str], username: str
) -> None:
    at = login(new_app(monkeypatch, demo_engine_sqlite[1]), username)
    assert not at.exception
    assert at.title[0].value == "Overzicht"
    for page in sorted(ALL_PAGES):
        if page in ROLE_PAGES[username]:
            at.switch_page(str(PAGES_DIR / f"{page}.py")).run()
            assert not at.exception, (username, page, at.exception)
        else:
            with pytest.raises(ValueError):
                at.switch_page(str(PAGES_DIR / f"{page}.py"))


def test_overview_shows_the_numbers_the_database_holds(
    monkeypatch: pytest.MonkeyPatch, demo_db: tuple[sa.Engine, str]
) -> None:
    engine, url = demo_db
    at = login(new_app(monkeypatch, url), "demo.kerngroep")
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    # The default period is the last 12 months up to the peildatum: 2025 in the demo data.
    assert at.segmented_control(key="periode").value == "12m"
    assert "Periode 01-01-2025 t/m 31-12-2025" in at.caption[1].value
    with engine.connect() as conn:
        started = conn.execute(
            sa.text("SELECT COUNT(*) FROM traject WHERE startdatum >= '2025-01-01'")
        ).scalar()
        active = conn.execute(
            sa.text("SELECT COUNT(*) FROM traject WHERE einddatum IS NULL")
        ).scalar()
        started_before = conn.execute(
            sa.text(
                "SELECT COUNT(*) FROM traject WHERE startdatum BETWEEN '2024-01-01' AND "
                "'2024-12-31'"
            )
        ).scalar()
        open_issues = conn.execute(
            sa.text(
                "SELECT COUNT(*) FROM knelpunt WHERE status IN "
                "('nieuw', 'in_behandeling', 'geagendeerd', 'besloten')"
            )
        ).scalar()
    assert metrics["Gestarte trajecten"] == aantal(started)
    assert metrics["Actieve trajecten"] == aantal(active)
    assert metrics["Open knelpunten"] == aantal(open_issues)
    assert metrics["Totale SPIC-waarde"].startswith("€ ")
    # ... each beside the same period a year earlier.
    delta = next(m for m in at.metric if m.label == "Gestarte trajecten").proto.delta
    change = started - started_before
    assert delta.startswith(("+" if change > 0 else "-") + aantal(abs(change)))


def test_provider_sees_own_organisation_next_to_region(
    monkeypatch: pytest.MonkeyPatch, demo_engine_sqlite: tuple[sa.Engine, str]
) -> None:
    at = login(new_app(monkeypatch, demo_engine_sqlite[1]), "demo.aanbieder")
    assert [s.value for s in at.header][:2] == ["Uw organisatie", "Regio (geaggregeerd)"]
    assert len(at.metric) == 12


def test_invalid_url_parameters_fall_back_with_a_notice(
    monkeypatch: pytest.MonkeyPatch, demo_engine_sqlite: tuple[sa.Engine, str]
) -> None:
    at = new_app(monkeypatch, demo_engine_sqlite[1])
    at.query_params["segment"] = "Z"
    at.query_params["aanbieder"] = "1"  # provider detail an adviser may not filter on
    at.query_params["van"] = "1999-99-99"
    at = login(at, "demo.adviseur")  # the link is opened first, then the user logs in
    assert not at.exception
    notice = at.sidebar.warning[0].value
    assert "ongeldige of niet toegestane filterwaarde" in notice
    assert "segment" in notice and "aanbieder" in notice and "van" in notice
    assert at.title[0].value == "Overzicht"
    assert "segment" not in at.query_params and "aanbieder" not in at.query_params


def test_a_link_shared_before_login_opens_its_page_with_its_filters(
    monkeypatch: pytest.MonkeyPatch, demo_engine_sqlite: tuple[sa.Engine, str]
) -> None:
    at = new_app(monkeypatch, demo_engine_sqlite[1])
    at.query_params.update({"segment": "C", "gemeente": "GM0479", "van": "2019-01-01"})
    at = login(at, "demo.kerngroep")
    assert at.selectbox(key="segment").value == "C"
    assert at.selectbox(key="gemeente").value == "GM0479"
    assert at.date_input(key="van").value == dt.date(2019, 1, 1)
    # ... and the filters travel along to the next page, and back into its address.
    at.switch_page(str(PAGES_DIR / "uitnutting.py")).run()
    assert at.selectbox(key="segment").value == "C"
    assert at.query_params["segment"] == ["C"] or at.query_params["segment"] == "C"
    at.selectbox(key="segment").set_value("B").run()
    at.switch_page(str(PAGES_DIR / "resultaat.py")).run()
    assert at.selectbox(key="segment").value == "B"
    assert at.selectbox(key="gemeente").value == "GM0479"


def test_session_expires_after_inactivity(
    monkeypatch: pytest.MonkeyPatch, demo_engine_sqlite: tuple[sa.Engine, str]
) -> None:
    engine, url = demo_engine_sqlite
    at = login(new_app(monkeypatch, url), "demo.adviseur")
    assert at.title[0].value == "Overzicht"
    with engine.begin() as conn:  # the server-side session was last used 31 minutes ago
        conn.execute(
            sa.text("UPDATE sessie SET laatst_gebruikt = :t WHERE id = :id"),
            {"t": utcnow() - dt.timedelta(minutes=31), "id": at.session_state["sessie_id"]},
        )
    at.run()
    assert at.title[0].value == "Inloggen bij SPIC-monitor"
    assert "sessie is verlopen" in at.info[0].value


def test_logout_returns_to_login(
    monkeypatch: pytest.MonkeyPatch, demo_engine_sqlite: tuple[sa.Engine, str]
) -> None:
    at = login(new_app(monkeypatch, demo_engine_sqlite[1]), "demo.adviseur")
    at.sidebar.button[0].click().run()
    assert at.title[0].value == "Inloggen bij SPIC-monitor"


def test_unreachable_database_shows_a_dutch_message(monkeypatch: pytest.MonkeyPatch) -> None:
    at = new_app(monkeypatch, "postgresql+psycopg://postgres@127.0.0.1:9/nergens")
    at.run()
    assert not at.exception
    assert "niet bereikbaar" in at.error[0].value
    assert len(at.text_input) == 0


OIDC = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "x" * 32,
    "client_id": "spic-monitor",
    "client_secret": "geheim",
    "server_metadata_url": "https://login.example/.well-known/openid-configuration",
}


def test_oidc_login_maps_email_to_role(
    monkeypatch: pytest.MonkeyPatch, demo_sqlite_rw: tuple[sa.Engine, str]
) -> None:
    engine, url = demo_sqlite_rw
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE gebruiker SET email = 'adviseur@gemeente.example' "
                "WHERE gebruikersnaam = 'demo.adviseur'"
            )
        )
    at = new_app(monkeypatch, url)
    at.secrets["auth"] = OIDC
    at.run()
    assert [b.label for b in at.button] == ["Inloggen met uw organisatie-account"]
    assert len(at.text_input) == 0  # no local password form when SSO is configured
    at.user = {"is_logged_in": True, "email": "Adviseur@Gemeente.example"}
    at.run()
    assert not at.exception and at.title[0].value == "Overzicht"
    assert "Beleidsadviseur (demo)" in at.sidebar.text[0].value


def test_oidc_login_with_unknown_email_is_refused(
    monkeypatch: pytest.MonkeyPatch, demo_engine_sqlite: tuple[sa.Engine, str]
) -> None:
    at = new_app(monkeypatch, demo_engine_sqlite[1])
    at.secrets["auth"] = OIDC
    at.user = {"is_logged_in": True, "email": "onbekend@example.org"}
    at.run()
    assert at.title[0].value == "Inloggen bij SPIC-monitor"
    assert "niet bekend" in at.info[0].value


def test_utilisation_drilldown_lists_the_trajectories_of_the_chosen_spic(
    monkeypatch: pytest.MonkeyPatch, demo_engine_sqlite: tuple[sa.Engine, str]
) -> None:
    engine, url = demo_engine_sqlite
    at = new_app(monkeypatch, url)
    at.query_params["periode"] = "alles"
    at = login(at, "demo.kerngroep")
    at.switch_page(str(PAGES_DIR / "uitnutting.py")).run()
    assert not at.exception
    assert at.title[0].value == "SPIC-uitnutting"
    with engine.connect() as conn:
        spic_id, expected = conn.execute(
            sa.text(
                "SELECT s.id, COUNT(t.id) FROM spic s JOIN traject t ON t.spic_id = s.id "
                "WHERE s.code = 'B-P07-I1' AND t.einddatum IS NOT NULL GROUP BY s.id"
            )
        ).one()
    at.selectbox(key="uitn_spic").set_value(spic_id).run()
    assert not at.exception
    shown = at.dataframe[-1].value
    assert len(shown) == expected
    assert set(shown["SPIC"]) == {"B-P07-I1"}
    assert shown["Tarief (€)"].str.startswith("€ ").all()


def test_a_charts_table_is_sent_only_when_the_user_opens_it(
    monkeypatch: pytest.MonkeyPatch, demo_engine_sqlite: tuple[sa.Engine, str]
) -> None:
    at = login(new_app(monkeypatch, demo_engine_sqlite[1]), "demo.kerngroep")
    at.switch_page(str(PAGES_DIR / "uitnutting.py")).run()
    assert "Tabel: portefeuillebalans" not in [e.label for e in at.expander]  # a closed tab
    at.session_state["uitn_sectie"] = "Per hoofdaannemer"
    at.run()
    assert not at.exception
    assert "Tabel: portefeuillebalans" in [e.label for e in at.expander]
    assert not any("Tekort" in d.value.columns for d in at.dataframe)
    assert "uitn_balans_tabel_csv" not in [b.key for b in at.get("download_button")]

    open_tables(at)
    assert not at.exception
    balance = next(d.value for d in at.dataframe if "Tekort" in d.value.columns)
    summary = next(c.value for c in at.caption if "hoofdaannemers hebben" in c.value)
    assert f"van {len(balance)} hoofdaannemers" in summary  # every one, as the chart says
    assert "uitn_balans_tabel_csv" in [b.key for b in at.get("download_button")]


def test_utilisation_draws_only_the_open_section_and_keeps_its_choices(
    monkeypatch: pytest.MonkeyPatch, demo_engine_sqlite: tuple[sa.Engine, str]
) -> None:
    at = login(new_app(monkeypatch, demo_engine_sqlite[1]), "demo.kerngroep")
    at.switch_page(str(PAGES_DIR / "uitnutting.py")).run()
    assert [t.label for t in at.tabs] == [
        "Per SPIC",
        "Verdeling",
        "Per hoofdaannemer",
        "Per maand",
        "Capaciteitscontracten",
    ]
    assert [c.key for c in at.get("plotly_chart")] == ["uitn_grid_B", "uitn_grid_C"]
    assert "Trajecten achter de selectie" in [h.value for h in at.header]  # below every tab

    at.session_state["uitn_sectie"] = "Per maand"
    at.run()
    assert [c.key for c in at.get("plotly_chart")] == ["uitn_trend"]
    at.toggle(key="vergelijk").set_value(True).run()
    at.session_state["uitn_sectie"] = "Verdeling"
    at.run()
    assert [c.key for c in at.get("plotly_chart")] == ["uitn_histogram"]
    spic = sql_scalar(demo_engine_sqlite[0], "SELECT id FROM spic WHERE code = 'B-P07-I1'")
    at.selectbox(key="uitn_spic").set_value(spic).run()  # a whole run without the toggle
    assert at.dataframe  # the drill-down's trajectories
    at.session_state["uitn_sectie"] = "Per maand"
    at.run()
    assert not at.exception
    assert at.toggle(key="vergelijk").value  # the comparison is still on
    names = {t["name"] for t in json.loads(at.get("plotly_chart")[0].proto.spec)["data"]}
    assert any("vorig jaar" in name for name in names), names


def test_adviser_gets_aggregates_but_no_trajectory_list(
    monkeypatch: pytest.MonkeyPatch, demo_engine_sqlite: tuple[sa.Engine, str]
) -> None:
    at = login(new_app(monkeypatch, demo_engine_sqlite[1]), "demo.adviseur")
    at.switch_page(str(PAGES_DIR / "uitnutting.py")).run()
    assert not at.exception
    assert any("niet beschikbaar voor uw rol" in i.value for i in at.info)
    assert "uitn_spic" not in [s.key for s in at.selectbox]
    at.session_state["uitn_sectie"] = "Per hoofdaannemer"
    open_tables(at.run())
    balance = next(t for t in at.dataframe if "Hoofdaannemer" in t.value.columns).value
    assert balance["Hoofdaannemer"].str.startswith("Aanbieder ").all()  # no names


def test_provider_sees_its_own_dossier_without_choosing(
    monkeypatch: pytest.MonkeyPatch, demo_engine_sqlite: tuple[sa.Engine, str]
) -> None:
    at = login(new_app(monkeypatch, demo_engine_sqlite[1]), "demo.aanbieder")
    at.switch_page(str(PAGES_DIR / "aanbieder.py")).run()
    assert not at.exception
    assert at.header[0].value == "Horizon Jeugd & Gezin"
    assert "dossier" not in [s.key for s in at.selectbox]
    labels = [d.label for d in at.get("download_button")]
    assert "Download het hele dossier (Excel)" in labels
    at.switch_page(str(PAGES_DIR / "uitnutting.py")).run()
    assert not at.exception
    assert at.segmented_control(key="uitn_weergave").value == "Uw organisatie"


def test_contract_manager_chooses_a_provider_from_the_portfolio(
    monkeypatch: pytest.MonkeyPatch, demo_engine_sqlite: tuple[sa.Engine, str]
) -> None:
    engine, url = demo_engine_sqlite
    at = login(new_app(monkeypatch, url), "demo.contractmanager")
    at.switch_page(str(PAGES_DIR / "aanbieder.py")).run()
    assert at.info[0].value.startswith("Kies een aanbieder")
    choice = at.selectbox(key="aanbieder")
    assert choice not in at.sidebar.selectbox  # drawn on the page itself
    with engine.connect() as conn:
        portfolio = conn.execute(
            sa.text(
                "SELECT a.id, a.naam FROM portefeuille p JOIN aanbieder a ON a.id = p.aanbieder_id "
                "JOIN gebruiker g ON g.id = p.gebruiker_id "
                "WHERE g.gebruikersnaam = 'demo.contractmanager'"
            )
        ).all()
    assert sorted(choice.options) == sorted(["Kies een aanbieder", *(n for _, n in portfolio)])
    first_id, first_name = portfolio[0]
    choice.set_value(str(first_id)).run()
    assert not at.exception
    assert at.header[0].value == first_name
    assert {m.label for m in at.metric} >= {"Gestarte trajecten", "Resultaat"}
    assert at.query_params["aanbieder"] in (str(first_id), [str(first_id)])


def _fill_report(at: AppTest, titel: str, omschrijving: str) -> None:
    at.text_input[0].input(titel)
    at.text_area[0].input(omschrijving)
    next(s for s in at.selectbox if s.label == "Categorie").set_value(
        KnelpuntCategorie.CRISISCAPACITEIT
    )
    at.multiselect[0].select("GM0363")


def test_report_form_shows_errors_next_to_fields_and_stores_nothing(
    monkeypatch: pytest.MonkeyPatch, demo_sqlite_rw: tuple[sa.Engine, str]
) -> None:
    engine, url = demo_sqlite_rw
    at = login(new_app(monkeypatch, url), "demo.aanbieder")
    at.switch_page(str(PAGES_DIR / "melden.py")).run()
    before = sql_scalar(engine, "SELECT COUNT(*) FROM knelpunt")
    _fill_report(at, "Kort", "Cliënt met BSN 111222333 wacht op een plek.")
    at.button[0].click().run()  # the form's submit button
    assert not at.exception
    errors = [e.value for e in at.error]
    assert any(e.startswith("De melding is niet verstuurd") for e in errors)
    assert any("te kort" in e for e in errors) and any("burgerservicenummer" in e for e in errors)
    assert sql_scalar(engine, "SELECT COUNT(*) FROM knelpunt") == before


def test_report_form_success_gives_a_reference_and_text_is_shown_inert(
    monkeypatch: pytest.MonkeyPatch, demo_sqlite_rw: tuple[sa.Engine, str]
) -> None:
    engine, url = demo_sqlite_rw
    at = login(new_app(monkeypatch, url), "demo.aanbieder")
    at.switch_page(str(PAGES_DIR / "melden.py")).run()
    payload = "<script>alert(1)</script> **vet** wachtlijst voor de crisisopvang loopt op"
    _fill_report(at, "Crisisopvang <b>vol</b>", payload)
    at.button[0].click().run()
    assert not at.exception
    year = dt.datetime.now(dt.UTC).year
    assert f"KNP-{year}-0001" in at.success[0].value
    stored = sql_scalar(
        engine, "SELECT omschrijving FROM knelpunt WHERE referentie = :r", r=f"KNP-{year}-0001"
    )
    assert stored == payload
    at.switch_page(str(PAGES_DIR / "meldingen.py")).run()
    chooser = next(s for s in at.selectbox if s.label == "Melding bekijken")
    chooser.set_value(int(sql_scalar(engine, "SELECT MAX(id) FROM knelpunt"))).run()
    assert not at.exception
    plain = [t.value for t in at.text]
    assert payload in plain and "Crisisopvang <b>vol</b>" in plain
    markdown = " ".join(m.value for m in at.markdown)
    assert "<script>" not in markdown and "<b>vol</b>" not in markdown


def test_kerngroep_moves_a_report_and_the_provider_sees_it(
    monkeypatch: pytest.MonkeyPatch, demo_sqlite_rw: tuple[sa.Engine, str]
) -> None:
    engine, url = demo_sqlite_rw
    at = login(new_app(monkeypatch, url), "demo.kerngroep")
    at.switch_page(str(PAGES_DIR / "kerngroep.py")).run()
    assert not at.exception
    queue = at.dataframe[0].value
    reference = queue["Referentie"].iloc[0]
    knelpunt_id, status_before = (
        sql_scalar(engine, "SELECT id FROM knelpunt WHERE referentie = :r", r=reference),
        sql_scalar(engine, "SELECT status FROM knelpunt WHERE referentie = :r", r=reference),
    )
    next(s for s in at.selectbox if s.label == "Melding behandelen").set_value(knelpunt_id).run()
    from data_access.register.workflow import kerngroep_steps

    steps = kerngroep_steps(KnelpuntStatus(status_before))  # exactly what the page offers
    target = next(s for s in steps if s != KnelpuntStatus.AANGEHOUDEN)  # no date needed
    next(s for s in at.selectbox if s.label == "Nieuwe status").set_value(target)
    next(t for t in at.text_area if t.label.startswith("Reden")).input("Besproken en opgepakt")
    next(b for b in at.button if b.label == "Status opslaan").click().run()
    assert not at.exception
    assert "Status van" in at.success[0].value
    assert (
        sql_scalar(engine, "SELECT status FROM knelpunt WHERE referentie = :r", r=reference)
        == target.value
    )


def test_segment_page_states_the_computed_headline_and_links_to_the_register(
    monkeypatch: pytest.MonkeyPatch, demo_engine_sqlite: tuple[sa.Engine, str]
) -> None:
    from data_access.filters import Filters
    from data_access.queries.segmenten import segmenten
    from tests.helpers import user_scope

    engine, url = demo_engine_sqlite
    at = new_app(monkeypatch, url)
    at.query_params["periode"] = "alles"
    at = login(at, "demo.kerngroep")
    at.switch_page(str(PAGES_DIR / "segmenten.py")).run()
    at.selectbox(key="segment").set_value("B").run()
    assert not at.exception
    expected = segmenten(
        engine=engine, scope=user_scope(engine, "demo.kerngroep"), filters=Filters(segment="B")
    )
    headline = at.info[0].value
    for kop in expected.koppen:
        assert kop.spic_code in headline
    assert any(e.proto.page == "kerngroep" for e in at.main.get("page_link"))
    # The register opens on the segment the dashboard showed: the filters are shared.
    at.switch_page(str(PAGES_DIR / "kerngroep.py")).run()
    assert at.selectbox(key="segment").value == "B"
    queue = at.dataframe[0].value
    in_b = sql_scalar(
        engine,
        "SELECT COUNT(*) FROM knelpunt WHERE segment = 'B' AND status IN "
        "('nieuw', 'in_behandeling', 'geagendeerd', 'besloten')",
    )
    assert len(queue) == in_b and set(queue["Segment"]) <= {"B"}


def test_segment_page_gives_advisers_no_trajectories(
    monkeypatch: pytest.MonkeyPatch, demo_engine_sqlite: tuple[sa.Engine, str]
) -> None:
    at = login(new_app(monkeypatch, demo_engine_sqlite[1]), "demo.adviseur")
    at.switch_page(str(PAGES_DIR / "segmenten.py")).run()
    assert not at.exception
    assert any("niet beschikbaar voor uw rol" in i.value for i in at.info)
    assert "seg_spic" not in [s.key for s in at.selectbox]
    assert not at.main.get("page_link")  # advisers have no register to link to


def test_what_if_saves_loads_and_compares_scenarios(
    monkeypatch: pytest.MonkeyPatch, demo_sqlite_rw: tuple[sa.Engine, str]
) -> None:
    engine, url = demo_sqlite_rw
    at = login(new_app(monkeypatch, url), "demo.kerngroep")
    at.switch_page(str(PAGES_DIR / "resultaat.py")).run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Volgens scenario"] == metrics["Werkelijk betaald (afronding)"]  # 0% at stake
    at.slider(key="res_deel_None").set_value(40).run()
    next(t for t in at.text_input if t.label.startswith("Naam om")).input("Veertig procent")
    next(b for b in at.button if b.label == "Scenario bewaren").click().run()
    assert not at.exception and "bewaard" in at.success[0].value
    at.slider(key="res_deel_None").set_value(80).run()
    next(t for t in at.text_input if t.label.startswith("Naam om")).input("Tachtig procent")
    next(b for b in at.button if b.label == "Scenario bewaren").click().run()
    at.run()
    ids = {n: i for i, n in sql_frame(engine, "SELECT id, naam FROM betaalscenario").values}
    at.selectbox(key="res_laden").set_value(ids["Veertig procent"]).run()
    assert at.slider(key=f"res_deel_{ids['Veertig procent']}").value == 40
    assert any(s.label == "Scenario A" for s in at.selectbox)  # two saved: comparison shown
    assert not at.exception


def test_advisers_see_results_but_no_what_if(
    monkeypatch: pytest.MonkeyPatch, demo_engine_sqlite: tuple[sa.Engine, str]
) -> None:
    at = login(new_app(monkeypatch, demo_engine_sqlite[1]), "demo.adviseur")
    at.switch_page(str(PAGES_DIR / "resultaat.py")).run()
    assert not at.exception
    assert any("kerngroep en de contractmanagers" in i.value for i in at.info)
    assert len(at.slider) == 0


def test_a_bad_setting_stops_the_app_with_a_dutch_message(
    monkeypatch: pytest.MonkeyPatch, demo_engine_sqlite: tuple[sa.Engine, str]
) -> None:
    monkeypatch.setenv("SPIC_SUPPRESSION_THRESHOLD", "tien")
    at = new_app(monkeypatch, demo_engine_sqlite[1])
    at.run()
    assert not at.exception
    assert "SPIC_SUPPRESSION_THRESHOLD" in at.error[0].value
    assert "geheel getal" in at.error[0].value
    assert len(at.text_input) == 0  # no login form on a misconfigured server


@pytest.mark.parametrize(
    ("params", "notice"),
    [
        ({"van": "2031-01-01"}, "ongeldige of niet toegestane filterwaarde (van)"),
        ({"periode": "volgend-jaar"}, "ongeldige of niet toegestane filterwaarde (periode)"),
        ({"van": "2025-06-01", "tot": "2025-01-01"}, "de begindatum ligt na de einddatum"),
    ],
)
def test_impossible_periods_give_a_dutch_notice_not_an_exception(
    monkeypatch: pytest.MonkeyPatch,
    demo_engine_sqlite: tuple[sa.Engine, str],
    params: dict[str, str],
    notice: str,
) -> None:
    at = new_app(monkeypatch, demo_engine_sqlite[1])
    at.query_params.update(params)
    at = login(at, "demo.adviseur")
    assert not at.exception
    shown = [e.value for e in (*at.sidebar.warning, *at.sidebar.error)]
    assert any(notice in text for text in shown), shown
    for page in ("uitnutting", "segmenten", "resultaat", "onderaanneming"):
        at.switch_page(str(PAGES_DIR / f"{page}.py")).run()
        assert not at.exception, page


def test_a_period_before_the_data_shows_empty_states(
    monkeypatch: pytest.MonkeyPatch, demo_engine_sqlite: tuple[sa.Engine, str]
) -> None:
    monkeypatch.setenv("SPIC_PEILDATUM", "2018-06-30")  # the data then holds half a year
    at = new_app(monkeypatch, demo_engine_sqlite[1])
    at.query_params["periode"] = "vorig-jaar"  # 2017: before the first trajectory
    at = login(at, "demo.kerngroep")
    assert not at.exception
    assert any("zijn geen gegevens" in i.value for i in at.sidebar.info)
    for page in ("overzicht", "uitnutting", "segmenten", "resultaat", "onderaanneming"):
        at.switch_page(str(PAGES_DIR / f"{page}.py")).run()
        assert not at.exception, page


def test_report_history_shows_dutch_dates_and_never_nan(
    monkeypatch: pytest.MonkeyPatch, demo_engine_sqlite: tuple[sa.Engine, str]
) -> None:
    """Regression: 'Van'/'Naar' read 'nan' for events without a value, dates were ISO."""
    at = login(new_app(monkeypatch, demo_engine_sqlite[1]), "demo.aanbieder")
    at.switch_page(str(PAGES_DIR / "meldingen.py")).run()
    first = sql_scalar(
        demo_engine_sqlite[0],
        "SELECT min(k.id) FROM knelpunt k JOIN gebruiker g ON g.aanbieder_id = k.aanbieder_id "
        "WHERE g.gebruikersnaam = 'demo.aanbieder'",
    )
    at.selectbox(key="meldingen_keuze").set_value(first).run()
    histories = [d.value for d in at.dataframe if {"Van", "Naar"} <= set(d.value.columns)]
    assert histories, "the chosen report shows its history"
    history = histories[0]
    shown = history.astype(str)
    assert not shown.isin(["nan", "None", "NaT", "<NA>"]).any().any()
    assert (history["Van"] == "").any()  # an event without a 'from' stays empty
    assert history["Wanneer"].str.fullmatch(r"\d{2}-\d{2}-\d{4}( \d{2}:\d{2})?").all()


def test_weights_of_the_what_if_read_as_dutch_numbers(
    monkeypatch: pytest.MonkeyPatch, demo_engine_sqlite: tuple[sa.Engine, str]
) -> None:
    """Regression: the weight sliders showed '1.00'."""
    at = login(new_app(monkeypatch, demo_engine_sqlite[1]), "demo.kerngroep")
    at.switch_page(str(PAGES_DIR / "resultaat.py")).run()
    sliders = [s for s in at.select_slider if (s.key or "").startswith("res_w")]
    assert len(sliders) == 3
    for slider in sliders:
        assert slider.options == ["0,0", "0,5", "1,0", "1,5", "2,0", "2,5", "3,0"]
        assert "." not in slider.label


def _histogram(at: AppTest) -> tuple[float, str]:
    """The highest bar the distribution draws (its left edge in %) and its summary."""
    at.session_state["uitn_sectie"] = "Verdeling"
    for element in at.run().get("plotly_chart"):
        spec = json.loads(element.proto.spec)
        if spec["layout"].get("barmode") == "group":
            xs = [
                float(x)
                for trace in spec["data"]
                if trace.get("type") == "bar"
                for x in _plotly_values(trace["x"])
            ]
            caption = next(c.value for c in at.caption if "mediane uitnutting" in c.value)
            return max(xs) - 5, caption
    raise AssertionError(
        f"no distribution on the page: {[e.value for e in (*at.info, *at.warning, *at.error)]}"
    )


def _plotly_values(values: object) -> list[float]:
    if isinstance(values, dict):  # a typed array: {"dtype": "f8", "bdata": base64}
        return np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).tolist()
    return list(values)


def test_histogram_summary_mentions_the_last_bar_only_when_it_is_drawn(
    monkeypatch: pytest.MonkeyPatch, demo_sqlite_rw: tuple[sa.Engine, str]
) -> None:
    """Regression: the summary promised a last bar 'vanaf 300%' that was withheld."""
    engine, url = demo_sqlite_rw
    # Six trajectories ended in March 2026 at four times their tariff: the bar 'from 300%'.
    importeer(
        engine,
        uitvoerder=Uitvoerder("test"),
        bestanden=next_year_files(engine, kosten_per_maand="4000,00"),
    )
    q1 = {"van": "2026-01-01", "tot": "2026-03-31"}
    kerngroep = new_app(monkeypatch, url)
    kerngroep.query_params.update(q1)
    kerngroep = login(kerngroep, "demo.kerngroep")
    kerngroep.switch_page(str(PAGES_DIR / "uitnutting.py")).run()
    last_bar, caption = _histogram(kerngroep)
    assert last_bar == 300 and "De laatste staaf telt alles vanaf 300%." in caption
    adviser = new_app(monkeypatch, url)
    # Over fifteen months the other bars hold ten or more trajectories; the six do not.
    adviser.query_params.update({"van": "2025-01-01", "tot": "2026-03-31"})
    adviser = login(adviser, "demo.adviseur")
    adviser.switch_page(str(PAGES_DIR / "uitnutting.py")).run()
    last_bar, caption = _histogram(adviser)  # six is under the threshold: withheld
    assert last_bar < 300 and "300%" not in caption


def test_a_user_changes_the_password_and_logs_in_again_with_it(
    monkeypatch: pytest.MonkeyPatch, demo_sqlite_rw: tuple[sa.Engine, str]
) -> None:
    engine, url = demo_sqlite_rw
    create_user(
        engine,
        Scope.operator(),
        username="p.pietersen",
        display_name="P. Pietersen",
        role=Rol.ADVISEUR,
        password="het-oude-wachtwoord",
    )
    at = login(new_app(monkeypatch, url), "p.pietersen", "het-oude-wachtwoord")
    other_tab = login(new_app(monkeypatch, url), "p.pietersen", "het-oude-wachtwoord")
    at.switch_page(str(PAGES_DIR / "account.py")).run()
    assert at.title[0].value == "Mijn account"
    fields = {t.label: t for t in at.text_input}
    fields["Huidig wachtwoord"].input("het-oude-wachtwoord")
    fields["Nieuw wachtwoord (minstens 12 tekens)"].input("een-nieuw-wachtwoord")
    fields["Herhaal het nieuwe wachtwoord"].input("een-ander-wachtwoord")
    next(b for b in at.button if b.label == "Wachtwoord wijzigen").click().run()
    assert at.error[0].value == "De twee nieuwe wachtwoorden zijn niet gelijk."
    assert at.title[0].value == "Mijn account"  # nothing changed: still logged in

    fields = {t.label: t for t in at.text_input}
    fields["Huidig wachtwoord"].input("het-oude-wachtwoord")
    fields["Nieuw wachtwoord (minstens 12 tekens)"].input("een-nieuw-wachtwoord")
    fields["Herhaal het nieuwe wachtwoord"].input("een-nieuw-wachtwoord")
    next(b for b in at.button if b.label == "Wachtwoord wijzigen").click().run()
    assert at.title[0].value == "Inloggen bij SPIC-monitor"
    assert "Uw wachtwoord is gewijzigd" in at.info[0].value
    other_tab.run()  # the other tab's next click
    assert other_tab.title[0].value == "Inloggen bij SPIC-monitor"
    # Logged in again with the new password, back on the page where the user was.
    assert login(at, "p.pietersen", "een-nieuw-wachtwoord").title[0].value == "Mijn account"


def test_a_demo_account_cannot_change_its_shared_password(
    monkeypatch: pytest.MonkeyPatch, demo_engine_sqlite: tuple[sa.Engine, str]
) -> None:
    at = login(new_app(monkeypatch, demo_engine_sqlite[1]), "demo.aanbieder")
    at.switch_page(str(PAGES_DIR / "account.py")).run()
    assert not at.exception
    assert any("demo-account" in i.value for i in at.info)
    assert not any(b.label == "Wachtwoord wijzigen" for b in at.button)
    table = at.table[0].value
    assert list(table["Waarde"])[2] == "Aanbieder"
    assert "nan" not in table.to_string()


def _a_report(engine: sa.Engine, where: str) -> str:
    return str(
        sql_scalar(
            engine,
            "SELECT k.referentie FROM knelpunt k JOIN aanbieder a ON a.id = k.aanbieder_id "
            f"WHERE {where} ORDER BY k.id LIMIT 1",
        )
    )


def test_a_deep_link_opens_its_report_after_login_even_when_the_filters_hide_it(
    monkeypatch: pytest.MonkeyPatch, demo_sqlite_rw: tuple[sa.Engine, str]
) -> None:
    engine, url = demo_sqlite_rw
    reference = _a_report(engine, "a.naam = 'Horizon Jeugd & Gezin'")
    with engine.begin() as conn:  # closed: the queue's default filter shows open ones only
        conn.execute(
            sa.text("UPDATE knelpunt SET status = 'opgelost' WHERE referentie = :r"),
            {"r": reference},
        )
    at = new_app(monkeypatch, url)
    at.query_params["melding"] = reference
    at = login(at, "demo.kerngroep")
    at.switch_page(str(PAGES_DIR / "kerngroep.py")).run()
    assert not at.exception
    assert at.header[0].value == reference
    assert at.selectbox(key="kg_keuze").value is not None
    assert reference in at.code[0].value and "kerngroep?melding=" in at.code[0].value
    assert at.query_params["melding"] in (reference, [reference])  # the address names it

    # The reporter's own link opens it on Mijn meldingen; another provider's report does not.
    own = new_app(monkeypatch, url)
    own.query_params["melding"] = reference
    own = login(own, "demo.aanbieder")
    own.switch_page(str(PAGES_DIR / "meldingen.py")).run()
    assert own.header[0].value == reference
    stranger = new_app(monkeypatch, url)
    stranger.query_params["melding"] = reference
    stranger = login(stranger, "demo.aanbieder2")
    stranger.switch_page(str(PAGES_DIR / "meldingen.py")).run()
    assert not stranger.exception
    assert any("bestaat niet of u heeft er geen toegang toe" in w.value for w in stranger.warning)
    assert reference not in " ".join(h.value for h in stranger.header)


def test_withdrawing_a_report_asks_for_confirmation_first(
    monkeypatch: pytest.MonkeyPatch, demo_sqlite_rw: tuple[sa.Engine, str]
) -> None:
    engine, url = demo_sqlite_rw
    reference = _a_report(engine, "a.naam = 'Horizon Jeugd & Gezin'")
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE knelpunt SET status = 'nieuw' WHERE referentie = :r"), {"r": reference}
        )
    at = new_app(monkeypatch, url)
    at.query_params["melding"] = reference
    at = login(at, "demo.aanbieder")
    at.switch_page(str(PAGES_DIR / "meldingen.py")).run()
    assert at.header[0].value == reference
    # No button withdraws at once: the one that does sits behind the confirmation.
    assert not any(b.label == "Melding intrekken" for b in at.button)
    confirm = next(b for b in at.button if b.label == "Ja, melding intrekken")
    confirm.click().run()
    assert not at.exception
    status = sql_scalar(engine, "SELECT status FROM knelpunt WHERE referentie = :r", r=reference)
    assert status == "ingetrokken"


def test_the_kerngroep_adds_an_action_and_marks_it_done_on_the_page(
    monkeypatch: pytest.MonkeyPatch, demo_sqlite_rw: tuple[sa.Engine, str]
) -> None:
    engine, url = demo_sqlite_rw
    knelpunt_id = int(sql_scalar(engine, "SELECT MIN(id) FROM knelpunt WHERE status = 'nieuw'"))
    at = login(new_app(monkeypatch, url), "demo.kerngroep")
    at.switch_page(str(PAGES_DIR / "kerngroep.py")).run()
    next(s for s in at.selectbox if s.label == "Melding behandelen").set_value(knelpunt_id).run()
    fields = {t.label: t for t in at.text_input}
    fields["Actie (wat moet er gebeuren)"].input("Wachtlijst opvragen")
    fields["Eigenaar (wie voert de actie uit)"].input("Contractmanager")
    next(b for b in at.button if b.label == "Actie toevoegen").click().run()
    assert not at.exception
    assert at.success[0].value.startswith("Actie bij KNP-")
    shown = next(d.value for d in at.dataframe if "Eigenaar" in d.value.columns)
    assert shown.values.tolist() == [["Wachtlijst opvragen", "Contractmanager", "–", "Open", "–"]]

    next(s for s in at.selectbox if s.label == "Status").set_value(ActieStatus.GEREED)
    next(b for b in at.button if b.label == "Actie opslaan").click().run()
    assert not at.exception
    assert at.success[0].value == "De actie is bijgewerkt."
    assert sql_scalar(engine, "SELECT status FROM actie WHERE knelpunt_id = :k", k=knelpunt_id) == (
        "gereed"
    )


def test_a_user_turns_mail_off_on_the_account_page(
    monkeypatch: pytest.MonkeyPatch, demo_sqlite_rw: tuple[sa.Engine, str]
) -> None:
    engine, url = demo_sqlite_rw
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE gebruiker SET email = 'melder@example.nl' WHERE gebruikersnaam = :n"),
            {"n": "demo.aanbieder"},
        )
    at = login(new_app(monkeypatch, url), "demo.aanbieder")
    at.switch_page(str(PAGES_DIR / "account.py")).run()
    box = next(c for c in at.checkbox if "melder@example.nl" in c.label)
    assert box.value is True
    box.uncheck()
    next(b for b in at.button if b.label == "Opslaan").click().run()
    assert at.success[0].value == "E-mail staat uit."
    assert not sql_scalar(
        engine, "SELECT meldingen_per_mail FROM gebruiker WHERE gebruikersnaam = 'demo.aanbieder'"
    )
