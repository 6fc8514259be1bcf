"""Account → Mijn account: who the app thinks you are, and changing your password."""

import streamlit as st

from dashboard.auth import guard, logout
from dashboard.db import get_engine
from dashboard.formatting import datum
from data_access.labels import ROL, label
from data_access.settings import get_settings
from data_access.users import (
    MIN_PASSWORD_LENGTH,
    UserAdminError,
    change_own_password,
    own_account,
    set_notifications,
)

identity, scope = guard("account")
engine = get_engine()
account = own_account(engine, user_id=identity.id)
assert account is not None  # guard() has just read this active account

st.title("Mijn account")
st.table(
    {
        "Gegeven": ["Naam", "Gebruikersnaam", "Rol", "Organisatie", "Laatst ingelogd"],
        "Waarde": [
            account.weergavenaam,
            account.gebruikersnaam,
            label(ROL, account.rol),
            account.aanbieder or "–",
            datum(account.laatst_ingelogd) if account.laatst_ingelogd else "–",
        ],
    }
)

st.header("E-mail")
if not account.email:
    st.info(
        "Bij uw account staat geen e-mailadres, dus u krijgt geen e-mail van SPIC-monitor. "
        "De beheerder kan er een toevoegen."
    )
else:
    if not get_settings().mail_enabled:
        st.caption("Op deze server is het versturen van e-mail (nog) niet ingesteld.")
    with st.form("meldingen_per_mail"):
        aan = st.checkbox(
            f"E-mail naar {account.email} bij nieuws over mijn meldingen en toewijzingen "
            "(en, voor de kerngroep, het weekoverzicht)",
            value=account.meldingen_per_mail,
        )
        if st.form_submit_button("Opslaan"):
            try:
                set_notifications(engine, user_id=identity.id, aan=aan)
            except UserAdminError as exc:
                st.error(str(exc))
            else:
                st.success("E-mail staat aan." if aan else "E-mail staat uit.")

st.header("Wachtwoord wijzigen")
if account.is_demo:
    st.info("Dit is een demo-account: het wachtwoord is voor iedereen gelijk en blijft zo.")
elif not account.heeft_wachtwoord:
    st.info("U logt in via uw organisatie; uw wachtwoord wijzigt u daar, niet hier.")
else:
    st.write(
        "Na het wijzigen wordt u overal uitgelogd, ook in andere tabbladen en op andere "
        "apparaten, en logt u opnieuw in met het nieuwe wachtwoord."
    )
    with st.form("wachtwoord_wijzigen", clear_on_submit=True):
        huidig = st.text_input(
            "Huidig wachtwoord", type="password", autocomplete="current-password"
        )
        nieuw = st.text_input(
            f"Nieuw wachtwoord (minstens {MIN_PASSWORD_LENGTH} tekens)",
            type="password",
            autocomplete="new-password",
        )
        herhaald = st.text_input(
            "Herhaal het nieuwe wachtwoord", type="password", autocomplete="new-password"
        )
        if st.form_submit_button("Wachtwoord wijzigen", type="primary"):
            if nieuw != herhaald:
                st.error("De twee nieuwe wachtwoorden zijn niet gelijk.")
            else:
                try:
                    change_own_password(engine, user_id=identity.id, current=huidig, new=nieuw)
                except UserAdminError as exc:
                    st.error(str(exc))
                else:
                    logout("Uw wachtwoord is gewijzigd. Log opnieuw in met het nieuwe wachtwoord.")
                    st.rerun()
