"""Dutch number, money and date formatting. The one place that knows how things look.

Pure functions (no Streamlit), so they are tested directly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import pandas as pd

from data_access.settings import get_settings

EMPTY = "–"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
# plotly `separators`: decimal mark, then thousands separator.
PLOTLY_SEPARATORS = ",."


def suppressed_label() -> str:
    """How a withheld figure reads: '<10' at the default SPIC_SUPPRESSION_THRESHOLD."""
    return f"<{get_settings().suppression_threshold}"


def suppression_note(what: str = "trajecten") -> str:
    """The one sentence that explains the withheld figures of a page."""
    threshold = get_settings().suppression_threshold
    return (
        f"'{suppressed_label()}' betekent minder dan {threshold} {what} "
        "(niet getoond vanwege privacy)."
    )


def _group(digits: str) -> str:
    """'1234567' -> '1.234.567' (digits only, no sign)."""
    return f"{int(digits):,}".replace(",", ".")


def aantal(value: int | float | None, suppressed: bool = False) -> str:
    """1234 -> '1.234'; None on a suppressed figure -> '<10' (the threshold)."""
    if value is None or pd.isna(value):
        return suppressed_label() if suppressed else EMPTY
    n = int(value)
    return ("-" if n < 0 else "") + _group(str(abs(n)))


def euro_cent(cents: int | None, *, hele_euros: bool = False, suppressed: bool = False) -> str:
    """123456 cents -> '€ 1.234,56' (or '€ 1.235' with hele_euros)."""
    if cents is None or pd.isna(cents):
        return suppressed_label() if suppressed else EMPTY
    # Integer arithmetic on whole cents: exact, and this runs for every cell of big tables.
    n = int(cents)
    sign = "-" if n < 0 else ""
    n = abs(n)
    # The sign after the euro sign, as Dutch financial text and the charts' axes write it.
    if hele_euros:
        return f"€ {sign}{_group(str((n + 50) // 100))}"  # half a euro rounds up
    return f"€ {sign}{_group(str(n // 100))},{n % 100:02d}"


def euro_kort(cents: int | None, suppressed: bool = False) -> str:
    """Large sums for headline tiles: '€ 35,7 mln', '€ 6.146,9 mln', '€ 812.400'."""
    if cents is None or pd.isna(cents):
        return suppressed_label() if suppressed else EMPTY
    euros = Decimal(int(cents)) / 100
    if abs(euros) >= 1_000_000:
        mln = (euros / 1_000_000).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        whole, tenth = str(abs(mln)).split(".")
        return f"€ {'-' if mln < 0 else ''}{_group(whole)},{tenth} mln"
    return euro_cent(int(cents), hele_euros=True)


def percentage(fraction: float | None, decimals: int = 1, suppressed: bool = False) -> str:
    """0.123 -> '12,3%'."""
    if fraction is None or pd.isna(fraction):
        return suppressed_label() if suppressed else EMPTY
    value = Decimal(str(fraction * 100)).quantize(
        Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP
    )
    whole, _, frac = f"{value:.{decimals}f}".partition(".")
    sign = "-" if whole.startswith("-") else ""
    text = sign + _group(whole.lstrip("-"))
    return f"{text},{frac}%" if decimals else f"{text}%"


def procent(fraction: float | None, suppressed: bool = False) -> str:
    """Whole percentages for tables and chart summaries: 0.834 -> '83%'."""
    return percentage(fraction, 0, suppressed)


def procentpunt(fraction: float | None, suppressed: bool = False) -> str:
    """A difference of two percentages: 0.034 -> '3,4 procentpunt'."""
    if fraction is None or pd.isna(fraction):
        return suppressed_label() if suppressed else EMPTY
    return percentage(fraction).removesuffix("%") + " procentpunt"


def cijfer(value: float | None, suppressed: bool = False) -> str:
    """A score or hours with one decimal: 1234.56 -> '1.234,6'."""
    if value is None or pd.isna(value):
        return suppressed_label() if suppressed else EMPTY
    whole, frac = f"{abs(float(value)):.1f}".split(".")
    return ("-" if value < 0 else "") + f"{_group(whole)},{frac}"


uren = cijfer


def maand(value: dt.date | None, suppressed: bool = False) -> str:
    """A month as '11-2026'."""
    if value is None or pd.isna(value):
        return suppressed_label() if suppressed else EMPTY
    return value.strftime("%m-%Y")


def verandering(
    verschil: float | None, relatief: float | None, fmt: Callable[..., str]
) -> str | None:
    """A year-over-year change as '+1.234 (+3,4%)'; None when there is nothing to compare."""
    if verschil is None:
        return None
    sign = "+" if verschil > 0 else ("-" if verschil < 0 else "±")
    text = f"{sign}{fmt(abs(verschil)).lstrip('-')}"
    if relatief is not None:
        text += f" ({'+' if relatief > 0 else ''}{percentage(relatief)})"
    return text


MAANDEN = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)


def maand_jaar(value: dt.date) -> str:
    """A month in words: 'november 2026'."""
    return f"{MAANDEN[value.month - 1]} {value.year}"


def ja_nee(value: object, suppressed: bool = False) -> str:
    if value is None or pd.isna(value):
        return suppressed_label() if suppressed else EMPTY
    return "ja" if value else "nee"


def datum(value: dt.date | dt.datetime | None, suppressed: bool = False) -> str:
    """A date as '23-11-2026'; a timestamp is first converted to Amsterdam time."""
    if value is None or pd.isna(value):
        return suppressed_label() if suppressed else EMPTY
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(AMSTERDAM)
        return value.strftime("%d-%m-%Y %H:%M")
    return value.strftime("%d-%m-%Y")


DATE_INPUT_FORMAT = "DD-MM-YYYY"
