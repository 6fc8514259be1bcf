"""The analytical snapshot holds exactly what the database holds, on both backends."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from data_access import analytics
from data_access.analytics import DERIVED, SNAPSHOT_TABLES, derived_path, write_snapshot
from data_access.db import make_engine, migrate
from data_access.loader import load_tables
from tests.conftest import BACKENDS, fresh_database
from tests.helpers import sql_scalar


def test_sqlite_and_postgresql_snapshots_are_identical(tmp_path: Path, demo_tables: dict) -> None:
    snapshots = {}
    for backend in BACKENDS:
        with fresh_database(backend, tmp_path) as (engine, _):
            migrate(engine)
            load_tables(engine, tables=demo_tables)
            target = tmp_path / f"snapshot-{backend}"
            write_snapshot(engine, target=target)
            snapshots[backend] = {
                name: pq.read_table(target / f"{name}.parquet") for name in SNAPSHOT_TABLES
            } | {name: pq.read_table(derived_path(target, name)) for name in DERIVED}
    sqlite, postgresql = (snapshots[b] for b in BACKENDS)
    for name in (*SNAPSHOT_TABLES, *DERIVED):
        assert sqlite[name].schema == postgresql[name].schema, name
        pd.testing.assert_frame_equal(
            sqlite[name].to_pandas(), postgresql[name].to_pandas(), obj=name
        )
    inzet = sqlite["inzet"].to_pandas()
    assert len(inzet) == len(demo_tables["inzet"])
    assert inzet["kosten_cent"].sum() == demo_tables["inzet"]["kosten_cent"].sum()
    traject = sqlite["traject"].to_pandas()
    assert traject["einddatum"].isna().sum() == demo_tables["traject"]["einddatum"].isna().sum()


def test_derived_tables_hold_what_the_base_tables_hold(tmp_path: Path, demo_tables: dict) -> None:
    with fresh_database("sqlite", tmp_path) as (engine, _):
        migrate(engine)
        load_tables(engine, tables=demo_tables)
        write_snapshot(engine, target=tmp_path / "snapshot")
    derived = {
        name: pq.read_table(derived_path(tmp_path / "snapshot", name)).to_pandas()
        for name in DERIVED
    }
    inzet, traject = demo_tables["inzet"], demo_tables["traject"]
    costs = derived["traject_kosten"]
    assert sorted(costs["id"]) == sorted(traject["id"])  # every trajectory, delivered or not
    assert costs["kosten_cent"].sum() == inzet["kosten_cent"].sum()
    assert (
        costs["eigen_kosten_cent"].fillna(0) + costs["onder_kosten_cent"].fillna(0)
        == costs["kosten_cent"].fillna(0)
    ).all()
    sub = inzet[inzet["onderaanneming_id"].notna()]
    onder = derived["onder_inzet"]
    assert len(onder) == len(sub) > 0
    assert onder["kosten_cent"].sum() == sub["kosten_cent"].sum()
    main = traject.set_index("id")["hoofdaannemer_id"]
    assert (onder["hoofdaannemer_id"].to_numpy() == onder["traject_id"].map(main).to_numpy()).all()
    assert set(onder["segment"]) == {"B", "C"} and onder["regio_code"].notna().all()
    payments = derived["betaling_traject"]
    assert payments["bedrag_cent"].sum() == demo_tables["betaling"]["bedrag_cent"].sum()
    per_month = derived["aanbieder_maand"]
    assert per_month["kosten_cent"].sum() == inzet["kosten_cent"].sum()
    shared = set(sub["traject_id"])
    own = inzet[inzet["onderaanneming_id"].isna() & inzet["traject_id"].isin(shared)]
    assert derived["eigen_inzet_gedeeld"]["kosten_cent"].sum() == own["kosten_cent"].sum() > 0


def test_a_snapshot_from_an_older_version_gets_its_derived_tables_rebuilt(
    tmp_path: Path, demo_tables: dict, monkeypatch
) -> None:
    """After an upgrade that derives a table differently, the old file is not read."""
    with fresh_database("sqlite", tmp_path) as (engine, _):
        migrate(engine)
        load_tables(engine, tables=demo_tables)
        target = tmp_path / "snapshot"
        write_snapshot(engine, target=target)
    old = derived_path(target, "aanbieder_maand")
    monkeypatch.setitem(
        DERIVED, "aanbieder_maand", DERIVED["aanbieder_maand"].replace("SUM(uren)", "SUM(uren) * 2")
    )
    new = derived_path(target, "aanbieder_maand")
    assert new != old and not new.exists()
    opened = analytics.Analytics(target)
    assert new.exists()
    hours = opened.frame("SELECT SUM(uren) AS u FROM aanbieder_maand")["u"].iloc[0]
    assert hours == pytest.approx(2 * float(demo_tables["inzet"]["uren"].astype(float).sum()))


def test_the_period_runs_from_the_first_start_to_the_last_complete_month(
    demo_engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import datetime as dt

    from data_access.filters import data_period

    periode = data_period(demo_engine)
    first = sql_scalar(demo_engine, "SELECT MIN(startdatum) FROM traject")
    last = sql_scalar(demo_engine, "SELECT MAX(maand) FROM inzet")
    assert periode.begin == dt.date.fromisoformat(str(first)[:10]).replace(day=1)
    assert periode.peildatum.replace(day=1) == dt.date.fromisoformat(str(last)[:10])
    assert (periode.peildatum + dt.timedelta(days=1)).day == 1  # the end of that month
    # A month still under way is not complete.
    during = data_period(demo_engine, today=periode.peildatum.replace(day=15))
    assert during.peildatum < periode.peildatum.replace(day=1)
    monkeypatch.setenv("SPIC_PEILDATUM", "2019-06-30")
    assert data_period(demo_engine).peildatum == dt.date(2019, 6, 30)


# One app process: open the current snapshot (building it if missing) at an agreed moment, and
# read it. A subprocess, not multiprocessing: spawn would re-run whatever script an AppTest
# left as __main__.
_ONE_PROCESS = """
import json, os, sys, time
url, data_dir, start_at = sys.argv[1], sys.argv[2], float(sys.argv[3])
os.environ["SPIC_DATA_DIR"] = data_dir
from data_access.analytics import analytics
from data_access.db import make_engine
engine = make_engine(url)
time.sleep(max(0.0, start_at - time.time()))
frame = analytics(engine).frame("SELECT COUNT(*) AS n, SUM(kosten_cent) AS k FROM inzet")
print(json.dumps([int(frame["n"].iloc[0]), int(frame["k"].iloc[0])]))
"""


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_processes_building_the_snapshot_at_once_both_read_it_whole(
    tmp_path: Path, demo_tables: dict, backend: str
) -> None:
    """Two app processes behind a proxy find no snapshot and build it at the same moment:
    each builds in a staging folder and moves it into place, so neither reads half of one."""
    with fresh_database(backend, tmp_path) as (engine, url):
        migrate(engine)
        load_tables(engine, tables=demo_tables)
        expected = [
            int(sql_scalar(engine, "SELECT COUNT(*) FROM inzet")),
            int(sql_scalar(engine, "SELECT SUM(kosten_cent) FROM inzet")),
        ]
        data_dir = tmp_path / "gedeeld"
        start_at = str(time.time() + 5)  # both have imported everything by then
        processes = [
            subprocess.Popen(
                [sys.executable, "-c", _ONE_PROCESS, url, str(data_dir), start_at],
                cwd=Path(__file__).resolve().parent.parent,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        outputs = [process.communicate(timeout=300) for process in processes]
        assert [p.returncode for p in processes] == [0, 0], [err for _, err in outputs]
        assert [json.loads(out) for out, _ in outputs] == [expected, expected]
        built = [p for p in (data_dir / "analytics").rglob("*") if p.is_dir()]
        folders = [p for p in built if p.parent.parent.name == "analytics"]
        assert len(folders) == 1 and not [p for p in built if p.name.startswith(".tmp-")]


def test_the_sqlite_export_is_the_same_in_batches_of_any_size(
    tmp_path: Path, demo_tables: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Arrow reader types each batch from its values: columns that are NULL in one batch
    and filled in the next (end dates, subcontracts) must come out the same."""
    with fresh_database("sqlite", tmp_path) as (engine, _):
        migrate(engine)
        load_tables(engine, tables=demo_tables)
        write_snapshot(engine, target=tmp_path / "groot")
        monkeypatch.setattr(analytics, "BATCH_ROWS", 7)
        write_snapshot(engine, target=tmp_path / "klein")
    for name in SNAPSHOT_TABLES:
        big = pq.read_table(tmp_path / "groot" / f"{name}.parquet")
        small = pq.read_table(tmp_path / "klein" / f"{name}.parquet")
        assert small.equals(big), name
    einddatum = pq.read_table(tmp_path / "klein" / "traject.parquet").column("einddatum")
    assert 0 < einddatum.null_count < len(einddatum)  # the case the test is about


def test_the_app_process_never_loads_a_second_sqlite_library(
    tmp_path: Path, demo_tables: dict
) -> None:
    """The export's ADBC driver carries its own SQLite; in the app's process beside Python's
    sqlite3 the two would break each other's locks. It runs in a child process instead."""
    with fresh_database("sqlite", tmp_path) as (engine, _):
        migrate(engine)
        load_tables(engine, tables=demo_tables)
        write_snapshot(engine, target=tmp_path / "snapshot")
    assert not [m for m in sys.modules if m.startswith("adbc_driver")]
    with Path("/proc/self/maps").open() as maps:
        assert "adbc" not in maps.read()


def test_a_failing_export_leaves_no_snapshot_and_says_why(tmp_path: Path) -> None:
    from data_access.sqlite_export import ExportFailed

    missing = make_engine(f"sqlite:///{tmp_path / 'leeg.db'}")  # no tables at all
    with pytest.raises(ExportFailed, match="export van het snapshot mislukt"):
        write_snapshot(missing, target=tmp_path / "snapshot")
    assert not (tmp_path / "snapshot").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]


def test_a_postgresql_snapshot_is_one_moment_of_the_database(
    tmp_path: Path, demo_tables: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A change committed while the snapshot is being exported, after its first table, is in
    none of its tables: every table comes from the moment the export began."""
    with fresh_database("postgresql", tmp_path) as (engine, _):
        migrate(engine)
        load_tables(engine, tables=demo_tables)
        before = str(sql_scalar(engine, "SELECT naam FROM aanbieder WHERE id = 1"))
        export = analytics.export_table_copy

        def export_then_someone_commits(conn: sa.Connection, table: sa.Table, *args: object):
            rows = export(conn, table, *args)  # type: ignore[arg-type]
            if table.name == "regio":
                with engine.begin() as other:
                    other.execute(sa.text("UPDATE aanbieder SET naam = 'Later' WHERE id = 1"))
            return rows

        monkeypatch.setattr(analytics, "export_table_copy", export_then_someone_commits)
        write_snapshot(engine, target=tmp_path / "snapshot")
        assert sql_scalar(engine, "SELECT naam FROM aanbieder WHERE id = 1") == "Later"
    names = pq.read_table(tmp_path / "snapshot" / "aanbieder.parquet").to_pandas()
    assert names.loc[names["id"] == 1, "naam"].item() == before
