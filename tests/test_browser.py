"""End-to-end in headless Chromium (Debian's package) against a real `streamlit run`."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from benchmarks.servers import StreamlitServer as Server
from data_access.access import Scope
from data_access.db import make_engine
from data_access.generator import read_parquet
from data_access.loader import DEMO_DIR
from data_access.models import Rol
from data_access.sample_knelpunten import DEMO_PASSWORD
from data_access.users import create_user, set_active

pytestmark = pytest.mark.browser
# The app's own navigation: page links in the sidebar (dashboard/app.py).
NAV = "[data-testid='stSidebar'] a[data-testid='stPageLink-NavLink']"
AXE = Path(
    os.environ.get("AXE_CORE_PATH")
    or Path(__file__).resolve().parent.parent / ".axe/node_modules/axe-core/axe.min.js"
)
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
        "Auditlog",
        "Mijn account",
    ],
    "demo.kerngroep": [
        *DASH,
        "Knelpunt melden",
        "Kerngroep",
        "Kerngroepoverleg",
        "Trends knelpunten",
        "Mijn account",
    ],
    "demo.contractmanager": [
        *DASH,
        "Knelpunt melden",
        "Kerngroep",
        "Trends knelpunten",
        "Mijn account",
    ],
    "demo.adviseur": [*DASH[:-1], "Trends knelpunten", "Mijn account"],  # no provider dossier
    "demo.aanbieder": [
        *DASH,
        "Knelpunt melden",
        "Mijn meldingen",
        "Trends knelpunten",
        "Mijn account",
    ],
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


def axe_problems(page) -> list[str]:
    """Serious and critical WCAG 2.1 A/AA violations that axe-core finds on the page."""
    if not AXE.exists():
        message = f"axe-core not found at {AXE} (scripts/test.sh installs it with npm)"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """() => axe.run(document, {runOnly: {type: 'tag',
              values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"""
    )
    return [
        f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("username", list(ROLE_PAGES))
def test_each_role_opens_every_page_and_each_passes_axe(
    page, server: Server, username: str
) -> None:
    """Every page of every role, with axe-core 4.14 in the browser: no serious or critical
    violation of WCAG 2.1 AA."""
    login(page, server, username)
    nav = page.locator(NAV)
    titles = [t.strip().splitlines()[-1] for t in nav.all_inner_texts()]  # after the icon
    assert titles == ROLE_PAGES[username]
    problems = {}
    for title in titles:
        nav.filter(has_text=title).first.click()
        page.get_by_role("heading", name=title).first.wait_for(timeout=60_000)
        wait_for_app(page)
        for _ in each_tab(page):
            assert_no_exception(page)
            found = axe_problems(page)
            if found:
                problems.setdefault(title, []).extend(found)
    assert problems == {}


def test_the_login_page_and_the_report_form_pass_axe(page, server: Server) -> None:
    page.goto(server.url)
    wait_for_app(page)
    assert axe_problems(page) == []
    login(page, server, "demo.aanbieder")
    page.locator(NAV).filter(has_text="Knelpunt melden").first.click()
    page.get_by_role("heading", name="Knelpunt melden").first.wait_for(timeout=60_000)
    wait_for_app(page)
    assert axe_problems(page) == []


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
    nav = page.locator(NAV)
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


RAW_VALUES = {"True", "False", "nan", "NaN", "None", "NaT", "<NA>"}
SNAKE_CODE = re.compile(r"^[a-z]+(?:_[a-z0-9]+)+$")  # b_aanbod_past_niet, in_behandeling
LONG_DECIMAL = re.compile(r"\d[.,]\d{5,}")  # 0,32151446616185164 or 19005.840000000007
POINT_DECIMAL = re.compile(r"^-?\d+\.\d+$")  # 19005.84 as text: Dutch Excel reads a date


def _value_problem(value: object, decimal_point: bool = False) -> str | None:
    if isinstance(value, float) and value != round(value, 4):
        return f"unrounded number {value!r}"
    if isinstance(value, str):
        text = value.strip()
        if (
            text in RAW_VALUES
            or SNAKE_CODE.match(text)
            or LONG_DECIMAL.search(text)
            or (POINT_DECIMAL.match(text) and not decimal_point)
        ):
            return f"raw value {text!r}"
    return None


def download_problems(path: Path) -> list[str]:
    """Why a downloaded file would not do in a spreadsheet or a tariff talk (empty: fine)."""
    found: list[str] = []
    if path.suffix == ".xlsx":
        book = openpyxl.load_workbook(path)
        if book.sheetnames[0] != "Toelichting":
            found.append(f"first sheet is {book.sheetnames[0]!r}")
        for sheet in book.worksheets[1:]:
            header = [c.value for c in sheet[1]]
            found += [f"header {h!r}" for h in header if not h or "_" in str(h)]
            for row in sheet.iter_rows(min_row=2):
                for cell in row:
                    if (problem := _value_problem(cell.value)) is not None:
                        found.append(f"{sheet.title}!{cell.coordinate}: {problem}")
                    if isinstance(cell.value, (int, float)) and cell.number_format == "General":
                        found.append(f"{sheet.title}!{cell.coordinate}: no number format")
    elif path.suffix == ".csv":
        frame = pd.read_csv(
            path, sep=None, engine="python", dtype=str, keep_default_na=False, encoding="utf-8-sig"
        )
        found += [f"header {h!r}" for h in frame.columns if SNAKE_CODE.match(h)]
        gephi = "gephi" in path.name  # Gephi reads commas between fields, points in numbers
        for value in frame.stack():
            if (problem := _value_problem(value, decimal_point=gephi)) is not None:
                found.append(problem)
    elif path.suffix == ".pdf":
        text = "\n".join(p.extract_text() for p in PdfReader(path).pages)
        found += [f"raw value {w!r}" for w in re.findall(r"\b[a-z]+_[a-z_]+\b|\bnan\b", text)]
    else:
        found.append(f"unexpected file type {path.suffix}")
    return [f"{path.name}: {p}" for p in found[:5]]


def click_and_wait_for(page, target, drawn) -> None:
    """Click something whose content only a run of the page draws (a tab, a table opened on
    request), and wait until it is drawn and the run has finished. Not a pause, and not the
    run's state: a fast run can start and end between two frames of the browser."""
    target.click()
    drawn.first.wait_for(timeout=60_000)
    wait_for_app(page)


def each_tab(page) -> Iterator[None]:
    """The page as it is, then with each other tab open (a click reruns the page)."""
    yield
    tabs = page.get_by_role("tab")
    for index in range(1, tabs.count()):
        # Every section of a page begins with its header.
        click_and_wait_for(page, tabs.nth(index), page.locator("[role=tabpanel]:not([hidden]) h2"))
        yield


def download_everything(page, target: Path) -> list[Path]:
    """In every tab, open every table and click each of its download buttons."""
    files: list[Path] = []
    for _ in each_tab(page):
        sections = page.locator("[data-testid='stExpander'] details")
        for index in range(sections.count()):
            section = sections.nth(index)
            if section.get_attribute("open") is not None:
                continue
            filled = section.locator("[data-testid='stDownloadButton'], [data-testid='stAlert']")
            if filled.count():  # an expander that holds its content while closed
                section.locator("summary").click()
                continue
            # A chart's table is filled by the run its opening starts.
            click_and_wait_for(page, section.locator("summary"), filled)
        buttons = page.locator("[data-testid='stDownloadButton'] button")
        for index in range(buttons.count()):
            download = click_download(page, buttons.nth(index))
            path = target / f"{len(files):02d}_{download.suggested_filename}"
            download.save_as(path)
            files.append(path)
    return files


def click_download(page, button):
    """Click a download button and return its download. If nothing comes within 20 s, click
    once more, as a user would: in CI about one run in ten lost one click on SPIC-uitnutting,
    after its tables had been opened (not explained yet; see the note of 01-12-2026)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    wait_for_app(page)
    try:
        with page.expect_download(timeout=20_000) as info:
            button.click()
    except PlaywrightTimeout:
        wait_for_app(page)
        with page.expect_download(timeout=60_000) as info:
            button.click()
    return info.value


def test_every_download_opens_and_holds_labels_not_codes(
    browser, server: Server, tmp_path: Path
) -> None:
    files: dict[str, list[Path]] = {}
    page = browser.new_context(accept_downloads=True).new_page()
    login(page, server, "demo.kerngroep", path="uitnutting?segment=B", heading="SPIC-uitnutting")
    files["SPIC-uitnutting"] = download_everything(page, tmp_path)
    for title, heading in [
        ("Overzicht", "Overzicht"),
        ("Segment B en C", "Segment B en C"),
        ("Resultaat en betaling", "Resultaat en betaling"),
        ("Onderaanneming", "Onderaanneming"),
        ("Kerngroep", "Kerngroep: knelpuntenregister"),
        ("Trends knelpunten", "Trends knelpunten"),
    ]:
        open_page(page, title, heading)
        files[title] = download_everything(page, tmp_path)
    provider = browser.new_context(accept_downloads=True).new_page()
    login(provider, server, "demo.aanbieder", path="aanbieder", heading="Aanbiederdossier")
    files["Aanbieder"] = download_everything(provider, tmp_path)

    assert {title: len(found) for title, found in files.items() if len(found) < 2} == {
        "Kerngroep": 1  # the register export
    }
    problems = [p for found in files.values() for path in found for p in download_problems(path)]
    assert problems == []

    # The specific promises: the page's filters and labels travel into the file.
    workbook = openpyxl.load_workbook(
        next(p for p in files["SPIC-uitnutting"] if p.name.endswith("uitnutting_per_spic.xlsx"))
    )
    about = {r[0]: r[1] for r in workbook["Toelichting"].iter_rows(values_only=True) if r}
    assert about["Segment"] == "B – enkelvoudig"
    sheet = workbook.worksheets[1]
    assert [c.value for c in sheet[1]][:3] == ["SPIC", "Profiel", "Intensiteit"]
    codes = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert len(codes) == 44 and all(c.startswith("B-") for c in codes)  # segment B only
    register = openpyxl.load_workbook(files["Kerngroep"][0]).worksheets[1]
    assert "Omschrijving" in [c.value for c in register[1]]
    gephi = next(p for p in files["Onderaanneming"] if "gephi" in p.name)
    assert list(pd.read_csv(gephi).columns[:3]) == ["Source", "Target", "Weight"]
    pdf = next(p for p in files["Aanbieder"] if p.suffix == ".pdf")
    text = "\n".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert "Horizon Jeugd & Gezin" in text and "Uitnutting" in text

    # Every file and the dossier view are in the audit trail: who, what, page and filters.
    engine = make_engine(server.database_url)
    try:
        trail = pd.read_sql(
            "SELECT gebruikersnaam, actie, onderwerp, filters FROM auditregel", engine
        )
    finally:
        engine.dispose()
    downloads = trail[trail["actie"] == "download"]
    for title, found in files.items():
        user = "demo.aanbieder" if title == "Aanbieder" else "demo.kerngroep"
        names = set(downloads.loc[downloads["gebruikersnaam"] == user, "onderwerp"])
        assert {path.name[3:] for path in found} <= names, title
    uitnutting = downloads[downloads["onderwerp"] == "uitnutting_per_spic.xlsx"]
    assert uitnutting["filters"].str.contains("Segment: B – enkelvoudig").any()
    register = downloads[downloads["onderwerp"].str.startswith("knelpuntenregister_")]
    assert len(register) and register["filters"].str.startswith("Knelpuntenregister").all()
    seen = trail[
        (trail["actie"] == "dossier_bekeken") & (trail["gebruikersnaam"] == "demo.aanbieder")
    ]
    assert seen["onderwerp"].str.contains("aanbieder").any()


def choose(page, label: str, option: str) -> None:
    """Pick an option in a Streamlit selectbox or multiselect by its label."""
    box = page.locator("[data-testid='stSelectbox'], [data-testid='stMultiSelect']").filter(
        has=page.get_by_text(label, exact=True)
    )
    box.locator("input").first.click()
    page.keyboard.type(option[:20])
    page.get_by_role("option", name=option).first.click()


def open_page(page, title: str, heading: str) -> None:
    page.locator(NAV).filter(has_text=title).first.click()
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


def test_a_provider_asks_to_reopen_and_the_kerngroep_accepts_with_a_public_reason(
    browser, server: Server
) -> None:
    provider = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
    login(provider, server, "demo.aanbieder")  # the first start loads the demo data
    engine = make_engine(server.database_url)
    with engine.begin() as conn:  # one of Horizon's reports, resolved yesterday
        knelpunt_id, reference, title = conn.execute(
            sa.text(
                "SELECT k.id, k.referentie, k.titel FROM knelpunt k JOIN aanbieder a "
                "ON a.id = k.aanbieder_id WHERE a.naam = 'Horizon Jeugd & Gezin' "
                "AND k.soort = 'knelpunt' ORDER BY k.id LIMIT 1"
            )
        ).one()
        conn.execute(
            sa.text("UPDATE knelpunt SET status = 'opgelost' WHERE id = :i"), {"i": knelpunt_id}
        )
        conn.execute(
            sa.text(
                "INSERT INTO knelpuntgebeurtenis (knelpunt_id, tijdstip, gebruiker_id, soort, "
                "van, naar, tekst, intern) SELECT :i, :t, id, 'status', 'besloten', 'opgelost', "
                "'Opgelost in het overleg', FALSE FROM gebruiker WHERE gebruikersnaam = "
                "'demo.kerngroep'"
            ),
            {"i": knelpunt_id, "t": dt.datetime.now(dt.UTC) - dt.timedelta(days=1)},
        )
    engine.dispose()
    option = f"{reference} – {title}"
    open_page(provider, "Mijn meldingen", "Mijn meldingen")
    choose(provider, "Melding bekijken", option)
    wait_for_app(provider)
    provider.get_by_label("Waarom opnieuw openen").fill(
        "Sinds het besluit heeft nog geen enkele B-aanbieder een hoofdaannemer gevonden."
    )
    provider.get_by_role("button", name="Verzoek tot heropenen versturen").click()
    provider.get_by_text(f"Uw verzoek om {reference} te heropenen is bij de kerngroep.").wait_for()
    assert_no_exception(provider)

    kerngroep = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
    login(kerngroep, server, "demo.kerngroep")
    open_page(kerngroep, "Kerngroep", "Kerngroep: knelpuntenregister")
    choose(kerngroep, "Melding behandelen", option)
    wait_for_app(kerngroep)
    status = kerngroep.locator("[data-testid='stMetric']").filter(has_text="Status")
    assert "Verzoek tot heropenen" in status.inner_text()
    choose(kerngroep, "Nieuwe status", "Heropend")
    kerngroep.get_by_label("Reden, vraag of toelichting (openbaar: de melder leest mee)").fill(
        "Terecht: we pakken dit opnieuw op in het volgende overleg."
    )
    kerngroep.get_by_role("button", name="Status opslaan").click()
    kerngroep.get_by_text(f"Status van {reference} is nu 'Heropend'").wait_for()
    assert_no_exception(kerngroep)

    provider.bring_to_front()
    open_page(provider, "Trends knelpunten", "Trends knelpunten")
    open_page(provider, "Mijn meldingen", "Mijn meldingen")
    choose(provider, "Melding bekijken", option)
    wait_for_app(provider)
    status = provider.locator("[data-testid='stMetric']").filter(has_text="Status")
    assert "Heropend" in status.inner_text()
    body = provider.inner_text("body")
    assert "Terecht: we pakken dit opnieuw op in het volgende overleg." in body
    assert "Verzoek tot heropenen versturen" not in body  # reopened: nothing to ask any more
    assert_no_exception(provider)


def test_a_decision_is_recorded_with_its_actions(browser, server: Server) -> None:
    kerngroep = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
    login(kerngroep, server, "demo.kerngroep")
    open_page(kerngroep, "Kerngroepoverleg", "Kerngroepoverleg")
    form = (
        kerngroep.locator("[data-testid='stForm']")
        .filter(has=kerngroep.get_by_role("button", name="Besluit vastleggen"))
        .first
    )
    form.get_by_role("textbox", name="Besluit").fill("De regio zoekt een tussenoplossing.")
    form.get_by_role("textbox", name="Actie 1 (wat)").fill("Offerte opvragen bij twee aanbieders")
    form.get_by_role("textbox", name="Eigenaar 1 (wie)").fill("Contractmanager")
    form.get_by_role("button", name="Besluit vastleggen").click()
    kerngroep.get_by_text("is vastgelegd").first.wait_for(timeout=30_000)
    assert_no_exception(kerngroep)
    engine = make_engine(server.database_url)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT a.omschrijving, a.eigenaar, a.status, p.besluit FROM actie a "
                "JOIN agendapunt p ON p.id = a.agendapunt_id WHERE a.omschrijving LIKE 'Offerte%'"
            )
        ).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [
        (
            "Offerte opvragen bij twee aanbieders",
            "Contractmanager",
            "open",
            "De regio zoekt een tussenoplossing.",
        )
    ]
    body = kerngroep.inner_text("body")
    assert "Offerte opvragen bij twee aanbieders — Contractmanager (open)" in body


def test_a_shared_link_to_a_report_opens_it_after_login(browser, server: Server) -> None:
    warm = browser.new_context().new_page()
    login(warm, server, "demo.kerngroep")  # the first start loads the demo data
    engine = make_engine(server.database_url)
    with engine.connect() as conn:
        reference = conn.execute(
            sa.text("SELECT referentie FROM knelpunt ORDER BY id DESC LIMIT 1")
        ).scalar_one()
    engine.dispose()
    page = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
    login(
        page,
        server,
        "demo.contractmanager",
        path=f"kerngroep?melding={reference}",
        heading="Kerngroep: knelpuntenregister",
    )
    page.get_by_role("heading", name=reference).wait_for()
    assert f"melding={reference}" in page.url
    assert f"/kerngroep?melding={reference}" in page.inner_text("body")  # the link to share
    assert_no_exception(page)


def test_similar_reports_appear_while_a_report_is_being_written(page, server: Server) -> None:
    login(page, server, "demo.kerngroep", path="melden", heading="Knelpunt melden")
    assert page.get_by_text("Lijkt uw melding op een van deze?").count() == 0
    page.get_by_label("Titel", exact=True).fill("Geen hoofdaannemer voor B-cliënten")
    page.keyboard.press("Tab")  # leaving the field sends it, as a user moves on to the next
    page.get_by_text("Lijkt uw melding op een van deze?").wait_for(timeout=30_000)
    wait_for_app(page)
    grid = page.locator("[data-testid='stDataFrame']").first
    grid.wait_for()
    assert_no_exception(page)
    page.get_by_label("Titel", exact=True).fill("Parkeerplaatsen bij het stadhuis")
    page.keyboard.press("Tab")
    page.get_by_text("Lijkt uw melding op een van deze?").wait_for(state="detached")


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


BOXES = """(p, sel) => [...p.querySelectorAll(sel)]
    .filter(e => e.textContent.trim())
    .map(e => { const r = e.getBoundingClientRect();
                return [e.textContent, r.left, r.top, r.right, r.bottom]; })"""


def text_boxes(plot, selector: str) -> list[tuple[str, float, float, float, float]]:
    """The non-empty SVG texts under `selector` in one plot, with their boxes on the screen."""
    return [tuple(b) for b in plot.evaluate(BOXES, selector)]


def overlapping(boxes: list[tuple[str, float, float, float, float]]) -> list[tuple[str, str]]:
    return [
        (a[0], b[0])
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if a[1] < b[3] and b[1] < a[3] and a[2] < b[4] and b[2] < a[4]
    ]


def outside(boxes: list, plot: dict) -> list[str]:
    """Labels cut off by the edge of their plot area."""
    left, top = plot["x"], plot["y"]
    right, bottom = left + plot["width"], top + plot["height"]
    return [
        b[0]
        for b in boxes
        if b[1] < left - 1 or b[3] > right + 1 or b[2] < top - 1 or b[4] > bottom + 1
    ]


@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080)], ids=["1280", "1920"])
def test_heatmap_and_network_labels_do_not_overlap(
    browser, server: Server, size: tuple[int, int]
) -> None:
    page = browser.new_context(viewport={"width": size[0], "height": size[1]}).new_page()
    login(page, server, "demo.kerngroep", path="uitnutting", heading="SPIC-uitnutting")
    for segment in range(2):
        plot = page.locator(".js-plotly-plot").nth(segment)
        plot.scroll_into_view_if_needed()
        labels = text_boxes(plot, ".heatmap-label text")
        assert len(labels) == 44  # 11 profiles x 4 intensities, each cell its label
        assert overlapping(labels) == []
        assert outside(labels, plot.locator(".nsewdrag").bounding_box()) == []

    open_page(page, "Onderaanneming", "Onderaanneming")
    network = page.locator(".js-plotly-plot").first
    network.locator(".textpoint text").first.wait_for()
    names = text_boxes(network, ".textpoint text")
    assert len(names) >= 10  # a readable picture still names most of what it shows
    assert overlapping(names) == []
    assert outside(names, network.locator(".nsewdrag").bounding_box()) == []


def test_a_click_on_a_heatmap_cell_opens_its_trajectories_where_the_user_looks(
    page, server: Server
) -> None:
    login(page, server, "demo.kerngroep", path="uitnutting?segment=B", heading="SPIC-uitnutting")
    grid = page.locator(".js-plotly-plot").first
    grid.scroll_into_view_if_needed()
    cell = grid.locator(".heatmap-label text").first  # P01, Perspectief: B-P01-I1
    box = cell.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    dialog = page.get_by_role("dialog")
    dialog.wait_for(timeout=60_000)
    wait_for_app(page)
    assert "Trajecten: B-P01-I1" in dialog.inner_text()
    assert dialog.locator("[data-testid='stDataFrame']").count() == 1
    dialog.get_by_role("button", name="Terug naar de pagina").click()
    dialog.wait_for(state="hidden")
    wait_for_app(page)
    assert grid.is_visible()  # back where the user was, not at the top or bottom
    assert_no_exception(page)


LOGIN_HEADING = "Inloggen bij SPIC-monitor"


def session_cookie(page) -> dict:
    """The login's cookie, once the logged-in page has fetched it."""
    for _ in range(50):
        cookies = [c for c in page.context.cookies() if c["name"] == "spic_sessie"]
        if cookies:
            return cookies[0]
        page.wait_for_timeout(100)
    raise AssertionError("the session cookie was never set")


def test_a_reload_and_a_deep_link_in_a_new_tab_keep_the_login_and_the_filters(
    page, server: Server
) -> None:
    link = "uitnutting?van=2019-01-01&tot=2020-12-31&segment=B"
    login(page, server, "demo.kerngroep", path=link, heading="SPIC-uitnutting")
    cookie = session_cookie(page)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert page.evaluate("document.cookie").find("spic_sessie") == -1  # not readable by scripts

    page.reload()
    page.get_by_role("heading", name="SPIC-uitnutting").first.wait_for(timeout=60_000)
    wait_for_app(page)
    assert "afgesloten tussen 01-01-2019 en 31-12-2020" in page.inner_text("body")
    assert "Kerngroeplid (demo)" in page.locator("[data-testid='stSidebar']").inner_text()

    tab = page.context.new_page()
    tab.goto(f"{server.url}/overzicht?van=2019-01-01&tot=2020-12-31")
    tab.get_by_role("heading", name="Overzicht").first.wait_for(timeout=60_000)
    wait_for_app(tab)
    assert "Periode 01-01-2019 t/m 31-12-2020" in tab.inner_text("body")
    assert tab.get_by_label("Gebruikersnaam").count() == 0
    # The developer chrome is gone: no Deploy, no menu with Rerun or Clear cache.
    assert tab.locator("[data-testid='stToolbar'], [data-testid='stMainMenu']").count() == 0
    assert_no_exception(tab)
    assert cookie["value"] not in server.output()  # never in the server's log


def _refusals(server: Server, username: str) -> list[str]:
    engine = sa.create_engine(server.database_url)
    try:
        with engine.connect() as conn:
            return list(
                conn.execute(
                    sa.text(
                        "SELECT onderwerp FROM auditregel WHERE actie = 'sessie_geweigerd' "
                        "AND gebruikersnaam = :naam ORDER BY id"
                    ),
                    {"naam": username},
                ).scalars()
            )
    finally:
        engine.dispose()


def test_a_replayed_cookie_after_logout_is_refused_and_audited(page, server: Server) -> None:
    before = _refusals(server, "demo.adviseur")
    login(page, server, "demo.adviseur")
    token = session_cookie(page)["value"]
    page.reload()  # this tab now runs on the cookie
    page.get_by_role("heading", name="Overzicht").first.wait_for(timeout=60_000)
    wait_for_app(page)
    page.get_by_role("button", name="Uitloggen").click()
    page.get_by_role("heading", name=LOGIN_HEADING).wait_for()
    wait_for_app(page)

    replay = page.context.browser.new_context()
    replay.add_cookies([{"name": "spic_sessie", "value": token, "url": server.url}])
    stolen = replay.new_page()
    stolen.goto(f"{server.url}/overzicht")
    stolen.get_by_role("heading", name=LOGIN_HEADING).wait_for(timeout=60_000)
    assert stolen.locator("[data-testid='stMetric']").count() == 0
    # One refusal, for the replay; the logout in the first tab wrote none.
    assert _refusals(server, "demo.adviseur") == [
        *before,
        "sessie geweigerd: sessie beëindigd (uitgelogd of wachtwoord gewijzigd)",
    ]
    assert token not in server.output()
    replay.close()


def test_logout_in_one_tab_ends_the_other(page, server: Server) -> None:
    login(page, server, "demo.contractmanager")
    session_cookie(page)
    other = page.context.new_page()
    other.goto(f"{server.url}/segmenten")
    other.get_by_role("heading", name="Segment B en C").first.wait_for(timeout=60_000)
    wait_for_app(other)

    page.get_by_role("button", name="Uitloggen").click()
    page.get_by_role("heading", name=LOGIN_HEADING).wait_for()

    other.locator(NAV).filter(has_text="Overzicht").first.click()
    other.get_by_role("heading", name=LOGIN_HEADING).wait_for(timeout=60_000)
    assert "U bent uitgelogd." in other.inner_text("body")
    assert other.locator("[data-testid='stMetric']").count() == 0
    # The old cookie, replayed by a reload, opens nothing either.
    other.reload()
    other.get_by_role("heading", name=LOGIN_HEADING).wait_for(timeout=60_000)


def test_a_deactivated_users_open_tab_lands_on_the_login_page_at_the_next_click(
    page, server: Server
) -> None:
    engine = make_engine(server.database_url)
    try:
        create_user(
            engine,
            Scope.operator(),
            username="tijdelijk.adviseur",
            display_name="Tijdelijk",
            role=Rol.ADVISEUR,
            password=DEMO_PASSWORD,
        )
        login(page, server, "tijdelijk.adviseur")
        session_cookie(page)
        set_active(engine, Scope.operator(), username="tijdelijk.adviseur", active=False)
    finally:
        engine.dispose()
    page.locator(NAV).filter(has_text="SPIC-uitnutting").first.click()
    page.get_by_role("heading", name=LOGIN_HEADING).wait_for(timeout=60_000)
    assert "Uw account is gedeactiveerd." in page.inner_text("body")
    page.reload()  # the cookie of a deactivated account opens nothing
    page.get_by_role("heading", name=LOGIN_HEADING).wait_for(timeout=60_000)
    assert page.locator("[data-testid='stMetric']").count() == 0
