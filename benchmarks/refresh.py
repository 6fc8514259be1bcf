"""A new month on the dashboards: the snapshot after an import of one month of deliveries.

    .venv/bin/python -m benchmarks.refresh --preset landelijk --backend sqlite --write-readme
    .venv/bin/python -m benchmarks.refresh --preset landelijk --backend postgresql --write-readme
    .venv/bin/python -m benchmarks.refresh --preset demo --backend sqlite --smoke   # CI runs it

On the preset's benchmark database (`benchmarks.run`): the full snapshot rebuild first, with
the time of each of its steps; then a file with one more month of deliveries for every open
trajectory (its last month again, one month later) is imported as a beheerder would, and the
time from the import's commit until the dashboards read the new month is measured (the
incremental refresh). Reading through a layer costs a filter: two queries over deliveries are
timed on the snapshot before and after. The month is removed again afterwards, so the
database stays as the page benchmarks expect it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import statistics
import sys
import time
from typing import Any

import pandas as pd
import sqlalchemy as sa

from benchmarks.run import _database, _write_readme
from data_access.imports.templates import csv_bytes

INCREMENTAL_SECONDS = 15.0
FULL_SQLITE_SECONDS = 45.0


def _next_month_file(engine: sa.Engine) -> tuple[dt.date, bytes, int]:
    """(month, CSV of the import template, rows): the last month's deliveries of every open
    trajectory, one month later."""
    with engine.connect() as conn:
        last = conn.execute(sa.text("SELECT MAX(maand) FROM inzet")).scalar_one()
        last = last if isinstance(last, dt.date) else dt.date.fromisoformat(str(last)[:10])
        frame = pd.read_sql(
            sa.text(
                "SELECT t.toewijzingnummer, a.agb_code AS aanbieder, i.uren, i.kosten_cent "
                "FROM inzet i JOIN traject t ON t.id = i.traject_id "
                "JOIN aanbieder a ON a.id = i.aanbieder_id "
                "WHERE i.maand = :m AND t.einddatum IS NULL"
            ),
            conn,
            params={"m": last},
        )
    month = (last.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    out = pd.DataFrame(
        {
            "toewijzingnummer": frame["toewijzingnummer"],
            "aanbieder": frame["aanbieder"],
            "maand": month.strftime("%m-%Y"),
            "uren": frame["uren"].astype(float).map(lambda u: f"{u:.2f}".replace(".", ",")),
            "kosten": (frame["kosten_cent"] / 100).map(lambda k: f"{k:.2f}".replace(".", ",")),
        }
    )
    return month, csv_bytes(out), len(out)


# Reads that go through the layered tables: deliveries per month, and the summary per month.
READS = {
    "leveringen per maand (inzet)": "SELECT maand, SUM(kosten_cent) FROM inzet GROUP BY maand",
    "kosten per aanbieder (aanbieder_maand)": (
        "SELECT aanbieder_id, SUM(kosten_cent) FROM aanbieder_maand GROUP BY aanbieder_id"
    ),
}


def _read_seconds(snapshot: Any, sql: str, runs: int = 5) -> float:
    """Median time of a query on the snapshot's own connection, past its result cache."""
    times = []
    for _ in range(runs):
        cursor = snapshot._con.cursor()
        started = time.perf_counter()
        cursor.execute(sql).fetchall()
        times.append(time.perf_counter() - started)
        cursor.close()
    return statistics.median(times)


def measure(preset: str, backend: str) -> str:
    from data_access import analytics
    from data_access.access import scope_for
    from data_access.db import bump_data_version, make_engine, session_scope
    from data_access.imports import Bestand, importeer, uitvoerder_voor
    from data_access.users import identity_by_id

    url = _database(preset, backend)
    engine = make_engine(url)
    root = analytics.snapshot_root() / analytics._database_key(engine)
    shutil.rmtree(root, ignore_errors=True)
    analytics._open.clear()
    steps: list[tuple[str, int, float]] = []
    started = last = time.perf_counter()

    def step(name: str, rows: int) -> None:
        nonlocal last
        now = time.perf_counter()
        steps.append((name, rows, now - last))
        last = now

    before = analytics.analytics(engine, progress=step)
    full = time.perf_counter() - started
    reads_before = {what: _read_seconds(before, sql) for what, sql in READS.items()}

    month, data, rows = _next_month_file(engine)
    with engine.connect() as conn:
        beheerder = conn.execute(
            sa.text("SELECT id FROM gebruiker WHERE gebruikersnaam = 'demo.beheerder'")
        ).scalar_one()
    identity = identity_by_id(engine, user_id=int(beheerder))
    assert identity is not None
    scope = scope_for(engine, identity=identity)
    started = time.perf_counter()
    importeer(
        engine,
        bestanden=[Bestand(f"inzet {month:%m-%Y}.csv", data)],
        uitvoerder=uitvoerder_voor(scope, "Benchmark"),
    )
    imported = time.perf_counter() - started
    started = time.perf_counter()
    fresh = analytics.analytics(engine)
    incremental = time.perf_counter() - started
    shown = fresh.frame("SELECT COUNT(*) AS n FROM inzet WHERE maand = ?", [month])["n"].iloc[0]
    assert int(shown) == rows, (shown, rows)
    manifest = analytics.read_manifest(fresh.directory)
    assert manifest is not None and manifest.depth() == 1, "the refresh was not incremental"
    reads_after = {what: _read_seconds(fresh, sql) for what, sql in READS.items()}

    with session_scope(engine) as session:  # leave the database as the other benchmarks expect
        session.execute(sa.text("DELETE FROM inzet WHERE maand = :m"), {"m": month})
        bump_data_version(session)
    engine.dispose()
    count = f"{rows:,}".replace(",", ".")
    lines = [
        f"### Nieuwe maand zichtbaar, `{preset}` op {backend}",
        "",
        (
            f"Gemeten {dt.date.today():%d-%m-%Y}: één maand leveringen ({count} rijen, "
            f"{month:%m-%Y}) geïmporteerd in {imported:.1f} s."
        ),
        "",
        "| wat | seconden |",
        "|---|---:|",
        f"| snapshot volledig opbouwen | {full:.2f} |",
        f"| na de import: nieuwe maand op de dashboards (incrementeel) | {incremental:.2f} |",
        "",
        "Volledige opbouw per stap (export uit de database, dan de afgeleide tabellen in DuckDB):",
        "",
        "| stap | rijen | seconden |",
        "|---|---:|---:|",
        *(f"| {name} | {n:,} | {secs:.2f} |".replace(",", ".") for name, n, secs in steps),
        "",
        "Lezen door een laag (mediaan van 5, zonder resultaatcache):",
        "",
        "| query | na volledige opbouw (s) | met de laag van de nieuwe maand (s) |",
        "|---|---:|---:|",
        *(f"| {what} | {reads_before[what]:.3f} | {reads_after[what]:.3f} |" for what in READS),
        "",
        "Doelen:",
        "",
        f"- nieuwe maand zichtbaar binnen {INCREMENTAL_SECONDS:.0f} s ({incremental:.2f} s): "
        + ("gehaald" if incremental < INCREMENTAL_SECONDS else "NIET gehaald"),
    ]
    if backend == "sqlite":
        lines.append(
            f"- volledige opbouw op SQLite binnen {FULL_SQLITE_SECONDS:.0f} s ({full:.2f} s): "
            + ("gehaald" if full < FULL_SQLITE_SECONDS else "NIET gehaald")
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="landelijk", choices=["demo", "regio", "landelijk"])
    parser.add_argument("--backend", default="sqlite", choices=["sqlite", "postgresql"])
    parser.add_argument("--smoke", action="store_true", help="demo, geen README")
    parser.add_argument("--write-readme", action="store_true")
    args = parser.parse_args(argv)
    section = measure("demo" if args.smoke else args.preset, args.backend)
    print(section)
    if args.write_readme and not args.smoke:
        _write_readme(section, f"refresh-{args.preset}-{args.backend}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
