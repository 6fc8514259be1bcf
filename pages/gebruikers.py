"""Beheer → Gebruikers: list, create and deactivate accounts, and set a new password."""

import pandas as pd
import streamlit as st

from dashboard.auth import guard
from dashboard.db import get_engine
from dashboard.formatting import datum
from data_access.labels import ROL, label
from data_access.models import Rol
from data_access.users import (
    MIN_PASSWORD_LENGTH,
    UserAdminError,
    create_user,
    reset_password,
    set_active,
    user_admin,
)

identity, scope = guard("gebruikers")
engine = get_engine()
view = user_admin(engine, scope)

st.title("Gebruikers")
users = view.users
st.dataframe(
    pd.DataFrame(
        {
            "Gebruikersnaam": users["gebruikersnaam"],
            "Naam": users["weergavenaam"],
            "Rol": users["rol"].map(lambda r: label(ROL, r)),
            "Aanbieder": users["aanbieder"].fillna("–"),
            "E-mail (SSO)": users["email"].fillna("–"),
            "Actief": users["actief"].map({True: "ja", False: "nee"}),
            "Demo-account": users["is_demo"].map({True: "ja", False: "nee"}),
            "Laatst ingelogd": users["laatst_ingelogd"].map(datum),
        }
    ),
    hide_index=True,
    width="stretch",
)

providers = view.providers
left, right = st.columns(2)
with left, st.form("nieuwe_gebruiker", clear_on_submit=True):
    st.header("Gebruiker toevoegen")
    naam = st.text_input("Gebruikersnaam", max_chars=80)
    weergave = st.text_input("Weergavenaam", max_chars=120)
    rol = st.selectbox("Rol", list(Rol), format_func=lambda r: label(ROL, r))
    aanbieder = st.selectbox(
        "Aanbieder (alleen bij rol aanbieder)",
        [None, *providers],
        format_func=lambda i: "–" if i is None else providers[i],
    )
    email = st.text_input("E-mailadres voor inloggen via de organisatie (optioneel)")
    wachtwoord = st.text_input(
        f"Wachtwoord (minstens {MIN_PASSWORD_LENGTH} tekens, leeg bij SSO)", type="password"
    )
    if st.form_submit_button("Toevoegen", type="primary"):
        try:
            create_user(
                engine,
                scope,
                username=naam.strip(),
                display_name=weergave.strip(),
                role=Rol(rol),
                password=wachtwoord or None,
                email=email.strip() or None,
                provider_id=aanbieder,
            )
        except UserAdminError as exc:
            st.error(str(exc))
        else:
            st.success("Gebruiker toegevoegd.")
            st.rerun()
with right, st.form("deactiveren"):
    st.header("Account (de)activeren")
    wie = st.selectbox("Gebruiker", list(users["gebruikersnaam"]))
    actief = st.radio("Status", ["actief", "gedeactiveerd"], horizontal=True)
    if st.form_submit_button("Opslaan"):
        try:
            set_active(engine, scope, username=wie, active=actief == "actief")
        except UserAdminError as exc:
            st.error(str(exc))
        else:
            st.success("Opgeslagen.")
            st.rerun()
with right, st.form("wachtwoord_instellen", clear_on_submit=True):
    st.header("Nieuw wachtwoord instellen")
    st.caption(
        "Bijvoorbeeld bij een vergeten wachtwoord. De open sessies van de gebruiker eindigen."
    )
    voor_wie = st.selectbox("Gebruiker", list(users["gebruikersnaam"]), key="wachtwoord_voor")
    nieuw = st.text_input(
        f"Nieuw wachtwoord (minstens {MIN_PASSWORD_LENGTH} tekens)",
        type="password",
        autocomplete="new-password",
    )
    herhaald = st.text_input("Herhaal het wachtwoord", type="password", autocomplete="new-password")
    if st.form_submit_button("Wachtwoord instellen"):
        if nieuw != herhaald:
            st.error("De twee wachtwoorden zijn niet gelijk.")
        else:
            try:
                reset_password(engine, scope, username=voor_wie, new=nieuw)
            except UserAdminError as exc:
                st.error(str(exc))
            else:
                st.success(f"Nieuw wachtwoord ingesteld voor {voor_wie}.")
