"""The analytical snapshot holds exactly what the database holds, on both backends."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from data_access.analytics import SNAPSHOT_TABLES, write_snapshot
from data_access.db import migrate
from data_access.loader import load_tables
from tests.conftest import BACKENDS, fresh_database


def test_sqlite_and_postgresql_snapshots_are_identical(tmp_path: Path, demo_tables: dict) -> None:
    snapshots = {}
    for backend in BACKENDS:
        with fresh_database(backend, tmp_path) as (engine, _):
            migrate(engine)
            load_tables(engine, demo_tables)
            target = tmp_path / f"snapshot-{backend}"
            write_snapshot(engine, target)
            snapshots[backend] = {
                name: pq.read_table(target / f"{name}.parquet") for name in SNAPSHOT_TABLES
            }
    sqlite, postgresql = (snapshots[b] for b in BACKENDS)
    for name in SNAPSHOT_TABLES:
        assert sqlite[name].schema == postgresql[name].schema, name
        pd.testing.assert_frame_equal(
            sqlite[name].to_pandas(), postgresql[name].to_pandas(), obj=name
        )
    inzet = sqlite["inzet"].to_pandas()
    assert len(inzet) == len(demo_tables["inzet"])
    assert inzet["kosten_cent"].sum() == demo_tables["inzet"]["kosten_cent"].sum()
    traject = sqlite["traject"].to_pandas()
    assert traject["einddatum"].isna().sum() == demo_tables["traject"]["einddatum"].isna().sum()
