"""Shared parts of the register pages: the queue table and one report's detail.

User-typed text is shown with st.text or inside dataframes, never as markdown or HTML.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd
import streamlit as st

from dashboard.formatting import DATE_INPUT_FORMAT, datum
from data_access.access import AccessDenied
from data_access.labels import (
    ACTIE_STATUS,
    CATEGORIE,
    GEBEURTENIS,
    KNELPUNT_SOORT,
    STATUS,
    TIJDIGHEID,
    URGENTIE,
    label,
)
from data_access.mail import LINK_PARAMETER, report_url
from data_access.register.actions import NieuweActie
from data_access.register.reads import Detail
from data_access.register.workflow import Conflict, WorkflowError
from data_access.validation import ValidationFailed


def queue_for_display(frame: pd.DataFrame) -> pd.DataFrame:
    shown = pd.DataFrame(index=frame.index)
    shown["Referentie"] = frame["referentie"]
    shown["Titel"] = frame["titel"]
    shown["Status"] = frame["status"].map(lambda v: label(STATUS, v))
    shown["Categorie"] = frame["categorie"].map(lambda v: label(CATEGORIE, v))
    shown["Segment"] = frame["segment"].fillna("–")
    shown["Urgentie"] = frame["urgentie"].map(lambda v: label(URGENTIE, v))
    shown["Aanbieder"] = frame["aanbieder"].fillna("–")
    if "toegewezen_aan" in frame:
        shown["Toegewezen aan"] = frame["toegewezen_aan"].fillna("–")
    shown["Actiehouder"] = frame["actiehouder"].fillna("–")
    shown["Deadline"] = frame["deadline"].map(datum)
    # Overdue is said in words and with a sign, not by colour alone.
    shown["Actie over tijd"] = frame["achterstallig"].map({True: "⚠ over tijd", False: ""})
    if "mogelijk_dubbel" in frame:
        shown["Mogelijk dubbel van"] = frame["mogelijk_dubbel"].fillna("")
    shown["Servicenorm"] = frame["tijdigheid"].map(
        lambda v: {"te_laat": "⚠ ", "ruim_te_laat": "⚠⚠ "}.get(v, "") + label(TIJDIGHEID, v)
    )
    shown["Laatst gewijzigd"] = frame["gewijzigd"].map(datum)
    return shown


def event_value(value: object) -> str:
    """A history row's 'from' or 'to': a status by its name, a deadline as a Dutch date, a
    name as it is; nothing as an empty cell (never 'nan')."""
    if value is None or (not isinstance(value, str) and pd.isna(value)) or value == "":
        return ""
    text = str(value)
    try:
        return datum(dt.date.fromisoformat(text))
    except ValueError:
        return label(STATUS, text)


def actions_for_display(acties: pd.DataFrame) -> pd.DataFrame:
    shown = pd.DataFrame(index=acties.index)
    shown["Actie"] = acties["omschrijving"]
    shown["Eigenaar"] = acties["eigenaar"]
    shown["Deadline"] = acties["deadline"].map(datum)
    shown["Status"] = acties["status"].map(lambda v: label(ACTIE_STATUS, v))
    shown["Uit besluit van"] = acties["overleg_datum"].map(datum)
    return shown


ACTION_ROWS = 3  # actions recorded with a decision; more are added on the Kerngroep page


def action_fields(*, key: str) -> list[NieuweActie]:
    """Rows of inputs for the actions of a decision (what, who, deadline), each labelled.
    Empty rows are left out; half-filled ones go to the data layer, which says what is
    missing (and in which row)."""
    st.markdown("**Acties uit dit besluit**")
    st.caption(
        f"Tot {ACTION_ROWS} acties: wat er moet gebeuren, wie het doet en eventueel de "
        "deadline. Meer acties voegt u daarna toe op de pagina Kerngroep, bij de melding."
    )
    acties = []
    for n in range(1, ACTION_ROWS + 1):
        what, who, when = st.columns([3, 2, 1.4])
        shown = "visible" if n == 1 else "collapsed"
        wat = what.text_input(
            f"Actie {n} (wat)", max_chars=1000, key=f"{key}_wat_{n}", label_visibility=shown
        )
        wie = who.text_input(
            f"Eigenaar {n} (wie)", max_chars=120, key=f"{key}_wie_{n}", label_visibility=shown
        )
        wanneer = when.date_input(
            f"Deadline {n}",
            value=None,
            format=DATE_INPUT_FORMAT,
            key=f"{key}_wanneer_{n}",
            label_visibility=shown,
        )
        if wat.strip() or wie.strip() or wanneer is not None:
            acties.append(NieuweActie(wat, wie, wanneer))
    return acties


def history_for_display(history: pd.DataFrame) -> pd.DataFrame:
    shown = pd.DataFrame(index=history.index)
    shown["Wanneer"] = history["tijdstip"].map(datum)
    shown["Wie"] = history["wie"]
    shown["Wat"] = history["soort"].map(lambda v: label(GEBEURTENIS, v))
    shown["Van"] = history["van"].map(event_value)
    shown["Naar"] = history["naar"].map(event_value)
    shown["Tekst"] = history["tekst"].fillna("")
    shown["Intern"] = history["intern"].map({True: "intern", False: ""})
    return shown


def show_detail(detail: Detail, show_internal: bool) -> None:
    k = detail.knelpunt
    st.header(str(k["referentie"]))
    st.text(str(k["titel"]))  # typed by a user: plain text only
    facts = st.container(horizontal=True)
    facts.metric("Status", label(STATUS, k["status"]), border=True)
    facts.metric("Urgentie", label(URGENTIE, k["urgentie"]), border=True)
    facts.metric("Segment", k["segment"] or "–", border=True)
    facts.metric(
        "Gezinnen", "–" if k["aantal_gezinnen"] is None else str(k["aantal_gezinnen"]), border=True
    )
    st.text(
        f"Soort: {label(KNELPUNT_SOORT, k['soort'])}\n"
        f"Categorie: {label(CATEGORIE, k['categorie'])}\n"
        f"Aanbieder: {k['aanbieder'] or '–'}\n"
        f"Gemeenten: {', '.join(detail.gemeenten) or '–'}\n"
        f"Gemeld door: {k['ingediend_door'] or '–'} op {datum(k['aangemaakt'])}\n"
        f"Toegewezen aan: {k['toegewezen_aan'] or '–'}"
        + (f"\nSamengevoegd in: {k['samengevoegd_in']}" if k.get("samengevoegd_in") else "")
        + (f"\nAangehouden tot: {datum(k['aangehouden_tot'])}" if k.get("aangehouden_tot") else "")
        + (
            f"\nServicenorm: eerste reactie uiterlijk {datum(k['reactie_deadline'])}, "
            f"besluit uiterlijk {datum(k['besluit_deadline'])}"
            if k.get("reactie_deadline")
            else ""
        )
    )
    st.markdown("**Omschrijving**")
    st.text(str(k["omschrijving"]))
    if not detail.acties.empty:
        st.markdown("**Acties**")
        st.dataframe(actions_for_display(detail.acties), hide_index=True, width="stretch")
    st.markdown("**Geschiedenis**")
    history = detail.geschiedenis
    if not show_internal:
        history = history[~history["intern"]]
    st.dataframe(history_for_display(history), hide_index=True, width="stretch")
    if not detail.agenda.empty:
        st.markdown("**Besproken in de kerngroep**")
        agenda = detail.agenda.assign(datum=detail.agenda["datum"].map(datum)).rename(
            columns={
                "overleg": "Overleg",
                "datum": "Datum",
                "besluit": "Besluit",
                "acties": "Acties",
            }
        )
        st.dataframe(agenda, hide_index=True, width="stretch")


def choose_report(keuzes: dict[int, str], table: pd.DataFrame, *, key: str, label: str) -> None:
    """The queue as a selectable table plus a select box (for the keyboard) with the same choice.

    The page reads the choice from `st.session_state[key]` before it asks for its view: a
    click on a row sets that key too, through the table's on_change.
    """
    ids = list(keuzes)

    def from_table() -> None:
        rows = st.session_state[f"{key}_tabel"].selection.rows
        if rows:
            st.session_state[key] = ids[int(rows[0])]

    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        on_select=from_table,
        selection_mode="single-row",
        key=f"{key}_tabel",
    )
    if st.session_state.get(key) not in keuzes:
        st.session_state[key] = None
    st.selectbox(
        label,
        ids,
        format_func=keuzes.get,
        placeholder="Kies een melding (of klik op een rij hierboven)",
        key=key,
    )


LINK = LINK_PARAMETER  # …/kerngroep?melding=KNP-2026-0001: a report's own address
_FOLLOWED = "_gevolgde_link"
DEAD_LINK = "De melding uit de link bestaat niet of u heeft er geen toegang toe."


def link_to_follow() -> str | None:
    """The reference a deep link names, once per link: after that the page's own choice wins
    (and is written back to the address by `keep_link`)."""
    reference = st.query_params.get(LINK)
    if reference and st.session_state.get(_FOLLOWED) != reference:
        st.session_state[_FOLLOWED] = reference
        return str(reference)
    return None


def follow(detail: Detail | None, key: str, link: str | None) -> None:
    """Let the page's report choice show the report a link opened (before its widget exists)."""
    if link is not None and detail is not None:
        st.session_state[key] = int(detail.knelpunt["id"])


def keep_link(page_key: str, detail: Detail | None) -> None:
    """The address names the chosen report, so it can be shared or bookmarked; shown too."""
    reference = None if detail is None else str(detail.knelpunt["referentie"])
    if st.query_params.get(LINK) != reference:
        if reference is None:
            del st.query_params[LINK]
        else:
            st.query_params[LINK] = reference
    st.session_state[_FOLLOWED] = reference
    if reference is not None:
        st.caption("Directe link naar deze melding (opent na het inloggen):")
        st.code(report_url(page_key, reference), language=None)


def show_notice(key: str) -> None:
    """The success message a change left for the run after it."""
    notice = st.session_state.pop(key, None)
    if notice:
        st.success(notice)


def carry_out(action: Callable[[], None], success: str, notice_key: str) -> None:
    """Carry out one change; show the Dutch reason when it is refused, nothing half-done."""
    try:
        action()
    except ValidationFailed as exc:
        st.error("\n\n".join(m for ms in exc.errors.values() for m in ms))
    except (Conflict, WorkflowError, AccessDenied) as exc:
        st.error(str(exc))
    else:
        st.session_state[notice_key] = success
        st.rerun()
