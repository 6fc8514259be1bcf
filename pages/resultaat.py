"""Resultaat en betaling: tranches, outcome indicators in a funnel plot, what-if rules."""

from decimal import Decimal

import streamlit as st

from dashboard import charts
from dashboard.auth import require_page
from dashboard.components import table_with_downloads
from dashboard.db import cached_query, get_engine
from dashboard.filters import filter_bar
from dashboard.formatting import aantal, cijfer, datum, euro_cent, euro_kort, maand, procent
from data_access.access import AccessDenied
from data_access.knelpunten import ValidationFailed
from data_access.queries import resultaat as r

engine = get_engine()
identity, scope = require_page(engine, "resultaat")
filters = filter_bar(engine, scope)

st.title("Resultaat en betaling")
tranches = cached_query(r.tranches, engine, scope, filters)
start_pct = procent(float(tranches.aandeel_start))
st.caption(
    f"Periode {datum(filters.van)} t/m {datum(filters.tot)}. De hoofdaannemer krijgt "
    f"{start_pct} van het tarief bij de start en de rest na afronding (instelling "
    "SPIC_START_TRANCHE_SHARE). '<10' betekent minder dan 10 trajecten (privacy)."
)

# --- 1. tranches ------------------------------------------------------------------------------
st.header("Tranches en wat nog betaald moet worden")
tiles = st.container(horizontal=True)
per_maand = tranches.per_maand
tiles.metric("Starttranches", euro_kort(int(per_maand["start_cent"].sum())), border=True)
tiles.metric("Afrondingstranches", euro_kort(int(per_maand["afronding_cent"].sum())), border=True)
tiles.metric(
    "Nog te betalen op lopende trajecten",
    euro_kort(tranches.openstaand_cent),
    border=True,
    help="De afrondingstranches van de trajecten die aan het eind van de periode lopen: "
    "de verplichting van de regio.",
)
st.plotly_chart(charts.tranche_bars(per_maand), width="stretch", key="res_tranches")
st.caption(
    "Samenvatting: per maand de verschuldigde start- en afrondingstranches (staven) en wat er "
    "aan het eind van de maand nog openstaat (stippellijn). De tabel bevat dezelfde cijfers, "
    "met daarnaast wat volgens de administratie is betaald."
)
with st.expander("Tabel: tranches per maand"):
    table_with_downloads(
        per_maand,
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
with st.expander("Tabel: tranches per hoofdaannemer"):
    table_with_downloads(
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
choice = st.segmented_control(
    "Indicator",
    ["uitval", "doel_volledig"],
    format_func={"uitval": "Uitval", "doel_volledig": "Doelen volledig behaald"}.get,
    default="uitval",
    key="res_indicator",
)
indicator = choice or "uitval"
funnel = cached_query(r.funnel, engine, scope, filters, indicator)
label = "Uitval" if indicator == "uitval" else "Doelen volledig behaald"
points = funnel.punten
if points.empty:
    st.info("Geen beëindigde trajecten in deze selectie.")
else:
    st.plotly_chart(
        charts.funnel_plot(points, funnel.grens, funnel.regio, label),
        width="stretch",
        key="res_funnel",
    )
    outliers = points[points["buiten_998"]]
    st.caption(
        f"Samenvatting: regionaal {procent(funnel.regio)}. Een aanbieder buiten de "
        "stippellijnen (99,8%) wijkt meer af dan toeval bij dat aantal trajecten verklaart: "
        + (
            ", ".join(
                f"{n} ({procent(v)})"
                for n, v in zip(outliers["naam"], outliers["rate"], strict=True)
            )
            if len(outliers)
            else "geen enkele aanbieder"
        )
        + ". Kleine aanbieders hebben brede grenzen; zo wordt niemand op toeval afgerekend."
    )
    table_with_downloads(
        points,
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
        file_stem=f"trechter_{indicator}",
        key="res_funnel_tabel",
    )

# --- 3. indicators by dimension ---------------------------------------------------------------
st.header("Indicatoren per segment, profiel, gemeente en kwartaal")
dimension = st.segmented_control(
    "Indeling",
    ["segment", "profiel", "gemeente", "kwartaal"],
    format_func=str.capitalize,
    default="kwartaal",
    key="res_indeling",
)
by = cached_query(r.indicators_by, engine, scope, filters, dimension or "kwartaal")
table_with_downloads(
    by,
    labels={
        "groep": (dimension or "kwartaal").capitalize(),
        "beeindigd": "Beëindigd",
        "uitval_pct": "Uitval",
        "doel_volledig_pct": "Doelen volledig",
        "doel_gedeeltelijk_pct": "Gedeeltelijk",
        "doel_niet_pct": "Niet",
        "ervaring_gemiddeld": "Cliëntervaring",
    },
    formatters={
        "beeindigd": aantal,
        "uitval_pct": procent,
        "doel_volledig_pct": procent,
        "doel_gedeeltelijk_pct": procent,
        "doel_niet_pct": procent,
        "ervaring_gemiddeld": cijfer,
    },
    file_stem=f"indicatoren_per_{dimension or 'kwartaal'}",
    key="res_indeling_tabel",
)

# --- 4. what-if -------------------------------------------------------------------------------
st.header("Wat als een deel van de afronding van het resultaat afhangt?")
if scope.rol not in r.WHAT_IF_ROLES:
    st.info("Het doorrekenen van betaalregels is er voor de kerngroep en de contractmanagers.")
    st.stop()
saved = r.scenarios(engine, scope)
names = {i: s.naam for i, s in saved.items()}
loaded = st.selectbox(
    "Bewaard scenario laden",
    [None, *names],
    format_func=lambda i: names.get(i, "—"),
    key="res_laden",
)
base = saved.get(loaded) if loaded else r.Scenario()
left, right = st.columns(2)
share = left.slider(
    "Deel van de afrondingstranche dat van het resultaat afhangt (%)",
    0,
    100,
    int(base.resultaatdeel * 100),
    step=5,
    key=f"res_deel_{loaded}",
)
neutral = right.toggle(
    "Budgetneutraal (de regio betaalt in totaal hetzelfde)",
    value=base.budgetneutraal,
    key=f"res_neutraal_{loaded}",
)
a, b, c = st.columns(3)
w_dropout = a.slider(
    "Gewicht uitval", 0.0, 3.0, float(base.gewicht_uitval), 0.5, key=f"res_w1_{loaded}"
)
w_goal = b.slider(
    "Gewicht doelrealisatie", 0.0, 3.0, float(base.gewicht_doel), 0.5, key=f"res_w2_{loaded}"
)
w_exp = c.slider(
    "Gewicht cliëntervaring", 0.0, 3.0, float(base.gewicht_ervaring), 0.5, key=f"res_w3_{loaded}"
)
try:
    scenario = r.Scenario(
        naam=base.naam,
        resultaatdeel=Decimal(share) / 100,
        gewicht_uitval=Decimal(str(w_dropout)),
        gewicht_doel=Decimal(str(w_goal)),
        gewicht_ervaring=Decimal(str(w_exp)),
        budgetneutraal=neutral,
    )
except ValueError as exc:
    st.error(str(exc))
    st.stop()
basis = cached_query(r.scenario_basis, engine, scope, filters)
result = r.doorrekenen(basis, scenario, scope)
difference = result.totaal_scenario_cent - result.totaal_werkelijk_cent
tiles = st.container(horizontal=True)
tiles.metric("Werkelijk betaald (afronding)", euro_kort(result.totaal_werkelijk_cent), border=True)
tiles.metric(
    "Volgens scenario",
    euro_kort(result.totaal_scenario_cent),
    delta=euro_cent(difference, hele_euros=True),
    delta_color="off",
    border=True,
)
rows = result.per_aanbieder.dropna(subset=["verschil_cent"])
if len(rows):
    losers, gainers = rows.head(3), rows.tail(3).iloc[::-1]
    st.caption(
        "Samenvatting: meeste verlies bij "
        + ", ".join(
            f"{n} ({euro_cent(v, hele_euros=True)})"
            for n, v in zip(losers["naam"], losers["verschil_cent"], strict=True)
        )
        + "; meeste winst bij "
        + ", ".join(
            f"{n} (+{euro_cent(v, hele_euros=True)})"
            for n, v in zip(gainers["naam"], gainers["verschil_cent"], strict=True)
        )
        + "."
    )
scenario_labels = {
    "naam": "Aanbieder",
    "beeindigd": "Beëindigd",
    "uitval_pct": "Uitval",
    "doel_volledig_pct": "Doelen volledig",
    "ervaring_gemiddeld": "Ervaring",
    "score": "Score (100% = regio)",
    "werkelijk_cent": "Werkelijk (€)",
    "scenario_cent": "Scenario (€)",
    "verschil_cent": "Verschil (€)",
}
scenario_format = {
    "beeindigd": aantal,
    "uitval_pct": procent,
    "doel_volledig_pct": procent,
    "ervaring_gemiddeld": cijfer,
    "score": procent,
    "werkelijk_cent": euro_cent,
    "scenario_cent": euro_cent,
    "verschil_cent": euro_cent,
}
table_with_downloads(
    result.per_aanbieder,
    labels=scenario_labels,
    formatters=scenario_format,
    file_stem="scenario_resultaat",
    key="res_scenario",
)

if scope.rol in r.SCENARIO_ROLES:
    with st.form("res_bewaren", clear_on_submit=True):
        name = st.text_input("Naam om dit scenario te bewaren", max_chars=80)
        if st.form_submit_button("Scenario bewaren"):
            try:
                r.save_scenario(engine, scope, r.Scenario(**{**scenario.__dict__, "naam": name}))
            except (ValidationFailed, AccessDenied) as exc:
                st.error(str(exc))
            else:
                st.success("Het scenario is bewaard. Kies het hierboven om het te laden.")

if len(saved) >= 2:
    st.subheader("Twee scenario's vergelijken")
    left, right = st.columns(2)
    first = left.selectbox("Scenario A", list(names), format_func=names.get, key="res_a")
    second = right.selectbox("Scenario B", list(names), index=1, format_func=names.get, key="res_b")
    one = r.doorrekenen(basis, saved[first], scope).per_aanbieder
    two = r.doorrekenen(basis, saved[second], scope).per_aanbieder
    both = one[["aanbieder_id", "naam", "werkelijk_cent", "scenario_cent", "onderdrukt"]].merge(
        two[["naam", "scenario_cent"]], on="naam", suffixes=("_a", "_b")
    )
    both["verschil_cent"] = both["scenario_cent_b"] - both["scenario_cent_a"]
    table_with_downloads(
        both,
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
