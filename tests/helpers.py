"""Small helpers shared by the test modules: plain SQL recomputations and demo users."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from data_access.access import Scope, scope_for
from data_access.users import identity_by_id


def sql_scalar(engine: sa.Engine, sql: str, **params: object) -> object:
    with engine.connect() as conn:
        return conn.execute(sa.text(sql), params).scalar()


def sql_frame(engine: sa.Engine, sql: str, **params: object) -> pd.DataFrame:
    """An independent recomputation: plain SQL on the system of record, not the dashboard path."""
    with engine.connect() as conn:
        result = conn.execute(sa.text(sql), params)
        return pd.DataFrame(result.all(), columns=list(result.keys()))


def provider_ids(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(sa.text("SELECT naam, id FROM aanbieder")).all())


def user_scope(engine: sa.Engine, username: str) -> Scope:
    uid = sql_scalar(engine, "SELECT id FROM gebruiker WHERE gebruikersnaam = :n", n=username)
    identity = identity_by_id(engine, user_id=int(uid))
    assert identity is not None
    return scope_for(engine, identity=identity)
