"""Downloads ready for a spreadsheet: CSV and Excel from the tables the pages show.

Pure functions (no Streamlit). A column's kind follows from the formatter the screen uses
for it, so the download says what the screen says: labels instead of codes, 'ja'/'nee'
instead of True/False, euros rounded to cents, percentages and euros as numbers with an Excel
number format, dates as real dates. Every workbook opens with a sheet 'Toelichting' that
names the page, the filters used and the headline figures.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from dashboard.formatting import (
    AMSTERDAM,
    aantal,
    cijfer,
    datum,
    euro_cent,
    euro_kort,
    ja_nee,
    maand,
    percentage,
    procent,
    uren,
)
from data_access.settings import get_settings

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The kind of a column, by the formatter the screen shows it with.
KINDS: dict[Callable[..., str], str] = {
    euro_cent: "euro",
    euro_kort: "euro",
    procent: "pct",
    percentage: "pct",
    aantal: "int",
    datum: "date",
    maand: "month",
    ja_nee: "bool",
    cijfer: "dec",
    uren: "dec",
}
FIGURES = frozenset({"euro", "pct", "int", "dec"})
EXCEL_FORMATS = {
    "euro": '"€" #,##0.00',
    "pct": "0.0%",
    "int": "#,##0",
    "dec": "#,##0.0",
    "date": "dd-mm-yyyy",
    "month": "mm-yyyy",
}


@dataclass(frozen=True)
class Toelichting:
    """What the first sheet of a workbook says about the figures in it."""

    titel: str
    filters: Sequence[tuple[str, str]] = ()  # (filter, value as shown)
    kerncijfers: Sequence[tuple[str, str]] = ()  # (figure, value as shown)
    aangemaakt: dt.datetime = field(default_factory=lambda: dt.datetime.now(AMSTERDAM))


@dataclass(frozen=True)
class Column:
    name: str  # the header
    kind: str  # euro, pct, int, dec, date, month, bool or text
    values: list[object]


def _kind(column: str, formatter: Callable[..., str] | None, values: pd.Series) -> str:
    if formatter is not None:
        return KINDS.get(formatter, "text")
    if column.endswith("_cent"):
        return "euro"
    if values.dtype == bool or str(values.dtype) == "boolean":
        return "bool"
    return "text"


def _value(kind: str, value: object, formatter: Callable[..., str] | None) -> object:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if kind == "euro":
        return round(int(value) / 100, 2)
    if kind == "pct":
        return round(float(value), 4)
    if kind == "int":
        return int(value)
    if kind == "dec":
        return round(float(value), 1)
    if kind in ("date", "month"):
        if isinstance(value, dt.datetime):
            return value.astimezone(AMSTERDAM).date() if value.tzinfo else value.date()
        return value if isinstance(value, dt.date) else pd.Timestamp(value).date()
    if kind == "bool":
        return "ja" if value else "nee"
    if formatter is not None:  # coded values: the label the screen shows
        return formatter(value)
    return str(value)


def columns(
    frame: pd.DataFrame,
    labels: Mapping[str, str],
    formatters: Mapping[str, Callable[..., str]],
) -> list[Column]:
    """The table's columns as typed values, withheld cells empty, with a privacy column."""
    suppressed = frame["onderdrukt"] if "onderdrukt" in frame else pd.Series(False, frame.index)
    out = []
    for column, header in labels.items():
        fmt = formatters.get(column)
        kind = _kind(column, fmt, frame[column])
        # A withheld row keeps what it is about (its labels); its figures stay empty.
        figure = kind in FIGURES
        values = [
            None if hidden and figure else _value(kind, v, fmt)
            for v, hidden in zip(frame[column], suppressed, strict=True)
        ]
        title = header.replace("(€)", "").strip()
        out.append(Column(title + (" (€)" if kind == "euro" else ""), kind, values))
    if suppressed.any():
        # A blank cell must not read as zero: say which rows were withheld and why.
        note = f"ja, minder dan {get_settings().suppression_threshold}"
        out.append(Column("Onderdrukt (privacy)", "text", [note if s else "" for s in suppressed]))
    return out


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _inert(value: object) -> object:
    """Text a user typed never becomes a spreadsheet formula (CSV or formula injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _csv_text(column: Column, value: object) -> object:
    if value is None:
        return ""
    if column.kind == "text":
        return _inert(value)
    if column.kind in ("euro", "pct", "dec"):
        # Half up, as a reader rounds: 0.3215 is 32,2% (binary floats would give 32,1).
        number = Decimal(str(value)) * (100 if column.kind == "pct" else 1)
        places = Decimal("0.01") if column.kind == "euro" else Decimal("0.1")
        return str(number.quantize(places, ROUND_HALF_UP)).replace(".", ",")
    if column.kind == "date":
        return datum(value)
    if column.kind == "month":
        return maand(value)
    return value


def csv_bytes(frame: pd.DataFrame, labels: Mapping[str, str], formatters: Mapping) -> bytes:
    """Semicolons and decimal commas, as Dutch Excel opens a CSV; UTF-8 with a BOM. Numbers
    are written here, not by pandas: a column with withheld (empty) cells is not a float
    column, and pandas would leave its decimal points."""
    cols = columns(frame, labels, formatters)
    data = {
        c.name + (" (%)" if c.kind == "pct" else ""): [_csv_text(c, v) for v in c.values]
        for c in cols
    }
    return pd.DataFrame(data).to_csv(index=False, sep=";", decimal=",").encode("utf-8-sig")


def _toelichting_sheet(book: Workbook, toelichting: Toelichting) -> None:
    sheet = book.active
    sheet.title = "Toelichting"
    bold = Font(bold=True)
    rows: list[tuple[str, str]] = [
        ("SPIC-monitor", toelichting.titel),
        ("Gemaakt op", datum(toelichting.aangemaakt)),
    ]
    sheet.append(rows[0])
    sheet.append(rows[1])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(())
    sheet.append(("Filters",))
    sheet.cell(row=sheet.max_row, column=1).font = bold
    for name, value in toelichting.filters or [("Geen", "alle gegevens")]:
        sheet.append((name, value))
    if toelichting.kerncijfers:
        sheet.append(())
        sheet.append(("Kerncijfers",))
        sheet.cell(row=sheet.max_row, column=1).font = bold
        for name, value in toelichting.kerncijfers:
            sheet.append((name, value))
    sheet.append(())
    threshold = get_settings().suppression_threshold
    privacy = (
        f"Aantallen onder de {threshold} en de bedragen en percentages daarover zijn "
        "weggelaten; de kolom 'Onderdrukt (privacy)' noemt die rijen."
    )
    sheet.append(("Privacy", privacy))
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 80


def _data_sheet(book: Workbook, name: str, cols: list[Column]) -> None:
    sheet = book.create_sheet(name[:31])
    sheet.append([c.name for c in cols])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in zip(*(c.values for c in cols), strict=True):
        sheet.append(list(row))
        for cell, column in zip(sheet[sheet.max_row], cols, strict=True):
            if column.kind == "text" and isinstance(cell.value, str):
                cell.data_type = "s"  # text stays text, also when it starts with an equals sign
    for index, column in enumerate(cols, start=1):
        letter = get_column_letter(index)
        number_format = EXCEL_FORMATS.get(column.kind)
        if number_format:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = number_format
        longest = max([len(column.name), *(len(str(v)) for v in column.values[:200])])
        sheet.column_dimensions[letter].width = min(60, max(10, longest + 2))
    sheet.freeze_panes = "A2"


def excel_bytes(
    sheets: Mapping[str, tuple[pd.DataFrame, Mapping[str, str], Mapping]],
    toelichting: Toelichting,
) -> bytes:
    """One workbook: the explanation first, then a sheet per (frame, labels, formatters)."""
    book = Workbook()
    _toelichting_sheet(book, toelichting)
    for name, (frame, labels, formatters) in sheets.items():
        _data_sheet(book, name, columns(frame, labels, formatters))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def gephi_csv(relaties: pd.DataFrame, weight: str) -> bytes:
    """The relations as an edge list Gephi reads (comma-separated, decimal point): Source,
    Target, Weight, and the contract's terms by their Dutch names; euros rounded to cents."""
    from data_access.labels import FACTURATIE, VORM, label

    euros = (relaties["kosten_cent"].astype("Float64") / 100).round(2)
    edges = pd.DataFrame(
        {
            "Source": relaties["hoofd"],
            "Target": relaties["onder"],
            "Weight": euros if weight == "kosten_cent" else relaties[weight].astype(float).round(1),
            "Vorm": relaties["vorm"].map(lambda v: label(VORM, v)),
            "Facturatie": relaties["facturatie"].map(lambda v: label(FACTURATIE, v)),
            "Vergoeding (euro)": euros,
            "Uren": relaties["uren"].astype(float).round(1),
            "Trajecten": relaties["trajecten"].astype(int),
        }
    )
    return edges.to_csv(index=False).encode("utf-8")
