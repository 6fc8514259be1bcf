"""Small reference lookups shared by the filter bar and the forms: names by code or id."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from data_access.access import Scope
from data_access.db import Bind, connected
from data_access.models import Aanbieder, Gemeente, Regio, Spic


def regions(engine: Engine) -> dict[str, str]:
    """Region code -> name, by name."""
    with engine.connect() as conn:
        return {r.code: r.naam for r in conn.execute(sa.select(Regio).order_by(Regio.naam))}


def municipalities(bind: Bind) -> dict[str, tuple[str, str]]:
    """CBS code -> (name, region code), by name."""
    with connected(bind) as conn:
        return {
            g.cbs_code: (g.naam, g.regio_code)
            for g in conn.execute(sa.select(Gemeente).order_by(Gemeente.naam))
        }


def visible_providers(bind: Bind, scope: Scope) -> dict[int, str]:
    """Providers whose detail this user may see: id -> name, by name."""
    with connected(bind) as conn:
        rows = conn.execute(sa.select(Aanbieder.id, Aanbieder.naam).order_by(Aanbieder.naam))
        return {int(i): str(n) for i, n in rows if scope.may_see_provider(int(i))}


def profiles(bind: Bind) -> dict[int, str]:
    """Support profile number -> name, from the SPIC catalogue."""
    with connected(bind) as conn:
        rows = conn.execute(
            sa.select(Spic.profiel_nr, Spic.profiel_naam).distinct().order_by(Spic.profiel_nr)
        )
        return {int(nr): str(naam) for nr, naam in rows}
