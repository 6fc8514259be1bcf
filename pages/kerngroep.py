"""Kerngroep: the queue of reports, the workflow, assignment, comments, merging and actions."""

import datetime as dt
from collections.abc import Callable

import streamlit as st

from dashboard.auth import require_page
from dashboard.components import XLSX_MIME, excel_bytes
from dashboard.db import get_engine
from dashboard.filters import ALLE, SEGMENT_LABELS
from dashboard.register import (
    carry_out,
    choose_report,
    export_register,
    queue_for_display,
    show_detail,
    show_notice,
)
from data_access import knelpunten
from data_access.access import AccessDenied
from data_access.knelpunten import (
    BEHANDELAARS,
    TRANSITIONS,
    RegisterFilter,
)
from data_access.labels import CATEGORIE, STATUS, URGENTIE
from data_access.models import KnelpuntCategorie, KnelpuntStatus, Segment, Urgentie

engine = get_engine()
identity, scope = require_page(engine, "kerngroep")
manages = scope.rol in BEHANDELAARS

st.title("Kerngroep: knelpuntenregister")
show_notice("kerngroep_melding")

# A link from a dashboard (Segment B en C) names its segment in `uit_segment`: a parameter the
# page switch keeps, unlike one bound to a widget of the page being left (measured, 1.67).
linked = st.query_params.get("uit_segment")
if linked in SEGMENT_LABELS:
    st.session_state["segment"] = linked
    del st.query_params["uit_segment"]

with st.expander("Filters en zoeken", expanded=True):
    left, mid, right = st.columns(3)
    statussen = left.multiselect(
        "Status",
        list(KnelpuntStatus),
        default=[s for s in KnelpuntStatus if s in knelpunten.OPEN],
        format_func=STATUS.get,
        key="kg_status",
    )
    categorie = mid.selectbox(
        "Categorie",
        [None, *KnelpuntCategorie],
        format_func=lambda c: CATEGORIE.get(c, "Alle"),
        key="kg_categorie",
    )
    segment = right.selectbox(  # same key and values as the filter bar: links carry it
        "Segment",
        [ALLE, *SEGMENT_LABELS],
        format_func=lambda c: SEGMENT_LABELS.get(c, c),
        key="segment",
        bind="query-params",
    )
    left, right = st.columns([2, 1])
    zoek = left.text_input("Zoeken in titel, omschrijving en referentie", key="kg_zoek")
    achterstallig = right.checkbox("Alleen acties die over tijd zijn", key="kg_achterstallig")

queue = knelpunten.register(
    engine,
    scope,
    RegisterFilter(
        statussen=frozenset(statussen),
        categorie=categorie,
        segment=None if segment == ALLE else Segment(segment),
        zoek=zoek,
        alleen_achterstallig=achterstallig,
    ),
)
overdue = int(queue["achterstallig"].sum())
st.caption(
    f"{len(queue)} meldingen in deze selectie"
    + (f", waarvan {overdue} met een actie die over tijd is (⚠)." if overdue else ".")
)
if queue.empty:
    st.info("Geen meldingen in deze selectie.")
    st.stop()
st.download_button(
    "Register downloaden (Excel)",
    data=lambda: excel_bytes(
        {"Register": (export := export_register(queue), {c: c for c in export})}
    ),
    file_name=f"knelpuntenregister_{dt.date.today():%Y%m%d}.xlsx",
    mime=XLSX_MIME,
    on_click="ignore",
    icon=":material/download:",
)


chosen = choose_report(queue, queue_for_display(queue), "kg_tabel", "Melding behandelen")
choices = dict(zip(queue["id"], queue["referentie"] + " – " + queue["titel"], strict=True))
if chosen is None:
    st.stop()
try:
    detail = knelpunten.detail(engine, scope, chosen)
except AccessDenied as exc:
    st.error(str(exc))
    st.stop()
k = detail.knelpunt
versie = int(k["versie"])
status = KnelpuntStatus(k["status"])


def run(action: Callable[[], None], success: str) -> None:
    carry_out(action, success, "kerngroep_melding")


left, right = st.columns([3, 2])
with left:
    show_detail(detail, show_internal=True)
with right:
    if manages:
        allowed = sorted(
            TRANSITIONS[status] - {KnelpuntStatus.SAMENGEVOEGD, KnelpuntStatus.INGETROKKEN}
        )
        with st.form(f"status_{chosen}_{versie}"):
            st.markdown("**Status wijzigen**")
            naar = st.selectbox(
                "Nieuwe status",
                allowed,
                format_func=STATUS.get,
                index=None,
                placeholder="Geen stap mogelijk" if not allowed else "Kies de nieuwe status",
            )
            reden = st.text_area("Reden of toelichting (verplicht bij afwijzen)", height=80)
            if st.form_submit_button("Status opslaan", disabled=not allowed) and naar:
                run(
                    lambda: knelpunten.change_status(engine, scope, chosen, versie, naar, reden),
                    f"Status van {k['referentie']} is nu '{STATUS[naar]}'.",
                )
        managers = knelpunten.contractmanagers(engine)
        with st.form(f"toewijzen_{chosen}_{versie}"):
            st.markdown("**Toewijzen aan contractmanager**")
            current = k["toegewezen_aan_id"]
            owner = st.selectbox(
                "Contractmanager",
                [None, *managers],
                index=([None, *managers].index(current) if current in managers else 0),
                format_func=lambda i: "Niemand" if i is None else managers[i],
            )
            if st.form_submit_button("Toewijzing opslaan"):
                run(
                    lambda: knelpunten.assign(engine, scope, chosen, versie, owner),
                    f"Toewijzing van {k['referentie']} is opgeslagen.",
                )
        with st.form(f"indeling_{chosen}_{versie}"):
            st.markdown("**Indeling aanpassen**")
            cat = st.selectbox(
                "Categorie",
                list(KnelpuntCategorie),
                index=list(KnelpuntCategorie).index(KnelpuntCategorie(k["categorie"])),
                format_func=CATEGORIE.get,
            )
            urg = st.selectbox(
                "Urgentie",
                list(Urgentie),
                index=list(Urgentie).index(Urgentie(k["urgentie"])),
                format_func=URGENTIE.get,
            )
            seg_options = [None, *Segment]
            seg = st.selectbox(
                "Segment",
                seg_options,
                index=seg_options.index(Segment(k["segment"]) if k["segment"] else None),
                format_func=lambda s: "Beide of onbekend" if s is None else s.value,
            )
            if st.form_submit_button("Indeling opslaan"):
                run(
                    lambda: knelpunten.edit(
                        engine, scope, chosen, versie, categorie=cat, urgentie=urg, segment=seg
                    ),
                    f"Indeling van {k['referentie']} is opgeslagen.",
                )
        if status in knelpunten.OPEN:
            others = {i: r for i, r in choices.items() if i != chosen}
            with st.form(f"samenvoegen_{chosen}_{versie}"):
                st.markdown("**Dubbele melding samenvoegen**")
                target = st.selectbox(
                    "Samenvoegen in",
                    list(others),
                    index=None,
                    format_func=others.get,
                    placeholder="Kies de melding waarin deze opgaat",
                )
                merge_reason = st.text_area("Reden", height=80)
                if st.form_submit_button("Samenvoegen") and target is not None:
                    run(
                        lambda: knelpunten.merge(
                            engine, scope, chosen, versie, int(target), merge_reason
                        ),
                        f"{k['referentie']} is samengevoegd.",
                    )
    with st.form(f"actie_{chosen}_{versie}"):
        st.markdown("**Actie en deadline**")
        holder = st.text_input("Actiehouder", value=k["actiehouder"] or "", max_chars=120)
        deadline = st.date_input("Deadline", value=k["deadline"], format="DD-MM-YYYY")
        if st.form_submit_button("Actie opslaan"):
            run(
                lambda: knelpunten.set_action(engine, scope, chosen, versie, holder, deadline),
                f"Actie bij {k['referentie']} is opgeslagen.",
            )
    with st.form(f"opmerking_{chosen}", clear_on_submit=True):
        st.markdown("**Opmerking toevoegen**")
        text = st.text_area("Opmerking", height=100)
        internal = st.checkbox("Intern (niet zichtbaar voor de aanbieder)", value=True)
        if st.form_submit_button("Opmerking plaatsen"):
            run(
                lambda: knelpunten.comment(engine, scope, chosen, text, internal),
                "De opmerking is geplaatst.",
            )
