"""Exact money arithmetic: amounts are integer cents, shares are Decimals."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import numpy as np


def share_of(amount_cent: int, share: Decimal) -> int:
    """`share` of an amount in cents, rounded half up to the cent."""
    return int((Decimal(amount_cent) * share).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def tranches(tarief_cent: int, start_share: Decimal) -> tuple[int, int]:
    """Start and completion tranche; they always add up to the tariff exactly."""
    start = share_of(tarief_cent, start_share)
    return start, tarief_cent - start


def start_tranches(tarief_cent: np.ndarray, start_share: Decimal) -> np.ndarray:
    """Vectorised `share_of` for the generator: integer arithmetic, half up, no float drift."""
    numerator, denominator = start_share.as_integer_ratio()
    scaled = tarief_cent.astype(np.int64) * numerator
    return (2 * scaled + denominator) // (2 * denominator)
