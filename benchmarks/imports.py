"""Import speed: a CSV of delivery rows (inzet) into a region's database, on SQLite or PostgreSQL.

    .venv/bin/python -m benchmarks.imports --backend sqlite --rows 1000000 --write-readme
    .venv/bin/python -m benchmarks.imports --backend postgresql --rows 1000000 --write-readme
    .venv/bin/python -m benchmarks.imports --smoke        # CI: the harness works (demo, 5.000 rows)

The database holds the `regio` preset without its deliveries; the CSV holds the preset's first
N deliveries in the template's form. Timed: reading, checking and writing them as new rows
(the whole `importeer` call, one transaction), then importing the same file again (nothing
changes). Target (issue "Data import"): 1,000,000 rows in under 60 s on both databases.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import time
from pathlib import Path

import pandas as pd

from benchmarks.run import CACHE, ROOT, _peak_memory_mb, _write_readme, benchmark_database


def _database(preset: str, backend: str) -> str:
    """A fresh database holding the preset without its deliveries."""
    from data_access.generator import read_parquet
    from data_access.loader import DEMO_DIR, ensure_dataset, load_tables

    url, engine = benchmark_database(f"import-{preset}", backend, CACHE, fresh=True)
    tables = read_parquet(ensure_dataset(preset, CACHE) if preset != "demo" else DEMO_DIR)
    tables["inzet"] = tables["inzet"].iloc[0:0]
    load_tables(engine, tables=tables)
    engine.dispose()
    return url


def _csv(preset: str, rows: int) -> Path:
    """The first `rows` deliveries of the preset, as the inzet template (cached)."""
    from data_access.generator import read_parquet
    from data_access.imports.templates import CSV_SEPARATOR
    from data_access.loader import DEMO_DIR, ensure_dataset

    target = CACHE / f"inzet-{preset}-{rows}.csv"
    if target.exists():
        return target
    directory = ensure_dataset(preset, CACHE) if preset != "demo" else DEMO_DIR
    tables = read_parquet(directory)
    inzet = tables["inzet"].iloc[:rows]
    nummers = tables["traject"].set_index("id")["toewijzingnummer"]
    agb = tables["aanbieder"].set_index("id")["agb_code"]
    cents = inzet["kosten_cent"].astype("int64")
    frame = pd.DataFrame(
        {
            "toewijzingnummer": inzet["traject_id"].map(nummers).to_numpy(),
            "aanbieder": inzet["aanbieder_id"].map(agb).to_numpy(),
            "maand": pd.to_datetime(inzet["maand"]).dt.strftime("%m-%Y").to_numpy(),
            "uren": inzet["uren"].astype(float).map(lambda v: f"{v:.2f}".replace(".", ",")),
            "kosten": (cents // 100).astype(str) + "," + (cents % 100).astype(str).str.zfill(2),
        }
    )
    frame.to_csv(target, sep=CSV_SEPARATOR, index=False)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="sqlite", choices=["sqlite", "postgresql"])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--smoke", action="store_true", help="demo preset, 5.000 rows")
    parser.add_argument("--write-readme", action="store_true")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    CACHE.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("SPIC_DATA_DIR", str(CACHE / "data"))
    from data_access.db import make_engine
    from data_access.imports import Bestand, Uitvoerder, importeer

    preset, rows = ("demo", 5_000) if args.smoke else ("regio", args.rows)
    url = _database(preset, args.backend)
    path = _csv(preset, rows)
    data = path.read_bytes()
    engine = make_engine(url)
    timings = []
    for attempt in ("nieuw", "opnieuw"):
        started = time.perf_counter()
        [verslag] = importeer(
            engine, uitvoerder=Uitvoerder("benchmark"), bestanden=[Bestand("inzet.csv", data)]
        )
        elapsed = time.perf_counter() - started
        timings.append((attempt, elapsed, verslag))
        print(f"{attempt}: {elapsed:.1f} s, {verslag}", file=sys.stderr)
    engine.dispose()
    peak = _peak_memory_mb()
    (_, first, v1), (_, second, v2) = timings
    section = "\n".join(
        [
            f"### Import van inzet (CSV) op {args.backend}",
            "",
            (
                f"Gemeten {dt.date.today():%d-%m-%Y} op {platform.node()} ({os.cpu_count()} cores, "
                f"Python {platform.python_version()}); `{preset}`-database zonder inzet, "
                f"bestand van "
                f"{len(data) / 1e6:.0f} MB. Piekgeheugen van het proces: {peak:.0f} MB."
            ),
            "",
            "| import | rijen | nieuw | gewijzigd | tijd (s) | rijen per seconde |",
            "|---|---:|---:|---:|---:|---:|",
            f"| eerste keer | {v1.rijen} | {v1.nieuw} | {v1.gewijzigd} | {first:.1f} | "
            f"{v1.rijen / first:,.0f} |".replace(",", "."),
            f"| zelfde bestand opnieuw | {v2.rijen} | {v2.nieuw} | {v2.gewijzigd} | "
            f"{second:.1f} | {v2.rijen / second:,.0f} |".replace(",", "."),
            "",
        ]
    )
    print(section)
    assert v1.nieuw == rows and v2.nieuw == 0 and v2.gewijzigd == 0
    if args.write_readme and not args.smoke:
        _write_readme(section, f"import-{args.backend}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
