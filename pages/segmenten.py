"""Segment B en C: where the B tariff does not fit, and where B clients go."""

from functools import partial

import streamlit as st

from dashboard import charts
from dashboard.auth import require_page
from dashboard.components import link_to_page, table_with_downloads
from dashboard.db import cached_query, get_engine
from dashboard.filters import filter_bar
from dashboard.formatting import aantal, cijfer, datum, euro_cent, procent
from dashboard.tables import (
    KNELPUNTEN_PER_CATEGORIE_FORMAT,
    KNELPUNTEN_PER_CATEGORIE_LABELS,
    KNELPUNTEN_PER_MAAND_FORMAT,
    KNELPUNTEN_PER_MAAND_LABELS,
    TRAJECT_FORMAT,
    TRAJECT_LABELS,
)
from data_access.models import Rol
from data_access.queries.knelpunt_trends import trends
from data_access.queries.segmenten import segmenten
from data_access.queries.uitnutting import Selectie, trajecten

engine = get_engine()
identity, scope = require_page(engine, "segmenten")
filters = filter_bar(engine, scope)
data = cached_query(segmenten, engine, scope, filters)
drill_allowed = scope.rol != Rol.ADVISEUR

st.title("Segment B en C")
st.caption(
    f"Periode {datum(filters.van)} t/m {datum(filters.tot)}. Kosten zijn die van trajecten die in "
    "de periode zijn afgesloten. B-aanbieders: alleen gecontracteerd voor segment B. "
    "'<10' betekent minder dan 10 trajecten (privacy)."
)

# --- headline ---------------------------------------------------------------------------------
if data.koppen:
    lines = [
        f"{n}. {k.spic_code} ({k.profiel_naam}, {k.intensiteit_naam}): de kosten zijn "
        f"{procent(k.uitnutting)} van het B-tarief, gemiddeld "
        f"{euro_cent(k.tekort_per_traject_cent, hele_euros=True)} per traject te weinig "
        f"({k.trajecten} trajecten)."
        for n, k in enumerate(data.koppen, start=1)
    ]
    st.info(
        "**Waar het B-tarief het meest tekortschiet**\n\n" + "\n\n".join(lines),
        icon=":material/priority_high:",
    )
else:
    st.info(
        "In deze selectie kost geen enkele B-combinatie (met genoeg trajecten) meer dan het tarief."
    )


def _select(chart_key: str) -> None:
    points = st.session_state[chart_key].selection.points
    custom = points[0].get("customdata") if points else None
    if custom:
        st.session_state["seg_spic"] = int(custom[0])


# --- 1. tariff gap ----------------------------------------------------------------------------
st.header("Tariefkloof: B- en C-tarief naast de werkelijke kosten")
gap = data.tariefkloof
intensities = dict(zip(gap["intensiteit_nr"], gap["intensiteit_naam"], strict=False))
intensity = st.segmented_control(
    "Intensiteit",
    list(intensities),
    format_func=intensities.get,
    default=next(iter(intensities)),
    key="seg_intensiteit",
)
shown = gap[gap["intensiteit_nr"] == (intensity or next(iter(intensities)))]
st.plotly_chart(
    charts.tariff_gap(shown),
    key="seg_kloof",
    on_select=partial(_select, "seg_kloof") if drill_allowed else "ignore",
    selection_mode="points",
    width="stretch",
)
st.caption(
    "Ruit = tarief, rondje = gemiddelde kosten per afgesloten traject; blauw = B, oranje = C. "
    "Een rondje rechts van de ruit van dezelfde kleur betekent: duurder dan het tarief. "
    "De tabel hieronder bevat alle intensiteiten."
)
table_with_downloads(
    gap,
    labels={
        "profiel_naam": "Profiel",
        "intensiteit_naam": "Intensiteit",
        "b_tarief_cent": "B-tarief (€)",
        "b_kosten_per_traject_cent": "B-kosten per traject (€)",
        "b_uitnutting": "B-uitnutting",
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
providers = data.b_aanbieders
visible = providers.dropna(subset=["resultaat_cent"])
if visible.empty:
    st.info("Geen B-aanbieders met afgesloten trajecten in deze selectie.")
else:
    st.plotly_chart(charts.result_bars(visible), width="stretch", key="seg_b_resultaat")
    deficit = visible[visible["tekort"]]
    st.caption(
        f"Samenvatting: {len(deficit)} van {len(visible)} B-aanbieders hebben op hun eigen "
        f"afgesloten B-trajecten een tekort, samen "
        f"{euro_cent(-deficit['resultaat_cent'].sum(), hele_euros=True)}."
    )
table_with_downloads(
    data.b_per_profiel,
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
flows = data.stromen if detail_level == "Per profiel en intensiteit" else data.stromen_per_profiel
if flows["aantal"].dropna().empty:
    st.info("Geen (of te weinig) herindicaties van B naar C in deze selectie.")
else:
    top = flows.dropna(subset=["aantal"]).head(40)
    st.plotly_chart(charts.flow_sankey(top), width="stretch", key="seg_sankey")
    by_profile = top.groupby("van_profiel")["aantal"].sum().sort_values(ascending=False)
    share = by_profile.head(3).sum() / by_profile.sum()
    total = aantal(data.herindicaties, suppressed=True)
    st.caption(
        f"Samenvatting: {total} trajecten in C volgden op een B-traject van dezelfde cliënt. "
        f"{procent(share)} van de getoonde herindicaties komt uit de profielen "
        + ", ".join(f"P{int(p):02d}" for p in by_profile.head(3).index)
        + ". De tabel noemt ook de mediane tijd van de start van het B-traject tot de start in C."
    )
table_with_downloads(
    flows,
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
income = data.b_onder_c
st.caption(
    "Inkomen in de periode: als hoofdaannemer de ontvangen tranches, als onderaannemer de "
    "vergoeding van de hoofdaannemer. "
    f"{aantal(data.b_onder_c_trajecten, suppressed=True)} C-trajecten kregen zorg van een "
    "B-aanbieder als onderaannemer."
)
table_with_downloads(
    income,
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
register = trends(engine, scope, filters.segment)  # live: the register is read directly
st.caption(
    f"Meldingen{' in segment ' + filters.segment.value if filters.segment else ''}: "
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
    link_to_page(
        "kerngroep",
        "Open deze meldingen in het register",
        {"uit_segment": filters.segment.value} if filters.segment else None,
    )

# --- 6. drill-down ----------------------------------------------------------------------------
st.header("Trajecten achter een SPIC")
if not drill_allowed:
    st.info("Gegevens per traject zijn niet beschikbaar voor uw rol; u ziet alleen totalen.")
    st.stop()
spics = {
    int(i): c
    for col_id, col_code in (("b_spic_id", "b_code"), ("c_spic_id", "c_code"))
    for i, c in zip(gap[col_id], gap[col_code], strict=True)
}
spic_id = st.selectbox(
    "SPIC",
    sorted(spics, key=spics.get),
    index=None,
    format_func=spics.get,
    placeholder="Klik op een punt in de tariefkloof of kies een SPIC",
    key="seg_spic",
)
if spic_id is None:
    st.stop()
drill = cached_query(trajecten, engine, scope, filters, Selectie(spic_id=spic_id))
if drill.beperkt_tot_eigen:
    st.caption("U ziet alleen trajecten van aanbieders waarvan u de gegevens mag inzien.")
table_with_downloads(
    drill.trajecten,
    labels=TRAJECT_LABELS,
    formatters=TRAJECT_FORMAT,
    file_stem="trajecten_spic",
    key="seg_trajecten",
)
