"""Dutch formatting: € 1.234,56, 12,3%, 23-11-2026."""

import datetime as dt

from dashboard import formatting as f


def test_euros() -> None:
    assert f.euro_cent(123456) == "€ 1.234,56"
    assert f.euro_cent(5) == "€ 0,05"
    assert f.euro_cent(-123456789) == "€ -1.234.567,89"
    assert f.euro_cent(123450, hele_euros=True) == "€ 1.235"
    assert f.euro_kort(3_573_262_600) == "€ 35,7 mln"
    assert f.euro_kort(614_690_000_000) == "€ 6.146,9 mln"  # national totals: grouped
    assert f.euro_kort(-158_233_188) == "€ -1,6 mln"
    assert f.euro_kort(81_240_000) == "€ 812.400"


def test_counts_and_suppression() -> None:
    assert f.aantal(1234567) == "1.234.567"
    assert f.aantal(0) == "0"
    assert f.aantal(None, suppressed=True) == "<10"
    assert f.aantal(None) == "–"


def test_percentages() -> None:
    assert f.percentage(0.123) == "12,3%"
    assert f.percentage(0.12345, decimals=2) == "12,35%"
    assert f.percentage(12.5) == "1.250,0%"
    assert f.percentage(None, suppressed=True) == "<10"


def test_dates_in_amsterdam_time() -> None:
    assert f.datum(dt.date(2026, 11, 23)) == "23-11-2026"
    winter = dt.datetime(2026, 11, 23, 23, 30, tzinfo=dt.UTC)
    assert f.datum(winter) == "24-11-2026 00:30"
    assert f.datum(None) == "–"
