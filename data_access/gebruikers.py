"""Account administration as the Beheer page does it: only a beheerder may.

The command line calls `data_access.auth` directly; whoever runs it has the server already.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from data_access.access import Scope
from data_access.auth import Identity, create_user, set_active
from data_access.models import Rol


def _require_beheerder(scope: Scope) -> None:
    scope.require_role({Rol.BEHEERDER}, "Alleen een beheerder beheert gebruikers.")


def aanmaken(engine: Engine, scope: Scope, **gegevens: object) -> Identity:
    _require_beheerder(scope)
    return create_user(engine, **gegevens)  # type: ignore[arg-type]


def activeren(engine: Engine, scope: Scope, gebruikersnaam: str, actief: bool) -> None:
    _require_beheerder(scope)
    set_active(engine, gebruikersnaam, actief)
