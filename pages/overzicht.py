"""Overzicht: headline figures of the selection."""

import streamlit as st

from dashboard import charts
from dashboard.auth import guard
from dashboard.components import (
    kerncijfers_tiles,
    start_export_context,
    table_with_downloads,
)
from dashboard.db import load_view
from dashboard.filters import describe, filter_bar
from dashboard.formatting import aantal, datum, euro_cent, suppression_note
from data_access.queries.overzicht import OverzichtKeuze, overzicht

identity, scope = guard("overzicht")
filters = filter_bar(scope)
# The comparison toggle sits by the chart; its last value shapes the view now.
choice = OverzichtKeuze(vergelijk=bool(st.session_state.get("vergelijk")))
view = load_view(overzicht, scope=scope, filters=filters, choice=choice)

st.title("Overzicht")
start_export_context("Overzicht", describe(scope, view.filters))
st.caption(
    f"Periode {datum(view.filters.van)} t/m {datum(view.filters.tot)}. Bedragen zijn "
    f"SPIC-tarieven. {suppression_note('trajecten of meldingen')}"
)
if view.eigen_organisatie is not None:
    st.header("Uw organisatie")
    kerncijfers_tiles(view.eigen_organisatie, view.eigen_vergelijking)
    st.header("Regio (geaggregeerd)")
kerncijfers_tiles(view.regio, view.vergelijking)

left, right = st.columns([3, 2])
with left:
    st.header("Gestarte trajecten per kwartaal")
    if view.starts_per_kwartaal.empty:
        st.info("Geen trajecten gestart in deze selectie.")
    else:
        st.toggle("Vergelijk met vorig jaar", key="vergelijk")
        st.plotly_chart(
            charts.starts_per_quarter(view.starts_per_kwartaal, view.starts_vorig_jaar),
            width="stretch",
        )
        st.caption(
            "Samenvatting: "
            + "; ".join(
                f"segment {s}: {aantal(n)} gestarte trajecten"
                for s, n in view.gestart_per_segment.items()
            )
            + ". De tabel hieronder bevat dezelfde cijfers."
        )
        table_with_downloads(
            view.starts_per_kwartaal,
            labels={"kwartaal": "Kwartaal", "segment": "Segment", "gestart": "Gestart"},
            formatters={"gestart": aantal},
            file_stem="gestart_per_kwartaal",
            key="kwartaal",
        )
with right:
    st.header("Per gemeente")
    table_with_downloads(
        view.per_gemeente,
        labels={
            "gemeente": "Gemeente",
            "gestart": "Gestart",
            "spic_waarde_cent": "SPIC-waarde (€)",
        },
        formatters={"gestart": aantal, "spic_waarde_cent": euro_cent},
        file_stem="per_gemeente",
        key="gemeente",
    )
