"""Shared pieces of the read side: filter conditions and small-count suppression."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
from sqlalchemy.engine import Engine

from data_access.access import Scope
from data_access.analytics import analytics
from data_access.filters import Filters, data_period, previous_year
from data_access.settings import get_settings


def traject_where(filters: Filters, on: str | None = None) -> tuple[str, list[object]]:
    """The non-date filters as a DuckDB condition over `traject t`, `gemeente g`, `spic s`.

    `on` names one table that carries the trajectory's filter columns itself (`regio_code`,
    `gemeente_code`, `segment`, `hoofdaannemer_id`), such as the derived `onder_inzet`.
    """
    t, g, s = (on, on, on) if on else ("t", "g", "s")
    conditions = ["TRUE"]
    params: list[object] = []
    if filters.regio:
        conditions.append(f"{g}.regio_code = ?")
        params.append(filters.regio)
    if filters.gemeente:
        conditions.append(f"{t}.gemeente_code = ?")
        params.append(filters.gemeente)
    if filters.segment:
        conditions.append(f"{s}.segment = ?")
        params.append(str(filters.segment))
    if filters.aanbieder_id is not None:
        conditions.append(f"{t}.hoofdaannemer_id = ?")
        params.append(filters.aanbieder_id)
    return " AND ".join(conditions), params


TRAJECT_ONLY = """
    traject t
    JOIN gemeente g ON g.cbs_code = t.gemeente_code
    JOIN spic s ON s.id = t.spic_id
"""
# The same, with each trajectory's cost as columns of `t` (kosten_cent, eigen_kosten_cent,
# onder_kosten_cent; NULL without delivery), from the derived `traject_kosten`.
TRAJECT_JOINS = """
    traject_kosten t
    JOIN gemeente g ON g.cbs_code = t.gemeente_code
    JOIN spic s ON s.id = t.spic_id
"""


def anonymise_providers(
    engine: Engine, scope: Scope, *, frame: pd.DataFrame, id_column: str, name_column: str
) -> pd.DataFrame:
    """Replace names and ids of providers this user may not see by a neutral, numbered name.

    The number comes from the snapshot (`Analytics.pseudonyms`): 'Aanbieder 7' is one and the
    same provider on every chart and page of a data version, and the number carries nothing
    of its name, size or rank.
    """
    hidden = ~frame[id_column].map(lambda i: pd.notna(i) and scope.may_see_provider(int(i)))
    numbers = analytics(engine).pseudonyms() if hidden.any() else {}
    return neutral_names(
        frame, scope, id_column=id_column, name_column=name_column, numbers=numbers
    )


def neutral_names(
    frame: pd.DataFrame,
    scope: Scope,
    *,
    id_column: str,
    name_column: str,
    numbers: Mapping[int, int],
) -> pd.DataFrame:
    """`anonymise_providers` with the numbers given (a computation without the engine)."""
    frame = frame.copy()
    hidden = ~frame[id_column].map(lambda i: pd.notna(i) and scope.may_see_provider(int(i)))
    frame[name_column] = frame[name_column].astype(object)
    frame.loc[hidden, name_column] = [
        f"Aanbieder {numbers[int(i)]}" for i in frame.loc[hidden, id_column]
    ]
    frame[id_column] = frame[id_column].astype("Int64")
    frame.loc[hidden, id_column] = pd.NA
    return frame


def threshold() -> int:
    return get_settings().suppression_threshold


def suppress_small(
    frame: pd.DataFrame,
    count_column: str,
    value_columns: Sequence[str],
    scope: Scope,
    exempt: pd.Series | None = None,
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
    if exempt is not None:  # rows about the user's own organisation
        small &= ~exempt
    frame["onderdrukt"] = small
    for col in (count_column, *value_columns):
        frame[col] = frame[col].astype("Float64" if frame[col].dtype.kind == "f" else "Int64")
        frame.loc[small, col] = pd.NA
    return frame


def suppress_value(count: int, suppress: bool) -> int | None:
    """A single count as an aggregate view may show it (None means withheld: '<10')."""
    if suppress and 0 < count < threshold():
        return None
    return count


@dataclass(frozen=True)
class Jaarvergelijking:
    """A figure beside the same figure one year earlier (year-over-year).

    `vorig` is None when the earlier period has no data or its figure is withheld (small
    numbers); then there is no change to show either.
    """

    nu: float | None
    vorig: float | None

    @property
    def verschil(self) -> float | None:
        if self.nu is None or self.vorig is None:
            return None
        return self.nu - self.vorig

    @property
    def relatief(self) -> float | None:
        if self.verschil is None or not self.vorig:
            return None
        return self.verschil / abs(self.vorig)


def earlier_year(engine: Engine, *, filters: Filters) -> Filters | None:
    """The selection one year earlier, or None when that lies wholly before the data."""
    before = previous_year(filters)
    assert before.tot is not None
    if before.tot < data_period(engine).begin:
        return None
    return before


def shift_months(frame: pd.DataFrame, column: str, months: int) -> pd.DataFrame:
    """A copy with a date column moved by whole months (last year's series drawn on this
    year's axis)."""
    out = frame.copy()
    out[column] = [
        None if pd.isna(d) else (pd.Timestamp(d) + pd.DateOffset(months=months)).date()
        for d in out[column]
    ]
    return out


def open_shares(engine: Engine, *, filters: Filters, grain: str) -> pd.DataFrame:
    """Per period of start (`grain`: month or quarter): the share of the trajectories that
    started then and are still open at the peildatum, and whether that makes the period
    voorlopig (above SPIC_VOORLOPIG_OPEN_SHARE).

    Dropout, goal attainment and cost only become final when a trajectory ends: while most
    of a period's trajectories still run, its figures rest on the few that ended early.
    """
    assert grain in ("month", "quarter")
    where, params = traject_where(filters)
    peildatum = data_period(engine).peildatum
    frame = analytics(engine).frame(
        f"""
        SELECT DATE_TRUNC('{grain}', t.startdatum)::DATE AS periode,
               COUNT(*) AS gestart,
               COUNT(*) FILTER (WHERE t.einddatum IS NULL OR t.einddatum > ?) AS lopend
        FROM {TRAJECT_ONLY}
        WHERE {where}
        GROUP BY ALL ORDER BY periode
        """,
        [peildatum, *params],
    )
    frame["periode"] = pd.to_datetime(frame["periode"]).dt.date
    frame["aandeel_open"] = frame["lopend"] / frame["gestart"]
    frame["voorlopig"] = frame["aandeel_open"] > float(get_settings().voorlopig_open_share)
    return frame


def quarter_label(day: dt.date) -> str:
    return f"{day.year}-K{(day.month - 1) // 3 + 1}"
