"""Resultaat en betaling: tranches, outcome indicators in a funnel plot, what-if rules."""

import streamlit as st

from dashboard import charts
from dashboard.auth import guard
from dashboard.components import (
    VOORLOPIG_NOTE,
    YOY_HELP,
    change_text,
    metric,
    start_export_context,
    table_on_request,
    table_with_downloads,
)
from dashboard.db import get_engine, load_view
from dashboard.filters import describe, filter_bar
from dashboard.formatting import (
    aantal,
    cijfer,
    datum,
    euro_cent,
    euro_kort,
    ja_nee,
    maand,
    procent,
    procentpunt,
    suppression_note,
)
from data_access.access import AccessDenied
from data_access.queries.resultaat import (
    INDELINGEN,
    ResultaatKeuze,
    ScenarioInstellingen,
    resultaat,
)
from data_access.scenarios import Scenario, save_scenario
from data_access.validation import ValidationFailed

INDICATOR_LABELS = {"uitval": "Uitval", "doel_volledig": "Doelen volledig behaald"}

identity, scope = guard("resultaat")
filters = filter_bar(scope)
# The page's controls are drawn further down; their last values shape the view now.
state = st.session_state
loaded = state.get("res_laden")
choice = ResultaatKeuze(
    indicator=state.get("res_indicator") or "uitval",
    indeling=state.get("res_indeling") or "startkwartaal",
    vergelijk=bool(state.get("vergelijk")),
    scenario=ScenarioInstellingen(
        geladen=loaded,
        resultaatdeel_pct=state.get(f"res_deel_{loaded}"),
        budgetneutraal=state.get(f"res_neutraal_{loaded}"),
        gewicht_uitval=state.get(f"res_w1_{loaded}"),
        gewicht_doel=state.get(f"res_w2_{loaded}"),
        gewicht_ervaring=state.get(f"res_w3_{loaded}"),
    ),
    scenarios_naast_elkaar=(state.get("res_a"), state.get("res_b")),
)
view = load_view(resultaat, scope=scope, filters=filters, choice=choice)

st.title("Resultaat en betaling")
start_export_context("Resultaat en betaling", describe(scope, view.filters))
tranches = view.tranches
st.caption(
    f"Periode {datum(view.filters.van)} t/m {datum(view.filters.tot)}. De hoofdaannemer krijgt "
    f"{procent(float(tranches.aandeel_start))} van het tarief bij de start en de rest na "
    f"afronding (instelling SPIC_START_TRANCHE_SHARE). {suppression_note()}"
)
metric(
    st,
    "Uitval in de regio",
    procent(view.kop.nu, suppressed=True),
    delta=change_text(view.kop, procentpunt),
    help="Het deel van de in de periode beëindigde trajecten dat voortijdig stopte "
    "(redenen 32–35)." + YOY_HELP,
    width="content",
)

# --- 1. tranches ------------------------------------------------------------------------------
st.header("Tranches en wat nog betaald moet worden")
tiles = st.container(horizontal=True)
metric(tiles, "Starttranches", euro_kort(view.start_totaal_cent))
metric(tiles, "Afrondingstranches", euro_kort(view.afronding_totaal_cent))
metric(
    tiles,
    "Nog te betalen op lopende trajecten",
    euro_kort(tranches.openstaand_cent),
    help="De afrondingstranches van de trajecten die aan het eind van de periode lopen: "
    "de verplichting van de regio.",
)
st.toggle("Vergelijk met vorig jaar", key="vergelijk")
st.plotly_chart(
    charts.tranche_bars(tranches.per_maand, view.tranches_vorig_jaar),
    width="stretch",
    key="res_tranches",
)
st.caption(
    "Samenvatting: per maand de verschuldigde start- en afrondingstranches (staven) en wat er "
    "aan het eind van de maand nog openstaat (stippellijn). De tabel bevat dezelfde cijfers, "
    "met daarnaast wat volgens de administratie is betaald."
)
table_on_request(
    "Tabel: tranches per maand",
    tranches.per_maand,
    labels={
        "maand": "Maand",
        "start_cent": "Starttranches (€)",
        "afronding_cent": "Afrondingstranches (€)",
        "openstaand_cent": "Openstaand eind maand (€)",
        "betaald_cent": "Betaald volgens administratie (€)",
    },
    formatters={
        "maand": maand,
        "start_cent": euro_cent,
        "afronding_cent": euro_cent,
        "openstaand_cent": euro_cent,
        "betaald_cent": euro_cent,
    },
    file_stem="tranches_per_maand",
    key="res_tranches_tabel",
)
table_on_request(
    "Tabel: tranches per hoofdaannemer",
    tranches.per_aanbieder,
    labels={
        "naam": "Hoofdaannemer",
        "trajecten": "Gestart",
        "start_cent": "Starttranches (€)",
        "afronding_cent": "Afrondingstranches (€)",
    },
    formatters={"trajecten": aantal, "start_cent": euro_cent, "afronding_cent": euro_cent},
    file_stem="tranches_per_aanbieder",
    key="res_aanbieder_tabel",
)

# --- 2. funnel plot ---------------------------------------------------------------------------
st.header("Uitkomsten per aanbieder: trechterdiagram")
st.segmented_control(
    "Indicator",
    list(INDICATOR_LABELS),
    format_func=INDICATOR_LABELS.get,
    default="uitval",
    key="res_indicator",
)
funnel = view.funnel
label = INDICATOR_LABELS[funnel.indicator]
if funnel.punten.empty:
    st.info("Geen beëindigde trajecten in deze selectie.")
else:
    st.plotly_chart(
        charts.funnel_plot(funnel.punten, funnel.grens, funnel.regio, label),
        width="stretch",
        key="res_funnel",
    )
    st.caption(
        f"Samenvatting: regionaal {procent(funnel.regio)}. Een aanbieder buiten de "
        "stippellijnen (99,8%) wijkt meer af dan toeval bij dat aantal trajecten verklaart: "
        + (
            ", ".join(f"{r.naam} ({procent(r.rate)})" for r in view.buiten_998.itertuples())
            if len(view.buiten_998)
            else "geen enkele aanbieder"
        )
        + ". Kleine aanbieders hebben brede grenzen; zo wordt niemand op toeval afgerekend. "
        "Aanbieders die op dezelfde plek vallen, delen één stip; de tabel noemt ze allemaal."
        + (
            " De grafiek zet de namen van de grootste uitschieters erbij waar ze passen."
            if len(view.buiten_998) > 1
            else ""
        )
    )
    table_on_request(
        "Tabel: trechterdiagram per aanbieder",
        funnel.punten,
        labels={
            "naam": "Aanbieder",
            "n": "Beëindigd",
            "teller": label,
            "rate": "Percentage",
            "lo998": "Ondergrens 99,8%",
            "hi998": "Bovengrens 99,8%",
            "buiten_998": "Buiten 99,8%",
        },
        formatters={
            "n": aantal,
            "teller": aantal,
            "rate": procent,
            "lo998": procent,
            "hi998": procent,
            "buiten_998": lambda v, suppressed=False: "ja" if v else "",
        },
        file_stem=f"trechter_{funnel.indicator}",
        key="res_funnel_tabel",
    )

# --- 3. indicators by dimension ---------------------------------------------------------------
st.header("Indicatoren per segment, profiel, gemeente en kwartaal")
st.segmented_control(
    "Indeling",
    list(INDELINGEN),
    format_func=INDELINGEN.get,
    default="startkwartaal",
    key="res_indeling",
)
if view.indeling in ("kwartaal", "startkwartaal"):
    st.caption(
        "Per kwartaal van beëindiging tellen in de eerste kwartalen van de gegevens vooral "
        "trajecten die vroeg stopten; per startkwartaal (cohort) vergelijkt u trajecten die "
        "tegelijk begonnen. " + VOORLOPIG_NOTE.replace("maanden", "kwartalen")
    )
table_with_downloads(
    view.indicatoren,
    labels={
        "groep": INDELINGEN[view.indeling],
        "beeindigd": "Beëindigd",
        "uitval_pct": "Uitval",
        "doel_volledig_pct": "Doelen volledig",
        "doel_gedeeltelijk_pct": "Gedeeltelijk",
        "doel_niet_pct": "Niet",
        "ervaring_gemiddeld": "Cliëntervaring",
        **({"voorlopig": "Voorlopig"} if "voorlopig" in view.indicatoren else {}),
    },
    formatters={
        "voorlopig": ja_nee,
        "beeindigd": aantal,
        "uitval_pct": procent,
        "doel_volledig_pct": procent,
        "doel_gedeeltelijk_pct": procent,
        "doel_niet_pct": procent,
        "ervaring_gemiddeld": cijfer,
    },
    file_stem=f"indicatoren_per_{view.indeling}",
    key="res_indeling_tabel",
)

# --- 4. what-if -------------------------------------------------------------------------------
st.header("Wat als een deel van de afronding van het resultaat afhangt?")
wat_als = view.wat_als
if wat_als is None:
    st.info("Het doorrekenen van betaalregels is er voor de kerngroep en de contractmanagers.")
    st.stop()
names = wat_als.opgeslagen
st.selectbox(
    "Bewaard scenario laden",
    [None, *names],
    format_func=lambda i: names.get(i, "—"),
    key="res_laden",
)
base = wat_als.scenario or Scenario()
suffix = wat_als.geladen
left, right = st.columns(2)
left.slider(
    "Deel van de afrondingstranche dat van het resultaat afhangt (%)",
    0,
    100,
    int(base.resultaatdeel * 100),
    step=5,
    key=f"res_deel_{suffix}",
)
right.toggle(
    "Budgetneutraal (de regio betaalt in totaal hetzelfde)",
    value=base.budgetneutraal,
    key=f"res_neutraal_{suffix}",
)
WEIGHTS = [w / 2 for w in range(7)]  # 0 to 3 by halves, shown as '1,5' (not '1.50')
for column, title, value, key in zip(
    st.columns(3),
    ("Gewicht uitval", "Gewicht doelrealisatie", "Gewicht cliëntervaring"),
    (base.gewicht_uitval, base.gewicht_doel, base.gewicht_ervaring),
    ("res_w1", "res_w2", "res_w3"),
    strict=True,
):
    column.select_slider(
        title,
        WEIGHTS,
        value=min(WEIGHTS, key=lambda w, v=float(value): abs(w - v)),
        format_func=cijfer,
        key=f"{key}_{suffix}",
    )
if wat_als.fout or wat_als.resultaat is None or wat_als.scenario is None:
    st.error(wat_als.fout or "Deze instellingen geven geen geldige betaalregel.")
    st.stop()
result = wat_als.resultaat
tiles = st.container(horizontal=True)
tiles.metric("Werkelijk betaald (afronding)", euro_kort(result.totaal_werkelijk_cent), border=True)
tiles.metric(  # the change is the scenario's, not a year's: not a headline of the downloads
    "Volgens scenario",
    euro_kort(result.totaal_scenario_cent),
    delta=euro_cent(result.totaal_scenario_cent - result.totaal_werkelijk_cent, hele_euros=True),
    delta_color="off",
    border=True,
)
if len(wat_als.verlies):
    st.caption(
        "Samenvatting: meeste verlies bij "
        + ", ".join(
            f"{r.naam} ({euro_cent(r.verschil_cent, hele_euros=True)})"
            for r in wat_als.verlies.itertuples()
        )
        + "; meeste winst bij "
        + ", ".join(
            f"{r.naam} (+{euro_cent(r.verschil_cent, hele_euros=True)})"
            for r in wat_als.winst.itertuples()
        )
        + "."
    )
table_on_request(
    "Tabel: scenario per aanbieder",
    result.per_aanbieder,
    labels={
        "naam": "Aanbieder",
        "beeindigd": "Beëindigd",
        "uitval_pct": "Uitval",
        "doel_volledig_pct": "Doelen volledig",
        "ervaring_gemiddeld": "Ervaring",
        "score": "Score (100% = regio)",
        "werkelijk_cent": "Werkelijk (€)",
        "scenario_cent": "Scenario (€)",
        "verschil_cent": "Verschil (€)",
    },
    formatters={
        "beeindigd": aantal,
        "uitval_pct": procent,
        "doel_volledig_pct": procent,
        "ervaring_gemiddeld": cijfer,
        "score": procent,
        "werkelijk_cent": euro_cent,
        "scenario_cent": euro_cent,
        "verschil_cent": euro_cent,
    },
    file_stem="scenario_resultaat",
    key="res_scenario",
)

if scope.may_save_scenarios:
    with st.form("res_bewaren", clear_on_submit=True):
        name = st.text_input("Naam om dit scenario te bewaren", max_chars=80)
        if st.form_submit_button("Scenario bewaren"):
            try:
                save_scenario(
                    get_engine(),
                    scope,
                    scenario=Scenario(**{**wat_als.scenario.__dict__, "naam": name}),
                )
            except (ValidationFailed, AccessDenied) as exc:
                st.error(str(exc))
            else:
                st.success("Het scenario is bewaard. Kies het hierboven om het te laden.")

if wat_als.vergelijk is not None and wat_als.vergelijking is not None:
    st.subheader("Twee scenario's vergelijken")
    first, second = wat_als.vergelijk
    left, right = st.columns(2)
    ids = list(names)
    left.selectbox("Scenario A", ids, index=ids.index(first), format_func=names.get, key="res_a")
    right.selectbox("Scenario B", ids, index=ids.index(second), format_func=names.get, key="res_b")
    table_with_downloads(
        wat_als.vergelijking,
        labels={
            "naam": "Aanbieder",
            "werkelijk_cent": "Werkelijk (€)",
            "scenario_cent_a": f"{names[first]} (€)",
            "scenario_cent_b": f"{names[second]} (€)",
            "verschil_cent": "B min A (€)",
        },
        formatters={
            "werkelijk_cent": euro_cent,
            "scenario_cent_a": euro_cent,
            "scenario_cent_b": euro_cent,
            "verschil_cent": euro_cent,
        },
        file_stem="scenarios_vergeleken",
        key="res_vergelijk",
    )
