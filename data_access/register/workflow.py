"""The workflow of a report: which status may follow which, and the errors of a refused step."""

from __future__ import annotations

from data_access.models import KnelpuntStatus

S = KnelpuntStatus

# The main line, and rejection or merging (with a reason) while still open. Withdrawal is the
# reporter's own step, only while the report is new.
TRANSITIONS: dict[KnelpuntStatus, frozenset[KnelpuntStatus]] = {
    S.NIEUW: frozenset({S.IN_BEHANDELING, S.AFGEWEZEN, S.SAMENGEVOEGD, S.INGETROKKEN}),
    S.IN_BEHANDELING: frozenset({S.GEAGENDEERD, S.AFGEWEZEN, S.SAMENGEVOEGD}),
    S.GEAGENDEERD: frozenset({S.BESLOTEN, S.IN_BEHANDELING, S.AFGEWEZEN, S.SAMENGEVOEGD}),
    S.BESLOTEN: frozenset({S.OPGELOST}),
    S.OPGELOST: frozenset(),
    S.AFGEWEZEN: frozenset(),
    S.SAMENGEVOEGD: frozenset(),
    S.INGETROKKEN: frozenset(),
}
NEEDS_REASON = frozenset({S.AFGEWEZEN, S.SAMENGEVOEGD})
CLOSED = frozenset(s for s, nxt in TRANSITIONS.items() if not nxt)
OPEN = frozenset(S) - CLOSED
# Steps with a form of their own, not offered among the kerngroep's status changes.
OWN_ACTION = frozenset({S.SAMENGEVOEGD, S.INGETROKKEN})
AGENDA_STATUSES = frozenset({S.NIEUW, S.IN_BEHANDELING, S.GEAGENDEERD})


class Conflict(RuntimeError):
    """Someone else changed the report since it was read."""


class WorkflowError(ValueError):
    """A change the workflow does not allow; the message is Dutch."""


def kerngroep_steps(status: KnelpuntStatus) -> list[KnelpuntStatus]:
    """The status changes the kerngroep chooses from for a report in `status`."""
    return sorted(TRANSITIONS[status] - OWN_ACTION)
