"""Payment rules to try ("wat als"): the rule itself, and the saved ones.

A scenario lets part of the completion tranche depend on the outcome; `queries.resultaat`
computes what each provider would have received. Saving is a write of its own, for the
kerngroep; computing is for everyone who follows up on providers.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from data_access.access import Scope
from data_access.db import session_scope
from data_access.models import BetaalScenario
from data_access.validation import ValidationFailed, check_text

WHAT_IF_ONLY = "Scenario's zijn er voor de kerngroep en de contractmanagers."


@dataclass(frozen=True)
class Scenario:
    """A payment rule to try: part of the completion tranche depends on the outcome."""

    naam: str = ""
    resultaatdeel: Decimal = Decimal("0")  # share of the completion tranche at stake, 0..1
    gewicht_uitval: Decimal = Decimal("1")
    gewicht_doel: Decimal = Decimal("1")
    gewicht_ervaring: Decimal = Decimal("1")
    budgetneutraal: bool = True

    def __post_init__(self) -> None:
        if not Decimal(0) <= self.resultaatdeel <= Decimal(1):
            raise ValueError("Het resultaatdeel moet tussen 0% en 100% liggen.")
        weights = (self.gewicht_uitval, self.gewicht_doel, self.gewicht_ervaring)
        if any(w < 0 for w in weights) or sum(weights) == 0:
            raise ValueError("Geef minstens één indicator een gewicht groter dan nul.")


def require_what_if(scope: Scope) -> None:
    scope.require(scope.may_run_what_if, WHAT_IF_ONLY)


def save_scenario(engine: Engine, scope: Scope, *, scenario: Scenario) -> int:
    """Store a scenario under its name; the name must be new. Returns its id."""
    scope.require(scope.may_save_scenarios, "Alleen de kerngroep bewaart scenario's.")
    naam = check_text(scenario.naam, "Naam", (3, 80))
    with session_scope(engine) as session:
        taken = session.execute(
            sa.select(BetaalScenario.id).where(BetaalScenario.naam == naam)
        ).first()
        if taken:
            raise ValidationFailed(
                {"naam": ["Er is al een scenario met deze naam; kies een andere."]}
            )
        row = BetaalScenario(
            naam=naam,
            resultaatdeel=scenario.resultaatdeel,
            gewicht_uitval=scenario.gewicht_uitval,
            gewicht_doel=scenario.gewicht_doel,
            gewicht_ervaring=scenario.gewicht_ervaring,
            budgetneutraal=scenario.budgetneutraal,
            aangemaakt_door_id=scope.gebruiker_id,
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        return row.id


def saved_scenarios(engine: Engine, scope: Scope) -> dict[int, Scenario]:
    require_what_if(scope)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(BetaalScenario).order_by(BetaalScenario.naam)).all()
    return {
        int(r.id): Scenario(
            naam=r.naam,
            resultaatdeel=Decimal(r.resultaatdeel),
            gewicht_uitval=Decimal(r.gewicht_uitval),
            gewicht_doel=Decimal(r.gewicht_doel),
            gewicht_ervaring=Decimal(r.gewicht_ervaring),
            budgetneutraal=r.budgetneutraal,
        )
        for r in rows
    }
