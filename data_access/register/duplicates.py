"""Possible duplicates in the register, by text similarity (rapidfuzz).

While a report is written, the form shows up to five similar reports the writer may see (a
provider: its own organisation's), so "Geen hoofdaannemer voor B-cliënten" does not arrive
beside an open "B-aanbieders vinden geen hoofdaannemer". In the kerngroep's queue, a report
that closely resembles an earlier open one carries "mogelijk dubbel van KNP-…", for the
merge action that exists already.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import weakref
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import sqlalchemy as sa
from rapidfuzz import fuzz, process, utils
from sqlalchemy.engine import Engine

from data_access.access import Scope
from data_access.db import Bind, connected, versions
from data_access.models import Knelpunt, KnelpuntCategorie, Segment
from data_access.register.workflow import OPEN

SUGGESTIONS = 5
SUGGEST_FROM = 60  # similarity (0-100) from which a report is suggested while writing
DUPLICATE_FROM = 80  # similarity from which the queue calls a report a possible duplicate
QUEUE_LIMIT = 3_000  # compare the shown queue pairwise only up to this many reports
_SAME_CATEGORY, _SAME_SEGMENT, _OPEN, _RECENT = 8, 4, 6, 4  # bonuses in points


@dataclass(frozen=True)
class Suggestie:
    knelpunt_id: int
    referentie: str
    titel: str
    status: str
    score: int


@dataclass(frozen=True)
class _Corpus:
    """The register's texts, prepared once: a keystroke in the form then costs the comparison
    only, not reading and preparing 10.000 reports. Kept up to date by reading only the
    reports changed since (`_corpus`)."""

    stamp: tuple[object, ...]
    checked: float  # when the stamp was last compared with the database (time.monotonic)
    ids: np.ndarray  # ascending
    changed: np.ndarray  # each report's `gewijzigd`
    refs: np.ndarray
    titles: np.ndarray
    status: np.ndarray
    categorie: np.ndarray
    segment: np.ndarray
    aangemaakt: np.ndarray  # datetime64[D]
    compared_titles: np.ndarray  # lower case, punctuation out (rapidfuzz's default_process)
    sorted_titles: np.ndarray  # those, their words in alphabetical order
    compared_texts: np.ndarray  # the same, for the first 300 characters of the description
    sorted_texts: np.ndarray

    @property
    def latest(self) -> dt.datetime | None:
        """The newest `gewijzigd` read."""
        return max(self.changed, default=None)


_COLUMNS = (
    Knelpunt.id,
    Knelpunt.referentie,
    Knelpunt.titel,
    Knelpunt.status,
    Knelpunt.categorie,
    Knelpunt.segment,
    Knelpunt.aangemaakt,
    sa.func.substr(Knelpunt.omschrijving, 1, 300),
    Knelpunt.gewijzigd,
)
# How long the prepared texts are used without asking the database whether the register
# changed: twenty people typing at once then cost one check a second, not one per keystroke.
# A report is suggested at the latest this long after it was saved (a search index's usual
# refresh interval); who may see it is asked of the database on every search regardless.
FRESH_SECONDS = 1.0
# A change is read again for this long after a newer one: a transaction that took its
# timestamp earlier may commit after it.
_OVERLAP = dt.timedelta(minutes=5)
# Per engine, not per URL: the tests' PostgreSQL schemas share one URL.
_corpora: weakref.WeakKeyDictionary[Engine, _Corpus] = weakref.WeakKeyDictionary()
_corpus_lock = threading.Lock()


def _value(v: object) -> object:
    return getattr(v, "value", v)


def _prepared(rows: list[tuple[object, ...]], stamp: tuple[object, ...]) -> _Corpus:
    empty: list[tuple[object, ...]] = [()] * len(_COLUMNS)
    ids, refs, titles, status, cats, segs, created, texts, changed = (
        list(zip(*rows, strict=True)) or empty
    )

    def objects(values: object) -> np.ndarray:
        return np.asarray(list(values), dtype=object)  # type: ignore[call-overload]

    compared_titles = objects(utils.default_process(str(t)) for t in titles)
    compared_texts = objects(utils.default_process(str(t or "")) for t in texts)
    return _Corpus(
        stamp=stamp,
        checked=time.monotonic(),
        ids=np.asarray(ids, dtype=np.int64),
        changed=objects(changed),
        refs=objects(str(r) for r in refs),
        titles=objects(str(t) for t in titles),
        status=objects(_value(v) for v in status),
        categorie=objects(_value(v) for v in cats),
        segment=objects(_value(v) for v in segs),
        aangemaakt=np.asarray([str(c)[:10] for c in created], dtype="datetime64[D]"),
        compared_titles=compared_titles,
        sorted_titles=objects(_sorted_words(t) for t in compared_titles),
        compared_texts=compared_texts,
        sorted_texts=objects(_sorted_words(t) for t in compared_texts),
    )


def _merged(old: _Corpus, new: _Corpus) -> _Corpus:
    """`old` with the reports in `new` added or replaced, in id order."""
    if not len(old.ids) or new.ids[0] > old.ids[-1]:  # only new reports: the usual case

        def join(name: str) -> np.ndarray:
            return np.concatenate([getattr(old, name), getattr(new, name)])

    else:
        kept = ~np.isin(old.ids, new.ids)
        order = np.argsort(np.concatenate([old.ids[kept], new.ids]), kind="stable")

        def join(name: str) -> np.ndarray:
            return np.concatenate([getattr(old, name)[kept], getattr(new, name)])[order]

    names = [f for f in _Corpus.__dataclass_fields__ if f not in ("stamp", "checked")]
    return _Corpus(new.stamp, new.checked, **{name: join(name) for name in names})


def _corpus(conn: sa.Connection) -> _Corpus:
    # The stamp every register cache uses: a new report changes the count, any change to one
    # (retention's anonymisation too) its `gewijzigd`; a reload of all data the data version.
    # Read on the caller's connection: a second one from the pool while holding the first
    # would leave as many sessions as the pool has connections waiting for each other.
    engine = conn.engine
    corpus = _corpora.get(engine)
    if corpus is not None and time.monotonic() - corpus.checked < FRESH_SECONDS:
        return corpus
    stamp = versions(conn)[:3]
    with _corpus_lock:  # twenty writers after a change: one reads the register, the rest wait
        corpus = _corpora.get(engine)
        if corpus is not None and time.monotonic() - corpus.checked < FRESH_SECONDS:
            return corpus  # brought up to date while this thread waited
        if corpus is not None and corpus.stamp == stamp:
            corpus = _corpora[engine] = replace(corpus, checked=time.monotonic())
            return corpus
        select = sa.select(*_COLUMNS).order_by(Knelpunt.id)
        if corpus is None or corpus.latest is None or corpus.stamp[0] != stamp[0]:
            corpus = _corpora[engine] = _prepared(_read(conn, select), stamp)
            return corpus
        # Only what changed since. A removed report may stay in here: only reports the
        # database calls visible are ever compared.
        since = sa.select(Knelpunt.id, Knelpunt.gewijzigd).where(
            Knelpunt.gewijzigd >= corpus.latest - _OVERLAP
        )
        fresh = [int(i) for i, changed in _read(conn, since) if not _known(corpus, i, changed)]
        corpus = _corpora[engine] = (
            _merged(corpus, _prepared(_read(conn, select.where(Knelpunt.id.in_(fresh))), stamp))
            if fresh
            else replace(corpus, stamp=stamp, checked=time.monotonic())
        )
        return corpus


def _known(corpus: _Corpus, knelpunt_id: object, changed: object) -> bool:
    """Whether the corpus holds this report as it is now (the overlap reads some again)."""
    at = int(np.searchsorted(corpus.ids, knelpunt_id))
    return at < len(corpus.ids) and corpus.ids[at] == knelpunt_id and corpus.changed[at] == changed


def _read(conn: sa.Connection, select: sa.Select) -> list[tuple[object, ...]]:
    return [tuple(r) for r in conn.execute(select)]


def _sorted_words(text: str) -> str:
    return " ".join(sorted(text.split()))


def _score(query: str, texts: list[str], sorted_texts: list[str]) -> np.ndarray:
    # Word order matters little ("geen hoofdaannemer voor B-cliënten" against "B-aanbieders
    # vinden geen hoofdaannemer"): token_set_ratio. But alone it gives 100 to one shared word,
    # so it is averaged with token_sort_ratio, which counts the words that differ: that one is
    # the plain ratio of the texts with their words sorted, prepared already (`_Corpus`).
    query = utils.default_process(query)
    as_set = process.cdist([query], texts, scorer=fuzz.token_set_ratio, workers=1)[0]
    as_sorted = process.cdist([_sorted_words(query)], sorted_texts, scorer=fuzz.ratio, workers=1)
    return (np.asarray(as_set, dtype=float) + np.asarray(as_sorted[0], dtype=float)) / 2


def similar_reports(
    bind: Bind,
    scope: Scope,
    *,
    titel: str,
    omschrijving: str = "",
    categorie: KnelpuntCategorie | None = None,
    segment: Segment | None = None,
    today: dt.date | None = None,
) -> list[Suggestie]:
    """Up to five reports this user may see that resemble the one being written."""
    query = titel.strip()
    if len(query) < 5:
        return []
    today = today or dt.date.today()
    with connected(bind) as conn:
        corpus = _corpus(conn)
        # Who may see what stays the data layer's one rule (`report_visibility`), asked of the
        # database; only the comparison runs on the prepared texts. One string of ids, not
        # 10.000 rows: row objects cost more than the comparison.
        ids = sa.func.aggregate_strings(sa.cast(Knelpunt.id, sa.String), ",")
        visible = conn.execute(sa.select(ids).where(scope.report_visibility())).scalar()
    keep = np.isin(corpus.ids, np.fromstring(visible or "", dtype=np.int64, sep=","))
    if not keep.any():
        return []
    score = _score(
        query, corpus.compared_titles[keep].tolist(), corpus.sorted_titles[keep].tolist()
    )
    text = omschrijving.strip()
    if len(text) >= 20:  # a description, once there, weighs in too
        texts = corpus.compared_texts[keep].tolist(), corpus.sorted_texts[keep].tolist()
        score = np.maximum(score, _score(text[:300], *texts) * 0.9)
    is_open = np.isin(corpus.status[keep], [s.value for s in OPEN])
    bonus = np.where(is_open, _OPEN, 0).astype(float)
    if categorie is not None:
        same = corpus.categorie[keep] == KnelpuntCategorie(categorie).value
        bonus += np.where(same, _SAME_CATEGORY, 0)
    if segment is not None:
        bonus += np.where(corpus.segment[keep] == Segment(segment).value, _SAME_SEGMENT, 0)
    recent = corpus.aangemaakt[keep] >= np.datetime64(today - dt.timedelta(days=365), "D")
    bonus += np.where(recent, _RECENT, 0)
    final = np.where(score >= SUGGEST_FROM, np.minimum(score + bonus, 100), 0)
    hits = np.nonzero(final)[0]
    at = np.nonzero(keep)[0][hits]  # positions in the corpus
    # Best first; among equals the newest report (highest id).
    best = np.lexsort((-corpus.ids[at], -final[hits]))[:SUGGESTIONS]
    return [
        Suggestie(
            int(corpus.ids[at[i]]),
            str(corpus.refs[at[i]]),
            str(corpus.titles[at[i]]),
            str(corpus.status[at[i]]),
            int(final[hits[i]]),
        )
        for i in best
    ]


def possible_duplicates(queue: pd.DataFrame) -> pd.Series:
    """Per report of the queue: the reference of the most similar earlier open report in it
    (similarity at least DUPLICATE_FROM), or None."""
    result = pd.Series([None] * len(queue), index=queue.index, dtype=object)
    if len(queue) < 2 or len(queue) > QUEUE_LIMIT:
        return result
    titles = queue["titel"].astype(str).tolist()
    common = {"processor": utils.default_process, "dtype": np.uint8, "workers": 1}
    as_set = process.cdist(titles, titles, scorer=fuzz.token_set_ratio, **common)
    as_sorted = process.cdist(titles, titles, scorer=fuzz.token_sort_ratio, **common)
    scores = (as_set.astype(np.uint16) + as_sorted) // 2
    scores[scores < DUPLICATE_FROM] = 0
    created = queue["aangemaakt"].astype(str).to_numpy()
    is_open = queue["status"].isin([s.value for s in OPEN]).to_numpy()
    refs = queue["referentie"].to_numpy()
    for i in range(len(queue)):
        candidates = [
            j
            for j in np.nonzero(scores[i])[0]
            if j != i and is_open[j] and (created[j], refs[j]) < (created[i], refs[i])
        ]
        if candidates:
            best = max(candidates, key=lambda j: (scores[i][j], created[j]))
            result.iloc[i] = str(refs[best])
    return result
