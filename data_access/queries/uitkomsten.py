"""Outcome indicators: dropout, goal attainment and client experience.

Dropout is the share of ended trajectories with an early-end reason (JZ588 codes 32–35).
Trajectories paused (20) or ended by death (02) are not outcomes of care and are left out.
Goal attainment and experience come from `uitkomst`, over the trajectories that have one.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy.engine import Engine

from data_access.analytics import analytics
from data_access.filters import Filters, with_period
from data_access.queries.common import traject_where

NIET_MEETELLEND = ("02", "20")

INDICATOR_COLUMNS = (
    "beeindigd",
    "uitval",
    "doel_gemeten",
    "doel_volledig",
    "doel_gedeeltelijk",
    "doel_niet",
    "ervaring_gemeten",
    "ervaring_gemiddeld",
)


def indicator_counts(
    engine: Engine, *, filters: Filters, group_by: tuple[str, ...] = (), cohort: bool = False
) -> pd.DataFrame:
    """Counts behind the indicators for trajectories ended in the period, optionally grouped.

    `cohort`: the ended trajectories that *started* in the period instead (the cohort view,
    which the first months of the data do not distort: there only short trajectories end).

    `group_by` takes SQL expressions, each named `expr AS name`, over `t`: the derived
    `uitkomst_traject` (an ended trajectory with its outcome, main contractor, municipality,
    region and SPIC columns; see `analytics.DERIVED`).
    """
    filters = with_period(engine, filters=filters)
    where, params = traject_where(filters, on="t")
    skip = ", ".join(f"'{c}'" for c in NIET_MEETELLEND)
    select_groups = "".join(f"{g}, " for g in group_by)
    grouping = "GROUP BY ALL" if group_by else ""
    frame = analytics(engine).frame(
        f"""
        SELECT {select_groups}
               COUNT(*) AS beeindigd,
               COUNT(*) FILTER (WHERE t.uitval) AS uitval,
               COUNT(t.doelrealisatie) AS doel_gemeten,
               COUNT(*) FILTER (WHERE t.doelrealisatie = 'volledig') AS doel_volledig,
               COUNT(*) FILTER (WHERE t.doelrealisatie = 'gedeeltelijk') AS doel_gedeeltelijk,
               COUNT(*) FILTER (WHERE t.doelrealisatie = 'niet') AS doel_niet,
               COUNT(t.ervaring_score) AS ervaring_gemeten,
               AVG(t.ervaring_score) AS ervaring_gemiddeld
        FROM uitkomst_traject t
        WHERE {where} AND t.{"startdatum" if cohort else "einddatum"} BETWEEN ? AND ?
          AND t.reden_beeindiging NOT IN ({skip})
        {grouping}
        """,
        [*params, filters.van, filters.tot],
    )
    for column in INDICATOR_COLUMNS[:-1]:
        frame[column] = frame[column].astype("int64")
    return frame


def add_rates(frame: pd.DataFrame) -> pd.DataFrame:
    """Rates from the counts; a rate over zero cases is missing, not zero."""
    frame = frame.copy()

    def rate(num: str, den: str) -> pd.Series:
        d = frame[den].astype("Float64")
        return (frame[num].astype("Float64") / d.where(d > 0)).astype("Float64")

    frame["uitval_pct"] = rate("uitval", "beeindigd")
    frame["doel_volledig_pct"] = rate("doel_volledig", "doel_gemeten")
    frame["doel_gedeeltelijk_pct"] = rate("doel_gedeeltelijk", "doel_gemeten")
    frame["doel_niet_pct"] = rate("doel_niet", "doel_gemeten")
    return frame
