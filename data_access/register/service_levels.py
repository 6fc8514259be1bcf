"""Service levels of the register: per category a target, in working days, for the first
response to the reporter and for a decision, and how punctual a report is against them.

Working days skip weekends and Dutch public holidays (the `holidays` package: New Year,
Easter, King's Day, Ascension, Whitsun, Christmas; Liberation Day in lustrum years). The
deadlines are stored on the report when it is submitted or its category changes
(`reactie_deadline`, `besluit_deadline`), so a later change of a target does not move the
promises already made.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from functools import cache
from zoneinfo import ZoneInfo

import holidays
import numpy as np
import pandas as pd

from data_access.models import KnelpuntCategorie

C = KnelpuntCategorie
NL = ZoneInfo("Europe/Amsterdam")


@dataclass(frozen=True)
class Norm:
    reactie: int  # working days to the first public response
    besluit: int  # working days to a decision (besloten, afgewezen, opgelost, samengevoegd)


NORMS: dict[KnelpuntCategorie, Norm] = {
    C.CRISISCAPACITEIT: Norm(2, 10),
    C.CONTINUITEIT_CONVERSIE: Norm(3, 15),
    C.GEEN_HOOFDAANNEMER_B: Norm(5, 30),
    C.RESIDENTIEEL_AMBULANT: Norm(5, 30),
    C.LOKALE_TEAMS_ONDERAANNEMERS: Norm(5, 40),
    C.B_AANBOD_PAST_NIET: Norm(5, 40),
    C.FACTURATIE_ADMINISTRATIE: Norm(5, 20),
    C.TARIEF_FINANCIERING: Norm(10, 60),
    C.OVERIG: Norm(10, 60),
}
RUIM = 3  # "ruim te laat": more than three times the target


class Tijdigheid(enum.StrEnum):
    OP_TIJD = "op_tijd"
    TE_LAAT = "te_laat"
    RUIM_TE_LAAT = "ruim_te_laat"


@cache
def _holidays(first_year: int, last_year: int) -> np.ndarray:
    days = holidays.country_holidays("NL", years=range(first_year, last_year + 1))
    return np.array(sorted(days), dtype="datetime64[D]")


def _calendar(start: dt.date, end: dt.date) -> np.ndarray:
    # Whole decades, so the cache holds a handful of entries, not one per pair of dates.
    return _holidays(start.year - start.year % 10, end.year - end.year % 10 + 9)


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The working day `days` working days after `start` (the day of submission counts as 0)."""
    end_guess = start + dt.timedelta(days=days * 2 + 30)
    result = np.busday_offset(
        np.datetime64(start, "D"), days, roll="forward", holidays=_calendar(start, end_guess)
    )
    return result.astype(dt.date)


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (0 when `end` is not later)."""
    if end <= start:
        return 0
    count = np.busday_count(
        np.datetime64(start + dt.timedelta(days=1), "D"),
        np.datetime64(end + dt.timedelta(days=1), "D"),
        holidays=_calendar(start, end),
    )
    return int(count)


def calendar_day(value: object) -> dt.date | None:
    """A stored date or timestamp as its calendar date, None when empty (SQLite hands back
    text, PostgreSQL dates and datetimes, pandas NaT)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return dt.date.fromisoformat(str(value)[:10])


def submission_day(moment: object) -> dt.date:
    """The Dutch calendar day of a stored moment (naive values are UTC): the day the clocks of
    a report start, whichever path wrote it."""
    stamp = pd.Timestamp(str(moment))
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp
    return stamp.tz_convert(NL).date()


def deadlines(categorie: KnelpuntCategorie | str, submitted: dt.date) -> tuple[dt.date, dt.date]:
    """(first response, decision) for a report of `categorie` submitted on `submitted`."""
    norm = NORMS[KnelpuntCategorie(categorie)]
    return add_working_days(submitted, norm.reactie), add_working_days(submitted, norm.besluit)


def punctuality(
    categorie: KnelpuntCategorie | str,
    submitted: dt.date,
    reactie_deadline: dt.date | None,
    besluit_deadline: dt.date | None,
    responded: dt.date | None,
    decided: dt.date | None,
    stopped: dt.date | None,
    today: dt.date,
) -> Tijdigheid:
    """How a report stands against its deadlines: each clock runs until the response or the
    decision, or until the report closed without one (`stopped`), else until today."""
    norm = NORMS[KnelpuntCategorie(categorie)]
    verdict = Tijdigheid.OP_TIJD
    for deadline, done, target in (
        (reactie_deadline, responded, norm.reactie),
        (besluit_deadline, decided, norm.besluit),
    ):
        if deadline is None:
            continue
        until = done or stopped or today
        if until > deadline:
            if working_days_between(submitted, until) > RUIM * target:
                return Tijdigheid.RUIM_TE_LAAT
            verdict = Tijdigheid.TE_LAAT
    return verdict
