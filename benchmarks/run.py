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
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

if TYPE_CHECKING:
    from data_access.access import Scope

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("SPIC_BENCH_CACHE", ROOT / "benchmarks" / "cache"))
README = ROOT / "benchmarks" / "README.md"
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

# Page key -> how to put the page in a state that shows its full content.
PAGE_SETUP: dict[str, Callable[[Any], None]] = {
    "overzicht": lambda at: None,
    "uitnutting": lambda at: None,
    # The dossier shows the provider of the shared filters (an id, as in the URL).
    "aanbieder": lambda at: at.session_state.__setitem__("_filterstand", {"aanbieder": "1"}),
    "segmenten": lambda at: None,
    "resultaat": lambda at: None,
    "onderaanneming": lambda at: None,
    "kerngroep": lambda at: None,
    "trends": lambda at: None,
}


def _filter_segment_b(at: Any) -> Any:
    """The filter change every page offers: segment B in the filter bar."""
    return at.selectbox(key="segment").set_value("B").run()


@dataclass
class PageTiming:
    page: str
    cold: float
    warm: float
    filter_change: float
    slider: float | None = None  # the what-if slider on "resultaat"
    pdf: float | None = None  # the dossier as PDF on "aanbieder"


def benchmark_database(
    name: str, backend: str, cache: Path, fresh: bool = False
) -> tuple[str, Any]:
    """URL and engine of a migrated benchmark database: a SQLite file in `cache`, or a
    PostgreSQL schema `bench_<name>`. `fresh` removes what an earlier run left there."""
    from data_access.db import make_engine, migrate

    if backend == "sqlite":
        path = cache / f"{name}.db"
        if fresh:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
        engine = make_engine(url)
    else:
        base = os.environ.get("TEST_DATABASE_URL", PG_DEFAULT)
        schema = f"bench_{name.replace('-', '_')}"
        admin = make_engine(base)
        with admin.begin() as conn:
            if fresh:
                conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(sa.text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
        admin.dispose()
        engine = make_engine(base, connect_args={"options": f"-csearch_path={schema}"})
        url = f"{base}?options=-csearch_path%3D{schema}"
    migrate(engine)
    return url, engine


def _database(preset: str, backend: str) -> str:
    """A database holding the preset, loaded once and reused across benchmark runs."""
    from data_access.generator import read_parquet
    from data_access.loader import DEMO_DIR, ensure_dataset, is_empty, load_tables

    url, engine = benchmark_database(preset, backend, CACHE)
    if is_empty(engine):
        directory = ensure_dataset(preset, CACHE) if preset != "demo" else DEMO_DIR
        started = time.perf_counter()
        load_tables(engine, tables=read_parquet(directory))
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
        _pdf_seconds(url, runs) if page == "aanbieder" else None,
    )


def _demo_scope(engine: sa.Engine, username: str) -> Scope:
    """The scope of one of the demo accounts, as after its login."""
    from data_access.access import scope_for
    from data_access.users import identity_by_id

    with engine.connect() as conn:
        uid = conn.execute(
            sa.text("SELECT id FROM gebruiker WHERE gebruikersnaam = :naam"), {"naam": username}
        ).scalar_one()
    identity = identity_by_id(engine, user_id=int(uid))
    assert identity is not None
    return scope_for(engine, identity=identity)


def _pdf_seconds(url: str, runs: int) -> float:
    """The 'Download het dossier (PDF)' of provider 1: from its view to the PDF's bytes
    (headless Chromium), as the button's callable does it."""
    from dashboard.report import dossier_pdf
    from data_access.db import make_engine
    from data_access.filters import Filters
    from data_access.queries.aanbieder import aanbieder

    engine = make_engine(url)
    scope = _demo_scope(engine, "demo.kerngroep")
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        view = aanbieder(engine=engine, scope=scope, filters=Filters(aanbieder_id=1))
        assert view.dossier is not None
        pdf = dossier_pdf(view.dossier, filters=[], vergelijking=view.vergelijking)
        times.append(time.perf_counter() - started)
        assert pdf.startswith(b"%PDF")
    engine.dispose()
    return statistics.median(times)


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


def _submission_latency(url: str, per_writer: int = 10) -> tuple[float, float]:
    """Median and p95 seconds of typing a report's title (the duplicate suggestion) and
    submitting it (with its receipt in the mail outbox), 20 providers at once
    (`benchmarks.register`)."""
    from benchmarks.register import submission_times

    _, with_search, _ = submission_times(url, per_writer=per_writer)
    return with_search.mediaan, with_search.p95


def _peak_memory_mb() -> float:
    """Peak resident memory of this process since it started.

    VmHWM, not getrusage: ru_maxrss survives exec, so a child started by a big parent would
    report the parent's peak.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# (warm, cold) seconds per page, process memory, and how much faster than the peer.
TARGETS = {
    "regio": {"warm": 0.5, "cold": 2.0},
    "landelijk": {"warm": 1.0, "cold": 5.0, "memory_mb": 2048, "peer_ratio": 10.0},
    "demo": {"warm": 0.5, "cold": 2.0},
}
SUBMISSION_P95 = 0.2
PDF_SECONDS = 5.0


def _child_env(url: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}


def _pages_in_child(url: str, pages: list[str], runs: int) -> tuple[list[PageTiming], float]:
    """Page timings in a fresh process: its peak memory is that of serving the pages."""
    import json
    import subprocess
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.run",
                "--child-url",
                url,
                "--child-json",
                out.name,
                "--runs",
                str(runs),
                "--pages",
                *pages,
            ],
            check=True,
            cwd=ROOT,
            env=_child_env(url),
        )
        data = json.loads(Path(out.name).read_text())
    return [PageTiming(**t) for t in data["timings"]], float(data["peak_mb"])


def _peer(url: str, page: str, runs: int) -> tuple[float, float]:
    """Median seconds and peak memory (MB) of the naive pandas build of one page."""
    import subprocess

    from benchmarks.peer import PEERS

    if page not in PEERS:
        return float("nan"), float("nan")
    seconds, memory = [], []
    for _ in range(runs):
        result = subprocess.run(
            [sys.executable, "-m", "benchmarks.peer", "--url", url, "--page", page],
            check=True,
            cwd=ROOT,
            env=_child_env(url),
            capture_output=True,
            text=True,
        )
        took, peak = result.stdout.split()
        seconds.append(float(took))
        memory.append(float(peak))
    return statistics.median(seconds), max(memory)


def _seconds(value: float) -> str:
    return "–" if value != value else f"{value:.3f}"  # NaN: not measured


def _table(
    preset: str,
    backend: str,
    timings: list[PageTiming],
    snapshot: float,
    submissions: tuple[float, float],
    app_memory: float,
    peers: dict[str, tuple[float, float]],
    runs: int,
) -> str:
    lines = [
        f"### `{preset}` op {backend}",
        "",
        (
            f"Gemeten {dt.date.today():%d-%m-%Y} op {platform.node()} "
            f"({os.cpu_count()} cores, Python {platform.python_version()}); mediaan van "
            f"{runs} runs. Snapshot (Parquet) opbouwen: {snapshot:.2f} s. Piekgeheugen van het "
            f"proces dat de pagina's draait: {app_memory:.0f} MB."
        ),
        "",
        (
            "| pagina | koud (s) | warm (s) | filterwissel (s) | naïef pandas (s) | "
            "naïef ÷ koud | naïef ÷ warm | naïef geheugen (MB) |"
        ),
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for t in timings:
        peer, peer_mb = peers.get(t.page, (float("nan"), float("nan")))
        ratio_cold = f"{peer / t.cold:.0f}×" if peer == peer else "n.v.t."
        ratio_warm = f"{peer / t.warm:.0f}×" if peer == peer else "n.v.t."
        memory = "–" if peer_mb != peer_mb else f"{peer_mb:.0f}"
        lines.append(
            f"| {t.page} | {t.cold:.3f} | {t.warm:.3f} | {t.filter_change:.3f} | "
            f"{_seconds(peer)} | {ratio_cold} | {ratio_warm} | {memory} |"
        )
    lines += [
        f"\nWhat-if-schuif op '{t.page}' verschuiven: {t.slider:.3f} s."
        for t in timings
        if t.slider is not None
    ]
    lines += [
        f"\nDossier als PDF (aanbieder 1, met Chromium): {t.pdf:.3f} s."
        for t in timings
        if t.pdf is not None
    ]
    lines += [
        "",
        (
            f"Knelpunt melden met 20 gelijktijdige melders: mediaan "
            f"{submissions[0]:.3f} s, p95 {submissions[1]:.3f} s per melding."
        ),
    ]
    lines += ["", "Doelen:", ""] + [
        f"- {text}: {'gehaald' if ok else 'NIET gehaald'}"
        for text, ok in _targets(preset, timings, submissions, app_memory, peers)
    ]
    return "\n".join(lines) + "\n"


def _targets(
    preset: str,
    timings: list[PageTiming],
    submissions: tuple[float, float],
    app_memory: float,
    peers: dict[str, tuple[float, float]],
) -> list[tuple[str, bool]]:
    goal = TARGETS[preset]
    warm = max(t.warm for t in timings)
    cold = max(t.cold for t in timings)
    checks = [
        (f"elke pagina warm onder {goal['warm']} s (hoogste {warm:.3f} s)", warm < goal["warm"]),
        (f"elke pagina koud onder {goal['cold']} s (hoogste {cold:.3f} s)", cold < goal["cold"]),
        (
            f"melden p95 onder {SUBMISSION_P95} s ({submissions[1]:.3f} s)",
            submissions[1] < SUBMISSION_P95,
        ),
    ]
    pdfs = [t.pdf for t in timings if t.pdf is not None]
    if pdfs:
        checks.append(
            (f"dossier-PDF onder {PDF_SECONDS} s ({pdfs[0]:.3f} s)", pdfs[0] < PDF_SECONDS)
        )
    if "memory_mb" in goal:
        checks.append(
            (
                f"geheugen onder {goal['memory_mb']:.0f} MB ({app_memory:.0f} MB)",
                app_memory < goal["memory_mb"],
            )
        )
    if "peer_ratio" in goal:
        ratios = [peers[t.page][0] / t.cold for t in timings if t.page in peers]
        if ratios:
            worst = min(ratios)
            checks.append(
                (
                    (
                        f"minstens {goal['peer_ratio']:.0f}× sneller dan naïef, koud (laagste "
                        f"{worst:.0f}×)"
                    ),
                    worst >= goal["peer_ratio"],
                )
            )
    return checks


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


def _child(args: argparse.Namespace) -> int:
    import json
    from dataclasses import asdict

    timings = [_time_page(args.child_url, page, args.runs) for page in args.pages]
    Path(args.child_json).write_text(
        json.dumps({"timings": [asdict(t) for t in timings], "peak_mb": _peak_memory_mb()})
    )
    return 0


def _all(runs: dict[str, int]) -> int:
    """Every preset on every database, each in its own process, into the README."""
    import subprocess

    for preset in ("regio", "landelijk"):
        for backend in ("sqlite", "postgresql"):
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "benchmarks.run",
                    "--preset",
                    preset,
                    "--backend",
                    backend,
                    "--runs",
                    str(runs[preset]),
                    "--write-readme",
                ],
                check=True,
                cwd=ROOT,
            )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="regio en landelijk, beide databases")
    parser.add_argument("--preset", default="regio", choices=["demo", "regio", "landelijk"])
    parser.add_argument("--backend", default="sqlite", choices=["sqlite", "postgresql"])
    parser.add_argument("--pages", nargs="*", default=list(PAGE_SETUP))
    parser.add_argument("--runs", type=int, default=None)
    parser.add_argument("--smoke", action="store_true", help="one run, no README update")
    parser.add_argument("--write-readme", action="store_true")
    parser.add_argument("--child-url", help=argparse.SUPPRESS)
    parser.add_argument("--child-json", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    CACHE.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("SPIC_DATA_DIR", str(CACHE / "data"))
    if args.child_url:
        args.runs = args.runs or 1
        return _child(args)
    if args.all:
        return _all({"regio": args.runs or 5, "landelijk": args.runs or 3})
    runs = 1 if args.smoke else (args.runs or (3 if args.preset == "landelijk" else 5))

    url = _database(args.preset, args.backend)
    snapshot = _snapshot_seconds(url)
    timings, app_memory = _pages_in_child(url, args.pages, runs)
    # The peer reads millions of rows per run; at national scale one run per page is plenty.
    peer_runs = 1 if args.smoke or args.preset == "landelijk" else min(runs, 3)
    peers = {page: _peer(url, page, peer_runs) for page in args.pages}
    peers = {k: v for k, v in peers.items() if v[0] == v[0]}
    submissions = _submission_latency(url, per_writer=1 if args.smoke else 10)
    section = _table(
        args.preset,
        args.backend,
        timings,
        snapshot,
        submissions,
        app_memory,
        peers,
        runs,
    )
    print(section)
    if args.write_readme and not args.smoke:
        _write_readme(section, f"{args.preset}-{args.backend}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
