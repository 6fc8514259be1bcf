"""The register at scale: the duplicate suggestion and submitting, at 10.000 reports.

    .venv/bin/python -m benchmarks.register --backend sqlite --write-readme
    .venv/bin/python -m benchmarks.register --backend postgresql --write-readme
    .venv/bin/python -m benchmarks.register --backend sqlite --smoke      # CI runs it

The demo dataset is loaded into a fresh database and its register filled up to `--reports`
reports with made-up texts from the register's own vocabulary. Then:

- **Suggestion**: the view the form asks for once the title is typed (`meldformulier` with the
  title), for the kerngroep (who may see every report) and for a provider (its own), over
  probe titles that resemble reports in the register;
- **Submitting**: 20 providers at once, each typing a title (the suggestion) and submitting
  (`submit`, which writes the receipt to the mail outbox in the same transaction: a mail
  server is configured, nothing is sent), ten times each after one untimed round.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from unittest import mock

import sqlalchemy as sa

from benchmarks.run import CACHE, _demo_scope, _write_readme, benchmark_database

SUGGESTION_SECONDS = 0.3
SUBMISSION_P95 = 0.2
WRITERS = 20

_SUBJECTS = [
    "B-aanbieders vinden geen hoofdaannemer",
    "Geen crisisplek voor jongeren",
    "Wachtlijst voor dagbehandeling",
    "Tarief dekt de kosten van verblijf niet",
    "Ambulante hoofdaannemer koopt verblijf in",
    "Lokale teams vullen onderaannemers vooraf in",
    "Uitstroom naar wonen loopt vast",
    "Administratieve last bij facturatie",
    "Geen plek in pleegzorg voor tieners",
    "Sportclub als onderaannemer niet betaald",
]
_WHERE = ["in Amsterdam", "in Zaanstad", "in Amstelveen", "in Purmerend", "in de regio", ""]
_EXTRA = ["sinds de zomer", "voor C-cliënten", "bij profiel 3", "door personeelstekort", ""]


def _title(rng: random.Random) -> str:
    return " ".join(
        p for p in (rng.choice(_SUBJECTS), rng.choice(_WHERE), rng.choice(_EXTRA)) if p
    )[:150]


def fill_register(engine: sa.Engine, reports: int, seed: int = 2026) -> int:
    """Add made-up reports until the register holds `reports`; returns how many it holds."""
    from data_access.models import Knelpunt, KnelpuntGebeurtenis, KnelpuntGemeente

    rng = random.Random(seed)
    with engine.begin() as conn:
        present = int(conn.execute(sa.select(sa.func.count()).select_from(Knelpunt)).scalar_one())
        first_id = int(conn.execute(sa.select(sa.func.max(Knelpunt.id))).scalar_one() or 0) + 1
        users = conn.execute(
            sa.text(
                "SELECT id, aanbieder_id FROM gebruiker WHERE rol = 'aanbieder' "
                "AND aanbieder_id IS NOT NULL"
            )
        ).all()
        now = dt.datetime.now(dt.UTC)
        rows, places, events = [], [], []
        for n in range(max(reports - present, 0)):
            knelpunt_id = first_id + n
            user, provider = rng.choice(users)
            created = now - dt.timedelta(days=rng.randint(0, 8 * 365))
            rows.append(
                {
                    "id": knelpunt_id,
                    "referentie": f"KNP-1999-{knelpunt_id:05d}",
                    "soort": "knelpunt",
                    "titel": _title(rng),
                    "omschrijving": "Beschrijving van een knelpunt, gemaakt voor de benchmark.",
                    "categorie": rng.choice(["overig", "crisiscapaciteit", "tarief_financiering"]),
                    "segment": rng.choice(["B", "C", None]),
                    "urgentie": "middel",
                    "status": rng.choice(["nieuw", "in_behandeling", "opgelost", "afgewezen"]),
                    "ingediend_door_id": user,
                    "aanbieder_id": provider,
                    "aangemaakt": created,
                    "gewijzigd": created,
                    "versie": 1,
                }
            )
            places.append({"knelpunt_id": knelpunt_id, "gemeente_code": "GM0363"})
            events.append(
                {
                    "knelpunt_id": knelpunt_id,
                    "tijdstip": created,
                    "gebruiker_id": user,
                    "soort": "aangemaakt",
                    "naar": "nieuw",
                    "intern": False,
                }
            )
        for table, values in (
            (Knelpunt, rows),
            (KnelpuntGemeente, places),
            (KnelpuntGebeurtenis, events),
        ):
            if values:
                conn.execute(sa.insert(table.__table__), values)  # type: ignore[attr-defined]
        if engine.dialect.name == "postgresql" and rows:
            conn.execute(
                sa.text(
                    "SELECT setval(pg_get_serial_sequence('knelpunt', 'id'), "
                    "(SELECT MAX(id) FROM knelpunt))"
                )
            )
        return int(conn.execute(sa.select(sa.func.count()).select_from(Knelpunt)).scalar_one())


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[round(q * (len(ordered) - 1))]


@dataclass(frozen=True)
class Meting:
    mediaan: float
    p95: float
    hoogste: float

    @classmethod
    def of(cls, times: list[float]) -> Meting:
        return cls(statistics.median(times), _quantile(times, 0.95), max(times))


def suggestion_times(engine: sa.Engine, username: str, probes: int) -> Meting:
    from data_access.register.reads import Concept, meldformulier

    scope = _demo_scope(engine, username)
    rng = random.Random(7)
    times = []
    for _ in range(probes):
        concept = Concept(titel=_title(rng).replace("geen", "nog geen"))
        started = time.perf_counter()
        meldformulier(engine, scope, concept=concept)
        times.append(time.perf_counter() - started)
    return Meting.of(times)


def submission_times(
    url: str, writers: int = WRITERS, per_writer: int = 10
) -> tuple[Meting, Meting, int]:
    """(submit alone, title suggestion + submit, outbox rows written) for `writers` providers
    at once. The benchmark's reports and mails are removed again afterwards."""
    from data_access.db import make_engine
    from data_access.models import KnelpuntCategorie, KnelpuntSoort, Urgentie
    from data_access.register.reads import Concept, meldformulier
    from data_access.register.reports import Melding, submit

    engine = make_engine(url, **({} if url.startswith("sqlite") else {"pool_size": writers}))
    scope = _demo_scope(engine, "demo.aanbieder")
    with engine.begin() as conn:  # the receipt needs an address to be written
        conn.execute(
            sa.text("UPDATE gebruiker SET email = 'bench@aanbieder.example.nl' WHERE id = :i"),
            {"i": scope.gebruiker_id},
        )
        outbox_before = int(conn.execute(sa.text("SELECT COUNT(*) FROM uitgaandemail")).scalar())

    def one(n: int) -> tuple[float, float]:
        titel = f"Benchmarkmelding {n}: geen hoofdaannemer voor B-cliënten"
        started = time.perf_counter()
        meldformulier(engine, scope, concept=Concept(titel=titel))
        typed = time.perf_counter()
        submit(
            engine,
            scope,
            melding=Melding(
                soort=KnelpuntSoort.KNELPUNT,
                titel=titel,
                omschrijving="Een melding om de snelheid van het register te meten, geen knelpunt.",
                categorie=KnelpuntCategorie.OVERIG,
                urgentie=Urgentie.LAAG,
                gemeenten=("GM0363",),
            ),
        )
        done = time.perf_counter()
        return done - typed, done - started

    # Outbox rows are written only when a mail server is configured; none is contacted here.
    # Only for the measurement: a caller (a test run) must not find mail switched on after it.
    configured = {"SPIC_SMTP_HOST": os.environ.get("SPIC_SMTP_HOST") or "127.0.0.1"}
    with mock.patch.dict(os.environ, configured), ThreadPoolExecutor(max_workers=writers) as pool:
        # A running app has its connections open already: one untimed round fills the pool.
        list(pool.map(one, range(writers)))
        results = list(pool.map(one, range(writers, writers * (per_writer + 1))))
    with engine.begin() as conn:
        written = int(conn.execute(sa.text("SELECT COUNT(*) FROM uitgaandemail")).scalar())
        ids = "SELECT id FROM knelpunt WHERE titel LIKE 'Benchmarkmelding %'"
        conn.execute(sa.text(f"DELETE FROM knelpuntgebeurtenis WHERE knelpunt_id IN ({ids})"))
        conn.execute(sa.text(f"DELETE FROM knelpuntgemeente WHERE knelpunt_id IN ({ids})"))
        conn.execute(sa.text(f"DELETE FROM knelpunt WHERE id IN ({ids})"))
        conn.execute(sa.text("DELETE FROM uitgaandemail WHERE ontvanger LIKE 'bench@%'"))
    engine.dispose()
    return (
        Meting.of([r[0] for r in results]),
        Meting.of([r[1] for r in results]),
        written - outbox_before,
    )


def measure(backend: str, reports: int, probes: int, per_writer: int) -> str:
    from data_access.generator import read_parquet
    from data_access.loader import DEMO_DIR, load_tables

    url, engine = benchmark_database(f"register-{backend}", backend, CACHE, fresh=True)
    load_tables(engine, tables=read_parquet(DEMO_DIR))
    held = fill_register(engine, reports)
    kerngroep = suggestion_times(engine, "demo.kerngroep", probes)
    provider = suggestion_times(engine, "demo.aanbieder", probes)
    engine.dispose()
    submit_only, with_search, mails = submission_times(url, per_writer=per_writer)
    expected = WRITERS * (per_writer + 1)
    rows = [
        ("dubbele meldingen voorstellen, kerngroep (alle meldingen)", kerngroep),
        ("dubbele meldingen voorstellen, aanbieder (eigen meldingen)", provider),
        (f"melden (met ontvangstmail in de wachtrij), {WRITERS} tegelijk", submit_only),
        (f"titel typen (voorstel) + melden, {WRITERS} tegelijk", with_search),
    ]
    worst_suggestion = max(kerngroep.hoogste, provider.hoogste)
    lines = [
        f"### Register op {backend}, {f'{held:,}'.replace(',', '.')} meldingen",
        "",
        "| wat | mediaan (s) | p95 (s) | hoogste (s) |",
        "|---|---:|---:|---:|",
        *(f"| {w} | {m.mediaan:.3f} | {m.p95:.3f} | {m.hoogste:.3f} |" for w, m in rows),
        "",
        f"Ontvangstmails in de wachtrij geschreven: {mails} van {expected} meldingen.",
        "",
        "Doelen:",
        "",
        f"- voorstel binnen {SUGGESTION_SECONDS} s (hoogste {worst_suggestion:.3f} s): "
        + ("gehaald" if worst_suggestion < SUGGESTION_SECONDS else "NIET gehaald"),
        f"- melden p95 onder {SUBMISSION_P95} s met wachtrij en voorstel "
        f"({with_search.p95:.3f} s): "
        + ("gehaald" if with_search.p95 < SUBMISSION_P95 else "NIET gehaald"),
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="sqlite", choices=["sqlite", "postgresql"])
    parser.add_argument("--reports", type=int, default=10_000, help="meldingen in het register")
    parser.add_argument("--smoke", action="store_true", help="300 meldingen, geen README")
    parser.add_argument("--write-readme", action="store_true")
    args = parser.parse_args(argv)
    CACHE.mkdir(parents=True, exist_ok=True)
    if args.smoke:
        section = measure(args.backend, reports=300, probes=5, per_writer=1)
    else:
        section = measure(args.backend, reports=args.reports, probes=50, per_writer=10)
    print(section)
    if args.write_readme and not args.smoke:
        _write_readme(section, f"register-{args.backend}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
