"""Kerngroep: the queue of reports, the workflow, assignment, comments, merging and actions."""

import datetime as dt
from collections.abc import Callable

import streamlit as st

from dashboard.auth import guard
from dashboard.components import download, start_export_context, toelichting
from dashboard.db import get_engine
from dashboard.exports import XLSX_MIME, excel_bytes
from dashboard.filters import SEGMENT_LABELS, filter_bar
from dashboard.formatting import DATE_INPUT_FORMAT
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
from dashboard.tables import REGISTER_FORMAT, REGISTER_LABELS
from data_access.labels import ACTIE_STATUS, CATEGORIE, STATUS, TIJDIGHEID, URGENTIE
from data_access.models import ActieStatus, KnelpuntCategorie, KnelpuntStatus, Segment, Urgentie
from data_access.register import actions, reports
from data_access.register.actions import NieuweActie
from data_access.register.reads import RegisterFilter, kerngroep
from data_access.register.service_levels import Tijdigheid
from data_access.register.workflow import OPEN

identity, scope = guard("kerngroep")
filters = filter_bar(scope, fields=("segment",))  # the segment the dashboards were showing
engine = get_engine()

st.title("Kerngroep: knelpuntenregister")
show_notice("kerngroep_melding")

with st.expander("Filters en zoeken", expanded=True):
    left, right = st.columns(2)
    statussen = left.multiselect(
        "Status",
        list(KnelpuntStatus),
        default=[s for s in KnelpuntStatus if s in OPEN],
        format_func=STATUS.get,
        key="kg_status",
    )
    categorie = right.selectbox(
        "Categorie",
        [None, *KnelpuntCategorie],
        format_func=lambda c: CATEGORIE.get(c, "Alle"),
        key="kg_categorie",
    )
    left, middle, right = st.columns([2, 1, 1])
    zoek = left.text_input("Zoeken in titel, omschrijving en referentie", key="kg_zoek")
    tijdigheid = middle.multiselect(
        "Servicenorm",
        list(Tijdigheid),
        format_func=lambda t: TIJDIGHEID[t.value],
        placeholder="Alle",
        key="kg_tijdigheid",
        help="Tegen de termijnen per categorie voor de eerste reactie en het besluit, in "
        "werkdagen (weekenden en feestdagen tellen niet mee).",
    )
    achterstallig = right.checkbox("Alleen acties die over tijd zijn", key="kg_achterstallig")

view = kerngroep(
    engine,
    scope,
    filters=RegisterFilter(
        statussen=frozenset(statussen),
        categorie=categorie,
        segment=filters.segment,
        zoek=zoek,
        alleen_achterstallig=achterstallig,
        tijdigheid=frozenset(tijdigheid),
    ),
    gekozen=st.session_state.get("kg_keuze"),  # the select box below, from the last run
    link=(link := link_to_follow()),  # …/kerngroep?melding=KNP-2026-0001
)
if view.dode_link:
    st.warning(DEAD_LINK)
follow(view.detail, "kg_keuze", link)
queue = view.queue
st.caption(
    f"{len(queue)} meldingen in deze selectie"
    + (
        f", waarvan {view.achterstallig} met een actie die over tijd is (⚠)."
        if view.achterstallig
        else "."
    )
)
if queue.empty:
    st.info("Geen meldingen in deze selectie.")
    st.stop()
start_export_context(
    "Knelpuntenregister",
    [("Segment", SEGMENT_LABELS.get(str(filters.segment), "alle"))]
    + [("Status", ", ".join(STATUS[s] for s in statussen) or "alle")]
    + ([("Categorie", CATEGORIE[categorie])] if categorie else [])
    + ([("Zoeken", zoek)] if zoek.strip() else [])
    + ([("Servicenorm", ", ".join(TIJDIGHEID[t.value] for t in tijdigheid))] if tijdigheid else []),
)
about = toelichting()
download(
    st,
    "Register downloaden (Excel)",
    data=lambda: excel_bytes({"Register": (queue, REGISTER_LABELS, REGISTER_FORMAT)}, about),
    file_name=f"knelpuntenregister_{dt.date.today():%Y%m%d}.xlsx",
    mime=XLSX_MIME,
)
choose_report(view.keuzes, queue_for_display(queue), key="kg_keuze", label="Melding behandelen")
detail = view.detail
if detail is None:
    st.stop()
k = detail.knelpunt
chosen = int(k["id"])
versie = int(k["versie"])


def run(action: Callable[[], None], success: str) -> None:
    carry_out(action, success, "kerngroep_melding")


left, right = st.columns([3, 2])
with left:
    if view.dubbel_van:
        st.info(
            f"Mogelijk dubbel van {view.dubbel_van}: voeg zo nodig samen met 'Samenvoegen met "
            "een andere melding'.",
            icon=":material/content_copy:",
        )
    show_detail(detail, show_internal=True)
    keep_link("kerngroep", detail)
with right:
    if scope.may_handle_reports:
        with st.form(f"status_{chosen}_{versie}"):
            st.markdown("**Status wijzigen**")
            naar = st.selectbox(
                "Nieuwe status",
                view.stappen,
                format_func=STATUS.get,
                index=None,
                placeholder="Geen stap mogelijk" if not view.stappen else "Kies de nieuwe status",
            )
            reden = st.text_area(
                "Reden, vraag of toelichting (openbaar: de melder leest mee)", height=80
            )
            tot = st.date_input(
                "Aangehouden tot (alleen bij aanhouden)",
                value=None,
                min_value=dt.date.today() + dt.timedelta(days=1),
                format=DATE_INPUT_FORMAT,
            )
            if view.stap_teksten:
                st.caption(
                    "Een tekst is verplicht bij: "
                    + "; ".join(f"{STATUS[n]} ({t.lower()})" for n, t in view.stap_teksten.items())
                    + "."
                )
            if st.form_submit_button("Status opslaan", disabled=not view.stappen) and naar:
                run(
                    lambda: reports.change_status(
                        engine,
                        scope,
                        knelpunt_id=chosen,
                        versie=versie,
                        naar=naar,
                        reden=reden,
                        tot=tot,
                    ),
                    f"Status van {k['referentie']} is nu '{STATUS[naar]}'.",
                )
        managers = view.contractmanagers
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
                    lambda: reports.assign(
                        engine, scope, knelpunt_id=chosen, versie=versie, gebruiker_id=owner
                    ),
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
                    lambda: reports.edit(
                        engine,
                        scope,
                        knelpunt_id=chosen,
                        versie=versie,
                        categorie=cat,
                        urgentie=urg,
                        segment=seg,
                    ),
                    f"Indeling van {k['referentie']} is opgeslagen.",
                )
        if view.samenvoegen_met:
            others = view.samenvoegen_met
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
                        lambda: reports.merge(
                            engine,
                            scope,
                            knelpunt_id=chosen,
                            versie=versie,
                            into_id=int(target),
                            reden=merge_reason,
                        ),
                        f"{k['referentie']} is samengevoegd.",
                    )
    with st.form(f"actie_{chosen}", clear_on_submit=True):
        st.markdown("**Actie toevoegen**")
        wat = st.text_input("Actie (wat moet er gebeuren)", max_chars=1000)
        wie = st.text_input("Eigenaar (wie voert de actie uit)", max_chars=120)
        wanneer = st.date_input("Deadline", value=None, format=DATE_INPUT_FORMAT)
        if st.form_submit_button("Actie toevoegen"):
            run(
                lambda: actions.add_action(
                    engine,
                    scope,
                    knelpunt_id=chosen,
                    actie=NieuweActie(wat, wie, wanneer),
                ),
                f"Actie bij {k['referentie']} is vastgelegd.",
            )
    report_actions = view.detail.acties
    if not report_actions.empty:
        action_box = st.container(border=True)
        action_box.markdown("**Actie bijwerken**")
        rows = {int(r.id): r for r in report_actions.itertuples()}
        picked_action = action_box.selectbox(
            "Actie",
            list(rows),
            format_func=lambda i: f"{rows[i].omschrijving[:80]} — {rows[i].eigenaar}",
            key=f"actie_keuze_{chosen}",
        )
        current_action = rows[picked_action]
        # Keyed by the action and its version: after a change, the form shows the new values.
        with action_box.form(
            f"actie_wijzigen_{picked_action}_{current_action.versie}", border=False
        ):
            new_status = st.selectbox(
                "Status",
                list(ActieStatus),
                index=list(ActieStatus).index(ActieStatus(current_action.status)),
                format_func=ACTIE_STATUS.get,
            )
            new_owner = st.text_input("Eigenaar", value=current_action.eigenaar, max_chars=120)
            new_deadline = st.date_input(
                "Deadline", value=current_action.deadline, format=DATE_INPUT_FORMAT
            )
            if st.form_submit_button("Actie opslaan"):
                run(
                    lambda: actions.change_action(
                        engine,
                        scope,
                        actie_id=picked_action,
                        versie=int(current_action.versie),
                        status=new_status,
                        eigenaar=new_owner,
                        deadline=new_deadline,
                    ),
                    "De actie is bijgewerkt.",
                )
    with st.form(f"opmerking_{chosen}", clear_on_submit=True):
        st.markdown("**Opmerking toevoegen**")
        text = st.text_area("Opmerking", height=100)
        internal = st.checkbox("Intern (niet zichtbaar voor de aanbieder)", value=True)
        if st.form_submit_button("Opmerking plaatsen"):
            run(
                lambda: reports.comment(
                    engine, scope, knelpunt_id=chosen, tekst=text, intern=internal
                ),
                "De opmerking is geplaatst.",
            )
