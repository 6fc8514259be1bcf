"""Onderaanneming: the network of main contractors and subcontractors, and on what terms."""

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import charts
from dashboard.auth import require_page
from dashboard.components import table_with_downloads
from dashboard.db import cached_query, get_engine
from dashboard.filters import filter_bar
from dashboard.formatting import aantal, datum, euro_cent, ja_nee, procent, uren
from dashboard.tables import CAPACITEIT_FORMAT, CAPACITEIT_LABELS, coded
from data_access.labels import FACTURATIE, VORM
from data_access.models import OnderaannemingVorm
from data_access.queries.onderaanneming import NetwerkKeuze, netwerk_data

WEIGHTS = {"kosten_cent": "Euro's", "uren": "Uren", "trajecten": "Trajecten"}
FORMS = {f.value: VORM[f] for f in OnderaannemingVorm}

engine = get_engine()
identity, scope = require_page(engine, "onderaanneming")
filters = filter_bar(engine, scope)

st.title("Onderaanneming")
st.caption(
    f"Periode {datum(filters.van)} t/m {datum(filters.tot)}: zorg die onderaannemers leverden "
    "binnen trajecten van een hoofdaannemer. Aanbieders waarvan u de gegevens niet mag inzien, "
    "staan er met een neutrale naam; relaties met minder dan 10 trajecten zijn voor adviseurs "
    "en aanbieders weggelaten (privacy)."
)
left, mid, right = st.columns(3)
weight = (
    left.segmented_control(
        "Gewicht", list(WEIGHTS), format_func=WEIGHTS.get, default="kosten_cent", key="net_gewicht"
    )
    or "kosten_cent"
)
form = mid.selectbox(
    "Contractvorm",
    [None, *FORMS],
    format_func=lambda f: "Alle" if f is None else FORMS[f],
    key="net_vorm",
)
minimum = right.number_input(
    f"Minimum per relatie ({WEIGHTS[weight].lower()})",
    min_value=0,
    value=0,
    step=100,
    key="net_minimum",
)
choice = NetwerkKeuze(
    vorm=OnderaannemingVorm(form) if form else None, gewicht=weight, minimum=float(minimum)
)
data = cached_query(netwerk_data, engine, scope, filters, choice)

# --- 1. network -------------------------------------------------------------------------------
st.header("Netwerk")
if data.getoond.empty:
    st.info("Geen onderaanneming in deze selectie.")
else:
    st.plotly_chart(
        charts.network_figure(data.knopen, data.getoond, weight, FORMS),
        width="stretch",
        key="net_graaf",
        config={"displayModeBar": True},
    )
    biggest = data.getoond.iloc[0]
    st.caption(
        f"Getoond: {len(data.getoond)} van {data.totaal_relaties} relaties (de zwaarste, op "
        f"{WEIGHTS[weight].lower()})"
        + (
            f"; {data.verborgen_relaties} kleine relaties weggelaten"
            if data.verborgen_relaties
            else ""
        )
        + f". De grootste: {biggest['hoofd']} → {biggest['onder']}, "
        f"{euro_cent(biggest['kosten_cent'], hele_euros=True)}. Pijlen lopen van hoofdaannemer "
        "naar onderaannemer; de lijnsoort geeft de contractvorm, de vorm van de knoop de rol. "
        "De tabellen hieronder bevatten dezelfde gegevens."
    )

# --- 2. ego view ------------------------------------------------------------------------------
st.header("Eén aanbieder en zijn relaties")
names = sorted(pd.concat([data.relaties["hoofd"], data.relaties["onder"]]).unique())
ego = st.selectbox("Aanbieder", names, index=None, placeholder="Kies een aanbieder", key="net_ego")
relation_labels = {
    "hoofd": "Hoofdaannemer",
    "onder": "Onderaannemer",
    "vorm": "Vorm",
    "facturatie": "Facturatie",
    "trajecten": "Trajecten",
    "kosten_cent": "Vergoeding (€)",
    "uren": "Uren",
}
relation_format = {
    "vorm": coded(VORM),
    "facturatie": coded(FACTURATIE),
    "trajecten": aantal,
    "kosten_cent": euro_cent,
    "uren": uren,
}
if ego:
    left, right = st.columns(2)
    with left:
        st.subheader("Werkt voor (hoofdaannemers)")
        table_with_downloads(
            data.relaties[data.relaties["onder"] == ego],
            labels=relation_labels,
            formatters=relation_format,
            file_stem="hoofdaannemers_van",
            key="net_ego_in",
        )
    with right:
        st.subheader("Huurt in (onderaannemers)")
        table_with_downloads(
            data.relaties[data.relaties["hoofd"] == ego],
            labels=relation_labels,
            formatters=relation_format,
            file_stem="onderaannemers_van",
            key="net_ego_uit",
        )

# --- 3. key figures ---------------------------------------------------------------------------
st.header("Kerncijfers per aanbieder")
figures = data.kerncijfers
low = figures[figures["laag_eigen_aandeel"]]
dependent = figures[figures["afhankelijk"]]
st.caption(
    f"Eigen aandeel: de zorg die een hoofdaannemer zelf levert op trajecten waarvoor hij "
    f"onderaannemers inhuurt (richtlijn: minstens 50%). {len(low)} hoofdaannemers zitten eronder. "
    f"Afhankelijkheid: het deel van de inkomsten als onderaannemer dat van de grootste "
    f"hoofdaannemer komt; {len(dependent)} onderaannemers zitten boven 75%. "
    "Beide staan als 'ja' in de tabel, niet alleen als kleur."
)
table_with_downloads(
    figures,
    labels={
        "aanbieder": "Aanbieder",
        "rol": "Rol",
        "hoofdaannemers": "Hoofdaannemers",
        "onderaannemers": "Onderaannemers",
        "in_cent": "Ontvangen als onderaannemer (€)",
        "uit_cent": "Betaald aan onderaannemers (€)",
        "eigen_aandeel": "Eigen aandeel",
        "laag_eigen_aandeel": "Onder 50%",
        "reden": "Toelichting",
        "afhankelijkheid": "Afhankelijkheid",
        "afhankelijk": "Boven 75%",
    },
    formatters={
        "hoofdaannemers": aantal,
        "onderaannemers": aantal,
        "in_cent": euro_cent,
        "uit_cent": euro_cent,
        "eigen_aandeel": procent,
        "laag_eigen_aandeel": ja_nee,
        "afhankelijkheid": procent,
        "afhankelijk": ja_nee,
    },
    file_stem="kerncijfers_onderaanneming",
    key="net_kerncijfers",
)
if not data.capaciteit.empty:
    st.subheader("Benutting van gereserveerde capaciteit")
    table_with_downloads(
        data.capaciteit,
        labels=CAPACITEIT_LABELS,
        formatters=CAPACITEIT_FORMAT,
        file_stem="capaciteit_onderaanneming",
        key="net_capaciteit",
    )

# --- 4. contract forms ------------------------------------------------------------------------
st.header("Contractvormen en facturatie door de tijd")
forms = data.vormen
if forms.empty:
    st.info("Geen onderaanneming in deze selectie.")
else:
    per_form = forms.groupby(["kwartaal", "vorm"], as_index=False)["kosten_cent"].sum()
    fig = go.Figure()
    patterns = ["", "/", "x", "."]
    for n, (vorm, group) in enumerate(per_form.groupby("vorm")):
        fig.add_bar(
            x=group["kwartaal"],
            y=group["kosten_cent"] / 100,
            name=FORMS.get(vorm, vorm),
            marker={"color": charts.PALETTE[n % 8], "pattern": {"shape": patterns[n % 4]}},
        )
    fig.update_layout(
        barmode="stack",
        separators=charts.PLOTLY_SEPARATORS,
        height=340,
        margin={"t": 10},
        legend={"orientation": "h", "y": -0.2},
    )
    fig.update_yaxes(title="Vergoeding aan onderaannemers (euro)", tickprefix="€ ")
    st.plotly_chart(fig, width="stretch", key="net_vormen")
    totals = forms.groupby("vorm")["kosten_cent"].sum().sort_values(ascending=False)
    st.caption(
        "Samenvatting: "
        + "; ".join(f"{FORMS.get(v, v)} {procent(t / totals.sum())}" for v, t in totals.items())
        + " van de vergoeding. De tabel splitst ook naar facturatie."
    )
table_with_downloads(
    forms,
    labels={
        "kwartaal": "Kwartaal",
        "vorm": "Vorm",
        "facturatie": "Facturatie",
        "kosten_cent": "Vergoeding (€)",
        "uren": "Uren",
    },
    formatters={
        "vorm": coded(VORM),
        "facturatie": coded(FACTURATIE),
        "kosten_cent": euro_cent,
        "uren": uren,
    },
    file_stem="contractvormen",
    key="net_vormen_tabel",
)

# --- 5. edge list for Gephi -------------------------------------------------------------------
edges = data.relaties.rename(columns={"hoofd": "Source", "onder": "Target"})
edges["Weight"] = edges[weight]
st.download_button(
    "Relaties als CSV (voor Gephi)",
    data=lambda: (
        edges[
            ["Source", "Target", "Weight", "vorm", "facturatie", "kosten_cent", "uren", "trajecten"]
        ]
        .to_csv(index=False)
        .encode("utf-8")
    ),
    file_name="onderaanneming_relaties.csv",
    mime="text/csv",
    on_click="ignore",
    icon=":material/hub:",
)
