"""Server-side page timings with AppTest, on a scale preset, on SQLite or PostgreSQL.

    .venv/bin/python -m benchmarks.run --preset regio --backend sqlite
    .venv/bin/python -m benchmarks.run --preset demo --smoke     # CI: the harness works

Datasets are generated once and cached under benchmarks/cache/ (git-ignored), as is the
loaded SQLite database. Every figure is the median of several runs. "Cold" is the first run
of a page in a fresh process state: Streamlit caches cleared and the analytical snapshot
reopened from disk. "Warm" is a rerun of the same page. "Filter" is the run after choosing
segment B in the filter bar.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("SPIC_BENCH_CACHE", ROOT / "benchmarks" / "cache"))
README = ROOT / "benchmarks" / "README.md"
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

# Page key -> how to put the page in a state that shows its full content.
PAGE_SETUP: dict[str, Callable[[Any], None]] = {
    "overzicht": lambda at: None,
    "uitnutting": lambda at: None,
    "aanbieder": lambda at: at.session_state.__setitem__("dossier", "1"),
    "segmenten": lambda at: None,
    "resultaat": lambda at: None,
    "onderaanneming": lambda at: None,
    "kerngroep": lambda at: None,
    "trends": lambda at: None,
}


def _filter_segment_b(at: Any) -> Any:
    """The filter change each page offers: segment B."""
    from data_access.models import Segment

    keys = {w.key for w in at.selectbox} | {w.key for w in at.get("segmented_control")}
    if "segment" in keys:
        return at.selectbox(key="segment").set_value("B").run()
    if "kg_segment" in keys:
        return at.selectbox(key="kg_segment").set_value(Segment.B).run()
    return at.segmented_control(key="trends_segment").set_value("B").run()


@dataclass
class PageTiming:
    page: str
    cold: float
    warm: float
    filter_change: float
    slider: float | None = None  # the what-if slider on "resultaat"


def _database(preset: str, backend: str) -> str:
    """A database holding the preset, loaded once and reused across benchmark runs."""
    from data_access.db import make_engine, migrate
    from data_access.generator import read_parquet
    from data_access.loader import ensure_dataset, is_empty, load_tables

    directory = ensure_dataset(preset, CACHE) if preset != "demo" else None
    if backend == "sqlite":
        url = f"sqlite:///{CACHE / f'{preset}.db'}"
        engine = make_engine(url)
    else:
        base = os.environ.get("TEST_DATABASE_URL", PG_DEFAULT)
        schema = f"bench_{preset}"
        admin = make_engine(base)
        with admin.begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
        admin.dispose()
        engine = make_engine(base, connect_args={"options": f"-csearch_path={schema}"})
        url = f"{base}?options=-csearch_path%3D{schema}"
    migrate(engine)
    if is_empty(engine):
        from data_access.loader import DEMO_DIR

        started = time.perf_counter()
        load_tables(engine, read_parquet(directory or DEMO_DIR))
        print(f"geladen in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    engine.dispose()
    return url


def _reset_process_caches() -> None:
    import streamlit as st

    from data_access import analytics

    st.cache_data.clear()
    st.cache_resource.clear()
    analytics._open.clear()


def _time_page(url: str, page: str, runs: int) -> PageTiming:
    from streamlit.testing.v1 import AppTest

    from data_access.sample_knelpunten import DEMO_PASSWORD

    os.environ["DATABASE_URL"] = url
    colds, warms, filters, sliders = [], [], [], []
    for _ in range(runs):
        _reset_process_caches()
        at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=600)
        at.run()
        at.text_input[0].input("demo.kerngroep")
        at.text_input[1].input(DEMO_PASSWORD)
        at.button[0].click().run()
        _reset_process_caches()  # the login run warmed the overview; start the page cold
        PAGE_SETUP[page](at)
        started = time.perf_counter()
        at.switch_page(str(ROOT / "pages" / f"{page}.py")).run()
        colds.append(time.perf_counter() - started)
        assert not at.exception, at.exception
        started = time.perf_counter()
        at.run()
        warms.append(time.perf_counter() - started)
        started = time.perf_counter()
        _filter_segment_b(at)
        filters.append(time.perf_counter() - started)
        assert not at.exception, at.exception
        if page == "resultaat":
            started = time.perf_counter()
            at.slider(key="res_deel_None").set_value(50).run()
            sliders.append(time.perf_counter() - started)
    return PageTiming(
        page,
        statistics.median(colds),
        statistics.median(warms),
        statistics.median(filters),
        statistics.median(sliders) if sliders else None,
    )


def _snapshot_seconds(url: str) -> float:
    """Building the analytical snapshot from the database, as after a data load.

    Any earlier snapshot of this database is removed first, so the build is real; the one
    built here is the one the page runs use.
    """
    import shutil

    from data_access import analytics
    from data_access.db import make_engine

    engine = make_engine(url)
    shutil.rmtree(analytics.snapshot_root() / analytics._database_key(engine), ignore_errors=True)
    analytics._open.clear()
    started = time.perf_counter()
    analytics.analytics(engine)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def _submission_latency(url: str, writers: int = 20, per_writer: int = 10) -> tuple[float, float]:
    """Median and p95 seconds of `knelpunten.submit` with `writers` threads at once.

    The benchmark reports are removed again afterwards, in one transaction.
    """
    from concurrent.futures import ThreadPoolExecutor

    from data_access import knelpunten
    from data_access.access import scope_for
    from data_access.auth import identity_by_id
    from data_access.db import make_engine
    from data_access.models import KnelpuntCategorie, KnelpuntSoort, Urgentie

    engine = make_engine(url, **({} if url.startswith("sqlite") else {"pool_size": writers}))
    with engine.connect() as conn:
        uid = conn.execute(
            sa.text("SELECT id FROM gebruiker WHERE gebruikersnaam = 'demo.aanbieder'")
        ).scalar_one()
    identity = identity_by_id(engine, int(uid))
    assert identity is not None
    scope = scope_for(engine, identity)

    def one(n: int) -> float:
        melding = knelpunten.Melding(
            soort=KnelpuntSoort.KNELPUNT,
            titel=f"Benchmarkmelding {n}",
            omschrijving="Een melding om de snelheid van het register te meten, geen knelpunt.",
            categorie=KnelpuntCategorie.OVERIG,
            urgentie=Urgentie.LAAG,
            gemeenten=("GM0363",),
        )
        started = time.perf_counter()
        knelpunten.submit(engine, scope, melding)
        return time.perf_counter() - started

    with ThreadPoolExecutor(max_workers=writers) as pool:
        durations = sorted(pool.map(one, range(writers * per_writer)))
    with engine.begin() as conn:
        ids = "SELECT id FROM knelpunt WHERE titel LIKE 'Benchmarkmelding %'"
        conn.execute(sa.text(f"DELETE FROM knelpuntgebeurtenis WHERE knelpunt_id IN ({ids})"))
        conn.execute(sa.text(f"DELETE FROM knelpuntgemeente WHERE knelpunt_id IN ({ids})"))
        conn.execute(sa.text(f"DELETE FROM knelpunt WHERE id IN ({ids})"))
    engine.dispose()
    p95 = durations[round(0.95 * (len(durations) - 1))]
    return statistics.median(durations), p95


def _peak_memory_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _table(
    preset: str,
    backend: str,
    timings: list[PageTiming],
    snapshot: float,
    submissions: tuple[float, float],
) -> str:
    lines = [
        f"### `{preset}` op {backend}",
        "",
        (
            f"Gemeten {dt.date.today():%d-%m-%Y} op {platform.node()} "
            f"({os.cpu_count()} cores, Python {platform.python_version()}); "
            f"mediaan van de runs. Snapshot (Parquet) opbouwen: {snapshot:.2f} s. "
            f"Piekgeheugen van het benchmarkproces (inclusief genereren en laden van de "
            f"dataset): {_peak_memory_mb():.0f} MB."
        ),
        "",
        "| pagina | koud (s) | warm (s) | filterwissel (s) |",
        "|---|---:|---:|---:|",
    ]
    lines += [
        f"| {t.page} | {t.cold:.3f} | {t.warm:.3f} | {t.filter_change:.3f} |" for t in timings
    ]
    lines += [
        "" if t.slider is None else f"\nWhat-if-schuif op '{t.page}' verschuiven: {t.slider:.3f} s."
        for t in timings
        if t.slider is not None
    ]
    lines += [
        "",
        (
            f"Knelpunt melden met 20 gelijktijdige melders: mediaan "
            f"{submissions[0]:.3f} s, p95 {submissions[1]:.3f} s per melding."
        ),
    ]
    return "\n".join(lines) + "\n"


def _write_readme(section: str, key: str) -> None:
    text = README.read_text(encoding="utf-8")
    if BEGIN not in text:
        text = text.rstrip() + f"\n\n{BEGIN}\n{END}\n"
    head, rest = text.split(BEGIN, 1)
    body, tail = rest.split(END, 1)
    parts = [p for p in body.split("<!-- ") if p.strip()]
    kept = [p for p in parts if not p.startswith(f"{key} -->")]
    kept.append(f"{key} -->\n{section}")
    body = "\n" + "\n".join("<!-- " + p.strip() + "\n" for p in sorted(kept))
    README.write_text(head + BEGIN + body + END + tail, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="regio", choices=["demo", "regio", "landelijk"])
    parser.add_argument("--backend", default="sqlite", choices=["sqlite", "postgresql"])
    parser.add_argument("--pages", nargs="*", default=list(PAGE_SETUP))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--smoke", action="store_true", help="one run, no README update")
    parser.add_argument("--write-readme", action="store_true")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    CACHE.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("SPIC_DATA_DIR", str(CACHE / "data"))
    runs = 1 if args.smoke else args.runs

    url = _database(args.preset, args.backend)
    snapshot = _snapshot_seconds(url)
    timings = [_time_page(url, page, runs) for page in args.pages]
    submissions = _submission_latency(url, per_writer=1 if args.smoke else 10)
    section = _table(args.preset, args.backend, timings, snapshot, submissions)
    print(section)
    if args.write_readme and not args.smoke:
        _write_readme(section, f"{args.preset}-{args.backend}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
