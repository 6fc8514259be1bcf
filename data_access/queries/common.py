"""Shared pieces of the read side: filter conditions and small-count suppression."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import sqlalchemy as sa

from data_access.access import Scope
from data_access.filters import Filters
from data_access.models import Gemeente, Spic, Traject
from data_access.settings import get_settings

SUPPRESSED_LABEL = "<10"


def traject_base(filters: Filters) -> sa.Select:
    """Trajectories matching every non-date filter (region, municipality, segment, provider)."""
    stmt = (
        sa.select(Traject)
        .join(Gemeente, Gemeente.cbs_code == Traject.gemeente_code)
        .join(Spic, Spic.id == Traject.spic_id)
    )
    if filters.regio:
        stmt = stmt.where(Gemeente.regio_code == filters.regio)
    if filters.gemeente:
        stmt = stmt.where(Traject.gemeente_code == filters.gemeente)
    if filters.segment:
        stmt = stmt.where(Spic.segment == filters.segment)
    if filters.aanbieder_id is not None:
        stmt = stmt.where(Traject.hoofdaannemer_id == filters.aanbieder_id)
    return stmt


def threshold() -> int:
    return get_settings().suppression_threshold


def suppress_small(
    frame: pd.DataFrame, count_column: str, value_columns: Sequence[str], scope: Scope
) -> pd.DataFrame:
    """Blank every figure of a row based on 1..threshold-1 cases, for roles without detail.

    The whole row goes, not just the count: a sum or average over a handful of trajectories
    says as much about those children as the count does.
    """
    frame = frame.copy()
    frame["onderdrukt"] = False
    if not scope.suppress_small_counts or frame.empty:
        return frame
    small = (frame[count_column] > 0) & (frame[count_column] < threshold())
    frame["onderdrukt"] = small
    for col in (count_column, *value_columns):
        frame[col] = frame[col].astype("Float64" if frame[col].dtype.kind == "f" else "Int64")
        frame.loc[small, col] = pd.NA
    return frame


def suppress_value(count: int, suppress: bool) -> int | None:
    """A single count as an aggregate view may show it (None means '<10')."""
    if suppress and 0 < count < threshold():
        return None
    return count
