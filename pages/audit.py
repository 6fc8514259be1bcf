"""Beheer → Auditlog: who downloaded, opened, imported or administered what, and when."""

import datetime as dt

import streamlit as st

from dashboard.auth import guard
from dashboard.components import start_export_context, table_with_downloads
from dashboard.db import get_engine
from dashboard.formatting import DATE_INPUT_FORMAT, aantal, datum
from dashboard.tables import AUDIT_FORMAT, AUDIT_LABELS
from data_access.audit import LIMIT, audit_log
from data_access.labels import AUDIT_ACTIE, label
from data_access.models import AuditActie

identity, scope = guard("audit")
st.title("Auditlog")
st.caption(
    "Elke download, elk geopend aanbiederdossier, elke import, elke wijziging in de "
    "gebruikers en hun wachtwoorden en elke geweigerde sessie of geweigerd verzoek, met wie, "
    "wanneer en met welke filters. Het log kan alleen worden aangevuld; "
    "het bevat geen teksten van meldingen en geen gegevens van cliënten."
)
today = dt.date.today()
left, middle, right = st.columns(3)
period = left.date_input(
    "Periode",
    value=(today - dt.timedelta(days=30), today),
    max_value=today,
    format=DATE_INPUT_FORMAT,
    key="audit_periode",
)
acties = middle.multiselect(
    "Actie",
    list(AuditActie),
    format_func=lambda a: label(AUDIT_ACTIE, a),
    placeholder="Alle acties",
    key="audit_acties",
)
van, tot = (period[0], period[-1]) if period else (today, today)
gebruiker = st.session_state.get("audit_gebruiker")  # the choice is drawn below, with the names
view = audit_log(get_engine(), scope, van=van, tot=tot, acties=acties, gebruiker=gebruiker)
right.selectbox(
    "Gebruiker", view.gebruikers, index=None, placeholder="Alle gebruikers", key="audit_gebruiker"
)

filters = [("Periode", f"{datum(van)} t/m {datum(tot)}")]
filters += [("Actie", ", ".join(label(AUDIT_ACTIE, a) for a in acties))] if acties else []
filters += [("Gebruiker", gebruiker)] if gebruiker else []
start_export_context("Auditlog", filters)
st.caption(
    f"{aantal(view.totaal)} {'regel' if view.totaal == 1 else 'regels'} in deze selectie"
    + (f"; de nieuwste {aantal(LIMIT)} staan hieronder." if view.totaal > LIMIT else ".")
)
table_with_downloads(
    view.regels,
    labels=AUDIT_LABELS,
    formatters=AUDIT_FORMAT,
    file_stem="auditlog",
    key="audit_tabel",
)
