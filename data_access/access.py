"""Who may see and do what (DESIGN.md §2): the one module that knows the roles.

Every role rule of the product is a named capability of `Scope`, and every page is a row of
`PAGES` with the roles that may open it. Nothing outside this module compares roles: queries
ask `scope.suppress_small_counts`, pages ask `scope.may_run_what_if`, and so on. Every read
and write function takes a `Scope`; pages also guard their role, but hiding a page is not
access control: the data layer refuses and suppresses on its own.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from data_access.models import Gebruiker, Knelpunt, Portefeuille, Rol


class AccessDenied(PermissionError):
    """The user's role does not allow this; the message is Dutch and safe to show."""


@dataclass(frozen=True)
class Identity:
    """The logged-in user as the rest of the app sees it (no password material)."""

    id: int
    gebruikersnaam: str
    weergavenaam: str
    rol: Rol
    aanbieder_id: int | None
    is_demo: bool

    @classmethod
    def of(cls, user: Gebruiker) -> Identity:
        assert user.id is not None
        return cls(
            user.id,
            user.gebruikersnaam,
            user.weergavenaam,
            Rol(user.rol),
            user.aanbieder_id,
            user.is_demo,
        )


# --- the pages ------------------------------------------------------------------------------

ALLE_ROLLEN = frozenset(Rol)
_DETAIL = frozenset({Rol.BEHEERDER, Rol.KERNGROEP, Rol.CONTRACTMANAGER, Rol.AANBIEDER})
_BEHANDELAARS = frozenset({Rol.KERNGROEP, Rol.BEHEERDER})
_VOLGERS = _BEHANDELAARS | {Rol.CONTRACTMANAGER}
_BEHEER = frozenset({Rol.BEHEERDER})
_AANBIEDER = frozenset({Rol.AANBIEDER})


@dataclass(frozen=True)
class Page:
    """One page of the app. The key is also its script name (pages/<key>.py) and URL path."""

    key: str
    title: str
    icon: str
    group: str
    roles: frozenset[Rol]
    dashboard: bool = False  # a dashboard over the analytical snapshot, with the filter bar


PAGES: dict[str, Page] = {
    p.key: p
    for p in (
        Page("overzicht", "Overzicht", ":material/dashboard:", "Dashboards", ALLE_ROLLEN, True),
        Page(
            "uitnutting", "SPIC-uitnutting", ":material/grid_on:", "Dashboards", ALLE_ROLLEN, True
        ),
        Page(
            "segmenten",
            "Segment B en C",
            ":material/compare_arrows:",
            "Dashboards",
            ALLE_ROLLEN,
            True,
        ),
        Page(
            "resultaat",
            "Resultaat en betaling",
            ":material/payments:",
            "Dashboards",
            ALLE_ROLLEN,
            True,
        ),
        Page("onderaanneming", "Onderaanneming", ":material/hub:", "Dashboards", ALLE_ROLLEN, True),
        # Provider detail: not for advisers, who see aggregates only.
        Page("aanbieder", "Aanbieder", ":material/business:", "Dashboards", _DETAIL, True),
        Page("melden", "Knelpunt melden", ":material/campaign:", "Knelpunten", _DETAIL),
        Page("meldingen", "Mijn meldingen", ":material/inbox:", "Knelpunten", _AANBIEDER),
        Page("kerngroep", "Kerngroep", ":material/list_alt:", "Knelpunten", _VOLGERS),
        Page("overleggen", "Kerngroepoverleg", ":material/groups:", "Knelpunten", _BEHANDELAARS),
        Page("trends", "Trends knelpunten", ":material/trending_up:", "Knelpunten", ALLE_ROLLEN),
        Page("gebruikers", "Gebruikers", ":material/manage_accounts:", "Beheer", _BEHEER),
        Page("importeren", "Gegevens importeren", ":material/upload_file:", "Beheer", _BEHEER),
        Page("audit", "Auditlog", ":material/policy:", "Beheer", _BEHEER),
        Page("account", "Mijn account", ":material/account_circle:", "Account", ALLE_ROLLEN),
    )
}


# --- rules about other accounts -------------------------------------------------------------

ASSIGNEE_ROLE = Rol.CONTRACTMANAGER  # reports are assigned to contract managers for follow-up


def belongs_to_provider(rol: Rol) -> bool:
    """Accounts of this role work for one provider organisation (and must name it)."""
    return rol == Rol.AANBIEDER


def may_be_assigned(rol: Rol) -> bool:
    return rol == ASSIGNEE_ROLE


def assignable_accounts() -> sa.ColumnElement[bool]:
    """The accounts a report can be assigned to (SQL condition on `Gebruiker`)."""
    return sa.and_(Gebruiker.rol == ASSIGNEE_ROLE, Gebruiker.actief.is_(True))


def digest_recipients() -> sa.ColumnElement[bool]:
    """The accounts the weekly digest of the register goes to: the kerngroep (SQL condition on
    `Gebruiker`; address, opt-out and activity are checked when the mail is queued)."""
    return Gebruiker.rol == Rol.KERNGROEP


# --- the user's rights ----------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """What one user may see and do, derived from the account; hashable so it can key caches."""

    rol: Rol
    gebruiker_id: int
    aanbieder_id: int | None = None
    portefeuille: frozenset[int] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "rol", Rol(self.rol))  # a stored string becomes the member

    @classmethod
    def operator(cls) -> Scope:
        """Whoever runs the command line on the server: a beheerder without an account."""
        return cls(Rol.BEHEERDER, 0)

    # What the user sees ------------------------------------------------------------------

    @property
    def suppress_small_counts(self) -> bool:
        """Aggregates over fewer cases than the threshold are hidden (DESIGN.md §6)."""
        return self.rol in (Rol.ADVISEUR, Rol.AANBIEDER)

    @property
    def sees_all_detail(self) -> bool:
        """Provider detail of every organisation."""
        return self.rol in _BEHANDELAARS

    @property
    def sees_trajectories(self) -> bool:
        """Lists of single trajectories (the drill-downs), within `provider_condition`."""
        return self.rol != Rol.ADVISEUR

    @property
    def sees_reports(self) -> bool:
        """Individual reports of the register (advisers see only the trends)."""
        return self.rol != Rol.ADVISEUR

    @property
    def own_provider_id(self) -> int | None:
        """The organisation a provider account works for; None for every other role."""
        return self.aanbieder_id if self.rol == Rol.AANBIEDER else None

    def may_see_provider(self, aanbieder_id: int) -> bool:
        """Provider detail (per-trajectory figures, names in tables) for one organisation."""
        if self.sees_all_detail:
            return True
        if self.rol == Rol.CONTRACTMANAGER:
            return aanbieder_id in self.portefeuille
        return self.own_provider_id is not None and aanbieder_id == self.own_provider_id

    def provider_condition(self, column: str) -> tuple[str, list[object]]:
        """A SQL condition limiting rows to providers whose detail this user may see."""
        if self.sees_all_detail:
            return "TRUE", []
        if self.own_provider_id is not None:
            return f"{column} = ?", [self.own_provider_id]
        if self.rol == Rol.CONTRACTMANAGER and self.portefeuille:
            ids = sorted(self.portefeuille)
            return f"{column} IN ({', '.join('?' * len(ids))})", list(ids)
        return "FALSE", []

    def own_rows(self, frame: pd.DataFrame, column: str) -> pd.Series | None:
        """Rows about the user's own organisation (exempt from suppression), or None."""
        if self.own_provider_id is None:
            return None
        return frame[column] == self.own_provider_id

    def report_visibility(self, *, counting: bool = False) -> sa.ColumnElement[bool]:
        """The reports of the register this user may open (SQL condition on `Knelpunt`).

        `counting`: for an aggregate count, where advisers count every report (suppressed
        like any aggregate) instead of being refused.
        """
        if self.rol in _BEHANDELAARS:
            return sa.true()
        if self.rol == Rol.CONTRACTMANAGER:
            return sa.or_(
                Knelpunt.aanbieder_id.in_(self.portefeuille or {-1}),
                Knelpunt.toegewezen_aan_id == self.gebruiker_id,
            )
        if self.own_provider_id is not None:
            return Knelpunt.aanbieder_id == self.own_provider_id
        if counting:
            return sa.true()
        raise AccessDenied(
            "Uw rol geeft geen toegang tot afzonderlijke meldingen; u ziet alleen de totalen."
        )

    # What the user does ------------------------------------------------------------------

    def may_open(self, page: str) -> bool:
        entry = PAGES.get(page)
        return entry is not None and self.rol in entry.roles

    def pages(self) -> Iterable[Page]:
        return (p for p in PAGES.values() if self.rol in p.roles)

    @property
    def may_report(self) -> bool:
        """Submit knelpunten and success stories (a provider for itself, others on its behalf)."""
        return self.rol in _DETAIL

    @property
    def reports_on_behalf(self) -> bool:
        """Reports for a provider chosen in the form, not for an organisation of one's own."""
        return self.may_report and self.own_provider_id is None

    @property
    def is_reporting_organisation(self) -> bool:
        """A provider following its own reports: add information, withdraw."""
        return self.own_provider_id is not None

    @property
    def may_handle_reports(self) -> bool:
        """The workflow of the register: status, assignment, merging, meetings."""
        return self.rol in _BEHANDELAARS

    @property
    def may_follow_up(self) -> bool:
        """Comments (public or internal) and actions with a deadline."""
        return self.rol in _VOLGERS

    @property
    def may_run_what_if(self) -> bool:
        """Compute payment scenarios: they name every provider's money."""
        return self.rol in _VOLGERS

    @property
    def may_save_scenarios(self) -> bool:
        return self.rol in _BEHANDELAARS

    @property
    def may_administer(self) -> bool:
        """Accounts, imports and exports of the whole database."""
        return self.rol in _BEHEER

    def require(self, allowed: bool, message: str) -> None:
        """Refuse with `message` (Dutch) unless the capability `allowed` holds."""
        if not allowed:
            raise AccessDenied(message)

    def require_provider(self, aanbieder_id: int) -> None:
        if not self.may_see_provider(aanbieder_id):
            raise AccessDenied("U heeft geen toegang tot de gegevens van deze aanbieder.")


def scope_for(engine: Engine, *, identity: Identity) -> Scope:
    portefeuille: frozenset[int] = frozenset()
    if identity.rol == Rol.CONTRACTMANAGER:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.select(Portefeuille.aanbieder_id).where(Portefeuille.gebruiker_id == identity.id)
            )
            portefeuille = frozenset(int(r[0]) for r in rows)
    return Scope(identity.rol, identity.id, identity.aanbieder_id, portefeuille)
