"""Periods follow the data: quick periods, year-over-year, freshness and voorlopig figures.

The sample data covers 2018 up to and including 2025; these tests take the period from the
data (never from the generator) and check every figure against plain SQL.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools

import pandas as pd
import pytest
import sqlalchemy as sa

from data_access.access import Scope
from data_access.filters import (
    Filters,
    Periode,
    actualiteit,
    data_period,
    filter_options,
    previous_year,
    quick_period,
)
from data_access.imports import Uitvoerder, importeer
from data_access.models import Rol
from data_access.queries.common import open_shares
from data_access.queries.overzicht import overzicht
from data_access.queries.resultaat import indicators_by
from data_access.queries.uitnutting import cell_figures, uitnutting
from tests.helpers import next_year_files, sql_frame, sql_scalar, user_scope

KERNGROEP = Scope(Rol.KERNGROEP, 1)


def test_quick_periods_are_relative_to_the_peildatum() -> None:
    periode = Periode(dt.date(2018, 1, 1), dt.date(2025, 10, 31))
    assert quick_period(periode, "12m") == (dt.date(2024, 11, 1), dt.date(2025, 10, 31))
    assert quick_period(periode, "dit-jaar") == (dt.date(2025, 1, 1), dt.date(2025, 10, 31))
    assert quick_period(periode, "vorig-jaar") == (dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert quick_period(periode, "alles") == (dt.date(2018, 1, 1), dt.date(2025, 10, 31))
    leap = Filters(van=dt.date(2024, 2, 29), tot=dt.date(2024, 12, 31))
    assert previous_year(leap) == Filters(van=dt.date(2023, 2, 28), tot=dt.date(2023, 12, 31))


def test_the_demo_data_runs_from_2018_through_2025(demo_engine: sa.Engine) -> None:
    periode = data_period(demo_engine)
    assert periode == Periode(dt.date(2018, 1, 1), dt.date(2025, 12, 31))
    years = sql_frame(demo_engine, "SELECT DISTINCT jaar FROM spictarief ORDER BY jaar")
    assert years["jaar"].tolist() == list(range(2018, 2026))  # a tariff table per year


def _year(year: int) -> Filters:
    return Filters(van=dt.date(year, 1, 1), tot=dt.date(year, 12, 31))


def test_year_over_year_equals_a_recomputation_of_both_years(demo_engine: sa.Engine) -> None:
    view = overzicht(engine=demo_engine, scope=KERNGROEP, filters=_year(2024))
    for year, field in ((2024, "nu"), (2023, "vorig")):
        started, value = sql_frame(
            demo_engine,
            "SELECT COUNT(*) AS n, SUM(tarief_cent) AS waarde FROM traject "
            "WHERE startdatum BETWEEN :v AND :t",
            v=dt.date(year, 1, 1),
            t=dt.date(year, 12, 31),
        ).iloc[0]
        assert getattr(view.vergelijking["gestarte_trajecten"], field) == started
        assert getattr(view.vergelijking["spic_waarde_cent"], field) == value
    change = view.vergelijking["gestarte_trajecten"]
    assert change.verschil == change.nu - change.vorig
    assert change.relatief == pytest.approx((change.nu - change.vorig) / change.vorig)

    utilisation = uitnutting(engine=demo_engine, scope=KERNGROEP, filters=_year(2024)).kop
    for year, field in ((2024, "nu"), (2023, "vorig")):
        expected = sql_scalar(
            demo_engine,
            "SELECT CAST(SUM(k.kosten) AS FLOAT) / SUM(t.tarief_cent) FROM traject t "
            "LEFT JOIN (SELECT traject_id, SUM(kosten_cent) AS kosten FROM inzet "
            "GROUP BY traject_id) k ON k.traject_id = t.id "
            "WHERE t.einddatum BETWEEN :v AND :t",
            v=dt.date(year, 1, 1),
            t=dt.date(year, 12, 31),
        )
        assert getattr(utilisation, field) == pytest.approx(expected)


def test_year_over_year_is_withheld_for_small_numbers_and_absent_before_the_data(
    demo_engine: sa.Engine,
) -> None:
    small = dataclasses.replace(_year(2024), gemeente="GM0431")  # a small municipality
    adviser = overzicht(
        engine=demo_engine, scope=user_scope(demo_engine, "demo.adviseur"), filters=small
    )
    started = adviser.vergelijking["gestarte_trajecten"]
    assert started.nu is None or started.vorig is None  # under 10: withheld
    assert started.verschil is None and started.relatief is None
    first = overzicht(engine=demo_engine, scope=KERNGROEP, filters=_year(2018))
    assert all(c.vorig is None for c in first.vergelijking.values())  # 2017 has no data


def test_the_planted_b_profile_rises_year_over_year(demo_engine: sa.Engine) -> None:
    from data_access.generator import STIJGEND_B_PROFIEL

    def utilisation(year: int) -> float:
        cells = cell_figures(demo_engine, filters=_year(year))
        rising = cells[(cells["segment"] == "B") & (cells["profiel_nr"] == STIJGEND_B_PROFIEL)]
        return float(rising["kosten_cent"].sum() / rising["tarief_cent"].sum())

    # Measured on the trajectories ended in each year, as the dashboards do; the last two
    # years are held down by their short, early-ended trajectories (they are voorlopig).
    values = [utilisation(year) for year in range(2019, 2024)]
    assert all(b > a for a, b in itertools.pairwise(values)), values
    assert values[-1] > values[0] + 0.25


def test_voorlopig_marks_exactly_the_quarters_whose_starters_mostly_still_run(
    demo_engine: sa.Engine,
) -> None:
    shares = sql_frame(
        demo_engine,
        "SELECT startdatum, einddatum FROM traject",
    )
    start = pd.to_datetime(shares["startdatum"])
    shares["kwartaal"] = start.dt.year.astype(str) + "-K" + start.dt.quarter.astype(str)
    per_quarter = shares.groupby("kwartaal")["einddatum"].agg(lambda e: e.isna().mean())
    expected = set(per_quarter[per_quarter > 0.20].index)
    assert expected  # the last quarters of the data are still largely open
    assert "2019-K1" not in expected
    got = open_shares(demo_engine, filters=Filters(), grain="quarter")
    assert got["aandeel_open"].tolist() == pytest.approx(per_quarter.sort_index().tolist())
    table = indicators_by(
        demo_engine, KERNGROEP, filters=Filters(), dimension="startkwartaal"
    ).set_index("groep")
    assert set(table.index[table["voorlopig"]]) == expected & set(table.index)
    by_end = indicators_by(demo_engine, KERNGROEP, filters=Filters(), dimension="kwartaal")
    assert set(by_end.loc[by_end["voorlopig"], "groep"]) == expected & set(by_end["groep"])


def test_the_cohort_view_removes_the_early_dropout_artefact(demo_engine: sa.Engine) -> None:
    """Per quarter of ending, 2018's first quarters hold only early stops; per quarter of
    start they do not."""
    by_end = indicators_by(demo_engine, KERNGROEP, filters=Filters(), dimension="kwartaal")
    by_start = indicators_by(demo_engine, KERNGROEP, filters=Filters(), dimension="startkwartaal")
    early_end = by_end.set_index("groep").loc["2018-K2", "uitval_pct"]
    early_start = by_start.set_index("groep").loc["2018-K2", "uitval_pct"]
    assert early_end > 0.5 and early_start < 0.35


def test_an_import_of_a_new_year_is_selectable_and_counted_without_a_restart(
    demo_engine_rw: sa.Engine,
) -> None:
    engine = demo_engine_rw
    today = dt.date(2026, 12, 1)
    assert data_period(engine, today=today).peildatum == dt.date(2025, 12, 31)
    importeer(engine, uitvoerder=Uitvoerder("test"), bestanden=next_year_files(engine))
    periode = data_period(engine, today=today)
    assert periode.peildatum == dt.date(2026, 3, 31)  # the last month with deliveries
    fresh = actualiteit(engine, today=today)
    assert fresh.peildatum == dt.date(2026, 3, 31) and fresh.laatste_import is not None
    assert fresh.verouderd  # 245 days: more than SPIC_MAX_DATA_AGE_DAYS
    assert filter_options(engine, KERNGROEP).periode.peildatum == periode.peildatum
    q1 = Filters(van=dt.date(2026, 1, 1), tot=dt.date(2026, 3, 31))
    view = overzicht(engine=engine, scope=KERNGROEP, filters=q1)
    assert view.regio.gestarte_trajecten == 12
    assert view.regio.spic_waarde_cent == 12 * 300_000
    assert view.regio.betaald_cent == 12 * 210_000
    cells = uitnutting(engine=engine, scope=KERNGROEP, filters=q1).heatmap.cellen
    cell = cells.set_index("spic_code").loc["B-P03-I2"]
    assert cell["trajecten"] == 6 and cell["kosten_cent"] == 6 * 3 * 100_000
