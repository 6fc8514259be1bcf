"""Access rules enforced in data_access: called directly with every role."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from data_access.access import AccessDenied, Scope
from data_access.filters import Filters, filter_options
from data_access.generator import PLANTED
from data_access.models import Rol
from data_access.queries.overzicht import overzicht
from data_access.users import list_users
from tests.helpers import provider_ids, user_scope


def test_roles_see_provider_detail_as_designed(demo_engine: sa.Engine) -> None:
    ids = provider_ids(demo_engine)
    horizon, zonnebloem = ids[PLANTED.RESIDENTIEEL_HOOFDAANNEMER], ids["Praktijk De Zonnebloem"]
    outside = ids["Sportschool Kracht & Koers"]
    expect = {
        "demo.beheerder": (True, True, True),
        "demo.kerngroep": (True, True, True),
        "demo.contractmanager": (True, True, False),  # portfolio only
        "demo.adviseur": (False, False, False),
        "demo.aanbieder": (True, False, False),  # Horizon itself
        "demo.aanbieder2": (False, True, False),  # Zonnebloem itself
    }
    for name, seen in expect.items():
        scope = user_scope(demo_engine, name)
        got = tuple(scope.may_see_provider(i) for i in (horizon, zonnebloem, outside))
        assert got == seen, name
        assert scope.suppress_small_counts == (scope.rol in (Rol.ADVISEUR, Rol.AANBIEDER))


def test_filter_options_offer_only_providers_the_user_may_see(demo_engine: sa.Engine) -> None:
    assert filter_options(demo_engine, user_scope(demo_engine, "demo.adviseur")).aanbieders == {}
    own = filter_options(demo_engine, user_scope(demo_engine, "demo.aanbieder")).aanbieders
    assert list(own.values()) == [PLANTED.RESIDENTIEEL_HOOFDAANNEMER]
    cm = filter_options(demo_engine, user_scope(demo_engine, "demo.contractmanager")).aanbieders
    assert len(cm) == 7
    assert (
        len(filter_options(demo_engine, user_scope(demo_engine, "demo.kerngroep")).aanbieders) > 40
    )


@pytest.mark.parametrize("name", ["demo.adviseur", "demo.aanbieder2"])
def test_filtering_on_another_provider_is_refused(demo_engine: sa.Engine, name: str) -> None:
    horizon = provider_ids(demo_engine)[PLANTED.RESIDENTIEEL_HOOFDAANNEMER]
    with pytest.raises(AccessDenied):
        overzicht(
            engine=demo_engine,
            scope=user_scope(demo_engine, name),
            filters=Filters(aanbieder_id=horizon),
        )


def test_contract_manager_sees_portfolio_but_not_others(demo_engine: sa.Engine) -> None:
    scope = user_scope(demo_engine, "demo.contractmanager")
    ids = provider_ids(demo_engine)
    overzicht(
        engine=demo_engine,
        scope=scope,
        filters=Filters(aanbieder_id=ids[PLANTED.RESIDENTIEEL_HOOFDAANNEMER]),
    )
    outsider = next(i for n, i in ids.items() if n.startswith("Stichting"))
    with pytest.raises(AccessDenied):
        overzicht(engine=demo_engine, scope=scope, filters=Filters(aanbieder_id=outsider))


# A selection small enough to fall under the threshold: one small municipality, one year.
SMALL = Filters(van=dt.date(2020, 1, 1), tot=dt.date(2020, 12, 31), gemeente="GM0431")


def _started(engine: sa.Engine, f: Filters, aanbieder: int | None = None) -> int:
    sql = "SELECT COUNT(*) FROM traject WHERE gemeente_code = :g AND startdatum BETWEEN :v AND :t"
    params = {"g": f.gemeente, "v": f.van, "t": f.tot}
    if aanbieder is not None:
        sql += " AND hoofdaannemer_id = :a"
        params["a"] = aanbieder
    with engine.connect() as conn:
        return int(conn.execute(sa.text(sql), params).scalar())


def test_small_counts_are_suppressed_for_adviser_and_provider(demo_engine: sa.Engine) -> None:
    true_count = _started(demo_engine, SMALL)
    assert 0 < true_count < 10  # the fixture selection really is small
    for name in ("demo.adviseur", "demo.aanbieder"):
        result = overzicht(engine=demo_engine, scope=user_scope(demo_engine, name), filters=SMALL)
        assert result.regio.gestarte_trajecten is None, name
        assert result.regio.spic_waarde_cent is None, name
        row = result.per_gemeente[result.per_gemeente["gemeente"] == "Oostzaan"].iloc[0]
        assert bool(row["onderdrukt"]) and pd.isna(row["gestart"]), name


@pytest.mark.parametrize("name", ["demo.kerngroep", "demo.contractmanager", "demo.beheerder"])
def test_small_counts_are_shown_to_roles_with_detail(demo_engine: sa.Engine, name: str) -> None:
    result = overzicht(engine=demo_engine, scope=user_scope(demo_engine, name), filters=SMALL)
    assert result.regio.gestarte_trajecten == _started(demo_engine, SMALL)
    assert not result.per_gemeente["onderdrukt"].any()


def test_provider_sees_its_own_figures_unsuppressed(demo_engine: sa.Engine) -> None:
    scope = user_scope(demo_engine, "demo.aanbieder")
    result = overzicht(engine=demo_engine, scope=scope, filters=Filters())
    assert result.eigen_organisatie is not None
    with demo_engine.connect() as conn:
        own = conn.execute(
            sa.text("SELECT COUNT(*), SUM(tarief_cent) FROM traject WHERE hoofdaannemer_id = :a"),
            {"a": scope.aanbieder_id},
        ).one()
        knelpunten = conn.execute(
            sa.text(
                "SELECT COUNT(*) FROM knelpunt WHERE aanbieder_id = :a AND status IN "
                "('nieuw', 'in_behandeling', 'geagendeerd', 'besloten')"
            ),
            {"a": scope.aanbieder_id},
        ).scalar()
    assert result.eigen_organisatie.gestarte_trajecten == own[0]
    assert result.eigen_organisatie.spic_waarde_cent == own[1]
    assert result.eigen_organisatie.open_knelpunten == knelpunten
    assert (
        overzicht(
            engine=demo_engine, scope=user_scope(demo_engine, "demo.adviseur"), filters=Filters()
        ).eigen_organisatie
        is None
    )


def test_only_the_administrator_lists_users(demo_engine: sa.Engine) -> None:
    users = list_users(demo_engine, user_scope(demo_engine, "demo.beheerder"))
    assert set(users["gebruikersnaam"]) >= {"demo.adviseur", "demo.kerngroep"}
    assert not any("wachtwoord" in c for c in users.columns)
    for name in ("demo.kerngroep", "demo.contractmanager", "demo.adviseur", "demo.aanbieder"):
        with pytest.raises(AccessDenied):
            list_users(demo_engine, user_scope(demo_engine, name))


def test_pages_per_role() -> None:
    assert Scope(Rol.BEHEERDER, 1).may_open("gebruikers")
    for rol in (Rol.KERNGROEP, Rol.CONTRACTMANAGER, Rol.ADVISEUR, Rol.AANBIEDER):
        assert Scope(rol, 1).may_open("overzicht")
        assert not Scope(rol, 1).may_open("gebruikers")
    assert not Scope(Rol.BEHEERDER, 1).may_open("bestaat-niet")
