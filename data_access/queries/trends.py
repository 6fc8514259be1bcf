"""Trends knelpunten: reports per category, segment and month; time to decision.

Read from SQL, like the register itself: it must be current, not a snapshot. Counts are
aggregates, suppressed for advisers and providers like every other aggregate view.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from data_access.access import Scope
from data_access.filters import Filters
from data_access.models import Knelpunt, KnelpuntGebeurtenis, KnelpuntStatus, Segment
from data_access.queries.common import suppress_small, suppress_value
from data_access.register.reads import service_level_columns
from data_access.register.service_levels import calendar_day
from data_access.register.workflow import CLOSED


@dataclass(frozen=True)
class Trends:
    per_maand: pd.DataFrame  # maand, categorie, meldingen
    per_categorie: pd.DataFrame  # categorie, segment, meldingen, open, gesloten
    doorlooptijd: pd.DataFrame  # categorie, besloten, mediaan_dagen
    totaal: int | None
    open: int | None
    drukste_maand: str | None  # the month with the most (shown) reports, "2026-03"
    # per month of submission: reports whose response (decision) was due or given, and the
    # share given by its deadline
    op_tijd: pd.DataFrame = field(default_factory=pd.DataFrame)


def _month(engine: Engine, column: sa.ColumnElement) -> sa.ColumnElement:
    if engine.dialect.name == "sqlite":
        return sa.func.strftime("%Y-%m", column)
    return sa.func.to_char(column, "YYYY-MM")


def _days(engine: Engine, start: sa.ColumnElement, end: sa.ColumnElement) -> sa.ColumnElement:
    if engine.dialect.name == "sqlite":
        return sa.func.julianday(end) - sa.func.julianday(start)
    return sa.extract("epoch", end - start) / 86400


def register_trends(engine: Engine, scope: Scope, *, segment: Segment | None = None) -> Trends:
    closed = [s.value for s in CLOSED]
    where = [Knelpunt.segment == segment] if segment else []
    maand = _month(engine, Knelpunt.aangemaakt).label("maand")
    first_decision = (
        sa.select(
            KnelpuntGebeurtenis.knelpunt_id,
            sa.func.min(KnelpuntGebeurtenis.tijdstip).label("besloten_op"),
        )
        .where(KnelpuntGebeurtenis.naar == KnelpuntStatus.BESLOTEN.value)
        .group_by(KnelpuntGebeurtenis.knelpunt_id)
        .subquery()
    )
    with engine.connect() as conn:
        per_maand = pd.DataFrame(
            conn.execute(
                sa.select(maand, Knelpunt.categorie, sa.func.count().label("meldingen"))
                .where(*where)
                .group_by(maand, Knelpunt.categorie)
                .order_by(maand)
            ).all(),
            columns=["maand", "categorie", "meldingen"],
        )
        per_categorie = pd.DataFrame(
            conn.execute(
                sa.select(
                    Knelpunt.categorie,
                    Knelpunt.segment,
                    sa.func.count().label("meldingen"),
                    sa.func.count().filter(Knelpunt.status.not_in(closed)).label("open"),
                    sa.func.count().filter(Knelpunt.status.in_(closed)).label("gesloten"),
                )
                .where(*where)
                .group_by(Knelpunt.categorie, Knelpunt.segment)
                .order_by(Knelpunt.categorie, Knelpunt.segment)
            ).all(),
            columns=["categorie", "segment", "meldingen", "open", "gesloten"],
        )
        deadlines = pd.DataFrame(
            conn.execute(
                sa.select(
                    maand,
                    Knelpunt.reactie_deadline,
                    Knelpunt.besluit_deadline,
                    *service_level_columns(),
                ).where(*where, Knelpunt.reactie_deadline.is_not(None))
            ).all(),
            columns=[
                "maand",
                "reactie_deadline",
                "besluit_deadline",
                "eerste_reactie",
                "besluit_op",
                "gestopt_op",
            ],
        )
        durations = pd.DataFrame(
            conn.execute(
                sa.select(
                    Knelpunt.categorie,
                    _days(engine, Knelpunt.aangemaakt, first_decision.c.besloten_op).label("dagen"),
                )
                .join(first_decision, first_decision.c.knelpunt_id == Knelpunt.id)
                .where(*where)
            ).all(),
            columns=["categorie", "dagen"],
        )
    for frame in (per_maand, per_categorie, durations):
        for column in ("categorie", "segment"):
            if column in frame:
                frame[column] = frame[column].map(lambda v: getattr(v, "value", v))
    doorlooptijd = (
        durations.assign(dagen=durations["dagen"].astype(float))
        .groupby("categorie", as_index=False)
        .agg(besloten=("dagen", "size"), mediaan_dagen=("dagen", "median"))
    )
    totaal = int(per_categorie["meldingen"].sum())
    open_ = int(per_categorie["open"].sum())
    hide = scope.suppress_small_counts
    per_maand = suppress_small(per_maand, "meldingen", [], scope)
    shown = per_maand.dropna(subset=["meldingen"])
    op_tijd = suppress_small(
        on_time_per_month(deadlines, dt.date.today()),
        "reacties",
        ["reactie_op_tijd", "besluiten", "besluit_op_tijd"],
        scope,
    )
    return Trends(
        op_tijd=op_tijd,
        per_maand=per_maand,
        per_categorie=suppress_small(per_categorie, "meldingen", ["open", "gesloten"], scope),
        doorlooptijd=suppress_small(doorlooptijd, "besloten", ["mediaan_dagen"], scope),
        totaal=suppress_value(totaal, hide),
        open=suppress_value(open_, hide),
        drukste_maand=(
            str(shown.groupby("maand")["meldingen"].sum().idxmax()) if len(shown) else None
        ),
    )


def on_time_per_month(rows: pd.DataFrame, today: dt.date) -> pd.DataFrame:
    """Per month: how many first responses (decisions) were due or given, and the share given
    by the deadline. A response still to come counts once its deadline has passed."""
    out = []
    for maand, group in rows.groupby("maand", sort=True):
        counts = {}
        for kind, deadline_col, done_col in (
            ("reactie", "reactie_deadline", "eerste_reactie"),
            ("besluit", "besluit_deadline", "besluit_op"),
        ):
            due = on_time = 0
            for deadline, done, stopped in zip(
                group[deadline_col], group[done_col], group["gestopt_op"], strict=True
            ):
                deadline, done = calendar_day(deadline), calendar_day(done)
                if deadline is None or (done is None and calendar_day(stopped) is not None):
                    continue  # no target, or withdrawn before it was due
                if done is None and today <= deadline:
                    continue  # not due yet
                due += 1
                on_time += done is not None and done <= deadline
            counts[kind] = (due, on_time / due if due else None)
        out.append(
            {
                "maand": maand,
                "reacties": counts["reactie"][0],
                "reactie_op_tijd": counts["reactie"][1],
                "besluiten": counts["besluit"][0],
                "besluit_op_tijd": counts["besluit"][1],
            }
        )
    return pd.DataFrame(
        out, columns=["maand", "reacties", "reactie_op_tijd", "besluiten", "besluit_op_tijd"]
    )


@dataclass(frozen=True)
class TrendsKeuze:
    """The trends page has no controls beyond the segment of the filter bar."""


def trends(
    *,
    engine: Engine,
    scope: Scope,
    filters: Filters,
    choice: TrendsKeuze = TrendsKeuze(),
) -> Trends:
    """The register's trends in the segment of the filter bar (read live, not a snapshot)."""
    return register_trends(engine, scope, segment=filters.segment)
