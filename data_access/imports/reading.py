"""Read an uploaded CSV or Excel file into text columns, or say in Dutch why it cannot be read.

Everything is read as text: converting is validation's job, so a wrong value can be reported
with the row and the value as the user typed it.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

TOELICHTING_SHEET = "Toelichting"
MAX_BYTES = 200 * 1024 * 1024  # Streamlit's default upload limit; the CLI keeps to it too


class BestandOnleesbaar(ValueError):
    """The file as a whole cannot be read; the message is Dutch and names the file."""


@dataclass(frozen=True)
class Tabel:
    bron: str  # "trajecten.csv" or "export.xlsx › trajecten"
    frame: pd.DataFrame  # text columns, headers normalised; row i is file row i + 2


def normalise_header(name: object) -> str:
    return str(name).strip().lower().replace(" ", "_").replace("-", "_")


def _decode(data: bytes, bron: str) -> str:
    if b"\x00" in data[:65536]:
        raise BestandOnleesbaar(
            f"{bron}: dit is geen tekstbestand (CSV). Sla het bestand op als CSV of Excel (.xlsx)."
        )
    for encoding in ("utf-8-sig", "cp1252"):  # Excel on Dutch Windows saves CSV as cp1252
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise BestandOnleesbaar(f"{bron}: de tekens in het bestand zijn niet te lezen (geen UTF-8).")


def read_csv(data: bytes, bron: str) -> Tabel:
    text = _decode(data, bron)
    first_line = text.split("\n", 1)[0]
    if not first_line.strip():
        raise BestandOnleesbaar(
            f"{bron}: het bestand is leeg; de eerste regel moet de kolomnamen bevatten."
        )
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    names = next(csv.reader([first_line.rstrip("\r")], delimiter=delimiter))
    try:
        table = pa_csv.read_csv(
            io.BytesIO(text.encode("utf-8")),
            read_options=pa_csv.ReadOptions(block_size=16 << 20),
            parse_options=pa_csv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=True
            ),
        )
    except pa.ArrowInvalid as exc:
        detail = str(exc).split("\n", 1)[0]
        raise BestandOnleesbaar(
            f"{bron}: het bestand is geen geldige CSV ({_dutch_csv_error(detail)})."
        ) from exc
    return Tabel(bron, _tidy(table.to_pandas(), bron))


def _dutch_csv_error(detail: str) -> str:
    if "Expected" in detail and "columns" in detail:
        return "niet elke regel heeft evenveel kolommen als de kopregel"
    return detail


def read_xlsx(data: bytes, bron: str) -> list[Tabel]:
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise BestandOnleesbaar(
            f"{bron}: dit is geen Excel-bestand (.xlsx), ook al eindigt de naam op .xlsx. "
            "Sla het bestand in Excel op als 'Excel-werkmap (.xlsx)' of als CSV."
        )
    try:
        sheets = pd.read_excel(
            io.BytesIO(data), sheet_name=None, dtype=str, engine="openpyxl", header=0
        )
    except Exception as exc:  # openpyxl raises many kinds for broken workbooks
        raise BestandOnleesbaar(
            f"{bron}: het Excel-bestand kan niet worden geopend (beschadigd of geen werkmap)."
        ) from exc
    tables = [
        Tabel(f"{bron} › {name}", _tidy(frame, f"{bron} › {name}"))
        for name, frame in sheets.items()
        if name != TOELICHTING_SHEET and not (frame.empty and len(frame.columns) == 0)
    ]
    if not tables:
        raise BestandOnleesbaar(f"{bron}: de werkmap bevat geen gegevens.")
    return tables


def _tidy(frame: pd.DataFrame, bron: str) -> pd.DataFrame:
    frame.columns = [normalise_header(c) for c in frame.columns]
    if any(c.startswith("unnamed:") or not c for c in frame.columns):
        raise BestandOnleesbaar(f"{bron}: een kolom in de kopregel heeft geen naam.")
    duplicates = sorted({c for c in frame.columns if list(frame.columns).count(c) > 1})
    if duplicates:
        raise BestandOnleesbaar(f"{bron}: kolom '{duplicates[0]}' staat twee keer in de kopregel.")
    frame = frame.astype("string")
    for name in frame.columns:
        stripped = frame[name].str.strip()
        # Excel writes whole dates as "2019-03-15 00:00:00"; the time carries no information.
        frame[name] = stripped.str.removesuffix(" 00:00:00").replace("", pd.NA)
    frame = frame.dropna(how="all")  # Excel keeps formatted but empty rows
    return frame


def read_file(name: str, data: bytes) -> list[Tabel]:
    """One table per CSV file, one per sheet of a workbook (except the explanation sheet)."""
    if len(data) > MAX_BYTES:
        raise BestandOnleesbaar(f"{name}: het bestand is groter dan 200 MB.")
    if not data.strip():
        raise BestandOnleesbaar(f"{name}: het bestand is leeg.")
    lower = name.lower()
    if lower.endswith(".xlsx"):
        return read_xlsx(data, name)
    if lower.endswith((".csv", ".txt")):
        return [read_csv(data, name)]
    raise BestandOnleesbaar(
        f"{name}: alleen CSV (.csv) en Excel (.xlsx) kunnen worden ingelezen; "
        "iJw-berichten als .xml."
    )
