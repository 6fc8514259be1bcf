"""Possible duplicates in the register, by text similarity (rapidfuzz).

While a report is written, the form shows up to five similar reports the writer may see (a
provider: its own organisation's), so "Geen hoofdaannemer voor B-cliënten" does not arrive
beside an open "B-aanbieders vinden geen hoofdaannemer". In the kerngroep's queue, a report
that closely resembles an earlier open one carries "mogelijk dubbel van KNP-…", for the
merge action that exists already.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
import sqlalchemy as sa
from rapidfuzz import fuzz, process, utils
from sqlalchemy.engine import Engine

from data_access.access import Scope
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


def _score(query: str, texts: list[str]) -> np.ndarray:
    # Word order matters little ("geen hoofdaannemer voor B-cliënten" against "B-aanbieders
    # vinden geen hoofdaannemer"): token_set_ratio. But alone it gives 100 to one shared word,
    # so it is averaged with token_sort_ratio, which counts the words that differ.
    common = {"processor": utils.default_process, "workers": 1}
    as_set = process.cdist([query], texts, scorer=fuzz.token_set_ratio, **common)[0]
    as_sorted = process.cdist([query], texts, scorer=fuzz.token_sort_ratio, **common)[0]
    return (np.asarray(as_set, dtype=float) + np.asarray(as_sorted, dtype=float)) / 2


def similar_reports(
    engine: Engine,
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
    described = len(omschrijving.strip()) >= 20  # a description, once there, weighs in too
    columns = [
        Knelpunt.id,
        Knelpunt.referentie,
        Knelpunt.titel,
        Knelpunt.status,
        Knelpunt.categorie,
        Knelpunt.segment,
        Knelpunt.aangemaakt,
        # Only what is compared: the first 300 characters, and only once there is a text.
        sa.func.substr(Knelpunt.omschrijving, 1, 300) if described else sa.null(),
    ]
    with engine.connect() as conn:
        rows = conn.execute(sa.select(*columns).where(scope.report_visibility())).all()
    if not rows:
        return []
    # Plain tuples: pandas probing SQLAlchemy rows column by column cost more than the search.
    frame = pd.DataFrame(
        [tuple(r) for r in rows],
        columns=["id", "ref", "titel", "status", "cat", "seg", "aangemaakt", "omschrijving"],
    )
    score = _score(query, frame["titel"].tolist())
    if described:
        text_score = _score(omschrijving.strip()[:300], frame["omschrijving"].tolist())
        score = np.maximum(score, text_score * 0.9)
    status = frame["status"].map(lambda v: getattr(v, "value", v))
    bonus = np.where(status.isin([s.value for s in OPEN]), _OPEN, 0).astype(float)
    if categorie is not None:
        cats = frame["cat"].map(lambda v: getattr(v, "value", v))
        bonus += np.where(cats == KnelpuntCategorie(categorie).value, _SAME_CATEGORY, 0)
    if segment is not None:
        segs = frame["seg"].map(lambda v: getattr(v, "value", v))
        bonus += np.where(segs == Segment(segment).value, _SAME_SEGMENT, 0)
    created = pd.to_datetime(frame["aangemaakt"].astype(str).str[:10]).dt.date
    bonus += np.where(created >= today - dt.timedelta(days=365), _RECENT, 0)
    frame["score"] = np.where(score >= SUGGEST_FROM, np.minimum(score + bonus, 100), 0)
    best = frame[frame["score"] > 0].sort_values(["score", "id"], ascending=[False, False])
    return [
        Suggestie(
            int(r.id),
            str(r.ref),
            str(r.titel),
            str(getattr(r.status, "value", r.status)),
            int(r.score),
        )
        for r in best.head(SUGGESTIONS).itertuples()
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
