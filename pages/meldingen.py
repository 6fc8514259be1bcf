"""Mijn meldingen: a provider follows its organisation's reports, answers the kerngroep's
questions, adds to them, withdraws, and asks to reopen a resolved one."""

import streamlit as st

from dashboard.auth import guard
from dashboard.db import get_engine
from dashboard.formatting import datum
from dashboard.register import (
    DEAD_LINK,
    carry_out,
    choose_report,
    follow,
    keep_link,
    link_to_follow,
    queue_for_display,
    show_detail,
    show_notice,
)
from data_access.labels import STATUS
from data_access.register.reads import mijn_meldingen
from data_access.register.reports import add_information, answer, request_reopening, withdraw
from data_access.validation import TEKST_LENGTE

identity, scope = guard("meldingen")
engine = get_engine()
view = mijn_meldingen(
    engine,
    scope,
    gekozen=st.session_state.get("meldingen_keuze"),
    link=(link := link_to_follow()),  # …/meldingen?melding=KNP-2026-0001
)
follow(view.detail, "meldingen_keuze", link)

st.title("Mijn meldingen")
st.caption(
    "De meldingen van uw organisatie, met hun status en de openbare geschiedenis: "
    "besluiten en opmerkingen van de kerngroep."
)
show_notice("meldingen_melding")
if view.dode_link:
    st.warning(DEAD_LINK)

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
k = detail.knelpunt
chosen = int(k["id"])
versie = int(k["versie"])
if view.vraag is not None:
    with st.container(border=True):
        st.markdown("**De kerngroep vraagt u om een reactie**")
        st.text(view.vraag)  # typed by a user: plain text only
        with st.form(f"antwoord_{chosen}_{versie}", clear_on_submit=True):
            tekst = st.text_area("Uw antwoord", max_chars=TEKST_LENGTE[1])
            if st.form_submit_button("Antwoord versturen", type="primary"):
                carry_out(
                    lambda: answer(engine, scope, knelpunt_id=chosen, versie=versie, tekst=tekst),
                    f"Uw antwoord is bij de kerngroep; {k['referentie']} staat weer in de rij.",
                    "meldingen_melding",
                )
if view.toelichting is not None:
    with st.container(border=True):
        st.markdown(f"**Toelichting van de kerngroep bij de status '{STATUS[k['status']]}'**")
        st.text(view.toelichting)  # typed by a user: plain text only
show_detail(detail, show_internal=False)
keep_link("meldingen", detail)

if view.aanvullen:
    with st.form(f"aanvulling_{chosen}", clear_on_submit=True):
        tekst = st.text_area("Informatie toevoegen", max_chars=TEKST_LENGTE[1])
        if st.form_submit_button("Toevoegen"):
            carry_out(
                lambda: add_information(engine, scope, knelpunt_id=chosen, tekst=tekst),
                "Uw aanvulling is toegevoegd.",
                "meldingen_melding",
            )
if view.heropenen_tot is not None:
    with st.form(f"heropenen_{chosen}_{versie}", clear_on_submit=True):
        st.markdown("**Opnieuw laten openen**")
        st.caption(
            f"Is het knelpunt niet opgelost? U kunt tot en met {datum(view.heropenen_tot)} "
            "vragen deze melding opnieuw te openen; de kerngroep beslist en laat u weten waarom."
        )
        reden = st.text_area("Waarom opnieuw openen", max_chars=TEKST_LENGTE[1])
        if st.form_submit_button("Verzoek tot heropenen versturen"):
            carry_out(
                lambda: request_reopening(
                    engine, scope, knelpunt_id=chosen, versie=versie, reden=reden
                ),
                f"Uw verzoek om {k['referentie']} te heropenen is bij de kerngroep.",
                "meldingen_melding",
            )
if view.intrekken:
    # Withdrawing cannot be undone: it asks once more before it happens.
    with st.popover(
        "Melding intrekken", help="Kan alleen zolang de kerngroep er nog niet aan werkt."
    ):
        st.write(
            f"Weet u zeker dat u melding {k['referentie']} wilt intrekken? "
            "Dit kan niet ongedaan worden gemaakt."
        )
        if st.button("Ja, melding intrekken", type="primary"):
            carry_out(
                lambda: withdraw(engine, scope, knelpunt_id=chosen, versie=versie),
                f"Melding {k['referentie']} is ingetrokken.",
                "meldingen_melding",
            )
