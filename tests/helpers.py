"""Small helpers shared by the test modules: plain SQL recomputations and demo users."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from data_access.access import Scope, scope_for
from data_access.imports import Bestand
from data_access.imports.templates import csv_bytes
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


def next_year_files(engine: sa.Engine, *, kosten_per_maand: str = "1000,00") -> list[Bestand]:
    """Twelve trajectories of Horizon in 2026, the year after the sample data, six of them
    ended in March, with three months of deliveries each and their start payments."""
    horizon = sql_scalar(
        engine, "SELECT agb_code FROM aanbieder WHERE naam = 'Horizon Jeugd & Gezin'"
    )
    trajecten = pd.DataFrame(
        {
            "toewijzingnummer": [f"TW2026{n:05d}" for n in range(12)],
            "client_pseudoniem": [f"P2026{n:011d}" for n in range(12)],
            "gemeente": "GM0363",
            "hoofdaannemer": horizon,
            "spic": "B-P03-I2",
            "startdatum": "05-01-2026",
            "geplande_einddatum": "05-01-2027",
            "einddatum": ["20-03-2026"] * 6 + [""] * 6,
            "reden_beeindiging": ["31"] * 6 + [""] * 6,
            "tarief": "3000,00",  # the tariff table has no 2026 yet
        }
    )
    inzet = pd.DataFrame(
        [
            {
                "toewijzingnummer": f"TW2026{n:05d}",
                "aanbieder": horizon,
                "maand": f"{m:02d}-2026",
                "uren": "10",
                "kosten": kosten_per_maand,
            }
            for n in range(12)
            for m in (1, 2, 3)
        ]
    )
    betalingen = pd.DataFrame(
        {
            "toewijzingnummer": [f"TW2026{n:05d}" for n in range(12)],
            "tranche": "start",
            "bedrag": "2100,00",
            "datum": "05-01-2026",
        }
    )
    return [
        Bestand("trajecten 2026.csv", csv_bytes(trajecten)),
        Bestand("inzet 2026.csv", csv_bytes(inzet)),
        Bestand("betalingen 2026.csv", csv_bytes(betalingen)),
    ]


def require_nginx() -> None:
    """Skip without nginx, unless the run requires the browser stack (CI), then fail."""
    from benchmarks.servers import NGINX

    if not Path(NGINX).exists():
        message = f"nginx not found at {NGINX} (apt-get install nginx-light)"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)


def open_tables(at: AppTest) -> AppTest:
    """Open every table the page keeps behind an expander until asked (`table_on_request`),
    as a user clicking each one would, and run the page again."""
    from dashboard.components import TABLE_OPEN_SUFFIX

    keys = [
        widget_id.rsplit("-", 1)[-1]
        for widget_id in (expander.proto.id for expander in at.expander)
        if widget_id.endswith(TABLE_OPEN_SUFFIX)
    ]
    for key in keys:
        at.session_state[key] = True
    return at.run() if keys else at


def each_section(at: AppTest) -> Iterator[AppTest]:
    """The page once with each of its sections open (`open_section`), as a user clicking
    every tab would: the page as it is first, then every other tab."""
    yield at
    for block in list(_blocks(at._tree)):
        proto = getattr(block, "proto", None)
        if type(proto).__name__ != "Block" or not proto.HasField("tab_container"):
            continue
        key = proto.id.rsplit("-", 1)[-1]
        for tab in list(block.children.values())[1:]:
            at.session_state[key] = tab.label
            yield at.run()


def _blocks(node: object) -> Iterator[object]:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _blocks(child)
