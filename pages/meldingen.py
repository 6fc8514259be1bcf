"""Mijn meldingen: a provider follows its organisation's reports, adds to them, withdraws."""

import streamlit as st

from dashboard.auth import guard
from dashboard.db import get_engine
from dashboard.register import carry_out, choose_report, queue_for_display, show_detail, show_notice
from data_access.register.reads import mijn_meldingen
from data_access.register.reports import add_information, withdraw
from data_access.validation import TEKST_LENGTE

identity, scope = guard("meldingen")
engine = get_engine()
view = mijn_meldingen(engine, scope, gekozen=st.session_state.get("meldingen_keuze"))

st.title("Mijn meldingen")
st.caption(
    "De meldingen van uw organisatie, met hun status en de openbare geschiedenis: "
    "besluiten en opmerkingen van de kerngroep."
)
show_notice("meldingen_melding")

if view.queue.empty:
    st.info("Uw organisatie heeft nog geen meldingen gedaan. Gebruik 'Knelpunt melden'.")
    st.stop()
choose_report(
    view.keuzes,
    queue_for_display(view.queue).drop(columns=["Toegewezen aan"]),
    key="meldingen_keuze",
    label="Melding bekijken",
)
detail = view.detail
if detail is None:
    st.stop()
show_detail(detail, show_internal=False)
k = detail.knelpunt
chosen = int(k["id"])

if view.aanvullen:
    with st.form(f"aanvulling_{chosen}", clear_on_submit=True):
        tekst = st.text_area("Informatie toevoegen", max_chars=TEKST_LENGTE[1])
        if st.form_submit_button("Toevoegen"):
            carry_out(
                lambda: add_information(engine, scope, knelpunt_id=chosen, tekst=tekst),
                "Uw aanvulling is toegevoegd.",
                "meldingen_melding",
            )
if view.intrekken and st.button(
    "Melding intrekken", help="Kan alleen zolang de kerngroep er nog niet aan werkt."
):
    carry_out(
        lambda: withdraw(engine, scope, knelpunt_id=chosen, versie=int(k["versie"])),
        f"Melding {k['referentie']} is ingetrokken.",
        "meldingen_melding",
    )
