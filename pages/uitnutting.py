"""SPIC-uitnutting: does the tariff cover the care delivered, and where does it not?"""

from functools import partial

import streamlit as st

from dashboard import charts
from dashboard.auth import require_page
from dashboard.components import table_with_downloads
from dashboard.db import cached_query, get_engine
from dashboard.filters import filter_bar
from dashboard.formatting import aantal, datum, euro_cent, ja_nee, maand, procent
from dashboard.tables import CAPACITEIT_FORMAT, CAPACITEIT_LABELS, TRAJECT_FORMAT, TRAJECT_LABELS
from data_access.models import Rol
from data_access.queries.uitnutting import (
    BIN_WIDTH,
    LAST_BIN,
    Selectie,
    trajecten,
    uitnutting,
)

engine = get_engine()
identity, scope = require_page(engine, "uitnutting")
filters = filter_bar(engine, scope)
data = cached_query(uitnutting, engine, scope, filters)

st.title("SPIC-uitnutting")
st.caption(
    f"Trajecten die zijn afgesloten tussen {datum(filters.van)} en {datum(filters.tot)}. "
    "Uitnutting = kosten van de geleverde zorg (eigen zorg en onderaanneming) ÷ SPIC-tarief. "
    "Boven 100% kost een traject meer dan het tarief. '<10' betekent minder dan 10 trajecten "
    "(niet getoond vanwege privacy)."
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
drill_allowed = scope.rol != Rol.ADVISEUR


def _select_from_chart(chart_key: str, target_key: str) -> None:
    """A click on a chart element selects the same thing as the select box beside it."""
    points = st.session_state[chart_key].selection.points
    custom = points[0].get("customdata") if points else None
    if custom and int(custom[0]) >= 0:
        st.session_state[target_key] = int(custom[0])


# --- 1. heatmap -----------------------------------------------------------------------------
st.header("Uitnutting per profiel en intensiteit")
cells = data.heatmap
if data.eigen_heatmap is not None:
    view = st.segmented_control(
        "Weergave", ["Uw organisatie", "Regio"], default="Uw organisatie", key="uitn_weergave"
    )
    if view == "Uw organisatie":
        cells = data.eigen_heatmap
segments = sorted(cells["segment"].unique())
columns = st.columns(len(segments)) if segments else []
for column, segment in zip(columns, segments, strict=True):
    part = cells[cells["segment"] == segment]
    with column:
        st.plotly_chart(
            charts.utilisation_grid(part, f"Segment {segment}"),
            key=f"uitn_grid_{segment}",
            on_select=partial(_select_from_chart, f"uitn_grid_{segment}", "uitn_spic")
            if drill_allowed
            else "ignore",
            selection_mode="points",
            width="stretch",
            config={"displayModeBar": False},
        )
over = cells[(cells["uitnutting"] > 1) & ~cells["onderdrukt"]].sort_values(
    "uitnutting", ascending=False
)
if cells["trajecten"].fillna(0).sum() == 0:
    st.info("Geen afgesloten trajecten in deze selectie.")
else:
    st.caption(
        "Samenvatting: "
        + (
            f"{len(over)} SPIC's kosten meer dan hun tarief; het hoogst "
            + ", ".join(
                f"{r.spic_code} ({procent(r.uitnutting)})" for r in over.head(3).itertuples()
            )
            if len(over)
            else "geen enkele SPIC kost gemiddeld meer dan het tarief"
        )
        + ". Grijze vakken: geen of te weinig trajecten. De tabel bevat dezelfde cijfers."
    )
with st.expander("Tabel: uitnutting per SPIC"):
    table_with_downloads(
        cells,
        labels=CELL_LABELS,
        formatters=CELL_FORMAT,
        file_stem="uitnutting_per_spic",
        key="uitn_cellen",
    )

# --- 2. distribution ------------------------------------------------------------------------
st.header("Verdeling per afgesloten traject")
verdeling = data.verdeling
if verdeling.per_bin["trajecten"].fillna(0).sum() == 0:
    st.info("Geen afgesloten trajecten in deze selectie.")
else:
    st.plotly_chart(
        charts.utilisation_histogram(verdeling.per_bin, BIN_WIDTH, LAST_BIN),
        width="stretch",
        key="uitn_histogram",
    )
    st.caption(
        f"Samenvatting: van {aantal(verdeling.afgesloten, suppressed=True)} afgesloten trajecten "
        f"kostten er {aantal(verdeling.boven_tarief, suppressed=True)} meer dan hun tarief, samen "
        f"{euro_cent(verdeling.overschrijding_cent, hele_euros=True, suppressed=True)} boven het "
        f"tarief. De mediane uitnutting is {procent(verdeling.mediaan, suppressed=True)}. "
        "De laatste staaf telt alles vanaf 300%."
    )
    with st.expander("Tabel: verdeling"):
        table_with_downloads(
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

# --- 3. portfolio balance -------------------------------------------------------------------
st.header("Portefeuillebalans per hoofdaannemer")
balans = data.balans
shown = balans.dropna(subset=["tarief_cent"])
if shown.empty:
    st.info("Geen afgesloten trajecten in deze selectie.")
else:
    top = shown.head(30)
    st.plotly_chart(
        charts.balance_bars(top),
        key="uitn_balans",
        on_select=partial(_select_from_chart, "uitn_balans", "uitn_hoofdaannemer")
        if drill_allowed
        else "ignore",
        selection_mode="points",
        width="stretch",
    )
    deficit = shown[shown["tekort"]]
    tekort = euro_cent(-deficit["resultaat_cent"].sum(), hele_euros=True)
    st.caption(
        f"Samenvatting: {len(deficit)} van {len(shown)} hoofdaannemers hebben in deze selectie "
        f"meer kosten dan tariefinkomsten, samen {tekort} "
        "tekort. Gesorteerd van grootste tekort naar grootste overschot"
        + (f"; de grafiek toont de eerste 30 van {len(shown)}" if len(shown) > 30 else "")
        + ". Aanbieders met een tekort zijn gemarkeerd met '(tekort)'."
    )
with st.expander("Tabel: portefeuillebalans", expanded=False):
    table_with_downloads(
        balans,
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

# --- 4. trend --------------------------------------------------------------------------------
st.header("Kosten en tariefwaarde per maand")
trend = data.trend
if trend["tarief_cent"].dropna().empty:
    st.info("Geen afgesloten trajecten in deze selectie.")
else:
    st.plotly_chart(charts.cost_tariff_trend(trend), width="stretch", key="uitn_trend")
    totals = (
        trend.dropna(subset=["tarief_cent"])
        .groupby("segment")[["kosten_cent", "tarief_cent"]]
        .sum()
    )
    st.caption(
        "Samenvatting, per maand van afsluiting: "
        + "; ".join(
            f"segment {s}: kosten {procent(r.kosten_cent / r.tarief_cent)} van de tariefwaarde"
            for s, r in totals.iterrows()
            if r.tarief_cent
        )
        + ". Doorgetrokken lijn = kosten, stippellijn = tarief."
    )
    with st.expander("Tabel: per maand"):
        table_with_downloads(
            trend,
            labels={
                "maand": "Maand",
                "segment": "Segment",
                "trajecten": "Afgesloten",
                "tarief_cent": "Tariefwaarde (€)",
                "kosten_cent": "Kosten (€)",
                "uitnutting": "Uitnutting",
            },
            formatters={
                "maand": maand,
                "trajecten": aantal,
                "tarief_cent": euro_cent,
                "kosten_cent": euro_cent,
                "uitnutting": procent,
            },
            file_stem="uitnutting_per_maand",
            key="uitn_trend_tabel",
        )

# --- 5. capacity ----------------------------------------------------------------------------
st.header("Benutting van capaciteitscontracten")
st.caption(
    "Onderaannemingen met een structureel team (fte × 36 uur) of gereserveerde uren per week: "
    "gebruikte uren per week tegenover de afgesproken uren. Alleen periode- en aanbiederfilter."
)
capaciteit = data.capaciteit
if capaciteit.empty:
    st.info("Geen capaciteitscontracten met inzet in deze selectie.")
else:
    st.plotly_chart(
        charts.capacity_lines(data.capaciteit_per_maand), width="stretch", key="uitn_capaciteit"
    )
    st.caption(
        "Samenvatting: "
        + "; ".join(
            f"{r.hoofdaannemer} → {r.onderaannemer}: gemiddeld {procent(r.benutting)} "
            f"benut, {r.maanden_onder_80} van {r.maanden} maanden onder 80%"
            for r in capaciteit.itertuples()
        )
        + "."
    )
    table_with_downloads(
        capaciteit,
        labels=CAPACITEIT_LABELS,
        formatters=CAPACITEIT_FORMAT,
        file_stem="capaciteitscontracten",
        key="uitn_capaciteit_tabel",
    )

# --- 6. drill-down --------------------------------------------------------------------------
st.header("Trajecten achter de selectie")
if not drill_allowed:
    st.info("Gegevens per traject zijn niet beschikbaar voor uw rol; u ziet alleen totalen.")
    st.stop()
spic_options = {
    int(r.spic_id): f"{r.spic_code} – {r.profiel_naam}, {r.intensiteit_naam}"
    for r in data.heatmap.itertuples()
}
named = balans.dropna(subset=["aanbieder_id"])
provider_options = dict(zip(named["aanbieder_id"].astype(int), named["naam"], strict=True))
st.caption(
    "Klik op een vak van de heatmap of een staaf van de portefeuillebalans, of kies hieronder."
)
left, right = st.columns(2)
spic_id = left.selectbox(
    "SPIC",
    list(spic_options),
    index=None,
    placeholder="Alle SPIC's",
    format_func=spic_options.get,
    key="uitn_spic",
)
hoofdaannemer_id = right.selectbox(
    "Hoofdaannemer",
    list(provider_options),
    index=None,
    placeholder="Alle hoofdaannemers",
    format_func=provider_options.get,
    key="uitn_hoofdaannemer",
)
if spic_id is None and hoofdaannemer_id is None:
    st.info("Kies een SPIC of hoofdaannemer om de trajecten te zien.")
    st.stop()
drill = cached_query(trajecten, engine, scope, filters, Selectie(spic_id, hoofdaannemer_id))
if drill.beperkt_tot_eigen:
    st.caption("U ziet alleen trajecten van aanbieders waarvan u de gegevens mag inzien.")
if drill.totaal > len(drill.trajecten):
    st.caption(
        f"De {aantal(len(drill.trajecten))} trajecten met de hoogste uitnutting van "
        f"{aantal(drill.totaal)}; de download bevat dezelfde selectie."
    )
table_with_downloads(
    drill.trajecten,
    labels=TRAJECT_LABELS,
    formatters=TRAJECT_FORMAT,
    file_stem="trajecten_selectie",
    key="uitn_trajecten",
)
