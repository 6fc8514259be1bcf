"""Mijn meldingen: a provider follows its organisation's reports, adds to them, withdraws."""

import streamlit as st

from dashboard.auth import require_page
from dashboard.db import get_engine
from dashboard.register import choose_report, queue_for_display, show_detail, show_notice
from data_access import knelpunten
from data_access.access import AccessDenied
from data_access.knelpunten import Conflict, ValidationFailed, WorkflowError
from data_access.models import KnelpuntStatus

engine = get_engine()
identity, scope = require_page(engine, "meldingen")

st.title("Mijn meldingen")
st.caption(
    "De meldingen van uw organisatie, met hun status en de openbare geschiedenis: "
    "besluiten en opmerkingen van de kerngroep."
)
show_notice("meldingen_melding")

queue = knelpunten.register(engine, scope)  # always current: the register is read live
if queue.empty:
    st.info("Uw organisatie heeft nog geen meldingen gedaan. Gebruik 'Knelpunt melden'.")
    st.stop()

chosen = choose_report(
    queue,
    queue_for_display(queue).drop(columns=["Toegewezen aan"]),
    "meldingen_tabel",
    "Melding bekijken",
)
if chosen is None:
    st.stop()

try:
    detail = knelpunten.detail(engine, scope, int(chosen))
except AccessDenied as exc:
    st.error(str(exc))
    st.stop()
show_detail(detail, show_internal=False)
k = detail.knelpunt

if k["status"] not in {s.value for s in knelpunten.CLOSED}:
    with st.form(f"aanvulling_{chosen}", clear_on_submit=True):
        tekst = st.text_area("Informatie toevoegen", max_chars=knelpunten.TEKST_LENGTE[1])
        if st.form_submit_button("Toevoegen"):
            try:
                knelpunten.add_information(engine, scope, int(chosen), tekst)
            except (ValidationFailed, WorkflowError) as exc:
                st.error(str(exc))
            else:
                st.session_state["meldingen_melding"] = "Uw aanvulling is toegevoegd."
                st.rerun()
withdrawable = k["status"] == KnelpuntStatus.NIEUW.value
if withdrawable and st.button(
    "Melding intrekken", help="Kan alleen zolang de kerngroep er nog niet aan werkt."
):
    try:
        knelpunten.withdraw(engine, scope, int(chosen), int(k["versie"]))
    except (Conflict, WorkflowError) as exc:
        st.error(str(exc))
    else:
        st.session_state["meldingen_melding"] = f"Melding {k['referentie']} is ingetrokken."
        st.rerun()
