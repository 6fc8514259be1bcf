"""Trends knelpunten: what is reported, by category, segment and month, and how fast it moves."""

import streamlit as st

from dashboard import charts
from dashboard.auth import guard
from dashboard.components import (
    start_export_context,
    table_with_downloads,
)
from dashboard.db import load_view
from dashboard.filters import describe, filter_bar
from dashboard.formatting import aantal, cijfer, suppression_note
from dashboard.tables import (
    KNELPUNTEN_PER_CATEGORIE_FORMAT,
    KNELPUNTEN_PER_CATEGORIE_LABELS,
    KNELPUNTEN_PER_MAAND_FORMAT,
    KNELPUNTEN_PER_MAAND_LABELS,
    OP_TIJD_FORMAT,
    OP_TIJD_LABELS,
    coded,
)
from data_access.labels import CATEGORIE
from data_access.queries.trends import TrendsKeuze, trends

identity, scope = guard("trends")
filters = filter_bar(scope, fields=("segment",))
view = load_view(trends, scope=scope, filters=filters, choice=TrendsKeuze())

st.title("Trends knelpunten")
start_export_context("Trends knelpunten", describe(scope, filters))
st.caption(
    f"Meldingen in het register: {aantal(view.totaal, suppressed=True)}, waarvan "
    f"{aantal(view.open, suppressed=True)} open. {suppression_note('meldingen')}"
)

st.header("Meldingen per maand en categorie")
if view.drukste_maand is None:
    st.info("Geen meldingen (of te weinig om te tonen) in deze selectie.")
else:
    st.plotly_chart(charts.reports_per_month(view.per_maand), width="stretch", key="trends_maand")
    st.caption(
        f"Samenvatting: de meeste meldingen kwamen in {view.drukste_maand}. De tabel hieronder "
        "bevat dezelfde cijfers."
    )
table_with_downloads(
    view.per_maand,
    labels=KNELPUNTEN_PER_MAAND_LABELS,
    formatters=KNELPUNTEN_PER_MAAND_FORMAT,
    file_stem="knelpunten_per_maand",
    key="trends_maand_tabel",
)

st.header("Open en afgesloten per categorie en segment")
table_with_downloads(
    view.per_categorie,
    labels=KNELPUNTEN_PER_CATEGORIE_LABELS,
    formatters=KNELPUNTEN_PER_CATEGORIE_FORMAT,
    file_stem="knelpunten_per_categorie",
    key="trends_categorie",
)

st.header("Doorlooptijd tot besluit")
st.caption("Mediaan aantal dagen van melding tot het eerste besluit van de kerngroep.")
table_with_downloads(
    view.doorlooptijd,
    labels={"categorie": "Categorie", "besloten": "Besloten", "mediaan_dagen": "Mediaan (dagen)"},
    formatters={"categorie": coded(CATEGORIE), "besloten": aantal, "mediaan_dagen": cijfer},
    file_stem="knelpunten_doorlooptijd",
    key="trends_doorlooptijd",
)

st.header("Op tijd volgens de servicenormen")
st.caption(
    "Per maand van melden: hoeveel eerste reacties en besluiten verschuldigd of gegeven waren, "
    "en welk deel binnen de termijn van de categorie kwam (in werkdagen; weekenden en "
    "feestdagen tellen niet mee)."
)
if view.op_tijd.empty:
    st.info("Geen meldingen met een servicenorm in deze selectie.")
else:
    table_with_downloads(
        view.op_tijd,
        labels=OP_TIJD_LABELS,
        formatters=OP_TIJD_FORMAT,
        file_stem="knelpunten_op_tijd",
        key="trends_op_tijd",
    )
