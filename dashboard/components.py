"""Reusable page parts: headline tiles, accessible tables with downloads, demo banner."""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping

import pandas as pd
import streamlit as st

from dashboard.formatting import aantal, euro_kort, verandering
from dashboard.navigation import page_for
from data_access.queries.common import Jaarvergelijking
from data_access.queries.overzicht import Kerncijfers
from data_access.settings import get_settings

# Okabe-Ito: distinguishable with the common forms of colour blindness.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
SEGMENT_COLOURS = {"B": "#0072B2", "C": "#E69F00"}
SEGMENT_PATTERNS = {"B": "", "C": "/"}


def link_to_page(key: str, label: str, query_params: dict[str, str] | None = None) -> None:
    """A link to another page of the app (by its page key), with filters in the URL."""
    st.page_link(page_for(key), label=label, query_params=query_params, icon=":material/link:")


def change_text(vergelijking: Jaarvergelijking | None, fmt: Callable[..., str]) -> str | None:
    """The delta of a tile: the change against the same period one year earlier."""
    if vergelijking is None:
        return None
    return verandering(vergelijking.verschil, vergelijking.relatief, fmt)


ACTIVE_HELP = "Trajecten die op de einddatum van de periode lopen."
STARTED_HELP = "Trajecten die in de periode startten."
VALUE_HELP = "Som van de tarieven van de trajecten die in de periode startten."
PAID_HELP = "Start- en afrondingstranches met een betaaldatum in de periode."
DUE_HELP = (
    "Het deel van het tarief van lopende trajecten dat nog niet is betaald (meestal de "
    "afrondingstranche)."
)
VOORLOPIG_NOTE = (
    "Grijs gearceerd en 'voorlopig': maanden waarvan meer dan "
    f"{round(float(get_settings().voorlopig_open_share) * 100)}% van de trajecten die toen "
    "startten nog loopt; die cijfers veranderen nog."
)
YOY_HELP = " Pijl en getal eronder: verschil met dezelfde periode een jaar eerder."


def kerncijfers_tiles(
    cijfers: Kerncijfers, vergelijking: Mapping[str, Jaarvergelijking] | None = None
) -> None:
    """The overview's key figures in a row of tiles, each with its change against a year
    earlier; withheld figures read '<10' and have no change."""
    row = st.container(horizontal=True)
    tiles = (
        ("actieve_trajecten", "Actieve trajecten", aantal, ACTIVE_HELP),
        ("gestarte_trajecten", "Gestarte trajecten", aantal, STARTED_HELP),
        ("spic_waarde_cent", "Totale SPIC-waarde", euro_kort, VALUE_HELP),
        ("betaald_cent", "Betaalde tranches", euro_kort, PAID_HELP),
        ("nog_te_betalen_cent", "Nog te betalen", euro_kort, DUE_HELP),
    )
    for name, title, fmt, help_text in tiles:
        row.metric(
            title,
            fmt(getattr(cijfers, name), suppressed=True),
            delta=change_text((vergelijking or {}).get(name), fmt),
            delta_color="off",
            border=True,
            help=help_text + YOY_HELP,
        )
    row.metric(
        "Open knelpunten",
        aantal(cijfers.open_knelpunten, suppressed=True),
        border=True,
        help="Meldingen in het register die nu nog open zijn.",
    )


def select_from_chart(chart_key: str, target_key: str) -> Callable[[], None]:
    """The on_select of a chart: a clicked element (its customdata[0] is an id) selects the
    same thing as the select box `target_key` beside the chart."""

    def select() -> None:
        points = st.session_state[chart_key].selection.points
        custom = points[0].get("customdata") if points else None
        if custom and int(custom[0]) >= 0:
            st.session_state[target_key] = int(custom[0])

    return select


def demo_banner() -> None:
    st.warning(
        "**Demo-omgeving.** Alle gegevens zijn fictief en er bestaan demo-accounts met een "
        "bekend wachtwoord. Gebruik deze omgeving niet voor echte gegevens.",
        icon=":material/science:",
    )


def display_table(
    frame: pd.DataFrame,
    formatters: Mapping[str, Callable[..., str]],
    labels: Mapping[str, str],
) -> pd.DataFrame:
    """A copy for the screen: Dutch-formatted text per column, suppressed cells as '<10'."""
    shown = pd.DataFrame(index=frame.index)
    suppressed = frame["onderdrukt"] if "onderdrukt" in frame else pd.Series(False, frame.index)
    for column, label in labels.items():
        fmt = formatters.get(column)
        if fmt is None:
            shown[label] = frame[column].astype(str)
        else:
            shown[label] = _formatted(fmt, frame[column], suppressed)
    return shown


def _formatted(fmt: Callable[..., str], values: pd.Series, suppressed: pd.Series) -> list[str]:
    """Each value formatted once: national tables repeat percentages and counts thousands of
    times, and formatting them cell by cell took most of a page's first run."""
    seen: dict[tuple[object, bool], str] = {}
    out = []
    for value, hidden in zip(values, suppressed, strict=True):
        key = (value, bool(hidden))
        text = seen.get(key)
        if text is None:
            text = seen[key] = fmt(value, suppressed=key[1])
        out.append(text)
    return out


def export_frame(frame: pd.DataFrame, labels: Mapping[str, str]) -> pd.DataFrame:
    """The data behind a table for download: raw numbers, euros instead of cents, Dutch headers."""
    out = frame[list(labels)].copy()
    for column in labels:
        if column.endswith("_cent"):
            out[column] = out[column].astype("Float64") / 100
    if "onderdrukt" in frame and frame["onderdrukt"].any():
        # A blank cell must not read as zero: say which rows were withheld and why.
        note = f"ja, minder dan {get_settings().suppression_threshold}"
        out["onderdrukt"] = frame["onderdrukt"].map({True: note, False: ""})
        labels = {**labels, "onderdrukt": "Onderdrukt (privacy)"}
    return out.rename(
        columns={
            c: labels[c].replace("(€)", "").strip() + (" (€)" if c.endswith("_cent") else "")
            for c in labels
        }
    )


def excel_bytes(sheets: Mapping[str, tuple[pd.DataFrame, Mapping[str, str]]]) -> bytes:
    """One workbook, a sheet per (frame, labels) pair; the same export shape as every table."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, (frame, labels) in sheets.items():
            export_frame(frame, labels).to_excel(writer, index=False, sheet_name=name[:31])
    return buffer.getvalue()


XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def table_with_downloads(
    frame: pd.DataFrame,
    *,
    labels: Mapping[str, str],
    formatters: Mapping[str, Callable[..., str]],
    file_stem: str,
    key: str,
) -> None:
    if frame.empty:
        st.info("Geen gegevens voor deze selectie. Pas de filters aan om meer te zien.")
        return
    st.dataframe(display_table(frame, formatters, labels), hide_index=True, width="stretch")
    export = export_frame(frame, labels)
    left, right = st.columns(2)
    left.download_button(
        "Download als CSV",
        # Callables: the file is built when the user clicks, not on every page run.
        data=lambda: export.to_csv(index=False, sep=";", decimal=",").encode("utf-8-sig"),
        file_name=f"{file_stem}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        on_click="ignore",
        icon=":material/download:",
    )
    right.download_button(
        "Download als Excel",
        data=lambda: excel_bytes({file_stem: (frame, labels)}),
        file_name=f"{file_stem}.xlsx",
        mime=XLSX_MIME,
        key=f"{key}_xlsx",
        on_click="ignore",
        icon=":material/download:",
    )
