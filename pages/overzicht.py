"""Overzicht: headline figures of the selection."""

import plotly.express as px
import streamlit as st

from dashboard.auth import require_page
from dashboard.components import SEGMENT_COLOURS, SEGMENT_PATTERNS, table_with_downloads
from dashboard.db import cached_query, get_engine
from dashboard.filters import filter_bar
from dashboard.formatting import PLOTLY_SEPARATORS, aantal, datum, euro_cent, euro_kort
from data_access.queries.overzicht import Kerncijfers, overzicht

engine = get_engine()
identity, scope = require_page(engine, "overzicht")
filters = filter_bar(engine, scope)
data = cached_query(overzicht, engine, scope, filters)

st.title("Overzicht")
st.caption(
    f"Periode {datum(filters.van)} t/m {datum(filters.tot)}. Bedragen zijn SPIC-tarieven; "
    "'<10' betekent dat een aantal onder de 10 niet wordt getoond (privacy)."
)


def tiles(cijfers: Kerncijfers) -> None:
    row = st.container(horizontal=True)
    row.metric(
        "Actieve trajecten",
        aantal(cijfers.actieve_trajecten, suppressed=True),
        border=True,
        help="Trajecten die op de einddatum van de periode lopen.",
    )
    row.metric(
        "Gestarte trajecten", aantal(cijfers.gestarte_trajecten, suppressed=True), border=True
    )
    row.metric(
        "Totale SPIC-waarde",
        euro_kort(cijfers.spic_waarde_cent, suppressed=True),
        border=True,
        help="Som van de tarieven van de trajecten die in de periode startten.",
    )
    row.metric(
        "Betaalde tranches",
        euro_kort(cijfers.betaald_cent, suppressed=True),
        border=True,
        help="Start- en afrondingstranches met een betaaldatum in de periode.",
    )
    row.metric(
        "Nog te betalen",
        euro_kort(cijfers.nog_te_betalen_cent, suppressed=True),
        border=True,
        help="Het deel van het tarief van lopende trajecten dat nog niet "
        "is betaald (meestal de afrondingstranche).",
    )
    row.metric("Open knelpunten", aantal(cijfers.open_knelpunten, suppressed=True), border=True)


if data.eigen_organisatie is not None:
    st.subheader("Uw organisatie")
    tiles(data.eigen_organisatie)
    st.subheader("Regio (geaggregeerd)")
tiles(data.regio)

left, right = st.columns([3, 2])
with left:
    st.subheader("Gestarte trajecten per kwartaal")
    per_q = data.starts_per_kwartaal
    if per_q.empty:
        st.info("Geen trajecten gestart in deze selectie.")
    else:
        fig = px.bar(
            per_q.dropna(subset=["gestart"]),
            x="kwartaal",
            y="gestart",
            color="segment",
            pattern_shape="segment",
            barmode="group",
            color_discrete_map=SEGMENT_COLOURS,
            pattern_shape_map=SEGMENT_PATTERNS,
            labels={"kwartaal": "Kwartaal", "gestart": "Gestarte trajecten", "segment": "Segment"},
        )
        fig.update_layout(separators=PLOTLY_SEPARATORS, height=340, margin={"t": 10})
        st.plotly_chart(fig, width="stretch")
        totals = per_q.groupby("segment")["gestart"].sum()
        st.caption(
            "Samenvatting: "
            + "; ".join(f"segment {s}: {aantal(n)} gestarte trajecten" for s, n in totals.items())
            + ". De tabel hieronder bevat dezelfde cijfers."
        )
        table_with_downloads(
            per_q,
            labels={"kwartaal": "Kwartaal", "segment": "Segment", "gestart": "Gestart"},
            formatters={"gestart": aantal},
            file_stem="gestart_per_kwartaal",
            key="kwartaal",
        )
with right:
    st.subheader("Per gemeente")
    table_with_downloads(
        data.per_gemeente,
        labels={
            "gemeente": "Gemeente",
            "gestart": "Gestart",
            "spic_waarde_cent": "SPIC-waarde (€)",
        },
        formatters={"gestart": aantal, "spic_waarde_cent": euro_cent},
        file_stem="per_gemeente",
        key="gemeente",
    )
