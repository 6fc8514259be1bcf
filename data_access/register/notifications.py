"""Which change of a report mails whom, and what the mail says (sent via data_access.mail).

The reporter hears of every public step and public remark of those who handle the register,
and gets a receipt; the contract manager hears of an assignment. Nobody is mailed about what
they did themselves, and never about an internal remark. A mail names the report, its title,
its status and where to read it: the texts themselves are read after logging in.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from data_access.access import Scope
from data_access.labels import STATUS, label
from data_access.mail import Bericht, message, notify, where_to_look
from data_access.models import Knelpunt, KnelpuntStatus

S = KnelpuntStatus
REFERENTIE = "@@REFERENTIE@@"  # filled in by the database where the number is drawn there


def _about(knelpunt: Knelpunt) -> str:
    return f"{knelpunt.referentie} – {knelpunt.titel}"


def status_message(knelpunt: Knelpunt, naar: KnelpuntStatus) -> Bericht:
    ref = knelpunt.referentie
    if naar == S.REACTIE_GEVRAAGD:
        return message(
            f"Vraag over uw melding {ref}",
            f"De kerngroep heeft een vraag over uw melding {_about(knelpunt)}.",
            "Zolang de vraag openstaat, wacht de melding op uw antwoord.",
            where_to_look("meldingen", ref, "Lees en beantwoord de vraag"),
        )
    return message(
        f"Melding {ref}: {label(STATUS, naar)}",
        f"De status van uw melding {_about(knelpunt)} is nu: {label(STATUS, naar)}.",
        where_to_look("meldingen", ref, "Lees de toelichting"),
    )


def remark_message(knelpunt: Knelpunt) -> Bericht:
    ref = knelpunt.referentie
    return message(
        f"Melding {ref}: nieuwe opmerking",
        f"Er is een opmerking geplaatst bij uw melding {_about(knelpunt)}. "
        f"De status is: {label(STATUS, knelpunt.status)}.",
        where_to_look("meldingen", ref, "Lees de opmerking"),
    )


def receipt_message(referentie: str, titel: str, reactie_deadline: dt.date | None) -> Bericht:
    promise = (
        f"U krijgt uiterlijk {reactie_deadline:%d-%m-%Y} een eerste reactie."
        if reactie_deadline
        else "U hoort van de kerngroep zodra de melding is bekeken."
    )
    return message(
        f"Melding {referentie} is ontvangen",
        f"Uw melding {referentie} – {titel} is ontvangen en staat bij de kerngroep. {promise}",
        where_to_look("meldingen", referentie, "Volg de melding"),
    )


def assignment_message(knelpunt: Knelpunt) -> Bericht:
    ref = knelpunt.referentie
    return message(
        f"Melding {ref} is aan u toegewezen",
        f"De kerngroep heeft melding {_about(knelpunt)} aan u toegewezen voor de opvolging.",
        where_to_look("kerngroep", ref, "Bekijk de melding"),
    )


def tell_reporter(
    session: Session, scope: Scope, knelpunt: Knelpunt, bericht: Bericht, *, over: str
) -> None:
    notify(
        session,
        over=(over, knelpunt.id),
        ontvanger_id=knelpunt.ingediend_door_id,
        bericht=bericht,
        behalve_id=scope.gebruiker_id,
    )


def status_changed(session: Session, scope: Scope, knelpunt: Knelpunt) -> None:
    tell_reporter(
        session, scope, knelpunt, status_message(knelpunt, S(knelpunt.status)), over="status"
    )


def remark_added(session: Session, scope: Scope, knelpunt: Knelpunt) -> None:
    tell_reporter(session, scope, knelpunt, remark_message(knelpunt), over="opmerking")


def assigned(session: Session, scope: Scope, knelpunt: Knelpunt) -> None:
    notify(
        session,
        over=("toegewezen", knelpunt.id),
        ontvanger_id=knelpunt.toegewezen_aan_id,
        bericht=assignment_message(knelpunt),
        behalve_id=scope.gebruiker_id,
    )
