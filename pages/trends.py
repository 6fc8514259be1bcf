"""Trends knelpunten: what is reported, by category, segment and month, and how fast it moves."""

import plotly.graph_objects as go
import streamlit as st

from dashboard.auth import require_page
from dashboard.components import PALETTE, table_with_downloads
from dashboard.db import get_engine
from dashboard.filters import SEGMENT_LABELS
from dashboard.formatting import PLOTLY_SEPARATORS, aantal, cijfer
from dashboard.tables import (
    KNELPUNTEN_PER_CATEGORIE_FORMAT,
    KNELPUNTEN_PER_CATEGORIE_LABELS,
    KNELPUNTEN_PER_MAAND_FORMAT,
    KNELPUNTEN_PER_MAAND_LABELS,
    coded,
)
from data_access.labels import CATEGORIE, label
from data_access.models import Segment
from data_access.queries.knelpunt_trends import trends

engine = get_engine()
identity, scope = require_page(engine, "trends")

st.title("Trends knelpunten")
segment = st.segmented_control(
    "Segment",
    list(SEGMENT_LABELS),
    format_func=SEGMENT_LABELS.get,
    key="trends_segment",
    bind="query-params",
)
data = trends(engine, scope, Segment(segment) if segment else None)  # live: the register
st.caption(
    f"Meldingen in het register: {aantal(data.totaal, suppressed=True)}, waarvan "
    f"{aantal(data.open, suppressed=True)} open. '<10' betekent minder dan 10 (privacy)."
)


st.header("Meldingen per maand en categorie")
per_maand = data.per_maand.dropna(subset=["meldingen"])
if per_maand.empty:
    st.info("Geen meldingen (of te weinig om te tonen) in deze selectie.")
else:
    fig = go.Figure()
    patterns = ["", "/", "\\", "x", "-", "|", "+", ".", ""]
    for n, (cat, group) in enumerate(per_maand.groupby("categorie")):
        fig.add_bar(
            x=group["maand"],
            y=group["meldingen"],
            name=label(CATEGORIE, cat),
            marker={"color": PALETTE[n % len(PALETTE)], "pattern": {"shape": patterns[n % 9]}},
        )
    fig.update_layout(
        barmode="stack",
        separators=PLOTLY_SEPARATORS,
        height=360,
        margin={"t": 10},
        legend={"orientation": "h", "y": -0.3},
    )
    fig.update_yaxes(title="Meldingen")
    st.plotly_chart(fig, width="stretch", key="trends_maand")
    busiest = per_maand.groupby("maand")["meldingen"].sum().idxmax()
    st.caption(
        f"Samenvatting: de meeste meldingen kwamen in {busiest}. De tabel hieronder bevat "
        "dezelfde cijfers."
    )
table_with_downloads(
    data.per_maand,
    labels=KNELPUNTEN_PER_MAAND_LABELS,
    formatters=KNELPUNTEN_PER_MAAND_FORMAT,
    file_stem="knelpunten_per_maand",
    key="trends_maand_tabel",
)

st.header("Open en afgesloten per categorie en segment")
table_with_downloads(
    data.per_categorie,
    labels=KNELPUNTEN_PER_CATEGORIE_LABELS,
    formatters=KNELPUNTEN_PER_CATEGORIE_FORMAT,
    file_stem="knelpunten_per_categorie",
    key="trends_categorie",
)

st.header("Doorlooptijd tot besluit")
st.caption("Mediaan aantal dagen van melding tot het eerste besluit van de kerngroep.")
table_with_downloads(
    data.doorlooptijd,
    labels={"categorie": "Categorie", "besloten": "Besloten", "mediaan_dagen": "Mediaan (dagen)"},
    formatters={"categorie": coded(CATEGORIE), "besloten": aantal, "mediaan_dagen": cijfer},
    file_stem="knelpunten_doorlooptijd",
    key="trends_doorlooptijd",
)
