"""The workflow of a report as one table: which step may follow which status, who takes it,
and which text it asks for. The data layer refuses every step that is not in it; the pages
offer only the steps in it; the tests are generated from it.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from data_access.models import KnelpuntStatus
from data_access.settings import get_settings

S = KnelpuntStatus


class Wie(enum.StrEnum):
    """Who takes a step: the kerngroep (and beheerder) handling the register, or the reporting
    organisation on its own report."""

    KERNGROEP = "kerngroep"
    MELDER = "melder"


@dataclass(frozen=True)
class Stap:
    wie: Wie
    tekst: str | None = None  # the label of the text this step requires; None: optional remark
    eigen_formulier: bool = False  # a form of its own, not among the kerngroep's status changes


K = Wie.KERNGROEP
_REDEN = Stap(K, "Reden")
_VRAAG = Stap(K, "Vraag aan de melder")
_AANHOUDEN = Stap(K, "Reden van aanhouden")
_SAMENVOEGEN = Stap(K, "Reden", eigen_formulier=True)
# Where the kerngroep can go from a report it is working on.
_WERK = {
    S.AFGEWEZEN: _REDEN,
    S.SAMENGEVOEGD: _SAMENVOEGEN,
    S.REACTIE_GEVRAAGD: _VRAAG,
    S.AANGEHOUDEN: _AANHOUDEN,
}

STEPS: dict[KnelpuntStatus, dict[KnelpuntStatus, Stap]] = {
    S.NIEUW: {
        S.IN_BEHANDELING: Stap(K),
        **_WERK,
        S.INGETROKKEN: Stap(Wie.MELDER, eigen_formulier=True),
    },
    S.IN_BEHANDELING: {S.GEAGENDEERD: Stap(K), **_WERK},
    S.GEAGENDEERD: {S.BESLOTEN: Stap(K), S.IN_BEHANDELING: Stap(K), **_WERK},
    S.BESLOTEN: {S.OPGELOST: Stap(K, "Hoe het is opgelost")},
    # A question to the reporter waits for its answer; the kerngroep may go on without it.
    S.REACTIE_GEVRAAGD: {
        S.REACTIE_ONTVANGEN: Stap(Wie.MELDER, "Antwoord", eigen_formulier=True),
        S.IN_BEHANDELING: Stap(K),
        S.AFGEWEZEN: _REDEN,
    },
    S.REACTIE_ONTVANGEN: {S.IN_BEHANDELING: Stap(K), S.GEAGENDEERD: Stap(K), **_WERK},
    S.HEROPEND: {S.IN_BEHANDELING: Stap(K), S.GEAGENDEERD: Stap(K), **_WERK},
    S.AANGEHOUDEN: {S.IN_BEHANDELING: Stap(K), S.AFGEWEZEN: _REDEN},
    # After resolution: the reporter asks (within SPIC_REOPEN_DAYS), the kerngroep decides;
    # the kerngroep may also reopen on its own.
    S.OPGELOST: {
        S.VERZOEK_HEROPENEN: Stap(Wie.MELDER, "Waarom opnieuw openen", eigen_formulier=True),
        S.HEROPEND: Stap(K, "Reden van heropenen"),
    },
    S.VERZOEK_HEROPENEN: {
        S.HEROPEND: Stap(K, "Reden van heropenen"),
        S.OPGELOST: Stap(K, "Waarom niet heropend"),
    },
    S.AFGEWEZEN: {S.HEROPEND: Stap(K, "Reden van heropenen")},
    S.SAMENGEVOEGD: {},
    S.INGETROKKEN: {},
}

TRANSITIONS: dict[KnelpuntStatus, frozenset[KnelpuntStatus]] = {
    van: frozenset(naar) for van, naar in STEPS.items()
}
# Finished: only reopening leads out of these.
CLOSED = frozenset({S.OPGELOST, S.AFGEWEZEN, S.SAMENGEVOEGD, S.INGETROKKEN})
OPEN = frozenset(S) - CLOSED
WAITING_FOR_REPORTER = frozenset({S.REACTIE_GEVRAAGD})
AGENDA_STATUSES = frozenset(
    {S.NIEUW, S.IN_BEHANDELING, S.GEAGENDEERD, S.REACTIE_ONTVANGEN, S.HEROPEND}
)


class Conflict(RuntimeError):
    """Someone else changed the report since it was read."""


class WorkflowError(ValueError):
    """A change the workflow does not allow; the message is Dutch."""


def reopening_deadline(resolved: dt.datetime) -> dt.datetime:
    """Until when the reporter may ask to reopen a report resolved at `resolved` (naive values
    are UTC, as SQLite hands them back)."""
    moment = resolved if resolved.tzinfo else resolved.replace(tzinfo=dt.UTC)
    return moment + dt.timedelta(days=get_settings().reopen_days)


def step(van: KnelpuntStatus, naar: KnelpuntStatus) -> Stap | None:
    return STEPS[van].get(naar)


def kerngroep_steps(status: KnelpuntStatus) -> list[KnelpuntStatus]:
    """The status changes the kerngroep chooses from for a report in `status`."""
    return sorted(
        naar
        for naar, stap in STEPS[status].items()
        if stap.wie == Wie.KERNGROEP and not stap.eigen_formulier
    )
