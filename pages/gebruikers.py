"""Beheer → Gebruikers: list, create and deactivate accounts."""

import pandas as pd
import streamlit as st

from dashboard.auth import require_page
from dashboard.db import get_engine
from dashboard.formatting import datum
from data_access.auth import UserAdminError, list_users
from data_access.filters import filter_options
from data_access.gebruikers import aanmaken, activeren
from data_access.models import Rol

engine = get_engine()
identity, scope = require_page(engine, "gebruikers")

st.title("Gebruikers")
users = pd.DataFrame(list_users(engine, scope))
shown = pd.DataFrame(
    {
        "Gebruikersnaam": users["gebruikersnaam"],
        "Naam": users["weergavenaam"],
        "Rol": [getattr(r, "value", r) for r in users["rol"]],
        "E-mail (SSO)": users["email"].fillna("–"),
        "Actief": users["actief"].map({True: "ja", False: "nee"}),
        "Demo-account": users["is_demo"].map({True: "ja", False: "nee"}),
        "Laatst ingelogd": [datum(v) if pd.notna(v) else "–" for v in users["laatst_ingelogd"]],
    }
)
st.dataframe(shown, hide_index=True, width="stretch")

aanbieders = filter_options(engine, scope).aanbieders
left, right = st.columns(2)
with left, st.form("nieuwe_gebruiker", clear_on_submit=True):
    st.subheader("Gebruiker toevoegen")
    naam = st.text_input("Gebruikersnaam", max_chars=80)
    weergave = st.text_input("Weergavenaam", max_chars=120)
    rol = st.selectbox("Rol", [r.value for r in Rol])
    aanbieder = st.selectbox(
        "Aanbieder (alleen bij rol aanbieder)",
        [None, *aanbieders],
        format_func=lambda i: "–" if i is None else aanbieders[i],
    )
    email = st.text_input("E-mailadres voor inloggen via de organisatie (optioneel)")
    wachtwoord = st.text_input("Wachtwoord (minstens 12 tekens, leeg bij SSO)", type="password")
    if st.form_submit_button("Toevoegen", type="primary"):
        try:
            aanmaken(
                engine,
                scope,
                gebruikersnaam=naam.strip(),
                weergavenaam=weergave.strip(),
                rol=Rol(rol),
                wachtwoord=wachtwoord or None,
                email=email.strip() or None,
                aanbieder_id=aanbieder,
            )
        except UserAdminError as exc:
            st.error(str(exc))
        else:
            st.success("Gebruiker toegevoegd.")
            st.rerun()
with right, st.form("deactiveren"):
    st.subheader("Account (de)activeren")
    wie = st.selectbox("Gebruiker", list(users["gebruikersnaam"]))
    actief = st.radio("Status", ["actief", "gedeactiveerd"], horizontal=True)
    if st.form_submit_button("Opslaan"):
        if wie == identity.gebruikersnaam and actief == "gedeactiveerd":
            st.error("U kunt uw eigen account niet deactiveren.")
        else:
            activeren(engine, scope, wie, actief == "actief")
            st.success("Opgeslagen.")
            st.rerun()
