"""Onderaanneming: the network of main contractors and subcontractors, and on what terms."""

import streamlit as st

from dashboard import charts
from dashboard.auth import guard
from dashboard.components import (
    YOY_HELP,
    change_text,
    download,
    metric,
    start_export_context,
    table_with_downloads,
)
from dashboard.db import load_view
from dashboard.exports import gephi_csv
from dashboard.filters import describe, filter_bar
from dashboard.formatting import aantal, datum, euro_cent, euro_kort, ja_nee, procent, uren
from dashboard.tables import CAPACITEIT_FORMAT, CAPACITEIT_LABELS, coded
from data_access.labels import FACTURATIE, VORM, label
from data_access.models import OnderaannemingVorm
from data_access.queries.onderaanneming import NetwerkKeuze, onderaanneming
from data_access.settings import get_settings

WEIGHTS = {"kosten_cent": "Euro's", "uren": "Uren", "trajecten": "Trajecten"}

identity, scope = guard("onderaanneming")
filters = filter_bar(scope)

st.title("Onderaanneming")
left, mid, right = st.columns(3)
weight = (
    left.segmented_control(
        "Gewicht", list(WEIGHTS), format_func=WEIGHTS.get, default="kosten_cent", key="net_gewicht"
    )
    or "kosten_cent"
)
form = mid.selectbox(
    "Contractvorm",
    [None, *OnderaannemingVorm],
    format_func=lambda f: "Alle" if f is None else label(VORM, f),
    key="net_vorm",
)
minimum = right.number_input(
    f"Minimum per relatie ({WEIGHTS[weight].lower()})",
    min_value=0,
    value=0,
    step=100,
    key="net_minimum",
)
# The one-provider view's select box is drawn further down; its last choice selects now.
choice = NetwerkKeuze(
    vorm=form,
    gewicht=weight,
    minimum=float(minimum),
    ego=st.session_state.get("net_ego"),
    stappen=int(st.session_state.get("net_stappen") or 1),
)
view = load_view(onderaanneming, scope=scope, filters=filters, choice=choice)
start_export_context("Onderaanneming", describe(scope, view.filters))
threshold = get_settings().suppression_threshold
st.caption(
    f"Periode {datum(view.filters.van)} t/m {datum(view.filters.tot)}: zorg die onderaannemers "
    "leverden binnen trajecten van een hoofdaannemer. Aanbieders waarvan u de gegevens niet mag "
    f"inzien, staan er met een neutrale naam; relaties met minder dan {threshold} trajecten zijn "
    "voor adviseurs en aanbieders weggelaten (privacy)."
)
metric(
    st,
    "Vergoeding aan onderaannemers",
    euro_kort(view.kop.nu, suppressed=True),
    delta=change_text(view.kop, euro_kort),
    help="Wat hoofdaannemers in de periode aan hun onderaannemers betaalden." + YOY_HELP,
    width="content",
)

# --- 1. network -------------------------------------------------------------------------------
st.header("Netwerk")
if view.getoond.empty:
    st.info("Geen onderaanneming in deze selectie.")
else:
    shape = st.segmented_control(
        "Weergave",
        ["netwerk", "stromen"],
        format_func={"netwerk": "Netwerk", "stromen": "Stromen (hoofd- naar onderaannemer)"}.get,
        default="netwerk",
        key="net_weergave",
    )
    if shape == "stromen":
        st.plotly_chart(
            charts.network_sankey(view.getoond, weight), width="stretch", key="net_stromen"
        )
    else:
        st.plotly_chart(
            charts.network_figure(view.knopen, view.getoond, weight),
            width="stretch",
            key="net_graaf",
            config={"displayModeBar": True},
        )
    biggest = view.getoond.iloc[0]
    st.caption(
        f"Getoond: de {len(view.getoond)} zwaarste relaties (op {WEIGHTS[weight].lower()}) van "
        f"{view.totaal_relaties}"
        + (
            f"; de overige {view.overig_relaties} relaties (samen "
            f"{euro_cent(view.overig_cent, hele_euros=True)}) staan in de tabellen"
            if view.overig_relaties
            else ""
        )
        + (
            f"; {view.verborgen_relaties} kleine relaties weggelaten (privacy)"
            if view.verborgen_relaties
            else ""
        )
        + f". De grootste: {biggest['hoofd']} → {biggest['onder']}, "
        f"{euro_cent(biggest['kosten_cent'], hele_euros=True)}. Pijlen lopen van hoofdaannemer "
        "naar onderaannemer; de lijnsoort geeft de contractvorm, de vorm van de knoop de rol en "
        "de kleur een groep aanbieders die vooral met elkaar werkt. Namen staan bij de knopen "
        "waar ze niet over elkaar vallen; elke knoop noemt zijn naam als u erop wijst."
    )

# --- 2. ego view ------------------------------------------------------------------------------
st.header("Eén aanbieder en zijn relaties")
left, right = st.columns([3, 1])
left.selectbox("Aanbieder", view.namen, index=None, placeholder="Kies een aanbieder", key="net_ego")
right.radio(
    "Reikwijdte",
    [1, 2],
    format_func={1: "Directe partners", 2: "Ook hun partners"}.get,
    key="net_stappen",
    horizontal=True,
)
if view.ego_relaties is not None and view.ego_knopen is not None:
    if view.ego_relaties.empty:
        st.info("Deze aanbieder heeft in deze selectie geen relaties die getoond mogen worden.")
    else:
        st.plotly_chart(
            charts.network_figure(view.ego_knopen, view.ego_relaties, weight),
            width="stretch",
            key="net_ego_graaf",
        )
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
if view.werkt_voor is not None and view.huurt_in is not None:
    left, right = st.columns(2)
    with left:
        st.subheader("Werkt voor (hoofdaannemers)")
        table_with_downloads(
            view.werkt_voor,
            labels=relation_labels,
            formatters=relation_format,
            file_stem="hoofdaannemers_van",
            key="net_ego_in",
        )
    with right:
        st.subheader("Huurt in (onderaannemers)")
        table_with_downloads(
            view.huurt_in,
            labels=relation_labels,
            formatters=relation_format,
            file_stem="onderaannemers_van",
            key="net_ego_uit",
        )

# --- 3. key figures ---------------------------------------------------------------------------
st.header("Kerncijfers per aanbieder")
st.caption(
    "Eigen aandeel: de zorg die een hoofdaannemer zelf levert op trajecten waarvoor hij "
    f"onderaannemers inhuurt (richtlijn: minstens 50%). {view.laag_eigen_aandeel} "
    + ("hoofdaannemer zit" if view.laag_eigen_aandeel == 1 else "hoofdaannemers zitten")
    + " eronder. Afhankelijkheid: het deel van alle SPIC-inkomsten van een aanbieder (de "
    "tranches als hoofdaannemer en de vergoedingen als onderaannemer) dat van zijn grootste "
    f"hoofdaannemer komt; {view.afhankelijk} "
    + ("aanbieder zit" if view.afhankelijk == 1 else "aanbieders zitten")
    + " boven 75%. Beide staan als 'ja' in de tabel, niet alleen als kleur."
)
table_with_downloads(
    view.kerncijfers,
    labels={
        "aanbieder": "Aanbieder",
        "rol": "Rol",
        "hoofdaannemers": "Hoofdaannemers",
        "onderaannemers": "Onderaannemers",
        "eigen_inkomsten_cent": "Tranches als hoofdaannemer (€)",
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
        "eigen_inkomsten_cent": euro_cent,
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
if not view.capaciteit.empty:
    st.subheader("Benutting van gereserveerde capaciteit")
    table_with_downloads(
        view.capaciteit,
        labels=CAPACITEIT_LABELS,
        formatters=CAPACITEIT_FORMAT,
        file_stem="capaciteit_onderaanneming",
        key="net_capaciteit",
    )

# --- 4. contract forms ------------------------------------------------------------------------
st.header("Contractvormen en facturatie door de tijd")
if view.vormen.empty:
    st.info("Geen onderaanneming in deze selectie.")
else:
    st.plotly_chart(
        charts.contract_forms(view.vormen_per_kwartaal), width="stretch", key="net_vormen"
    )
    st.caption(
        "Samenvatting: "
        + "; ".join(f"{label(VORM, v)} {procent(t)}" for v, t in view.vorm_aandelen.items())
        + " van de vergoeding. De tabel splitst ook naar facturatie."
    )
table_with_downloads(
    view.vormen,
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
download(
    st,
    "Relaties als CSV (voor Gephi)",
    data=lambda: gephi_csv(view.relaties, weight),
    file_name="onderaanneming_relaties_gephi.csv",
    mime="text/csv",
    icon=":material/hub:",
)
