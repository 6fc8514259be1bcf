"""Concurrency on SQLite and PostgreSQL: parallel writers lose nothing, conflicts get a message."""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from data_access.models import KnelpuntStatus
from data_access.register import reports
from data_access.register.workflow import Conflict
from tests.helpers import sql_frame, sql_scalar, user_scope
from tests.test_knelpunten import GOOD

S = KnelpuntStatus


def test_parallel_edits_of_one_report_one_wins_and_the_rest_are_told(
    demo_engine_rw: sa.Engine,
) -> None:
    engine = demo_engine_rw
    report = reports.submit(engine, user_scope(engine, "demo.aanbieder"), melding=GOOD).id
    kerngroep = user_scope(engine, "demo.kerngroep")

    def move(_: int) -> str:
        try:
            reports.change_status(
                engine, kerngroep, knelpunt_id=report, versie=1, naar=S.IN_BEHANDELING
            )
        except Conflict as exc:
            return str(exc)
        return "ok"

    with ThreadPoolExecutor(max_workers=12) as pool:
        outcomes = list(pool.map(move, range(12)))
    assert outcomes.count("ok") == 1
    assert all("gewijzigd" in o or "opnieuw" in o for o in outcomes if o != "ok"), outcomes
    events = sql_frame(
        engine, "SELECT soort, naar FROM knelpuntgebeurtenis WHERE knelpunt_id = :k", k=report
    )
    assert sorted(events["soort"]) == ["aangemaakt", "status"]
    assert sql_scalar(engine, "SELECT versie FROM knelpunt WHERE id = :k", k=report) == 2


def test_many_writers_at_once_lose_nothing(demo_engine_rw: sa.Engine) -> None:
    """Submissions, status changes and comments from 24 threads, all at once."""
    engine = demo_engine_rw
    provider = user_scope(engine, "demo.aanbieder")
    kerngroep = user_scope(engine, "demo.kerngroep")
    existing = [reports.submit(engine, provider, melding=GOOD).id for _ in range(8)]
    reports_before = int(sql_scalar(engine, "SELECT COUNT(*) FROM knelpunt"))
    events_before = int(sql_scalar(engine, "SELECT COUNT(*) FROM knelpuntgebeurtenis"))

    def work(n: int) -> str:
        kind = n % 3
        if kind == 0:
            melding = dataclasses.replace(GOOD, titel=f"Parallelle melding {n:02d}")
            return reports.submit(engine, provider, melding=melding).referentie
        report = existing[n // 3]
        if kind == 1:
            reports.change_status(
                engine, kerngroep, knelpunt_id=report, versie=1, naar=S.IN_BEHANDELING
            )
            reports.change_status(
                engine, kerngroep, knelpunt_id=report, versie=2, naar=S.GEAGENDEERD
            )
            return "verplaatst"
        reports.comment(
            engine, kerngroep, knelpunt_id=report, tekst=f"Opmerking nummer {n}", intern=True
        )
        return "opmerking"

    with ThreadPoolExecutor(max_workers=24) as pool:
        results = list(pool.map(work, range(24)))
    references = [r for r in results if r.startswith("KNP-")]
    assert len(references) == 8 and len(set(references)) == 8
    assert sql_scalar(engine, "SELECT COUNT(*) FROM knelpunt") == reports_before + 8
    # 8 submissions (1 event each), 8 reports moved twice, 8 comments.
    events = int(sql_scalar(engine, "SELECT COUNT(*) FROM knelpuntgebeurtenis"))
    assert events == events_before + 8 + 16 + 8
    moved = sql_frame(
        engine,
        "SELECT k.status, k.versie, COUNT(g.id) AS n FROM knelpunt k "
        "JOIN knelpuntgebeurtenis g ON g.knelpunt_id = k.id AND g.soort = 'status' "
        f"WHERE k.id IN ({', '.join(map(str, existing))}) GROUP BY k.id, k.status, k.versie",
    )
    assert set(moved["status"]) == {"geagendeerd"} and set(moved["n"]) == {2}
    assert set(moved["versie"]) == {3}
    all_refs = sql_frame(engine, "SELECT referentie FROM knelpunt")["referentie"]
    assert all_refs.is_unique


def test_sqlite_writers_take_turns_in_the_order_they_came() -> None:
    """The writer lock is first come, first served: nobody is overtaken while queued."""
    import threading
    import time

    from data_access.db import FairLock

    lock = FairLock()
    order: list[int] = []
    lock.acquire()
    threads = []
    for n in range(8):

        def writer(n: int = n) -> None:
            with lock:
                order.append(n)

        thread = threading.Thread(target=writer)
        thread.start()
        threads.append(thread)
        deadline = time.monotonic() + 5
        while lock.waiting < n + 1:  # this writer is queued before the next one comes
            assert time.monotonic() < deadline, "writer never queued"
            time.sleep(0.001)
    lock.release()
    for thread in threads:
        thread.join(timeout=5)
    assert order == list(range(8))
    lock.acquire()  # free again once the queue has drained
    lock.release()
