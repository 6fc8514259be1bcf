"""Downloads ready for a spreadsheet, and the provider dossier as a PDF."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from dashboard.exports import Toelichting, csv_bytes, excel_bytes, gephi_csv
from dashboard.formatting import aantal, datum, euro_cent, ja_nee, procent
from dashboard.report import PdfNietGemaakt, dossier_html, dossier_pdf
from data_access.filters import Filters
from data_access.labels import CATEGORIE, label
from data_access.queries.aanbieder import AanbiederKeuze, aanbieder
from data_access.settings import SettingsError, get_settings
from tests.helpers import user_scope


def categorie(code: str) -> str:
    return label(CATEGORIE, code)


FRAME = pd.DataFrame(
    {
        "categorie": ["tarief_financiering", "b_aanbod_past_niet"],
        "bedrag_cent": [1_900_584, 12],
        "aandeel": [0.32151446616185164, None],
        "residentieel": [True, False],
        "datum": [dt.date(2026, 11, 23), pd.Timestamp("2026-01-05 23:30", tz="UTC")],
        "trajecten": [12, 4],
        "titel": ['=HYPERLINK("http://x")', "gewone tekst"],
        "onderdrukt": [False, True],
    }
)
LABELS = {
    "categorie": "Categorie",
    "bedrag_cent": "Bedrag (€)",
    "aandeel": "Aandeel",
    "residentieel": "Met verblijf",
    "datum": "Datum",
    "trajecten": "Trajecten",
    "titel": "Titel",
}
FORMATS = {
    "categorie": categorie,
    "bedrag_cent": euro_cent,
    "aandeel": procent,
    "residentieel": ja_nee,
    "datum": datum,
    "trajecten": aantal,
}


def test_csv_has_labels_dutch_numbers_and_no_raw_values() -> None:
    text = csv_bytes(FRAME, LABELS, FORMATS).decode("utf-8-sig")
    header, first, second = text.strip().splitlines()
    assert header == (
        "Categorie;Bedrag (€);Aandeel (%);Met verblijf;Datum;Trajecten;Titel;Onderdrukt (privacy)"
    )
    assert first.split(";")[:6] == [
        categorie("tarief_financiering"),
        "19005,84",  # rounded to cents, decimal comma
        "32,2",  # a percentage, under a header saying so
        "ja",
        "23-11-2026",
        "12",
    ]
    # A formula typed by a user stays text; quoting keeps the semicolon-free value intact.
    assert first.split(";")[6].lstrip('"').startswith("'=HYPERLINK")
    # Withheld row: what it is about stays, its figures are blank, and a column says why
    # (never a zero). A moment is a day in Amsterdam: 23:30 UTC on the 5th is the 6th.
    cells = second.split(";")
    assert cells[:6] == [categorie("b_aanbod_past_niet"), "", "", "nee", "06-01-2026", ""]
    assert cells[-1].startswith("ja, minder dan")
    assert not re.search(r"b_aanbod_past_niet|\bTrue\b|\bnan\b", text)


def test_excel_opens_with_explanation_number_formats_and_real_dates() -> None:
    about = Toelichting(
        titel="Segment B en C",
        filters=[("Segment", "B – enkelvoudig"), ("Periode", "01-01-2025 t/m 31-12-2025")],
        kerncijfers=[("Aandeel B", "38%")],
    )
    book = openpyxl.load_workbook(
        io.BytesIO(excel_bytes({"knelpunten": (FRAME, LABELS, FORMATS)}, about))
    )
    assert book.sheetnames == ["Toelichting", "knelpunten"]
    explanation = {r[0]: r[1] for r in book["Toelichting"].iter_rows(values_only=True) if r[0]}
    assert explanation["SPIC-monitor"] == "Segment B en C"
    assert explanation["Segment"] == "B – enkelvoudig" and explanation["Aandeel B"] == "38%"
    assert "Privacy" in explanation
    sheet = book["knelpunten"]
    assert [c.value for c in sheet[1]][:3] == ["Categorie", "Bedrag (€)", "Aandeel"]
    row = {sheet.cell(1, i).value: sheet.cell(2, i) for i in range(1, sheet.max_column + 1)}
    assert row["Categorie"].value == categorie("tarief_financiering")
    assert row["Bedrag (€)"].value == 19005.84 and "€" in row["Bedrag (€)"].number_format
    assert row["Aandeel"].value == 0.3215 and row["Aandeel"].number_format == "0.0%"
    assert row["Met verblijf"].value == "ja"
    assert row["Datum"].value == dt.datetime(2026, 11, 23)  # a date, not text
    assert row["Datum"].number_format == "dd-mm-yyyy"
    assert row["Titel"].value.startswith("'=") or row["Titel"].data_type == "s"
    second = {sheet.cell(1, i).value: sheet.cell(3, i).value for i in range(1, 8)}
    assert second["Bedrag (€)"] is None and second["Trajecten"] is None  # withheld
    assert second["Datum"] == dt.datetime(2026, 1, 6)  # 23:30 UTC on the 5th, in Amsterdam


def test_gephi_edges_round_to_cents_and_name_the_contract() -> None:
    relaties = pd.DataFrame(
        {
            "hoofd": ["A"],
            "onder": ["B"],
            "vorm": ["per_jeugdige"],
            "facturatie": ["per_doel"],
            "kosten_cent": [1_900_584.0000000007],
            "uren": [12.3456],
            "trajecten": [3],
        }
    )
    edges = pd.read_csv(io.BytesIO(gephi_csv(relaties, "kosten_cent")))
    assert list(edges.columns[:3]) == ["Source", "Target", "Weight"]
    assert edges.loc[0, "Weight"] == 19005.84 and edges.loc[0, "Uren"] == 12.3
    assert "_" not in edges.loc[0, "Vorm"] and "_" not in edges.loc[0, "Facturatie"]


@pytest.fixture
def horizon_dossier(demo_engine: sa.Engine):
    scope = user_scope(demo_engine, "demo.aanbieder")
    filters = Filters(van=dt.date(2025, 1, 1), tot=dt.date(2025, 12, 31))
    view = aanbieder(engine=demo_engine, scope=scope, filters=filters, choice=AanbiederKeuze())
    assert view.dossier is not None
    return view


def test_dossier_html_holds_the_headlines_the_grid_and_the_regional_comparison(
    horizon_dossier,
) -> None:
    page = dossier_html(
        horizon_dossier.dossier,
        filters=[("Periode", "01-01-2025 t/m 31-12-2025")],
        vergelijking=horizon_dossier.vergelijking,
    )
    for heading in (
        "Aanbiederdossier Horizon Jeugd &amp; Gezin",  # escaped
        "Kerncijfers",
        "Eigen aandeel in de zorg",
        "Ten opzichte van een jaar eerder",
        "Uitnutting per profiel en intensiteit",
        "Uitkomsten tegenover de regio",
        "Uitnutting per SPIC",
    ):
        assert heading in page
    assert "plotly" in page.lower()  # the grid, drawn offline (plotly.js inlined)
    assert "<script src=" not in page


def test_dossier_escapes_names_from_the_data(horizon_dossier) -> None:
    dossier = horizon_dossier.dossier
    dossier.aanbieder["naam"] = "<img src=x onerror=alert(1)>"
    page = dossier_html(dossier, filters=[], vergelijking=None)
    assert "<img src=x" not in page and "&lt;img src=x" in page


def _require_chromium() -> None:
    if get_settings().chromium is None:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("Chromium not found (apt-get install chromium)")
        pytest.skip("Chromium not found")


def test_dossier_pdf_opens_and_reads_like_the_dossier(horizon_dossier) -> None:
    _require_chromium()
    pdf = dossier_pdf(
        horizon_dossier.dossier,
        filters=[("Periode", "01-01-2025 t/m 31-12-2025")],
        vergelijking=horizon_dossier.vergelijking,
    )
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Aanbiederdossier Horizon Jeugd & Gezin" in text
    assert "Uitkomsten tegenover de regio" in text and "P01 Ontwikkelingsproblematiek" in text
    assert "€" in text and "nan" not in text


def test_a_wrong_chromium_path_is_refused_in_dutch(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SPIC_CHROMIUM_PATH", str(tmp_path / "geen-chromium"))
    with pytest.raises(SettingsError, match="SPIC_CHROMIUM_PATH"):
        get_settings()


def test_without_chromium_the_pdf_says_what_to_do(
    monkeypatch: pytest.MonkeyPatch, horizon_dossier
) -> None:
    monkeypatch.setattr(type(get_settings()), "chromium", property(lambda self: None))
    with pytest.raises(PdfNietGemaakt, match="Chromium ontbreekt"):
        dossier_pdf(horizon_dossier.dossier, filters=[], vergelijking=None)
