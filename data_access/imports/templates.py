"""Downloadable templates (header + example row) and exports in exactly the template's form.

An export of the database can be imported again unchanged: that is how the templates are
tested, and how a region moves its data between installations.
"""

from __future__ import annotations

import io

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from data_access.imports.reading import TOELICHTING_SHEET
from data_access.imports.spec import TYPES, Soort

CSV_SEPARATOR = ";"

# The template columns of each kind, selected from the database with natural keys.
_EXPORT_SQL: dict[str, str] = {
    "productcodes": """
        SELECT p.productcategorie, p.productcode, s.code AS spic
        FROM productkoppeling p JOIN spic s ON s.id = p.spic_id
        ORDER BY p.productcategorie, p.productcode""",
    "tarieven": """
        SELECT s.code AS spic, st.jaar, st.tarief_cent AS tarief
        FROM spictarief st JOIN spic s ON s.id = st.spic_id ORDER BY s.code, st.jaar""",
    "onderaannemingen": """
        SELECT COALESCE(h.agb_code, h.naam) AS hoofdaannemer,
               COALESCE(a.agb_code, a.naam) AS onderaannemer, o.vorm, o.facturatie,
               o.startdatum, o.einddatum, o.uren_per_week, o.fte, o.uurtarief_cent AS uurtarief
        FROM onderaanneming o
        JOIN aanbieder h ON h.id = o.hoofdaannemer_id
        JOIN aanbieder a ON a.id = o.onderaannemer_id ORDER BY o.id""",
    "trajecten": """
        SELECT t.toewijzingnummer, t.client_pseudo AS client_pseudoniem,
               t.gemeente_code AS gemeente, COALESCE(h.agb_code, h.naam) AS hoofdaannemer,
               s.code AS spic, t.startdatum, t.geplande_einddatum, t.einddatum,
               t.reden_beeindiging, v.toewijzingnummer AS vorig_toewijzingnummer,
               t.tarief_cent AS tarief
        FROM traject t
        JOIN aanbieder h ON h.id = t.hoofdaannemer_id
        JOIN spic s ON s.id = t.spic_id
        LEFT JOIN traject v ON v.id = t.vorig_traject_id ORDER BY t.id""",
    "inzet": """
        SELECT t.toewijzingnummer, COALESCE(a.agb_code, a.naam) AS aanbieder, i.maand,
               i.uren, i.kosten_cent AS kosten
        FROM inzet i JOIN traject t ON t.id = i.traject_id
        JOIN aanbieder a ON a.id = i.aanbieder_id ORDER BY i.id""",
    "betalingen": """
        SELECT t.toewijzingnummer, b.tranche, b.bedrag_cent AS bedrag, b.datum
        FROM betaling b JOIN traject t ON t.id = b.traject_id ORDER BY b.id""",
    "uitkomsten": """
        SELECT t.toewijzingnummer, u.ervaring_score AS ervaringsscore, u.doelrealisatie,
               u.uitval
        FROM uitkomst u JOIN traject t ON t.id = u.traject_id ORDER BY u.traject_id""",
}


def _text_value(value: object, kind: str) -> str:
    """One cell as the template expects it: Dutch dates and decimal commas."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[arg-type]
        return ""
    if kind == "bedrag":
        cents = int(value)  # type: ignore[call-overload]
        sign = "-" if cents < 0 else ""
        return f"{sign}{abs(cents) // 100},{abs(cents) % 100:02d}"
    if kind in ("datum", "maand"):
        date = pd.Timestamp(value)  # type: ignore[arg-type]
        return f"{date:%m-%Y}" if kind == "maand" else f"{date:%d-%m-%Y}"
    if kind == "getal":
        text = format(float(value), "f").rstrip("0").rstrip(".")  # type: ignore[arg-type]
        return text.replace(".", ",")
    if kind == "ja_nee":
        return "ja" if bool(value) and value not in ("0", "false") else "nee"
    return str(value)


def export_frame(engine: Engine, *, soort: Soort) -> pd.DataFrame:
    """The table's rows as text in the template's columns."""
    with engine.connect() as conn:
        result = conn.execute(sa.text(_EXPORT_SQL[soort.key]))
        raw = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    out = pd.DataFrame(index=raw.index)
    for kolom in soort.kolommen:
        out[kolom.naam] = [_text_value(v, kolom.type) for v in raw[kolom.naam]]
    return out


def example_frame(soort: Soort) -> pd.DataFrame:
    return pd.DataFrame([[k.voorbeeld for k in soort.kolommen]], columns=list(soort.namen))


def explanation(soort: Soort) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Kolom": [k.naam for k in soort.kolommen],
            "Verplicht": ["ja" if k.verplicht else "nee" for k in soort.kolommen],
            "Type": [
                TYPES[k.type] + (f": {', '.join(k.keuzes)}" if k.keuzes else "")
                for k in soort.kolommen
            ],
            "Uitleg": [k.uitleg for k in soort.kolommen],
        }
    )


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """Semicolon-separated UTF-8 with a byte order mark, as Dutch Excel opens it."""
    return frame.to_csv(index=False, sep=CSV_SEPARATOR).encode("utf-8-sig")


def xlsx_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name[:31], index=False)
            sheet = writer.sheets[name[:31]]
            for cells in sheet.iter_rows(min_row=2):
                for cell in cells:
                    cell.number_format = "@"  # text, so codes like 0363 keep their zeros
    return buffer.getvalue()


def template(soort: Soort, fmt: str) -> bytes:
    """An empty template with one example row (`fmt` is 'csv' or 'xlsx')."""
    if fmt == "csv":
        return csv_bytes(example_frame(soort))
    return xlsx_bytes({soort.key: example_frame(soort), TOELICHTING_SHEET: explanation(soort)})


def export(engine: Engine, *, soort: Soort, fmt: str) -> bytes:
    frame = export_frame(engine, soort=soort)
    if fmt == "csv":
        return csv_bytes(frame)
    return xlsx_bytes({soort.key: frame, TOELICHTING_SHEET: explanation(soort)})
