"""Resultaatbekostiging: tranches to the cent, indicators, funnel limits, what-if scenarios."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from data_access.access import AccessDenied
from data_access.db import migrate
from data_access.filters import Filters
from data_access.generator import PLANTED
from data_access.loader import load_tables
from data_access.money import tranches as money_tranches
from data_access.queries import resultaat as r
from data_access.scenarios import save_scenario, saved_scenarios
from data_access.validation import ValidationFailed
from tests.conftest import fresh_database
from tests.helpers import provider_ids, sql_frame, sql_scalar, user_scope

ALL = Filters()


def _tiny_dataset(demo_tables: dict) -> dict[str, pd.DataFrame]:
    """Three trajectories with hand-checkable tariffs: completed, ended early, still open."""
    tables = {name: frame.iloc[0:0].copy() for name, frame in demo_tables.items()}
    for name in (
        "regio",
        "gemeente",
        "redenbeeindiging",
        "aanbieder",
        "spic",
        "spictarief",
        "gebruiker",
    ):
        tables[name] = demo_tables[name]
    traject = demo_tables["traject"].iloc[:3].copy()
    traject["id"] = [1, 2, 3]
    traject["toewijzingnummer"] = ["T1", "T2", "T3"]
    traject["vorig_traject_id"] = pd.array([pd.NA] * 3, dtype="Int64")
    traject["tarief_cent"] = [100_001, 333_333, 99_999]
    traject["startdatum"] = [dt.date(2019, 1, 10), dt.date(2019, 2, 5), dt.date(2019, 3, 1)]
    traject["geplande_einddatum"] = [dt.date(2020, 1, 10)] * 3
    traject["einddatum"] = [dt.date(2019, 12, 20), dt.date(2019, 6, 30), None]
    traject["reden_beeindiging"] = ["31", "32", None]
    tables["traject"] = traject
    return tables


@pytest.mark.parametrize("share", [Decimal("0.70"), Decimal("0.60"), Decimal("0.655")])
def test_tranche_arithmetic_is_exact_to_the_cent(
    tmp_path, demo_tables: dict, share: Decimal
) -> None:
    with fresh_database("sqlite", tmp_path) as (engine, _):
        migrate(engine)
        load_tables(engine, tables=_tiny_dataset(demo_tables))
        scope = user_scope(engine, "demo.kerngroep")
        period = Filters(van=dt.date(2019, 1, 1), tot=dt.date(2019, 12, 31))
        got = r.tranches(engine, scope, filters=period, share=share)
        expected = {t: money_tranches(t, share) for t in (100_001, 333_333, 99_999)}
        starts = sum(s for s, _ in expected.values())
        completions = expected[100_001][1] + expected[333_333][1]  # the open one: not yet
        assert int(got.per_maand["start_cent"].sum()) == starts
        assert int(got.per_maand["afronding_cent"].sum()) == completions
        assert got.openstaand_cent == expected[99_999][1]  # the liability: the open one's rest
        june = got.per_maand.set_index("maand").loc[dt.date(2019, 6, 1)]
        # End of June: the early-ended one is done, the other two still run.
        assert june["afronding_cent"] == expected[333_333][1]
        assert june["openstaand_cent"] == expected[100_001][1] + expected[99_999][1]
        for tarief, (start, rest) in expected.items():
            assert start + rest == tarief


def test_tranches_follow_the_setting(monkeypatch: pytest.MonkeyPatch, demo_engine: sa.Engine):
    scope = user_scope(demo_engine, "demo.kerngroep")
    monkeypatch.setenv("SPIC_START_TRANCHE_SHARE", "0.60")
    sixty = r.tranches(demo_engine, scope, filters=ALL)
    assert sixty.aandeel_start == Decimal("0.60")
    total_tariff = int(sql_scalar(demo_engine, "SELECT SUM(tarief_cent) FROM traject"))
    assert int(sixty.per_maand["start_cent"].sum()) == pytest.approx(total_tariff * 0.6, abs=3100)
    monkeypatch.setenv("SPIC_START_TRANCHE_SHARE", "0.70")
    seventy = r.tranches(demo_engine, scope, filters=ALL)
    assert int(seventy.per_maand["start_cent"].sum()) > int(sixty.per_maand["start_cent"].sum())
    # With the contract's 70/30, what is due equals what the administration paid.
    assert int(
        seventy.per_maand["start_cent"].sum() + seventy.per_maand["afronding_cent"].sum()
    ) == int(sql_scalar(demo_engine, "SELECT SUM(bedrag_cent) FROM betaling"))


def test_indicators_equal_a_recomputation(demo_engine: sa.Engine) -> None:
    scope = user_scope(demo_engine, "demo.kerngroep")
    rows = sql_frame(
        demo_engine,
        """
        SELECT t.hoofdaannemer_id, t.reden_beeindiging AS reden, u.doelrealisatie AS doel,
               u.ervaring_score AS ervaring, s.segment
        FROM traject t JOIN spic s ON s.id = t.spic_id
        LEFT JOIN uitkomst u ON u.traject_id = t.id
        WHERE t.einddatum IS NOT NULL AND t.reden_beeindiging NOT IN ('02', '20')
        """,
    )
    by_segment = r.indicators_by(demo_engine, scope, filters=ALL, dimension="segment").set_index(
        "groep"
    )
    for segment, group in rows.groupby("segment"):
        got = by_segment.loc[segment]
        assert got["beeindigd"] == len(group)
        assert got["uitval_pct"] == pytest.approx(
            group["reden"].isin(["32", "33", "34", "35"]).mean()
        )
        measured = group["doel"].dropna()
        assert got["doel_volledig_pct"] == pytest.approx((measured == "volledig").mean())
        scores = group["ervaring"].dropna().astype(float)
        assert got["ervaring_gemiddeld"] == pytest.approx(scores.mean())


def _exact_limit(p: float, n: int, q: float) -> float:
    """Spiegelhalter's interpolated binomial limit, from math.comb alone (no scipy)."""
    cdf, r = 0.0, 0
    previous = 0.0
    while True:
        previous = cdf
        cdf += math.comb(n, r) * p**r * (1 - p) ** (n - r)
        if cdf >= q - 1e-15:
            break
        r += 1
    alpha = (cdf - q) / (cdf - previous)
    return min(max((r - alpha) / n, 0.0), 1.0)


@pytest.mark.parametrize("p", [0.02, 0.2, 0.5, 0.97])
def test_control_limits_are_exact_binomial_quantiles(p: float) -> None:
    """The funnel's limits for n = 5 ... 500 equal an independent exact computation."""
    ns = list(range(5, 501, 5))
    for coverage in r.LIMITS:
        lo, hi = r.control_limits(p, np.array(ns), coverage)
        tail = (1 - coverage) / 2
        assert lo.tolist() == pytest.approx([_exact_limit(p, n, tail) for n in ns], abs=1e-9)
        assert hi.tolist() == pytest.approx([_exact_limit(p, n, 1 - tail) for n in ns], abs=1e-9)
    # Near 0% or 100% and at small n the normal approximation misplaces them; these do not
    # leave [0, 1] and are not symmetric around p.
    lo, hi = r.control_limits(0.05, np.array([10]), 0.998)
    assert lo[0] == 0.0 and 0.05 < hi[0] < 1.0 and hi[0] - 0.05 != 0.05 - lo[0]


def test_the_high_dropout_provider_is_outside_and_a_small_one_is_not(demo_engine: sa.Engine):
    data = r.funnel(
        demo_engine, user_scope(demo_engine, "demo.kerngroep"), filters=ALL, indicator="uitval"
    )
    points = data.punten.set_index("naam")
    assert points.loc[PLANTED.HOGE_UITVAL, "buiten_998"]
    regio = sql_frame(
        demo_engine,
        "SELECT reden_beeindiging AS r FROM traject WHERE einddatum IS NOT NULL "
        "AND reden_beeindiging NOT IN ('02', '20')",
    )
    assert data.regio == pytest.approx(regio["r"].isin(["32", "33", "34", "35"]).mean())
    small = points[(points["n"] < 15) & (points["teller"] >= 2)]
    assert len(small) > 0 and not small["buiten_998"].any()
    row = points.loc[PLANTED.HOGE_UITVAL]
    assert (row["lo998"], row["hi998"]) == pytest.approx(
        tuple(float(v[0]) for v in r.control_limits(data.regio, np.array([row["n"]]), 0.998))
    )


def test_funnel_hides_small_providers_and_names_for_advisers(demo_engine: sa.Engine) -> None:
    data = r.funnel(demo_engine, user_scope(demo_engine, "demo.adviseur"), filters=ALL)
    assert (data.punten["n"] >= 10).all()
    assert data.punten["aanbieder_id"].isna().all()
    assert not data.punten["naam"].isin([PLANTED.HOGE_UITVAL]).any()


def test_zero_outcome_share_reproduces_actual_payments(demo_engine: sa.Engine) -> None:
    scope = user_scope(demo_engine, "demo.kerngroep")
    basis = r.scenario_basis(demo_engine, scope, filters=ALL)
    zero = r.doorrekenen(basis, r.Scenario(resultaatdeel=Decimal("0")), scope)
    paid = sql_frame(
        demo_engine,
        "SELECT t.hoofdaannemer_id AS id, SUM(b.bedrag_cent) AS afronding FROM betaling b "
        "JOIN traject t ON t.id = b.traject_id WHERE b.tranche = 'afronding' "
        "GROUP BY t.hoofdaannemer_id",
    ).set_index("id")["afronding"]
    got = zero.per_aanbieder.set_index("aanbieder_id")
    assert (got["verschil_cent"] == 0).all()
    assert got["scenario_cent"].to_dict() == {int(k): int(v) for k, v in paid.items()}
    assert zero.totaal_scenario_cent == zero.totaal_werkelijk_cent == int(paid.sum())


def test_budget_neutral_scenario_moves_money_to_better_outcomes(demo_engine: sa.Engine) -> None:
    scope = user_scope(demo_engine, "demo.kerngroep")
    basis = r.scenario_basis(demo_engine, scope, filters=ALL)
    half = r.doorrekenen(basis, r.Scenario(resultaatdeel=Decimal("0.5")), scope)
    assert abs(half.totaal_scenario_cent - half.totaal_werkelijk_cent) <= len(basis)  # rounding
    rows = half.per_aanbieder.set_index("naam")
    assert rows.loc[PLANTED.HOGE_UITVAL, "verschil_cent"] < 0
    open_ended = r.doorrekenen(
        basis, r.Scenario(resultaatdeel=Decimal("0.5"), budgetneutraal=False), scope
    )
    assert open_ended.totaal_scenario_cent != open_ended.totaal_werkelijk_cent
    with pytest.raises(ValueError):
        r.Scenario(resultaatdeel=Decimal("1.5"))
    with pytest.raises(ValueError):
        r.Scenario(gewicht_uitval=Decimal(0), gewicht_doel=Decimal(0), gewicht_ervaring=Decimal(0))


def test_a_saved_scenario_reloads_identically(demo_engine_rw: sa.Engine) -> None:
    scope = user_scope(demo_engine_rw, "demo.kerngroep")
    chosen = r.Scenario(
        naam="Uitval telt dubbel",
        resultaatdeel=Decimal("0.35"),
        gewicht_uitval=Decimal("2"),
        gewicht_doel=Decimal("1"),
        gewicht_ervaring=Decimal("0.5"),
        budgetneutraal=False,
    )
    scenario_id = save_scenario(demo_engine_rw, scope, scenario=chosen)
    reloaded = saved_scenarios(demo_engine_rw, scope)[scenario_id]
    assert reloaded == chosen
    basis = r.scenario_basis(demo_engine_rw, scope, filters=ALL)
    pd.testing.assert_frame_equal(
        r.doorrekenen(basis, reloaded, scope).per_aanbieder,
        r.doorrekenen(basis, chosen, scope).per_aanbieder,
    )
    with pytest.raises(ValidationFailed):  # names are unique
        save_scenario(demo_engine_rw, scope, scenario=chosen)
    with pytest.raises(ValidationFailed):  # and screened like all free text
        save_scenario(
            demo_engine_rw, scope, scenario=dataclasses.replace(chosen, naam="bel 0612345678")
        )
    with pytest.raises(AccessDenied):
        save_scenario(
            demo_engine_rw,
            user_scope(demo_engine_rw, "demo.contractmanager"),
            scenario=dataclasses.replace(chosen, naam="Ander scenario"),
        )
    with pytest.raises(AccessDenied):
        saved_scenarios(demo_engine_rw, user_scope(demo_engine_rw, "demo.adviseur"))


def test_tranches_per_provider_are_suppressed_for_advisers(demo_engine: sa.Engine) -> None:
    got = r.tranches(
        demo_engine, user_scope(demo_engine, "demo.adviseur"), filters=ALL
    ).per_aanbieder
    counts = got["trajecten"].dropna()
    assert ((counts == 0) | (counts >= 10)).all()
    assert got["aanbieder_id"].isna().all()
    own = r.tranches(
        demo_engine, user_scope(demo_engine, "demo.aanbieder"), filters=ALL
    ).per_aanbieder
    horizon = provider_ids(demo_engine)[PLANTED.RESIDENTIEEL_HOOFDAANNEMER]
    assert own["aanbieder_id"].dropna().tolist() == [horizon]


@pytest.mark.parametrize("segment", [None, "B"])
def test_paid_per_month_and_per_provider_totals_match_the_payments(
    demo_engine: sa.Engine, segment: str | None
) -> None:
    """Paid per month equals the payments on the selected trajectories; the per-provider and
    per-month views of what is due add up to the same totals."""
    from data_access.models import Segment

    scope = user_scope(demo_engine, "demo.kerngroep")
    period = Filters(
        van=dt.date(2019, 1, 1),
        tot=dt.date(2020, 12, 31),
        segment=Segment(segment) if segment else None,
    )
    got = r.tranches(demo_engine, scope, filters=period, share=Decimal("0.70"))
    payments = sql_frame(
        demo_engine,
        "SELECT b.datum, b.bedrag_cent, s.segment FROM betaling b "
        "JOIN traject t ON t.id = b.traject_id JOIN spic s ON s.id = t.spic_id",
    )
    if segment:
        payments = payments[payments["segment"].astype(str) == segment]
    payments["maand"] = pd.to_datetime(payments["datum"]).dt.to_period("M").dt.start_time.dt.date
    in_period = payments[payments["maand"].between(period.van, period.tot)]
    expected = in_period.groupby("maand")["bedrag_cent"].sum().astype("int64")
    paid = got.per_maand.set_index("maand")["betaald_cent"]
    assert paid[paid > 0].to_dict() == expected.to_dict()
    assert len(expected) > 6
    providers = got.per_aanbieder
    for column in ("start_cent", "afronding_cent"):
        assert int(providers[column].sum()) == int(got.per_maand[column].sum())
    assert providers["trajecten"].sum() > 0
