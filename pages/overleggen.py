"""Kerngroepoverleg: plan a meeting, set its agenda, record decisions, export to Word."""

import datetime as dt
from collections.abc import Callable

import streamlit as st

from dashboard.auth import guard
from dashboard.components import download
from dashboard.db import get_engine
from dashboard.formatting import datum
from dashboard.register import action_fields, carry_out, show_notice
from data_access.labels import STATUS, label
from data_access.register import meetings
from data_access.register.reads import overleg

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

identity, scope = guard("overleggen")
engine = get_engine()
view = overleg(engine, scope, gekozen=st.session_state.get("overleg_keuze"))

st.title("Kerngroepoverleg")
show_notice("overleg_melding")


def run(action: Callable[[], None], success: str) -> None:
    carry_out(action, success, "overleg_melding")


with st.expander("Nieuw overleg plannen"), st.form("nieuw_overleg", clear_on_submit=True):
    when = st.date_input("Datum", value=dt.date.today(), format="DD-MM-YYYY")
    title = st.text_input("Titel", value="Kerngroep SPIC", max_chars=150)
    if st.form_submit_button("Overleg aanmaken"):
        run(
            lambda: meetings.create(engine, scope, datum=when, titel=title),
            "Het overleg is aangemaakt.",
        )

if view.gekozen is None:
    st.info("Er zijn nog geen overleggen. Plan er hierboven een.")
    st.stop()
overleg_id = view.gekozen
labels = {
    int(r.id): f"{datum(r.datum)} – {r.titel} ({r.punten} punten)"
    for r in view.overleggen.itertuples()
}
st.session_state["overleg_keuze"] = overleg_id
st.selectbox("Overleg", list(labels), format_func=labels.get, key="overleg_keuze")

left, right = st.columns(2)
download(
    left,
    "Agenda (Word)",
    data=lambda: meetings.agenda_docx(engine, scope, overleg_id=overleg_id),
    file_name=f"agenda_kerngroep_{overleg_id}.docx",
    mime=DOCX_MIME,
    icon=":material/description:",
)
download(
    right,
    "Besluitenlijst (Word)",
    data=lambda: meetings.decisions_docx(engine, scope, overleg_id=overleg_id),
    file_name=f"besluitenlijst_kerngroep_{overleg_id}.docx",
    mime=DOCX_MIME,
    icon=":material/description:",
)

st.header("Agenda")
with st.form(f"agenderen_{overleg_id}", clear_on_submit=True):
    choice = view.kandidaten
    picked = st.selectbox(
        "Melding agenderen",
        list(choice),
        index=None,
        format_func=choice.get,
        placeholder="Kies een open melding",
    )
    if st.form_submit_button("Op de agenda zetten") and picked is not None:
        run(
            lambda: meetings.add_item(
                engine, scope, overleg_id=overleg_id, knelpunt_id=int(picked)
            ),
            "De melding staat op de agenda.",
        )

items = view.agenda
if items.empty:
    st.info("De agenda is nog leeg.")
    st.stop()
for n, item in enumerate(items.itertuples(), start=1):
    with st.container(border=True):
        head, up, down, drop = st.columns([8, 1, 1, 1])
        head.text(f"{n}. {item.referentie} – {item.titel}")  # user text: plain only
        head.caption(f"{item.aanbieder or '–'} · status {label(STATUS, item.status)}")
        if up.button("↑", key=f"op_{item.id}", help="Eerder op de agenda", disabled=n == 1):
            run(
                lambda i=item.id: meetings.move_item(engine, scope, item_id=i, omhoog=True),
                "Volgorde aangepast.",
            )
        if down.button(
            "↓", key=f"neer_{item.id}", help="Later op de agenda", disabled=n == len(items)
        ):
            run(
                lambda i=item.id: meetings.move_item(engine, scope, item_id=i, omhoog=False),
                "Volgorde aangepast.",
            )
        if drop.button("✕", key=f"weg_{item.id}", help="Van de agenda halen"):
            run(
                lambda i=item.id: meetings.remove_item(engine, scope, item_id=i),
                "Van de agenda gehaald.",
            )
        if item.besluit:
            st.text(f"Besluit: {item.besluit}\nActies: {item.acties or '–'}")
            st.caption("Acties werkt u bij op de pagina Kerngroep, bij de melding.")
            with (
                st.expander("Besluit corrigeren"),
                st.form(f"correctie_{item.id}_{item.versie}"),
            ):
                besluit = st.text_area(
                    "Besluit", value=item.besluit, height=80, key=f"correctie_besluit_{item.id}"
                )
                reden = st.text_input(
                    "Reden van de correctie (komt in de geschiedenis van de melding)",
                    key=f"correctie_reden_{item.id}",
                )
                if st.form_submit_button("Correctie opslaan"):
                    run(
                        lambda i=item.id, v=item.versie, b=besluit, r=reden: (
                            meetings.correct_decision(
                                engine, scope, item_id=i, versie=int(v), besluit=b, reden=r
                            )
                        ),
                        f"Het besluit over {item.referentie} is gecorrigeerd.",
                    )
        else:
            with st.form(f"besluit_{item.id}_{item.versie}"):
                besluit = st.text_area("Besluit", height=80, key=f"besluit_tekst_{item.id}")
                acties = action_fields(key=f"acties_{item.id}")
                if st.form_submit_button("Besluit vastleggen"):
                    run(
                        lambda i=item.id, v=item.versie, b=besluit, a=acties: (
                            meetings.record_decision(
                                engine,
                                scope,
                                item_id=i,
                                versie=int(v),
                                besluit=b,
                                acties=a,
                            )
                        ),
                        f"Besluit over {item.referentie} is vastgelegd.",
                    )
