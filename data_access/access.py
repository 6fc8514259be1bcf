"""Who may see what (DESIGN.md §2), decided here and not in the pages.

Every read function takes a `Scope`. Pages also guard their role, but hiding a page is not
access control: the data layer refuses and suppresses on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from data_access.auth import Identity
from data_access.models import Portefeuille, Rol


class AccessDenied(PermissionError):
    """The user's role does not allow this; the message is Dutch and safe to show."""


ALLE_ROLLEN = frozenset(Rol)
DASHBOARD_ROLLEN = ALLE_ROLLEN

# Page key -> roles that may open it. The navigation and every page guard read this table.
PAGE_ROLES: dict[str, frozenset[Rol]] = {
    "overzicht": DASHBOARD_ROLLEN,
    "uitnutting": DASHBOARD_ROLLEN,
    "segmenten": DASHBOARD_ROLLEN,
    "resultaat": DASHBOARD_ROLLEN,
    "onderaanneming": DASHBOARD_ROLLEN,
    # Provider detail: not for advisers, who see aggregates only.
    "aanbieder": frozenset({Rol.BEHEERDER, Rol.KERNGROEP, Rol.CONTRACTMANAGER, Rol.AANBIEDER}),
    "melden": frozenset({Rol.AANBIEDER, Rol.KERNGROEP, Rol.CONTRACTMANAGER, Rol.BEHEERDER}),
    "meldingen": frozenset({Rol.AANBIEDER}),
    "kerngroep": frozenset({Rol.KERNGROEP, Rol.CONTRACTMANAGER, Rol.BEHEERDER}),
    "overleggen": frozenset({Rol.KERNGROEP, Rol.BEHEERDER}),
    "trends": DASHBOARD_ROLLEN,
    "gebruikers": frozenset({Rol.BEHEERDER}),
    "importeren": frozenset({Rol.BEHEERDER}),
}


@dataclass(frozen=True)
class Scope:
    """What one user may see, derived from the account; hashable so it can key caches."""

    rol: Rol
    gebruiker_id: int
    aanbieder_id: int | None = None
    portefeuille: frozenset[int] = frozenset()

    @property
    def suppress_small_counts(self) -> bool:
        return self.rol in (Rol.ADVISEUR, Rol.AANBIEDER)

    @property
    def sees_all_detail(self) -> bool:
        return self.rol in (Rol.BEHEERDER, Rol.KERNGROEP)

    def may_see_provider(self, aanbieder_id: int) -> bool:
        """Provider detail (per-trajectory figures, names in tables) for one organisation."""
        if self.sees_all_detail:
            return True
        if self.rol == Rol.CONTRACTMANAGER:
            return aanbieder_id in self.portefeuille
        if self.rol == Rol.AANBIEDER:
            return aanbieder_id == self.aanbieder_id
        return False

    def may_open(self, page: str) -> bool:
        return self.rol in PAGE_ROLES.get(page, frozenset())

    def require_role(self, roles: frozenset[Rol] | set[Rol], message: str) -> None:
        """Refuse with `message` (Dutch) unless the user has one of `roles`."""
        if self.rol not in roles:
            raise AccessDenied(message)

    def require_provider(self, aanbieder_id: int) -> None:
        if not self.may_see_provider(aanbieder_id):
            raise AccessDenied("U heeft geen toegang tot de gegevens van deze aanbieder.")


def scope_for(engine: Engine, identity: Identity) -> Scope:
    portefeuille: frozenset[int] = frozenset()
    if identity.rol == Rol.CONTRACTMANAGER:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.select(Portefeuille.aanbieder_id).where(Portefeuille.gebruiker_id == identity.id)
            )
            portefeuille = frozenset(int(r[0]) for r in rows)
    return Scope(identity.rol, identity.id, identity.aanbieder_id, portefeuille)
