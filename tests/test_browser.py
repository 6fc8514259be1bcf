"""End-to-end in headless Chromium (Debian's package) against a real `streamlit run`."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from benchmarks.browser import StreamlitServer as Server
from data_access.db import make_engine
from data_access.generator import read_parquet
from data_access.loader import DEMO_DIR
from data_access.sample_knelpunten import DEMO_PASSWORD

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
DASH = [
    "Overzicht",
    "SPIC-uitnutting",
    "Segment B en C",
    "Resultaat en betaling",
    "Onderaanneming",
    "Aanbieder",
]
ROLE_PAGES = {
    "demo.beheerder": [
        *DASH,
        "Knelpunt melden",
        "Kerngroep",
        "Kerngroepoverleg",
        "Trends knelpunten",
        "Gebruikers",
        "Gegevens importeren",
    ],
    "demo.kerngroep": [
        *DASH,
        "Knelpunt melden",
        "Kerngroep",
        "Kerngroepoverleg",
        "Trends knelpunten",
    ],
    "demo.contractmanager": [*DASH, "Knelpunt melden", "Kerngroep", "Trends knelpunten"],
    "demo.adviseur": [*DASH[:-1], "Trends knelpunten"],  # no provider dossier
    "demo.aanbieder": [*DASH, "Knelpunt melden", "Mijn meldingen", "Trends knelpunten"],
}


def _require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    _require_chromium()
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-dev-shm-usage",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """An app on a fresh, empty SQLite database: the first start loads the demo data itself."""
    _require_chromium()
    db = tmp_path_factory.mktemp("browser") / "app.db"
    srv = Server(f"sqlite:///{db}")
    yield srv
    srv.stop()


def wait_for_app(page) -> None:
    page.wait_for_timeout(250)  # let a rerun begin before waiting for it to end
    page.wait_for_selector(
        "[data-testid='stApp'][data-test-script-state='notRunning']", timeout=60_000
    )
    page.wait_for_function("document.querySelectorAll('[data-testid=stSkeleton]').length === 0")


def login(page, server: Server, username: str, path: str = "", heading: str = "Overzicht") -> None:
    page.goto(f"{server.url}/{path}")
    wait_for_app(page)
    page.get_by_label("Gebruikersnaam").fill(username)
    page.get_by_label("Wachtwoord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_role("heading", name=heading).first.wait_for(timeout=60_000)
    wait_for_app(page)


def assert_no_exception(page) -> None:
    assert page.locator("[data-testid='stException']").count() == 0


def test_protected_url_as_first_request_shows_login_and_no_data(
    page,
    tmp_path: Path,
) -> None:
    """The deep link is the very first request this server process ever gets."""
    _require_chromium()
    for path in ("overzicht", "gebruikers"):
        deep = Server(f"sqlite:///{tmp_path / f'{path}.db'}")
        try:
            page.goto(f"{deep.url}/{path}")
            page.get_by_role("heading", name="Inloggen bij SPIC-monitor").wait_for(timeout=90_000)
            wait_for_app(page)
            body = page.inner_text("body")
            assert "Actieve trajecten" not in body and "Gebruiker toevoegen" not in body
            assert page.locator("[data-testid='stMetric']").count() == 0
            assert_no_exception(page)
        finally:
            deep.stop()


@pytest.mark.parametrize("username", list(ROLE_PAGES))
def test_each_role_logs_in_and_opens_every_page(page, server: Server, username: str) -> None:
    login(page, server, username)
    nav = page.locator("[data-testid='stSidebarNav'] a")
    titles = [t.strip().splitlines()[-1] for t in nav.all_inner_texts()]  # after the icon
    expected = ROLE_PAGES[username]
    if len(expected) == 1:
        assert titles == []  # Streamlit hides a navigation of one page
    else:
        assert titles == expected
    for title in titles:
        nav.filter(has_text=title).first.click()
        page.get_by_role("heading", name=title).first.wait_for(timeout=60_000)
        wait_for_app(page)
        assert_no_exception(page)
    assert_no_exception(page)


def test_provider_cannot_reach_another_providers_detail_by_url(
    page,
    server: Server,
) -> None:
    # The server loads the shipped demo data on its first start, so ids come from there.
    aanbieders = read_parquet(DEMO_DIR)["aanbieder"]
    horizon = int(aanbieders.loc[aanbieders["naam"] == "Horizon Jeugd & Gezin", "id"].iloc[0])
    login(page, server, "demo.aanbieder2", path=f"?aanbieder={horizon}")
    body = page.inner_text("body")
    assert "niet toegestane filterwaarde" in body
    assert "Horizon Jeugd & Gezin" not in body
    assert_no_exception(page)


def test_shared_link_survives_login_and_filters_persist_across_pages(page, server: Server) -> None:
    # A colleague's link: a page, a period and a segment, opened by someone not logged in.
    link = "uitnutting?van=2019-01-01&tot=2020-12-31&segment=B"
    login(page, server, "demo.kerngroep", path=link, heading="SPIC-uitnutting")
    assert "/uitnutting" in page.url and "van=2019-01-01" in page.url
    assert "afgesloten tussen 01-01-2019 en 31-12-2020" in page.inner_text("body")
    assert "niet toegestane filterwaarde" not in page.inner_text("body")
    nav = page.locator("[data-testid='stSidebarNav'] a")
    nav.filter(has_text="Overzicht").first.click()
    page.get_by_role("heading", name="Overzicht").first.wait_for()
    wait_for_app(page)
    assert "Periode 01-01-2019 t/m 31-12-2020" in page.inner_text("body")
    page.get_by_role("button", name="Deel deze weergave").click()
    link = page.locator("[data-testid='stCode']").inner_text()
    assert link.startswith(server.url) and "van=2019-01-01" in link
    assert "segment=B" in link
    assert "segment=B" in page.url and "van=2019-01-01" in page.url  # the address, too
    assert_no_exception(page)


def test_utilisation_page_downloads_excel(page, server: Server, tmp_path: Path) -> None:
    login(
        page,
        server,
        "demo.kerngroep",
        path="uitnutting?segment=B",
        heading="SPIC-uitnutting",
    )
    page.get_by_role("heading", name="Uitnutting per profiel en intensiteit").wait_for()
    assert_no_exception(page)
    page.get_by_text("Tabel: uitnutting per SPIC").click()
    with page.expect_download() as info:
        page.get_by_role("button", name="Download als Excel").first.click()
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    assert target.name == "uitnutting_per_spic.xlsx"
    sheet = openpyxl.load_workbook(target).active
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["SPIC", "Profiel", "Intensiteit"]
    codes = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert len(codes) == 44 and all(c.startswith("B-") for c in codes)  # segment B only


def choose(page, label: str, option: str) -> None:
    """Pick an option in a Streamlit selectbox or multiselect by its label."""
    box = page.locator("[data-testid='stSelectbox'], [data-testid='stMultiSelect']").filter(
        has=page.get_by_text(label, exact=True)
    )
    box.locator("input").first.click()
    page.keyboard.type(option[:20])
    page.get_by_role("option", name=option).first.click()


def open_page(page, title: str, heading: str) -> None:
    page.locator("[data-testid='stSidebarNav'] a").filter(has_text=title).first.click()
    page.get_by_role("heading", name=heading).first.wait_for()
    wait_for_app(page)


def test_report_travels_from_provider_to_kerngroep_and_back(browser, server: Server) -> None:
    provider = browser.new_context().new_page()
    login(provider, server, "demo.aanbieder")
    open_page(provider, "Knelpunt melden", "Knelpunt melden")
    provider.get_by_label("Titel", exact=True).fill("Wachtlijst crisisopvang loopt op")
    provider.get_by_role("textbox", name="Omschrijving").fill(
        "Voor jongeren met acute problemen is in de regio al weken geen crisisplek vrij."
    )
    choose(provider, "Categorie", "Crisiscapaciteit")
    choose(provider, "Gemeenten", "Amsterdam")
    provider.keyboard.press("Escape")
    provider.get_by_role("button", name="Melding versturen").click()
    provider.get_by_text("Uw melding is ontvangen onder nummer").wait_for()
    reference = re.search(r"KNP-\d{4}-\d{4}", provider.inner_text("body")).group(0)
    assert_no_exception(provider)

    kerngroep = browser.new_context().new_page()
    login(kerngroep, server, "demo.kerngroep")
    open_page(kerngroep, "Kerngroep", "Kerngroep: knelpuntenregister")
    choose(kerngroep, "Melding behandelen", f"{reference} – Wachtlijst crisisopvang loopt op")
    wait_for_app(kerngroep)
    choose(kerngroep, "Nieuwe status", "In behandeling")
    kerngroep.get_by_role("button", name="Status opslaan").click()
    kerngroep.get_by_text(f"Status van {reference} is nu 'In behandeling'").wait_for()
    assert_no_exception(kerngroep)

    open_page(provider, "Mijn meldingen", "Mijn meldingen")
    choose(provider, "Melding bekijken", f"{reference} – Wachtlijst crisisopvang loopt op")
    wait_for_app(provider)
    status = provider.locator("[data-testid='stMetric']").filter(has_text="Status")
    assert "In behandeling" in status.inner_text()
    assert_no_exception(provider)


def test_segment_page_links_to_the_register_with_the_same_segment(page, server: Server) -> None:
    login(
        page,
        server,
        "demo.kerngroep",
        path="segmenten?segment=B",
        heading="Segment B en C",
    )
    assert "Waar het B-tarief het meest tekortschiet" in page.inner_text("body")
    page.get_by_role("link", name="Open deze meldingen in het register").click()
    page.get_by_role("heading", name="Kerngroep: knelpuntenregister").wait_for()
    wait_for_app(page)
    assert "/kerngroep" in page.url
    engine = make_engine(server.database_url)
    with engine.connect() as conn:
        expected = conn.execute(
            sa.text(
                "SELECT COUNT(*) FROM knelpunt WHERE segment = 'B' AND status IN "
                "('nieuw', 'in_behandeling', 'geagendeerd', 'besloten')"
            )
        ).scalar()
    engine.dispose()
    assert f"{expected} meldingen in deze selectie" in page.inner_text("body")
    assert_no_exception(page)


def test_beheerder_imports_a_file_and_sees_errors_then_the_log(page, server: Server) -> None:
    login(page, server, "demo.beheerder", path="importeren", heading="Gegevens importeren")
    upload = page.locator("[data-testid='stFileUploader'] input[type='file']")
    upload.set_input_files(
        files=[
            {
                "name": "betalingen.csv",
                "mimeType": "text/csv",
                "buffer": b"toewijzingnummer;tranche;bedrag;datum\n"
                b"TW000000002;resultaat;-5,00;15-03-2020\n",
            }
        ]
    )
    page.get_by_role("button", name="Importeren").click()
    page.get_by_text("De import is geweigerd").wait_for(timeout=60_000)
    assert_no_exception(page)
    with page.expect_download() as info:
        page.get_by_role("button", name="Fouten als CSV").click()
    errors = Path(info.value.path()).read_text(encoding="utf-8-sig")
    assert "betalingen.csv;2;bedrag;-5,00;Mag niet negatief zijn." in errors

    # Leaving the page empties the upload list; come back with the corrected file.
    open_page(page, "Gebruikers", "Gebruikers")
    open_page(page, "Gegevens importeren", "Gegevens importeren")
    upload.set_input_files(
        files=[
            {
                "name": "betalingen.csv",
                "mimeType": "text/csv",
                "buffer": b"toewijzingnummer;tranche;bedrag;datum\n"
                b"TW000000002;resultaat;50,00;15-03-2020\n",
            }
        ]
    )
    page.get_by_role("button", name="Importeren").click()
    page.get_by_text("Import voltooid: 1 rijen toegevoegd").wait_for(timeout=60_000)
    wait_for_app(page)
    assert_no_exception(page)
    engine = sa.create_engine(server.database_url)
    with engine.connect() as conn:
        logged = conn.execute(
            sa.text("SELECT uitgevoerd_door, bestandsnaam, nieuw FROM gegevensimport")
        ).all()
    engine.dispose()
    assert [tuple(r) for r in logged] == [("Beheerder (demo)", "betalingen.csv", 1)]


def test_quick_period_last_year_changes_the_address_and_the_figures(
    page, server: Server, browser
) -> None:
    login(page, server, "demo.kerngroep")
    body = page.inner_text("body")
    assert "Periode 01-01-2025 t/m 31-12-2025" in body  # the default: the last 12 months
    assert "Gegevens t/m december 2025" in body  # freshness from the data
    started = page.locator("[data-testid='stMetric']").filter(has_text="Gestarte trajecten")
    before = started.first.inner_text()
    page.locator("[data-testid='stSidebar']").get_by_text("Vorig jaar", exact=True).click()
    wait_for_app(page)
    assert "periode=vorig-jaar" in page.url
    assert "Periode 01-01-2024 t/m 31-12-2024" in page.inner_text("body")
    after = started.first.inner_text()
    assert after != before
    # The address opens the same view in a new session (after a login).
    other = browser.new_page()
    login(other, server, "demo.kerngroep", path="?periode=vorig-jaar")
    assert "Periode 01-01-2024 t/m 31-12-2024" in other.inner_text("body")
    again = other.locator("[data-testid='stMetric']").filter(has_text="Gestarte trajecten")
    assert again.first.inner_text() == after
    assert_no_exception(other)
    other.close()
