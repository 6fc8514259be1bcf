"""Knelpunt melden: the form providers (or the kerngroep on their behalf) fill in."""

import pandas as pd
import streamlit as st

from dashboard.auth import guard
from dashboard.db import get_engine
from data_access.labels import CATEGORIE, KNELPUNT_SOORT, STATUS, URGENTIE
from data_access.models import KnelpuntCategorie, KnelpuntSoort, Segment, Urgentie
from data_access.register.reads import Concept, meldformulier
from data_access.register.reports import (
    MAX_GEZINNEN,
    OMSCHRIJVING_LENGTE,
    TITEL_LENGTE,
    Melding,
    submit,
)
from data_access.validation import ValidationFailed

identity, scope = guard("melden")
engine = get_engine()
form_key = f"melden_{st.session_state.get('melden_teller', 0)}"  # a fresh form after success
title_key = f"{form_key}_titel"
options = meldformulier(engine, scope, concept=Concept(titel=st.session_state.get(title_key, "")))

st.title("Knelpunt melden")
st.caption(
    "Meld een knelpunt of een succesverhaal aan de kerngroep. Noem geen namen, "
    "burgerservicenummers, e-mailadressen of telefoonnummers: meldingen met zulke gegevens "
    "worden niet opgeslagen."
)

receipt = st.session_state.pop("melden_ontvangst", None)
if receipt:
    st.success(
        f"Uw melding is ontvangen onder nummer {receipt}. De kerngroep bekijkt nieuwe meldingen "
        "in het eerstvolgende overleg; u volgt de status onder 'Mijn meldingen' (aanbieders) of "
        "in het register.",
        icon=":material/check_circle:",
    )

profiles = options.profielen
# The title sits above the form: a form sends nothing until it is submitted, and similar
# reports should show while the report is still being written.
titel = st.text_input(
    "Titel",
    max_chars=TITEL_LENGTE[1],
    help=f"Kort en zakelijk, {TITEL_LENGTE[0]} tot {TITEL_LENGTE[1]} tekens.",
    key=title_key,
)
errors_titel = st.empty()
if options.suggesties:
    with st.container(border=True):
        st.markdown("**Lijkt uw melding op een van deze?**")
        st.caption(
            "Staat het knelpunt er al, vul dan die melding aan in plaats van een nieuwe te doen "
            "(onder 'Mijn meldingen' of in het register)."
        )
        st.dataframe(
            pd.DataFrame(
                {
                    "Referentie": [s.referentie for s in options.suggesties],
                    "Titel": [s.titel for s in options.suggesties],
                    "Status": [STATUS[s.status] for s in options.suggesties],
                }
            ),
            hide_index=True,
            width="stretch",
        )
with st.form(form_key, enter_to_submit=False):
    soort = st.radio(
        "Soort melding",
        list(KnelpuntSoort),
        format_func=KNELPUNT_SOORT.get,
        horizontal=True,
    )
    aanbieder_id = None
    if scope.reports_on_behalf:
        aanbieder_id = st.selectbox(
            "Namens aanbieder",
            list(options.namens),
            index=None,
            format_func=options.namens.get,
            placeholder="Kies de aanbieder",
        )
    errors_aanbieder = st.empty()
    omschrijving = st.text_area(
        "Omschrijving",
        max_chars=OMSCHRIJVING_LENGTE[1],
        height=180,
        help="Wat gaat er mis (of goed), bij welke cliënten, en wat zou helpen?",
    )
    errors_omschrijving = st.empty()
    categorie = st.selectbox(
        "Categorie",
        list(KnelpuntCategorie),
        index=None,
        format_func=CATEGORIE.get,
        placeholder="Kies een categorie",
    )
    errors_categorie = st.empty()
    left, right = st.columns(2)
    segment = left.selectbox(
        "Segment",
        [None, *Segment],
        format_func=lambda s: "Beide of onbekend" if s is None else f"Segment {s.value}",
    )
    urgentie = right.selectbox("Urgentie", list(Urgentie), index=1, format_func=URGENTIE.get)
    gemeenten = st.multiselect(
        "Gemeenten",
        list(options.gemeenten),
        format_func=options.gemeenten.get,
        placeholder="Kies een of meer gemeenten",
    )
    errors_gemeenten = st.empty()
    left, right = st.columns(2)
    profiel_nr = left.selectbox(
        "Ondersteuningsprofiel (optioneel)",
        [None, *profiles],
        format_func=lambda p: "Geen specifiek profiel" if p is None else f"{p}. {profiles[p]}",
    )
    aantal = right.number_input(
        "Aantal betrokken gezinnen (optioneel)",
        min_value=0,
        max_value=MAX_GEZINNEN,
        value=None,
        step=1,
    )
    errors_aantal = st.empty()
    submitted = st.form_submit_button("Melding versturen", type="primary")

if submitted:
    melding = Melding(
        soort=soort,
        titel=titel,
        omschrijving=omschrijving,
        categorie=categorie,
        urgentie=urgentie,
        gemeenten=tuple(gemeenten),
        segment=segment,
        profiel_nr=profiel_nr,
        aantal_gezinnen=None if aantal is None else int(aantal),
        aanbieder_id=aanbieder_id,
    )
    try:
        ontvangen = submit(engine, scope, melding=melding)
    except ValidationFailed as failed:
        st.error("De melding is niet verstuurd. Pas de velden met een melding aan.")
        slots = {
            "aanbieder": errors_aanbieder,
            "titel": errors_titel,
            "omschrijving": errors_omschrijving,
            "categorie": errors_categorie,
            "gemeenten": errors_gemeenten,
            "aantal_gezinnen": errors_aantal,
            "profiel_nr": errors_aantal,
        }
        for field, messages in failed.errors.items():
            slots.get(field, errors_titel).error("\n\n".join(messages), icon=":material/error:")
    else:
        st.session_state["melden_ontvangst"] = ontvangen.referentie
        st.session_state["melden_teller"] = st.session_state.get("melden_teller", 0) + 1
        st.rerun()
