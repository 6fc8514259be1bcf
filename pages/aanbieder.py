"""Aanbieder: one provider's dossier for the yearly tariff talk, printable as Excel."""

import streamlit as st

from dashboard.auth import require_page
from dashboard.components import XLSX_MIME, excel_bytes, table_with_downloads
from dashboard.db import cached_query, get_engine
from dashboard.filters import filter_bar
from dashboard.formatting import aantal, cijfer, datum, euro_cent, procent
from dashboard.tables import coded
from data_access.filters import filter_options
from data_access.labels import (
    AANBIEDER_SOORT,
    CATEGORIE,
    FACTURATIE,
    KNELPUNT_SOORT,
    STATUS,
    VORM,
    label,
)
from data_access.models import Rol
from data_access.queries.aanbieder import dossier

engine = get_engine()
identity, scope = require_page(engine, "aanbieder")
filters = filter_bar(engine, scope)

st.title("Aanbiederdossier")
if scope.rol == Rol.AANBIEDER:
    aanbieder_id = scope.aanbieder_id
else:
    options = cached_query(filter_options, engine, scope).aanbieders
    if not options:
        st.info("Er zijn geen aanbieders waarvan u het dossier mag inzien.")
        st.stop()
    keys = [str(i) for i in options]
    default = str(filters.aanbieder_id) if filters.aanbieder_id in options else None
    chosen = st.selectbox(
        "Aanbieder",
        keys,
        index=keys.index(default) if default is not None else None,
        placeholder="Kies een aanbieder",
        format_func=lambda k: options[int(k)],
        key="dossier",
        bind="query-params",
    )
    aanbieder_id = int(chosen) if chosen is not None else None
if aanbieder_id is None:
    st.info("Kies een aanbieder om het dossier te zien.")
    st.stop()

d = cached_query(dossier, engine, scope, filters, aanbieder_id)
info = d.aanbieder
contract = " en ".join(
    s for s, ok in (("B", info["gecontracteerd_b"]), ("C", info["gecontracteerd_c"])) if ok
)
st.subheader(str(info["naam"]))
st.text(
    f"{label(AANBIEDER_SOORT, info['soort'])}"
    + (f" · gecontracteerd voor segment {contract}" if contract else " · niet gecontracteerd")
    + (" · biedt verblijf" if info["residentieel"] else "")
    + (f" · AGB {info['agb_code']}" if info["agb_code"] else "")
    + f"\nPeriode {datum(filters.van)} t/m {datum(filters.tot)}"
)
tiles = st.container(horizontal=True)
tiles.metric("Gestarte trajecten", aantal(d.totaal["gestart"]), border=True)
tiles.metric("Afgesloten trajecten", aantal(d.totaal["afgesloten"]), border=True)
tiles.metric(
    "Tarieven afgesloten", euro_cent(d.totaal["tarief_cent"], hele_euros=True), border=True
)
tiles.metric("Kosten afgesloten", euro_cent(d.totaal["kosten_cent"], hele_euros=True), border=True)
resultaat = d.totaal["tarief_cent"] - d.totaal["kosten_cent"]
tiles.metric(
    "Resultaat",
    euro_cent(resultaat, hele_euros=True),
    border=True,
    help="Tarieven min kosten van de afgesloten trajecten; negatief is een tekort.",
)

SPIC_LABELS = {
    "spic_code": "SPIC",
    "profiel_naam": "Profiel",
    "intensiteit_naam": "Intensiteit",
    "gestart": "Gestart",
    "afgesloten": "Afgesloten",
    "tarief_cent": "Tarieven (€)",
    "kosten_cent": "Kosten (€)",
    "uitnutting": "Uitnutting",
    "regio_uitnutting": "Uitnutting regio",
}
SPIC_FORMAT = {
    "gestart": aantal,
    "afgesloten": aantal,
    "tarief_cent": euro_cent,
    "kosten_cent": euro_cent,
    "uitnutting": procent,
    "regio_uitnutting": procent,
}
OUTCOME_LABELS = {
    "indicator": "Indicator",
    "aanbieder": "Aanbieder",
    "regio": "Regio",
    "n_aanbieder": "Aantal (aanbieder)",
}
outcomes = d.uitkomsten.copy()
for column in ("aanbieder", "regio"):
    outcomes[column] = [
        procent(v, suppressed=True) if kind == "pct" else cijfer(v, suppressed=True)
        for v, kind in zip(outcomes[column], outcomes["soort"], strict=True)
    ]
SUB_LABELS = {
    "partner": "Onderaannemer",
    "partner_soort": "Soort",
    "vorm": "Vorm",
    "facturatie": "Facturatie",
    "trajecten": "Trajecten",
    "kosten_cent": "Kosten (€)",
    "uren": "Uren",
}
SUB_FORMAT = {
    "partner_soort": coded(AANBIEDER_SOORT),
    "vorm": coded(VORM),
    "facturatie": coded(FACTURATIE),
    "trajecten": aantal,
    "kosten_cent": euro_cent,
    "uren": aantal,
}
MAIN_LABELS = {**SUB_LABELS, "partner": "Hoofdaannemer"}
KNELPUNT_LABELS = {
    "referentie": "Referentie",
    "soort": "Soort",
    "titel": "Titel",
    "categorie": "Categorie",
    "status": "Status",
    "aangemaakt": "Gemeld op",
}
KNELPUNT_FORMAT = {
    "soort": coded(KNELPUNT_SOORT),
    "categorie": coded(CATEGORIE),
    "status": coded(STATUS),
    "aangemaakt": datum,
}

st.download_button(
    "Download het hele dossier (Excel)",
    data=lambda: excel_bytes(
        {
            "Per SPIC": (d.per_spic, SPIC_LABELS),
            "Uitkomsten": (outcomes, OUTCOME_LABELS),
            "Onderaannemers": (d.onderaannemers, SUB_LABELS),
            "Werkt voor": (d.hoofdaannemers, MAIN_LABELS),
            "Knelpunten": (d.knelpunten, KNELPUNT_LABELS),
        }
    ),
    file_name=f"dossier_aanbieder_{aanbieder_id}.xlsx",
    mime=XLSX_MIME,
    on_click="ignore",
    icon=":material/download:",
    key="dossier_xlsx",
)

st.header("Trajecten en uitnutting per SPIC")
st.caption(
    "Gestart: trajecten die in de periode begonnen. Uitnutting: kosten ÷ tarief van de in de "
    "periode afgesloten trajecten, naast hetzelfde cijfer voor de hele regio."
)
table_with_downloads(
    d.per_spic,
    labels=SPIC_LABELS,
    formatters=SPIC_FORMAT,
    file_stem="dossier_per_spic",
    key="dossier_spic",
)

st.header("Uitkomsten tegenover de regio")
st.dataframe(
    outcomes[list(OUTCOME_LABELS)].rename(columns=OUTCOME_LABELS),
    hide_index=True,
    width="stretch",
)

st.header("Onderaanneming")
left, right = st.columns(2)
with left:
    st.subheader("Als hoofdaannemer: onderaannemers")
    table_with_downloads(
        d.onderaannemers,
        labels=SUB_LABELS,
        formatters=SUB_FORMAT,
        file_stem="dossier_onderaannemers",
        key="dossier_onder",
    )
with right:
    st.subheader("Als onderaannemer: werkt voor")
    table_with_downloads(
        d.hoofdaannemers,
        labels=MAIN_LABELS,
        formatters=SUB_FORMAT,
        file_stem="dossier_hoofdaannemers",
        key="dossier_hoofd",
    )

st.header("Knelpunten van deze aanbieder")
table_with_downloads(
    d.knelpunten,
    labels=KNELPUNT_LABELS,
    formatters=KNELPUNT_FORMAT,
    file_stem="dossier_knelpunten",
    key="dossier_knelpunten",
)
