"""SPIC-uitnutting: does the tariff cover the care delivered, and where does it not?"""

import streamlit as st

from dashboard import charts
from dashboard.auth import guard
from dashboard.charts import RELIABLE_FROM
from dashboard.components import (
    VOORLOPIG_NOTE,
    YOY_HELP,
    change_text,
    metric,
    open_section,
    select_from_chart,
    start_export_context,
    table_on_request,
    table_with_downloads,
    trajecten_drilldown,
)
from dashboard.db import load_view
from dashboard.filters import describe, filter_bar
from dashboard.formatting import (
    aantal,
    datum,
    euro_cent,
    ja_nee,
    maand,
    procent,
    procentpunt,
    suppression_note,
)
from dashboard.tables import CAPACITEIT_FORMAT, CAPACITEIT_LABELS
from data_access.queries.uitnutting import (
    BALANCE_BARS,
    BIN_WIDTH,
    LAST_BIN,
    TREND_PER,
    Selectie,
    UitnuttingKeuze,
    uitnutting,
)

identity, scope = guard("uitnutting")
filters = filter_bar(scope)
# The drill-down's select boxes are drawn at the bottom; their last choice selects now.
choice = UitnuttingKeuze(
    Selectie(st.session_state.get("uitn_spic"), st.session_state.get("uitn_hoofdaannemer")),
    trend_per=st.session_state.get("uitn_trend_per") or "afsluiting",
    vergelijk=bool(st.session_state.get("vergelijk")),
)
view = load_view(uitnutting, scope=scope, filters=filters, choice=choice)

st.title("SPIC-uitnutting")
start_export_context("SPIC-uitnutting", describe(scope, view.filters))
st.caption(
    f"Trajecten die zijn afgesloten tussen {datum(view.filters.van)} en "
    f"{datum(view.filters.tot)}. Uitnutting = kosten van de geleverde zorg (eigen zorg en "
    "onderaanneming) ÷ SPIC-tarief. Boven 100% kost een traject meer dan het tarief. "
    + suppression_note()
)
metric(
    st,
    "Uitnutting van de afgesloten trajecten",
    procent(view.kop.nu, suppressed=True),
    delta=change_text(view.kop, procentpunt),
    help="Kosten ÷ tarief van alle trajecten die in de periode zijn afgesloten." + YOY_HELP,
    width="content",
)

CELL_LABELS = {
    "spic_code": "SPIC",
    "profiel_naam": "Profiel",
    "intensiteit_naam": "Intensiteit",
    "trajecten": "Afgesloten trajecten",
    "tarief_cent": "Tarieven (€)",
    "kosten_cent": "Kosten (€)",
    "uitnutting": "Uitnutting",
}
CELL_FORMAT = {
    "trajecten": aantal,
    "tarief_cent": euro_cent,
    "kosten_cent": euro_cent,
    "uitnutting": procent,
}


def draw_heatmap() -> None:
    """The heatmap of utilisation per profile and intensity, one per segment."""
    st.header("Uitnutting per profiel en intensiteit")
    heatmap = view.heatmap
    if view.eigen_heatmap is not None:
        shown_view = st.segmented_control(
            "Weergave",
            ["Uw organisatie", "Regio"],
            default="Uw organisatie",
            key="uitn_weergave",
            persist_state="page",  # kept while another section is open
        )
        if shown_view == "Uw organisatie":
            heatmap = view.eigen_heatmap
    for segment in heatmap.segmenten:  # one under the other: cells wide enough for their labels
        key = f"uitn_grid_{segment}"
        st.plotly_chart(
            charts.utilisation_grid(heatmap.cellen, segment),
            key=key,
            on_select=select_from_chart(key, "uitn_spic") if scope.sees_trajectories else "ignore",
            selection_mode="points",
            width="stretch",
            config={"displayModeBar": False},
        )
    if heatmap.afgesloten == 0:
        st.info("Geen afgesloten trajecten in deze selectie.")
    else:
        st.caption(
            "Samenvatting: "
            + (
                f"{heatmap.boven_tarief} SPIC's kosten meer dan hun tarief; het hoogst "
                + ", ".join(
                    f"{r.spic_code} ({procent(r.uitnutting)})" for r in heatmap.duurste.itertuples()
                )
                if heatmap.boven_tarief
                else "geen enkele SPIC kost gemiddeld meer dan het tarief"
            )
            + f". Grijze vakken: geen of te weinig trajecten; '*': minder dan {RELIABLE_FROM} "
            "afgesloten trajecten, dus een onzeker cijfer (het aantal staat bij elk vak als u "
            "erop wijst). De tabel bevat dezelfde cijfers."
        )
    table_on_request(
        "Tabel: uitnutting per SPIC",
        heatmap.cellen,
        labels=CELL_LABELS,
        formatters=CELL_FORMAT,
        file_stem="uitnutting_per_spic",
        key="uitn_cellen",
    )


def draw_distribution() -> None:
    """How the closed trajectories spread around their tariff."""
    st.header("Verdeling per afgesloten traject")
    verdeling = view.verdeling
    if not verdeling.getekend:
        st.info("Geen afgesloten trajecten in deze selectie.")
    else:
        st.plotly_chart(
            charts.utilisation_histogram(verdeling.per_bin, BIN_WIDTH, LAST_BIN),
            width="stretch",
            key="uitn_histogram",
        )
        st.caption(
            f"Samenvatting: van {aantal(verdeling.afgesloten, suppressed=True)} afgesloten "
            f"trajecten kostten er {aantal(verdeling.boven_tarief, suppressed=True)} meer dan hun "
            "tarief, samen "
            f"{euro_cent(verdeling.overschrijding_cent, hele_euros=True, suppressed=True)} boven "
            f"het tarief. De mediane uitnutting is {procent(verdeling.mediaan, suppressed=True)}."
            + (
                " De laatste staaf telt alles vanaf 300%."
                if verdeling.laatste_klasse_getekend
                else ""
            )
        )
        table_on_request(
            "Tabel: verdeling",
            verdeling.per_bin,
            labels={
                "segment": "Segment",
                "ondergrens": "Uitnutting vanaf",
                "trajecten": "Trajecten",
            },
            formatters={"trajecten": aantal, "ondergrens": procent},
            file_stem="uitnutting_verdeling",
            key="uitn_verdeling",
        )


def draw_balance() -> None:
    """Each main contractor's tariffs against its costs."""
    st.header("Portefeuillebalans per hoofdaannemer")
    balans = view.balans
    if balans.met_cijfers == 0:
        st.info("Geen afgesloten trajecten in deze selectie.")
    else:
        st.plotly_chart(
            charts.balance_bars(balans.getekend),
            key="uitn_balans",
            on_select=select_from_chart("uitn_balans", "uitn_hoofdaannemer")
            if scope.sees_trajectories
            else "ignore",
            selection_mode="points",
            width="stretch",
        )
        st.caption(
            f"Samenvatting: {balans.met_tekort} van {balans.met_cijfers} hoofdaannemers hebben in "
            f"deze selectie meer kosten dan tariefinkomsten, samen "
            f"{euro_cent(balans.tekort_cent, hele_euros=True)} tekort. Gesorteerd van grootste "
            "tekort naar grootste overschot"
            + (
                f"; de grafiek toont de eerste {BALANCE_BARS} van {balans.met_cijfers}"
                if balans.met_cijfers > BALANCE_BARS
                else ""
            )
            + ". Aanbieders met een tekort zijn gemarkeerd met '(tekort)'."
        )
    table_on_request(
        "Tabel: portefeuillebalans",
        balans.per_hoofdaannemer,
        labels={
            "naam": "Hoofdaannemer",
            "trajecten": "Afgesloten trajecten",
            "tarief_cent": "Tarieven (€)",
            "eigen_kosten_cent": "Kosten eigen zorg (€)",
            "onder_kosten_cent": "Kosten onderaanneming (€)",
            "resultaat_cent": "Resultaat (€)",
            "uitnutting": "Uitnutting",
            "tekort": "Tekort",
        },
        formatters={
            "trajecten": aantal,
            "tarief_cent": euro_cent,
            "eigen_kosten_cent": euro_cent,
            "onder_kosten_cent": euro_cent,
            "resultaat_cent": euro_cent,
            "uitnutting": procent,
            "tekort": ja_nee,
        },
        file_stem="portefeuillebalans",
        key="uitn_balans_tabel",
    )


def draw_trend() -> None:
    """Costs and tariff value per month."""
    st.header("Kosten en tariefwaarde per maand")
    left, right = st.columns([3, 1])
    left.segmented_control(
        "Indeling",
        list(TREND_PER),
        format_func=TREND_PER.get,
        default="afsluiting",
        key="uitn_trend_per",
        help="Per maand van afsluiting telt een traject in de maand waarin het eindigde. In de "
        "eerste maanden van de gegevens zijn dan alleen korte trajecten afgesloten; de "
        "cohortweergave (per maand van start) heeft dat niet.",
        persist_state="page",  # the view reads it in every section
    )
    right.toggle("Vergelijk met vorig jaar", key="vergelijk", persist_state="page")
    if not view.trend_kostenaandeel:
        st.info("Geen afgesloten trajecten in deze selectie.")
    else:
        st.plotly_chart(
            charts.cost_tariff_trend(view.trend, view.trend_vorig_jaar),
            width="stretch",
            key="uitn_trend",
        )
        st.caption(
            f"Samenvatting, {TREND_PER[view.trend_per].lower()}: "
            + "; ".join(
                f"segment {s}: kosten {procent(share)} van de tariefwaarde"
                for s, share in view.trend_kostenaandeel.items()
            )
            + ". Doorgetrokken lijn = kosten, gestreepte lijn = tarief. "
            + VOORLOPIG_NOTE
        )
        table_on_request(
            "Tabel: per maand",
            view.trend,
            labels={
                "maand": "Maand",
                "segment": "Segment",
                "trajecten": "Afgesloten",
                "tarief_cent": "Tariefwaarde (€)",
                "kosten_cent": "Kosten (€)",
                "uitnutting": "Uitnutting",
                "voorlopig": "Voorlopig",
            },
            formatters={
                "voorlopig": ja_nee,
                "maand": maand,
                "trajecten": aantal,
                "tarief_cent": euro_cent,
                "kosten_cent": euro_cent,
                "uitnutting": procent,
            },
            file_stem="uitnutting_per_maand",
            key="uitn_trend_tabel",
        )


def draw_capacity() -> None:
    """Hours used against hours agreed in capacity contracts."""
    st.header("Benutting van capaciteitscontracten")
    st.caption(
        "Onderaannemingen met een structureel team (fte × 36 uur) of gereserveerde uren per week: "
        "gebruikte uren per week tegenover de afgesproken uren. Alleen periode- en aanbiederfilter."
    )
    if view.capaciteit.empty:
        st.info("Geen capaciteitscontracten met inzet in deze selectie.")
    else:
        st.plotly_chart(
            charts.capacity_lines(view.capaciteit_per_maand), width="stretch", key="uitn_capaciteit"
        )
        st.caption(
            "Samenvatting: "
            + "; ".join(
                f"{r.hoofdaannemer} → {r.onderaannemer}: gemiddeld {procent(r.benutting)} "
                f"benut, {r.maanden_onder_80} van {r.maanden} maanden onder 80%"
                for r in view.capaciteit.itertuples()
            )
            + "."
        )
        table_with_downloads(
            view.capaciteit,
            labels=CAPACITEIT_LABELS,
            formatters=CAPACITEIT_FORMAT,
            file_stem="capaciteitscontracten",
            key="uitn_capaciteit_tabel",
        )


# Only the open section is drawn: six charts at once were most of the page's time in the
# browser at national scale. The drill-down below serves every section.
SECTIONS = {
    "Per SPIC": draw_heatmap,
    "Verdeling": draw_distribution,
    "Per hoofdaannemer": draw_balance,
    "Per maand": draw_trend,
    "Capaciteitscontracten": draw_capacity,
}
section, tab = open_section(list(SECTIONS), key="uitn_sectie")
with tab:
    SECTIONS[section]()

# --- drill-down -----------------------------------------------------------------------------
st.header("Trajecten achter de selectie")
if not scope.sees_trajectories:
    st.info("Gegevens per traject zijn niet beschikbaar voor uw rol; u ziet alleen totalen.")
    st.stop()
st.caption(
    "Klik op een vak van de heatmap of een staaf van de portefeuillebalans, of kies hieronder."
)
left, right = st.columns(2)
left.selectbox(
    "SPIC",
    list(view.spic_opties),
    index=None,
    placeholder="Alle SPIC's",
    format_func=view.spic_opties.get,
    key="uitn_spic",
)
right.selectbox(
    "Hoofdaannemer",
    list(view.hoofdaannemer_opties),
    index=None,
    placeholder="Alle hoofdaannemers",
    format_func=view.hoofdaannemer_opties.get,
    key="uitn_hoofdaannemer",
)
drill = view.drilldown
if drill is None:
    st.info("Kies een SPIC of hoofdaannemer om de trajecten te zien.")
    st.stop()
trajecten_drilldown(drill, file_stem="trajecten_selectie", key="uitn_trajecten")
