"""Segment B en C: where the B tariff does not fit, and where B clients go."""

import streamlit as st

from dashboard import charts
from dashboard.auth import guard
from dashboard.components import (
    YOY_HELP,
    change_text,
    link_to_page,
    metric,
    select_from_chart,
    start_export_context,
    table_with_downloads,
    trajecten_drilldown,
)
from dashboard.db import load_view
from dashboard.filters import describe, filter_bar
from dashboard.formatting import (
    aantal,
    cijfer,
    datum,
    euro_cent,
    procent,
    procentpunt,
    suppression_note,
)
from dashboard.tables import (
    KNELPUNTEN_PER_CATEGORIE_FORMAT,
    KNELPUNTEN_PER_CATEGORIE_LABELS,
    KNELPUNTEN_PER_MAAND_FORMAT,
    KNELPUNTEN_PER_MAAND_LABELS,
)
from data_access.queries.segmenten import SegmentenKeuze, segmenten

identity, scope = guard("segmenten")
filters = filter_bar(scope)
# The drill-down's select box is drawn at the bottom; its last choice selects now.
choice = SegmentenKeuze(spic_id=st.session_state.get("seg_spic"))
view = load_view(segmenten, scope=scope, filters=filters, choice=choice)

st.title("Segment B en C")
start_export_context("Segment B en C", describe(scope, view.filters))
st.caption(
    f"Periode {datum(view.filters.van)} t/m {datum(view.filters.tot)}. Kosten zijn die van "
    "trajecten die in de periode zijn afgesloten. B-aanbieders: alleen gecontracteerd voor "
    f"segment B. {suppression_note()}"
)
metric(
    st,
    "Uitnutting van de afgesloten B-trajecten",
    procent(view.kop.nu, suppressed=True),
    delta=change_text(view.kop, procentpunt),
    help="Kosten ÷ B-tarief van alle B-trajecten die in de periode zijn afgesloten." + YOY_HELP,
    width="content",
)

# --- headline ---------------------------------------------------------------------------------
if view.koppen:
    lines = [
        f"{n}. {k.spic_code} ({k.profiel_naam}, {k.intensiteit_naam}): de kosten zijn "
        f"{procent(k.uitnutting)} van het B-tarief, gemiddeld "
        f"{euro_cent(k.tekort_per_traject_cent, hele_euros=True)} per traject te weinig "
        f"({k.trajecten} trajecten)."
        for n, k in enumerate(view.koppen, start=1)
    ]
    st.info(
        "**Waar het B-tarief het meest tekortschiet**\n\n" + "\n\n".join(lines),
        icon=":material/priority_high:",
    )
else:
    st.info(
        "In deze selectie kost geen enkele B-combinatie (met genoeg trajecten) meer dan het tarief."
    )

# --- 1. tariff gap ----------------------------------------------------------------------------
st.header("Tariefkloof: B- en C-tarief naast de werkelijke kosten")
if view.tarieven_ontbreken:
    st.warning(
        f"Voor {view.tarievenjaar} zijn geen SPIC-tarieven ingelezen: de tariefkloof toont "
        "daarom geen tarieven, alleen de kosten. Een beheerder leest ze in via 'Gegevens "
        "importeren' (SPIC-tarieven).",
        icon=":material/warning:",
    )
intensities = view.intensiteiten
intensity = st.segmented_control(
    "Intensiteit",
    list(intensities),
    format_func=intensities.get,
    default=next(iter(intensities)),
    key="seg_intensiteit",
)
st.plotly_chart(
    charts.tariff_gap(view.tariefkloof, intensity or next(iter(intensities))),
    key="seg_kloof",
    on_select=select_from_chart("seg_kloof", "seg_spic") if scope.sees_trajectories else "ignore",
    selection_mode="points",
    width="stretch",
)
st.caption(
    "Ruit = tarief, rondje = gemiddelde kosten per afgesloten traject; blauw = B, oranje = C. "
    "Een rondje rechts van de ruit van dezelfde kleur betekent: duurder dan het tarief. "
    "De tabel hieronder bevat alle intensiteiten."
)
table_with_downloads(
    view.tariefkloof,
    labels={
        "profiel_naam": "Profiel",
        "intensiteit_naam": "Intensiteit",
        "b_tarief_cent": "B-tarief (€)",
        "b_kosten_per_traject_cent": "B-kosten per traject (€)",
        "b_uitnutting": "B-uitnutting",
        "b_uitnutting_vorig": "B-uitnutting een jaar eerder",
        "b_trajecten": "B-trajecten",
        "c_tarief_cent": "C-tarief (€)",
        "c_kosten_per_traject_cent": "C-kosten per traject (€)",
        "c_uitnutting": "C-uitnutting",
        "c_trajecten": "C-trajecten",
        "stap_b_naar_c_cent": "Stap van B naar C (€)",
    },
    formatters={
        "b_tarief_cent": euro_cent,
        "b_kosten_per_traject_cent": euro_cent,
        "b_uitnutting": procent,
        "b_uitnutting_vorig": procent,
        "b_trajecten": aantal,
        "c_tarief_cent": euro_cent,
        "c_kosten_per_traject_cent": euro_cent,
        "c_uitnutting": procent,
        "c_trajecten": aantal,
        "stap_b_naar_c_cent": euro_cent,
    },
    file_stem="tariefkloof_b_c",
    key="seg_kloof_tabel",
)

# --- 2. B providers ---------------------------------------------------------------------------
st.header("Financiële positie van B-aanbieders")
if view.b_met_cijfers == 0:
    st.info("Geen B-aanbieders met afgesloten trajecten in deze selectie.")
else:
    st.plotly_chart(charts.result_bars(view.b_aanbieders), width="stretch", key="seg_b_resultaat")
    st.caption(
        f"Samenvatting: {aantal(view.b_met_tekort)} van {aantal(view.b_met_cijfers)} "
        "B-aanbieders hebben op hun "
        f"eigen afgesloten B-trajecten een tekort, samen "
        f"{euro_cent(view.b_tekort_cent, hele_euros=True)}."
        + (
            f" De grafiek toont de {charts.RESULT_BARS} met het laagste resultaat; de tabel "
            "eronder noemt ze allemaal."
            if view.b_met_cijfers > charts.RESULT_BARS
            else ""
        )
    )
    table_with_downloads(
        view.b_aanbieders,
        labels={
            "naam": "B-aanbieder",
            "trajecten": "Afgesloten B-trajecten",
            "tarief_cent": "Tarieven (€)",
            "kosten_cent": "Kosten (€)",
            "resultaat_cent": "Resultaat (€)",
        },
        formatters={
            "trajecten": aantal,
            "tarief_cent": euro_cent,
            "kosten_cent": euro_cent,
            "resultaat_cent": euro_cent,
        },
        file_stem="b_aanbieders_resultaat",
        key="seg_b_aanbieders",
    )
table_with_downloads(
    view.b_per_profiel,
    labels={
        "profiel_naam": "Profiel",
        "trajecten": "Trajecten",
        "aanbieders": "B-aanbieders",
        "met_tekort": "Met tekort",
        "tekort_cent": "Totaal tekort (€)",
    },
    formatters={
        "trajecten": aantal,
        "aanbieders": aantal,
        "met_tekort": aantal,
        "tekort_cent": euro_cent,
    },
    file_stem="b_aanbieders_per_profiel",
    key="seg_b_profiel",
)

# --- 3. flows B -> C --------------------------------------------------------------------------
st.header("Van B naar C: herindicaties")
detail_level = st.segmented_control(
    "Detail",
    ["Per profiel", "Per profiel en intensiteit"],
    default="Per profiel",
    key="seg_stromen_detail",
)
flows = view.stromen if detail_level == "Per profiel en intensiteit" else view.stromen_per_profiel
if flows.getekend.empty:
    st.info("Geen (of te weinig) herindicaties van B naar C in deze selectie.")
else:
    st.plotly_chart(charts.flow_sankey(flows.getekend), width="stretch", key="seg_sankey")
    st.caption(
        f"Samenvatting: {aantal(view.herindicaties, suppressed=True)} trajecten in C volgden op "
        f"een B-traject van dezelfde cliënt. {procent(flows.aandeel_top3)} van de getoonde "
        "herindicaties komt uit de profielen "
        + ", ".join(f"P{p:02d}" for p in flows.top_profielen)
        + ". De tabel noemt ook de mediane tijd van de start van het B-traject tot de start in C."
    )
table_with_downloads(
    flows.tabel,
    labels={
        "van_code": "Van (B)",
        "naar_code": "Naar (C)",
        "aantal": "Trajecten",
        "mediaan_dagen": "Mediaan dagen tot herindicatie",
    },
    formatters={"aantal": aantal, "mediaan_dagen": cijfer},
    file_stem="herindicaties_b_naar_c",
    key="seg_stromen",
)

# --- 4. B under C -----------------------------------------------------------------------------
st.header("B-aanbieders die werken onder een C-hoofdaannemer")
st.caption(
    "Inkomen in de periode: als hoofdaannemer de ontvangen tranches, als onderaannemer de "
    "vergoeding van de hoofdaannemer. "
    f"{aantal(view.b_onder_c_trajecten, suppressed=True)} C-trajecten kregen zorg van een "
    "B-aanbieder als onderaannemer."
)
table_with_downloads(
    view.b_onder_c,
    labels={
        "naam": "B-aanbieder",
        "als_hoofd_cent": "Als hoofdaannemer (€)",
        "onder_c_cent": "Onder C-hoofdaannemer (€)",
        "onder_b_cent": "Onder B-hoofdaannemer (€)",
        "aandeel_onder_c": "Aandeel onder C",
        "c_trajecten": "C-trajecten",
    },
    formatters={
        "als_hoofd_cent": euro_cent,
        "onder_c_cent": euro_cent,
        "onder_b_cent": euro_cent,
        "aandeel_onder_c": procent,
        "c_trajecten": aantal,
    },
    file_stem="b_onder_c",
    key="seg_b_onder_c",
)

# --- 5. knelpunten by segment -----------------------------------------------------------------
st.header("Knelpunten per segment")
register = view.knelpunten
st.caption(
    f"Meldingen{' in segment ' + view.filters.segment.value if view.filters.segment else ''}: "
    f"{aantal(register.totaal, suppressed=True)}, waarvan "
    f"{aantal(register.open, suppressed=True)} open."
)
table_with_downloads(
    register.per_categorie,
    labels=KNELPUNTEN_PER_CATEGORIE_LABELS,
    formatters=KNELPUNTEN_PER_CATEGORIE_FORMAT,
    file_stem="knelpunten_per_segment",
    key="seg_knelpunten",
)
table_with_downloads(
    register.per_maand,
    labels=KNELPUNTEN_PER_MAAND_LABELS,
    formatters=KNELPUNTEN_PER_MAAND_FORMAT,
    file_stem="knelpunten_per_segment_per_maand",
    key="seg_knelpunten_maand",
)
if scope.may_open("kerngroep"):
    # The register page takes the segment from the shared filters: the link needs no more.
    link_to_page("kerngroep", "Open deze meldingen in het register")

# --- 6. drill-down ----------------------------------------------------------------------------
st.header("Trajecten achter een SPIC")
if not scope.sees_trajectories:
    st.info("Gegevens per traject zijn niet beschikbaar voor uw rol; u ziet alleen totalen.")
    st.stop()
st.selectbox(
    "SPIC",
    list(view.spic_opties),
    index=None,
    format_func=view.spic_opties.get,
    placeholder="Klik op een punt in de tariefkloof of kies een SPIC",
    key="seg_spic",
)
drill = view.drilldown
if drill is None:
    st.stop()
trajecten_drilldown(drill, file_stem="trajecten_spic", key="seg_trajecten")
