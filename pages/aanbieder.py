"""Aanbieder: one provider's dossier for the yearly tariff talk, as PDF and as Excel."""

import streamlit as st

from dashboard.auth import guard
from dashboard.components import (
    YOY_HELP,
    change_text,
    download,
    metric,
    record_view,
    start_export_context,
    table_with_downloads,
    toelichting,
)
from dashboard.db import load_view
from dashboard.exports import XLSX_MIME, excel_bytes
from dashboard.filters import FILTER_KEYS, describe, filter_bar
from dashboard.formatting import aantal, datum, euro_cent, euro_kort, procent
from dashboard.report import dossier_pdf
from dashboard.tables import OUTCOME_LABELS, coded, outcomes_for_display
from data_access.labels import (
    AANBIEDER_SOORT,
    CATEGORIE,
    FACTURATIE,
    KNELPUNT_SOORT,
    STATUS,
    VORM,
    label,
)
from data_access.models import AuditActie
from data_access.queries.aanbieder import AanbiederKeuze, aanbieder
from data_access.settings import get_settings

identity, scope = guard("aanbieder")
st.title("Aanbiederdossier")
# Whose dossier: a provider account sees its own; everyone else picks one on the page.
own = scope.own_provider_id is not None
filters = filter_bar(
    scope,
    fields=[k for k in FILTER_KEYS if k != "aanbieder"],
    body=() if own else ("aanbieder",),
)
view = load_view(aanbieder, scope=scope, filters=filters, choice=AanbiederKeuze())

d = view.dossier
if d is None:
    st.info("Kies een aanbieder om het dossier te zien.")
    st.stop()
info = d.aanbieder
start_export_context(f"Aanbiederdossier {info['naam']}", describe(scope, view.filters))
record_view(AuditActie.DOSSIER, f"{info['naam']} (aanbieder {info['id']})")
st.header(str(info["naam"]))
st.text(
    f"{label(AANBIEDER_SOORT, info['soort'])}"
    + (f" · gecontracteerd voor segment {d.contract}" if d.contract else " · niet gecontracteerd")
    + (" · biedt verblijf" if info["residentieel"] else "")
    + (f" · AGB {info['agb_code']}" if info["agb_code"] else "")
    + f"\nPeriode {datum(view.filters.van)} t/m {datum(view.filters.tot)}"
)
yoy = view.vergelijking or {}
tiles = st.container(horizontal=True)
metric(
    tiles,
    "Gestarte trajecten",
    aantal(d.totaal["gestart"]),
    delta=change_text(yoy.get("gestart"), aantal),
    help="Trajecten die in de periode startten." + YOY_HELP,
)
metric(
    tiles,
    "Afgesloten trajecten",
    aantal(d.totaal["afgesloten"]),
    delta=change_text(yoy.get("afgesloten"), aantal),
    help="Trajecten die in de periode eindigden." + YOY_HELP,
)
metric(tiles, "Tarieven afgesloten", euro_cent(d.totaal["tarief_cent"], hele_euros=True))
metric(tiles, "Kosten afgesloten", euro_cent(d.totaal["kosten_cent"], hele_euros=True))
metric(
    tiles,
    "Resultaat",
    euro_cent(d.totaal["resultaat_cent"], hele_euros=True),
    delta=change_text(yoy.get("resultaat_cent"), euro_kort),
    help="Tarieven min kosten van de afgesloten trajecten; negatief is een tekort." + YOY_HELP,
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


outcomes = outcomes_for_display(d.uitkomsten)
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

about = toelichting()
left, right = st.columns(2)
if get_settings().chromium is None:
    left.info("Een PDF kan deze server niet maken: Chromium ontbreekt (SPIC_CHROMIUM_PATH).")
else:
    download(
        left,
        "Download het dossier (PDF)",
        data=lambda: dossier_pdf(d, filters=about.filters, vergelijking=view.vergelijking),
        file_name=f"dossier_aanbieder_{info['id']}.pdf",
        mime="application/pdf",
        icon=":material/picture_as_pdf:",
        key="dossier_pdf",
        primary=True,
    )
download(
    right,
    "Download het hele dossier (Excel)",
    data=lambda: excel_bytes(
        {
            "Per SPIC": (d.per_spic, SPIC_LABELS, SPIC_FORMAT),
            "Uitkomsten": (outcomes, OUTCOME_LABELS, {}),
            "Onderaannemers": (d.onderaannemers, SUB_LABELS, SUB_FORMAT),
            "Werkt voor": (d.hoofdaannemers, MAIN_LABELS, SUB_FORMAT),
            "Knelpunten": (d.knelpunten, KNELPUNT_LABELS, KNELPUNT_FORMAT),
        },
        about,
    ),
    file_name=f"dossier_aanbieder_{info['id']}.xlsx",
    mime=XLSX_MIME,
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
st.dataframe(outcomes[list(OUTCOME_LABELS)].rename(columns=OUTCOME_LABELS), hide_index=True)

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
