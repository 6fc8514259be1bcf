"""The incremental refresh of the analytical snapshot after an import of deliveries.

It must give exactly the snapshot a full rebuild gives, only faster; anything it cannot
vouch for (a load, a restore, an import of trajectories) gets a full rebuild; and a reader
never sees a mix of the old and the new figures.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from data_access import analytics, snapshot_refresh
from data_access.__main__ import main
from data_access.analytics import DERIVED, SNAPSHOT_TABLES, read_manifest, read_table
from data_access.db import make_engine, migrate
from data_access.imports import Bestand, importeer, uitvoerder_voor
from data_access.imports.templates import csv_bytes
from data_access.loader import load_tables
from data_access.snapshot_refresh import changed_months
from tests.conftest import BACKENDS, fresh_database
from tests.helpers import next_year_files, sql_scalar, user_scope

APRIL, MARCH = dt.date(2026, 4, 1), dt.date(2026, 3, 1)


@pytest.fixture(params=BACKENDS)
def engine(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    demo_tables: dict,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[sa.Engine]:
    """The demo data plus the trajectories of 2026, with a snapshot of that state. The
    command line sees the same database."""
    monkeypatch.setenv("SPIC_DATA_DIR", str(tmp_path / "data"))
    analytics._open.clear()
    with fresh_database(request.param, tmp_path) as (db, url):
        monkeypatch.setenv("DATABASE_URL", url)
        migrate(db)
        load_tables(db, tables=demo_tables)
        _import(db, next_year_files(db))
        analytics.analytics(db)
        yield db
    analytics._open.clear()


def _import(engine: sa.Engine, files: list[Bestand]) -> None:
    beheerder = user_scope(engine, "demo.beheerder")
    importeer(engine, bestanden=files, uitvoerder=uitvoerder_voor(beheerder, "Beheerder"))


def _april_deliveries(engine: sa.Engine) -> list[Bestand]:
    """April for the six open trajectories, one of them now with a subcontractor (so its
    own delivery in January to March becomes 'own delivery on a shared trajectory'), and a
    corrected March for another."""
    horizon = sql_scalar(
        engine, "SELECT agb_code FROM aanbieder WHERE naam = 'Horizon Jeugd & Gezin'"
    )
    rows = [
        {
            "toewijzingnummer": f"TW2026{n:05d}",
            "aanbieder": horizon,
            "maand": "04-2026",
            "uren": "12",
            "kosten": "1250,00",
        }
        for n in range(6, 12)
    ]
    rows.append(
        {
            "toewijzingnummer": "TW202600007",
            "aanbieder": "98000008",  # Zorgboerderij De Klaver, Horizon's subcontractor
            "maand": "04-2026",
            "uren": "4",
            "kosten": "400,00",
        }
    )
    rows.append(
        {
            "toewijzingnummer": "TW202600000",
            "aanbieder": horizon,
            "maand": "03-2026",
            "uren": "10",
            "kosten": "1111,00",  # was 1000,00
        }
    )
    return [Bestand("inzet april 2026.csv", csv_bytes(pd.DataFrame(rows)))]


def _sorted(table: pd.DataFrame) -> pd.DataFrame:
    return table.sort_values(list(table.columns)).reset_index(drop=True)


def test_an_import_of_deliveries_refreshes_only_its_months_and_equals_a_full_rebuild(
    engine: sa.Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = analytics.analytics(engine)
    old_version = int(sql_scalar(engine, "SELECT versie FROM gegevensversie"))
    _import(engine, _april_deliveries(engine))
    new_version = int(sql_scalar(engine, "SELECT versie FROM gegevensversie"))
    assert changed_months(engine, after=old_version, upto=new_version) == [MARCH, APRIL]

    def no_full_rebuild(*args: object, **kwargs: object) -> None:
        raise AssertionError("a full rebuild where the refresh should do")

    monkeypatch.setattr(analytics, "write_snapshot", no_full_rebuild)
    after = analytics.analytics(engine)
    monkeypatch.undo()
    assert after.directory != before.directory
    # The deliveries are the previous snapshot's file, not a copy, with the two months as a
    # layer over it.
    base = "inzet.parquet"
    assert (after.directory / base).stat().st_ino == (before.directory / base).stat().st_ino
    manifest = read_manifest(after.directory)
    assert manifest is not None and manifest.version == new_version
    assert [layer.months for layer in manifest.layers["inzet"]] == [("2026-03-01", "2026-04-01")]

    full = tmp_path / "vol"
    analytics.write_snapshot(engine, target=full, version=new_version)
    for name in (*SNAPSHOT_TABLES, *DERIVED):
        incremental = read_table(after.directory, name)
        rebuilt = read_table(full, name)
        assert incremental.schema == rebuilt.schema, name
        pd.testing.assert_frame_equal(
            _sorted(incremental.to_pandas()), _sorted(rebuilt.to_pandas()), obj=name
        )
    # And the figures moved as the import says.
    april = after.frame("SELECT SUM(kosten_cent) AS k FROM inzet WHERE maand = DATE '2026-04-01'")
    assert int(april["k"].iloc[0]) == 6 * 125_000 + 40_000
    shared = after.frame(
        "SELECT COUNT(*) AS n FROM eigen_inzet_gedeeld e JOIN traject t ON t.id = e.traject_id "
        "WHERE t.toewijzingnummer = 'TW202600007'"
    )
    assert int(shared["n"].iloc[0]) == 4  # January to April of the newly shared trajectory


def test_anything_but_deliveries_gets_a_full_rebuild(engine: sa.Engine) -> None:
    version = int(sql_scalar(engine, "SELECT versie FROM gegevensversie"))
    # The engine fixture's own import of 2026 changed trajectories and payments too.
    assert changed_months(engine, after=version - 1, upto=version) is None
    with engine.begin() as conn:  # a version that did not say what it changed
        conn.execute(sa.text("UPDATE gegevensversie SET versie = versie + 1"))
    assert changed_months(engine, after=version, upto=version + 1) is None


def test_a_reader_sees_the_old_or_the_new_figures_never_a_mix(engine: sa.Engine) -> None:
    query = (
        "SELECT (SELECT SUM(kosten_cent) FROM inzet) AS inzet, "
        "(SELECT SUM(kosten_cent) FROM traject_kosten) AS trajecten, "
        "(SELECT SUM(kosten_cent) FROM aanbieder_maand) AS maanden"
    )

    def figures() -> tuple[int, ...]:
        row = analytics.analytics(engine).frame(query).iloc[0]
        return tuple(int(v) for v in row)

    old = figures()
    seen: set[tuple[int, ...]] = set()
    stop = threading.Event()
    errors: list[BaseException] = []

    def read() -> None:
        try:
            while not stop.is_set():
                seen.add(figures())
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    readers = [threading.Thread(target=read) for _ in range(2)]
    for reader in readers:
        reader.start()
    _import(engine, _april_deliveries(engine))
    new = figures()
    stop.set()
    for reader in readers:
        reader.join()
    assert not errors
    assert new != old and len(set(new)) == 1  # the three sums agree with each other
    assert seen <= {old, new}


def test_a_snapshot_of_an_older_layout_is_never_opened_after_an_upgrade(
    engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An upgrade that lays the snapshot out differently: the old folder of the same data is
    left alone, a new one is built and the old one cleaned up."""
    old = analytics.analytics(engine).directory
    analytics._open.clear()  # a restarted server
    monkeypatch.setattr(analytics, "LAYOUT", analytics.LAYOUT + 1)
    new = analytics.analytics(engine)
    assert new.directory != old
    assert int(new.frame("SELECT COUNT(*) AS n FROM inzet")["n"].iloc[0]) > 0
    assert not old.exists()  # nobody in this process still reads it


def test_layers_pile_up_to_a_limit_and_the_full_rebuild_command_folds_them(
    engine: sa.Engine, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each import of deliveries adds a layer; at the limit the next snapshot is built in
    full. `python -m data_access snapshot` rebuilds in full at any time, with equal figures."""
    monkeypatch.setattr(snapshot_refresh, "MAX_LAYERS", 2)
    query = "SELECT maand, SUM(kosten_cent) AS k FROM inzet GROUP BY maand ORDER BY maand"
    depths = []
    for cost in ("1111,00", "1222,00", "1333,00"):
        files = _april_deliveries(engine)
        files = [Bestand(files[0].naam, files[0].inhoud.replace(b"1111,00", cost.encode()))]
        _import(engine, files)
        opened = analytics.analytics(engine)
        manifest = read_manifest(opened.directory)
        assert manifest is not None
        depths.append(manifest.depth())
    assert depths == [1, 2, 0]  # the third import found two layers: built in full
    _import(engine, _april_deliveries(engine))
    layered = analytics.analytics(engine).frame(query)
    assert read_manifest(analytics.analytics(engine).directory).depth() == 1  # type: ignore[union-attr]

    assert main(["snapshot"]) == 0
    assert "Snapshot opnieuw opgebouwd" in capsys.readouterr().out
    rebuilt = analytics.analytics(make_engine(os.environ["DATABASE_URL"]))
    assert read_manifest(rebuilt.directory).depth() == 0  # type: ignore[union-attr]
    pd.testing.assert_frame_equal(rebuilt.frame(query), layered)


def test_an_import_from_the_page_or_the_command_line_leaves_the_dashboards_ready(
    engine: sa.Engine,
) -> None:
    """The import page and the command line refresh the snapshot right after the commit:
    whoever opens a dashboard next finds the new month without waiting."""
    beheerder = user_scope(engine, "demo.beheerder")
    steps: list[str] = []
    importeer(
        engine,
        bestanden=_april_deliveries(engine),
        uitvoerder=uitvoerder_voor(beheerder, "Beheerder"),
        progress=lambda what, _done: steps.append(what),
        refresh_dashboards=True,
    )
    assert "De dashboards bijwerken" in steps
    assert analytics.snapshot_age_seconds(engine) is not None
    manifest = read_manifest(analytics.analytics(engine).directory)
    assert manifest is not None and manifest.depth() == 1


def test_a_fresh_server_builds_the_snapshot_before_anyone_opens_a_page(
    tmp_path: Path, demo_tables: dict
) -> None:
    """After a load there is no snapshot yet; the server builds it at its start, while the
    first user logs in, instead of making the first page wait for it."""
    from benchmarks.servers import StreamlitServer

    url = f"sqlite:///{tmp_path / 'vers.db'}"
    db = make_engine(url)
    migrate(db)
    load_tables(db, tables=demo_tables)
    db.dispose()
    server = StreamlitServer(url, env={"SPIC_DATA_DIR": str(tmp_path / "serverdata")})
    try:
        age = None
        for _ in range(120):
            with urllib.request.urlopen(f"{server.url}/healthz", timeout=10) as answer:
                age = json.load(answer)["snapshot_leeftijd_seconden"]
            if age is not None:
                break
            time.sleep(0.5)
        assert age is not None, server.output()
    finally:
        server.stop()


def test_an_import_stands_when_refreshing_the_dashboards_after_it_fails(
    engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The refresh comes after the commit: if it fails, the import is saved all the same and
    the first dashboard visit builds the snapshot."""
    import data_access.imports as imports

    def broken(*_args: object, **_kwargs: object) -> None:
        raise OSError("schijf vol")

    monkeypatch.setattr(imports, "analytics", broken)
    version = int(sql_scalar(engine, "SELECT versie FROM gegevensversie"))
    importeer(
        engine,
        bestanden=_april_deliveries(engine),
        uitvoerder=uitvoerder_voor(user_scope(engine, "demo.beheerder"), "Beheerder"),
        refresh_dashboards=True,
    )
    assert int(sql_scalar(engine, "SELECT versie FROM gegevensversie")) == version + 1
    monkeypatch.undo()
    april = analytics.analytics(engine).frame(
        "SELECT COUNT(*) AS n FROM inzet WHERE maand = DATE '2026-04-01'"
    )
    assert int(april["n"].iloc[0]) == 7
