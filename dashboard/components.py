"""Reusable page parts: headline tiles, accessible tables with downloads, demo banner."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from dashboard.auth import SESSION_USER
from dashboard.db import get_engine
from dashboard.exports import XLSX_MIME, Toelichting, csv_bytes, excel_bytes
from dashboard.formatting import aantal, euro_kort, verandering
from dashboard.navigation import page_for
from dashboard.tables import TRAJECT_FORMAT, TRAJECT_LABELS
from data_access import audit
from data_access.models import AuditActie
from data_access.queries.common import Jaarvergelijking
from data_access.queries.overzicht import Kerncijfers
from data_access.queries.uitnutting import Drilldown
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
        metric(
            row,
            title,
            fmt(getattr(cijfers, name), suppressed=True),
            delta=change_text((vergelijking or {}).get(name), fmt),
            help=help_text + YOY_HELP,
        )
    metric(
        row,
        "Open knelpunten",
        aantal(cijfers.open_knelpunten, suppressed=True),
        help="Meldingen in het register die nu nog open zijn.",
    )


DIALOG_FLAG = "_doorklik_open"  # set by a click on a chart: show its trajectories in a dialog


def select_from_chart(chart_key: str, target_key: str) -> Callable[[], None]:
    """The on_select of a chart: a clicked element (its customdata[0] is an id) selects the
    same thing as the select box `target_key` beside the chart, and opens the drill-down where
    the user is looking (a dialog) instead of at the bottom of a long page."""

    def select() -> None:
        points = st.session_state[chart_key].selection.points
        custom = points[0].get("customdata") if points else None
        if custom and isinstance(custom[0], int | float) and int(custom[0]) >= 0:
            st.session_state[target_key] = int(custom[0])
            st.session_state[DIALOG_FLAG] = target_key

    return select


def drilldown_dialog(
    title: str,
    trajecten: pd.DataFrame,
    *,
    note: str,
    labels: Mapping[str, str],
    formatters: Mapping[str, Callable[..., str]],
    file_stem: str,
    key: str,
) -> None:
    """The trajectories behind a clicked cell or bar, in a dialog named after the selection,
    with a way back; only right after a click on a chart."""
    if st.session_state.get(DIALOG_FLAG) is None:
        return

    def close() -> None:
        st.session_state.pop(DIALOG_FLAG, None)

    @st.dialog(title, width="large", on_dismiss=close)
    def show() -> None:
        st.caption(note)
        table_with_downloads(
            trajecten,
            labels=labels,
            formatters=formatters,
            file_stem=file_stem,
            key=f"{key}_dialoog",
        )
        if st.button("Terug naar de pagina", icon=":material/arrow_back:", key=f"{key}_terug"):
            close()
            st.rerun()

    show()


def trajecten_drilldown(drill: Drilldown, *, file_stem: str, key: str) -> None:
    """The trajectories of a selection: in a dialog right after a click on a chart, and as a
    table with downloads at the foot of the page."""
    limited = drill.totaal > len(drill.trajecten)
    drilldown_dialog(
        f"Trajecten: {drill.naam}",
        drill.trajecten,
        note=f"{aantal(drill.totaal)} afgesloten {'traject' if drill.totaal == 1 else 'trajecten'} "
        "in de periode"
        + (" van aanbieders waarvan u de gegevens mag inzien" if drill.beperkt_tot_eigen else "")
        + (f"; de {aantal(len(drill.trajecten))} met de hoogste uitnutting" if limited else "")
        + ". Dezelfde lijst staat onderaan de pagina.",
        labels=TRAJECT_LABELS,
        formatters=TRAJECT_FORMAT,
        file_stem=file_stem,
        key=key,
    )
    if drill.beperkt_tot_eigen:
        st.caption("U ziet alleen trajecten van aanbieders waarvan u de gegevens mag inzien.")
    if limited:
        st.caption(
            f"De {aantal(len(drill.trajecten))} trajecten met de hoogste uitnutting van "
            f"{aantal(drill.totaal)}; de download bevat dezelfde selectie."
        )
    table_with_downloads(
        drill.trajecten,
        labels=TRAJECT_LABELS,
        formatters=TRAJECT_FORMAT,
        file_stem=file_stem,
        key=key,
    )


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
    suppressed = frame["onderdrukt"] if "onderdrukt" in frame else pd.Series(False, frame.index)
    # Built in one go: inserting column by column copied the frame at every column, a tenth
    # of a page's server time under load.
    columns = {
        label: (
            frame[column].astype(str)
            if (fmt := formatters.get(column)) is None
            else _formatted(fmt, frame[column].tolist(), suppressed.tolist())
        )
        for column, label in labels.items()
    }
    return pd.DataFrame(columns, index=frame.index)


def _formatted(fmt: Callable[..., str], values: list[object], suppressed: list[bool]) -> list[str]:
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


_CONTEXT = "_export_toelichting"


def start_export_context(title: str, filters: Sequence[tuple[str, str]]) -> None:
    """What this page's downloads say on their first sheet: the page and its filters; the
    headline figures are added as `metric` draws them."""
    st.session_state[_CONTEXT] = {"titel": title, "filters": list(filters), "kerncijfers": []}


def toelichting() -> Toelichting:
    context = st.session_state.get(_CONTEXT) or {"titel": "SPIC-monitor"}
    return Toelichting(
        titel=str(context["titel"]),
        filters=tuple(context.get("filters", ())),
        kerncijfers=tuple(context.get("kerncijfers", ())),
    )


def metric(
    container: object,
    label: str,
    value: str,
    *,
    delta: str | None = None,
    help: str | None = None,
    **kwargs: object,
) -> None:
    """A headline tile, also noted for the first sheet of the page's downloads."""
    container.metric(  # type: ignore[attr-defined]
        label, value, delta=delta, delta_color="off", border=True, help=help, **kwargs
    )
    context = st.session_state.get(_CONTEXT)
    if context is not None:
        context["kerncijfers"].append(
            (label, value + (f" ({delta} ten opzichte van een jaar eerder)" if delta else ""))
        )


_SEEN = "_audit_gezien"


def _audit_filters() -> str:
    about = toelichting()
    return "; ".join([about.titel, *(f"{name}: {value}" for name, value in about.filters)])


def record_view(actie: AuditActie, onderwerp: str) -> None:
    """An audit row for something opened (a provider's dossier), once per session, subject and
    filters: every click reruns the page, and a rerun is not a new view."""
    filters = _audit_filters()
    seen = st.session_state.setdefault(_SEEN, set())
    if (actie, onderwerp, filters) in seen:
        return
    audit.record(
        get_engine(),
        gebruiker_id=st.session_state.get(SESSION_USER),
        actie=actie,
        onderwerp=onderwerp,
        filters=filters,
    )
    seen.add((actie, onderwerp, filters))


def download(
    container: DeltaGenerator,
    label: str,
    *,
    data: bytes | Callable[[], bytes],
    file_name: str,
    mime: str,
    key: str | None = None,
    icon: str = ":material/download:",
    primary: bool = False,
) -> None:
    """Every download of the app: built when the user clicks (a callable is not run on every
    page run), and recorded in the audit trail with the page and its filters at that moment."""
    engine = get_engine()
    user_id = st.session_state.get(SESSION_USER)
    filters = _audit_filters()

    def build() -> bytes:
        content = data() if callable(data) else data
        audit.record(
            engine,
            gebruiker_id=user_id,
            actie=AuditActie.DOWNLOAD,
            onderwerp=file_name,
            filters=filters,
        )
        return content

    container.download_button(
        label,
        data=build,
        file_name=file_name,
        mime=mime,
        key=key,
        on_click="ignore",
        icon=icon,
        type="primary" if primary else "secondary",
    )


def open_section(labels: Sequence[str], *, key: str) -> tuple[str, DeltaGenerator]:
    """Tabs of which only the open one is drawn (a click on another reruns the page): the
    chosen label and the tab to draw it in."""
    tabs = st.tabs(list(labels), key=key, on_change="rerun")
    for label, tab in zip(labels, tabs, strict=True):
        if tab.open:
            return label, tab
    return labels[0], tabs[0]


TABLE_OPEN_SUFFIX = "_open"


def table_on_request(
    title: str,
    frame: pd.DataFrame,
    *,
    labels: Mapping[str, str],
    formatters: Mapping[str, Callable[..., str]],
    file_stem: str,
    key: str,
) -> None:
    """A chart's table behind an expander that is only filled once opened. At national scale
    the tables of every provider were most of what a chart page sent and the browser drew on
    each visit; the chart's one-line summary stays beside it as its text alternative."""
    section = st.expander(title, key=key + TABLE_OPEN_SUFFIX, on_change="rerun")
    if section.open:
        with section:
            table_with_downloads(
                frame, labels=labels, formatters=formatters, file_stem=file_stem, key=key
            )


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
    about = toelichting()
    left, right = st.columns(2)
    download(
        left,
        "Download als CSV",
        data=lambda: csv_bytes(frame, labels, formatters),
        file_name=f"{file_stem}.csv",
        mime="text/csv",
        key=f"{key}_csv",
    )
    download(
        right,
        "Download als Excel",
        data=lambda: excel_bytes({file_stem: (frame, labels, formatters)}, about),
        file_name=f"{file_stem}.xlsx",
        mime=XLSX_MIME,
        key=f"{key}_xlsx",
    )
