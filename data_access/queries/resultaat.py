"""Resultaatbekostiging: tranches, outcome indicators with a funnel plot, what-if payment rules.

Tranches follow the contract rule with the split from the settings (SPIC_START_TRANCHE_SHARE):
the start tranche is due when a trajectory starts, the completion tranche when it ends (not
for a pause, end reason 20). What is still due on trajectories that are running is the
region's liability. Amounts are integer cents with the same half-up rounding as `money`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import pandas as pd
from scipy import stats
from sqlalchemy.engine import Engine

from data_access.access import Scope
from data_access.analytics import analytics
from data_access.filters import Filters, check_filters
from data_access.queries.common import (
    TRAJECT_ONLY,
    Jaarvergelijking,
    anonymise_providers,
    earlier_year,
    neutral_names,
    open_shares,
    quarter_label,
    shift_months,
    suppress_small,
    threshold,
    traject_where,
)
from data_access.queries.uitkomsten import add_rates, indicator_counts
from data_access.scenarios import Scenario, require_what_if, saved_scenarios
from data_access.settings import get_settings

LIMITS = (0.95, 0.998)  # the funnel's two pairs of control limits (two-sided)
PAUZE = "20"


def _split_sql(share: Decimal) -> str:
    """The start tranche of `t.tarief_cent` in integer SQL: half up, exactly like money.share_of."""
    num, den = share.as_integer_ratio()
    return f"((2 * t.tarief_cent * {num} + {den}) // (2 * {den}))"


@dataclass(frozen=True)
class Tranches:
    per_maand: pd.DataFrame  # maand, start_cent, afronding_cent, openstaand_cent, betaald_cent
    per_aanbieder: pd.DataFrame
    openstaand_cent: int  # liability at the end of the period
    aandeel_start: Decimal


def tranches(
    engine: Engine, scope: Scope, *, filters: Filters, share: Decimal | None = None
) -> Tranches:
    filters = check_filters(engine, scope, filters=filters)
    share = get_settings().start_tranche_share if share is None else share
    where, params = traject_where(filters)
    start = _split_sql(share)
    an = analytics(engine)
    # Tranches due: the start tranche in the month a trajectory starts, the completion tranche
    # in the month it ends (a pause is not an end). One pass, totalled per month and per
    # provider at once: the month-by-provider grid has a hundred thousand cells nationally.
    due = an.frame(
        f"""
        WITH due AS (
            SELECT DATE_TRUNC('month', t.startdatum)::DATE AS maand, t.hoofdaannemer_id,
                   {start} AS start_cent, 0 AS afronding_cent, 1 AS gestart
            FROM {TRAJECT_ONLY} WHERE {where}
            UNION ALL
            SELECT DATE_TRUNC('month', t.einddatum)::DATE, t.hoofdaannemer_id,
                   0, t.tarief_cent - {start}, 0
            FROM {TRAJECT_ONLY}
            WHERE {where} AND t.einddatum IS NOT NULL AND t.reden_beeindiging <> '{PAUZE}'
        )
        SELECT maand, hoofdaannemer_id AS aanbieder_id,
               GROUPING(hoofdaannemer_id) = 1 AS per_maand,
               SUM(start_cent)::BIGINT AS start_cent,
               SUM(afronding_cent)::BIGINT AS afronding_cent, SUM(gestart)::BIGINT AS trajecten
        FROM due
        WHERE maand BETWEEN DATE_TRUNC('month', ?::DATE) AND ?
        GROUP BY GROUPING SETS ((maand), (hoofdaannemer_id))
        """,
        [*params, *params, filters.van, filters.tot],
    )
    # Payments carry the trajectory's filter columns in the snapshot: no join with millions
    # of trajectories nationally.
    on_payments, payment_params = traject_where(filters, on="b")
    # Open at a month end: everything started by then minus everything ended by then. A
    # running sum over monthly changes, instead of testing every trajectory against every month.
    per_maand = an.frame(
        f"""
        WITH maanden AS (
            SELECT UNNEST(GENERATE_SERIES(DATE_TRUNC('month', ?::DATE),
                                          DATE_TRUNC('month', ?::DATE),
                                          INTERVAL 1 MONTH))::DATE AS maand
        ),
        wijziging AS (
            SELECT DATE_TRUNC('month', t.startdatum)::DATE AS maand,
                   SUM(t.tarief_cent - {start}) AS delta
            FROM {TRAJECT_ONLY} WHERE {where} GROUP BY ALL
            UNION ALL
            SELECT DATE_TRUNC('month', t.einddatum)::DATE, -SUM(t.tarief_cent - {start})
            FROM {TRAJECT_ONLY} WHERE {where} AND t.einddatum IS NOT NULL GROUP BY ALL
        ),
        stand AS (
            SELECT maand, SUM(SUM(delta)) OVER (ORDER BY maand) AS openstaand_cent
            FROM wijziging GROUP BY maand
        ),
        paid AS (
            SELECT DATE_TRUNC('month', b.datum)::DATE AS maand,
                   SUM(b.bedrag_cent) AS betaald_cent
            FROM betaling_traject b
            WHERE {on_payments}
            GROUP BY ALL
        )
        SELECT m.maand,
               COALESCE(s.openstaand_cent, 0)::BIGINT AS openstaand_cent,
               COALESCE(p.betaald_cent, 0)::BIGINT AS betaald_cent
        FROM maanden m
        ASOF LEFT JOIN stand s ON m.maand >= s.maand
        LEFT JOIN paid p ON p.maand = m.maand
        ORDER BY m.maand
        """,
        [filters.van, filters.tot, *params, *params, *payment_params],
    )
    months = due[due["per_maand"]].set_index("maand")[["start_cent", "afronding_cent"]]
    per_maand["maand"] = pd.to_datetime(per_maand["maand"]).dt.date
    months.index = pd.to_datetime(months.index).date
    per_maand = per_maand.join(months, on="maand")
    per_maand[["start_cent", "afronding_cent"]] = (
        per_maand[["start_cent", "afronding_cent"]].fillna(0).astype("int64")
    )
    per_maand = per_maand[
        ["maand", "start_cent", "afronding_cent", "openstaand_cent", "betaald_cent"]
    ]
    names = an.frame("SELECT id AS aanbieder_id, naam FROM aanbieder")
    per_aanbieder = due[~due["per_maand"]].merge(names, on="aanbieder_id")
    per_aanbieder = per_aanbieder.assign(
        _totaal=per_aanbieder["start_cent"] + per_aanbieder["afronding_cent"]
    ).sort_values(["_totaal", "naam"], ascending=[False, True])
    per_aanbieder = per_aanbieder[
        ["aanbieder_id", "naam", "start_cent", "afronding_cent", "trajecten"]
    ].reset_index(drop=True)
    liability = an.frame(
        f"""
        SELECT COALESCE(SUM(t.tarief_cent - {start}), 0)::BIGINT AS openstaand
        FROM {TRAJECT_ONLY}
        WHERE {where} AND t.startdatum <= ? AND (t.einddatum IS NULL OR t.einddatum > ?)
        """,
        [*params, filters.tot, filters.tot],
    )["openstaand"].iloc[0]
    own = scope.own_rows(per_aanbieder, "aanbieder_id")
    per_aanbieder = suppress_small(
        per_aanbieder, "trajecten", ["start_cent", "afronding_cent"], scope, exempt=own
    )
    per_aanbieder = anonymise_providers(
        engine, scope, frame=per_aanbieder, id_column="aanbieder_id", name_column="naam"
    )
    return Tranches(per_maand, per_aanbieder, int(liability), share)


# --- outcome indicators and the funnel plot ----------------------------------------------------


def binomial_limit(p: float, n: np.ndarray, q: float) -> np.ndarray:
    """The rate below which a fraction `q` of providers with `n` cases falls when their true
    rate is `p`: exact binomial, interpolated between whole counts (Spiegelhalter 2005,
    "Funnel plots for comparing institutional performance", appendix A.1.1).

    The normal approximation misplaces the limits for the small numbers most providers have
    and near 0% or 100%.
    """
    n = np.asarray(n, dtype=float)
    if p <= 0.0 or p >= 1.0:
        return np.full(n.shape, min(max(p, 0.0), 1.0))
    r = stats.binom.ppf(q, n, p)
    upper = stats.binom.cdf(r, n, p)
    lower = stats.binom.cdf(r - 1, n, p)
    alpha = np.where(upper > lower, (upper - q) / np.where(upper > lower, upper - lower, 1), 0)
    return np.clip((r - alpha) / n, 0.0, 1.0)


def control_limits(p: float, n: np.ndarray, coverage: float) -> tuple[np.ndarray, np.ndarray]:
    """Two-sided limits around rate p for n cases: (lower, upper)."""
    tail = (1 - coverage) / 2
    return binomial_limit(p, n, tail), binomial_limit(p, n, 1 - tail)


@dataclass(frozen=True)
class Funnel:
    punten: pd.DataFrame  # per provider: n, rate, limits, outside_95, outside_998
    regio: float  # regional rate
    indicator: str
    grens: pd.DataFrame  # n, lo95, hi95, lo998, hi998 for drawing the funnel


INDICATORS = {
    "uitval": ("uitval", "beeindigd"),
    "doel_volledig": ("doel_volledig", "doel_gemeten"),
}


def funnel(engine: Engine, scope: Scope, *, filters: Filters, indicator: str = "uitval") -> Funnel:
    """Each provider's rate against its number of cases, with the region's control limits."""
    filters = check_filters(engine, scope, filters=filters)
    numerator, denominator = INDICATORS[indicator]
    per = indicator_counts(
        engine,
        filters=dataclasses.replace(filters, aanbieder_id=None),
        group_by=("t.hoofdaannemer_id AS aanbieder_id",),
    )
    names = analytics(engine).frame("SELECT id AS aanbieder_id, naam FROM aanbieder")
    per = per.merge(names, on="aanbieder_id")
    total_n = per[denominator].sum()
    p = float(per[numerator].sum() / total_n) if total_n else 0.0
    per = per[per[denominator] > 0].copy()
    per["n"] = per[denominator]
    per["rate"] = per[numerator] / per["n"]
    per["lo95"], per["hi95"] = control_limits(p, per["n"].to_numpy(), LIMITS[0])
    per["lo998"], per["hi998"] = control_limits(p, per["n"].to_numpy(), LIMITS[1])
    per["buiten_95"] = (per["rate"] < per["lo95"]) | (per["rate"] > per["hi95"])
    per["buiten_998"] = (per["rate"] < per["lo998"]) | (per["rate"] > per["hi998"])
    per = per[
        [
            "aanbieder_id",
            "naam",
            "n",
            numerator,
            "rate",
            "lo95",
            "hi95",
            "lo998",
            "hi998",
            "buiten_95",
            "buiten_998",
        ]
    ].rename(columns={numerator: "teller"})
    per = per.sort_values(["buiten_998", "buiten_95", "n"], ascending=[False, False, False])
    per = per.reset_index(drop=True)
    if scope.suppress_small_counts:
        # A provider with fewer than the threshold of cases is left out for these roles,
        # apart from a provider's own organisation.
        own = per["aanbieder_id"] == scope.own_provider_id
        per = per[(per["n"] >= threshold()) | own].reset_index(drop=True)
    per = anonymise_providers(
        engine, scope, frame=per, id_column="aanbieder_id", name_column="naam"
    )
    top = max(int(per["n"].max()) if len(per) else 10, 10)
    grid = pd.DataFrame({"n": sorted({*range(5, top + 1, max(1, top // 200)), top})})
    grid["lo95"], grid["hi95"] = control_limits(p, grid["n"].to_numpy(), LIMITS[0])
    grid["lo998"], grid["hi998"] = control_limits(p, grid["n"].to_numpy(), LIMITS[1])
    return Funnel(per, p, indicator, grid)


def indicators_by(
    engine: Engine, scope: Scope, *, filters: Filters, dimension: str
) -> pd.DataFrame:
    """Indicators per segment, profile, municipality, quarter of the end date, or quarter of
    the start (the cohort view). Quarters carry `voorlopig`: most of the trajectories that
    started in them still run, so their outcomes rest on the few that ended early."""
    filters = check_filters(engine, scope, filters=filters)
    quarter = "YEAR(t.{0})::VARCHAR || '-K' || QUARTER(t.{0})::VARCHAR AS groep"
    groups = {
        "segment": ("t.segment::VARCHAR AS groep",),
        "profiel": ("t.profiel_nr::VARCHAR || '. ' || t.profiel_naam AS groep",),
        "gemeente": ("t.gemeente_naam AS groep",),
        "kwartaal": (quarter.format("einddatum"),),
        "startkwartaal": (quarter.format("startdatum"),),
    }[dimension]
    counts = indicator_counts(
        engine, filters=filters, group_by=groups, cohort=dimension == "startkwartaal"
    )
    frame = add_rates(counts).sort_values("groep").reset_index(drop=True)
    if dimension in ("kwartaal", "startkwartaal"):
        shares = open_shares(engine, filters=filters, grain="quarter")
        voorlopig = dict(
            zip(shares["periode"].map(quarter_label), shares["voorlopig"], strict=True)
        )
        frame["voorlopig"] = frame["groep"].map(voorlopig).fillna(False).astype(bool)
    rates = [
        "uitval_pct",
        "doel_volledig_pct",
        "doel_gedeeltelijk_pct",
        "doel_niet_pct",
        "ervaring_gemiddeld",
    ]
    return suppress_small(frame, "beeindigd", ["uitval", "doel_gemeten", *rates], scope)


# --- what-if -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScenarioResultaat:
    per_aanbieder: pd.DataFrame  # actual completion tranches, scenario amount, difference
    totaal_werkelijk_cent: int
    totaal_scenario_cent: int


def scenario_basis(engine: Engine, scope: Scope, *, filters: Filters) -> pd.DataFrame:
    """Per provider: completion tranches of trajectories ended in the period, and indicators.

    The expensive part of a what-if; cache it and recompute the cheap part per slider move.
    It names every provider, so only the roles of the what-if may have it.
    """
    require_what_if(scope)
    filters = check_filters(engine, scope, filters=filters)
    share = get_settings().start_tranche_share
    where, params = traject_where(dataclasses.replace(filters, aanbieder_id=None))
    base = analytics(engine).frame(
        f"""
        SELECT t.hoofdaannemer_id AS aanbieder_id, a.naam,
               SUM(t.tarief_cent - {_split_sql(share)})::BIGINT AS afronding_cent
        FROM {TRAJECT_ONLY} JOIN aanbieder a ON a.id = t.hoofdaannemer_id
        WHERE {where} AND t.einddatum BETWEEN ? AND ? AND t.reden_beeindiging <> '{PAUZE}'
        GROUP BY ALL
        """,
        [*params, filters.van, filters.tot],
    )
    counts = add_rates(
        indicator_counts(
            engine,
            filters=dataclasses.replace(filters, aanbieder_id=None),
            group_by=("t.hoofdaannemer_id AS aanbieder_id",),
        )
    )
    basis = base.merge(counts, on="aanbieder_id", how="left").sort_values("aanbieder_id")
    # The neutral names travel along: the what-if is computed again on every slider move.
    numbers = analytics(engine).pseudonyms()
    return basis.assign(pseudoniem=basis["aanbieder_id"].map(numbers))


def doorrekenen(basis: pd.DataFrame, scenario: Scenario, scope: Scope) -> ScenarioResultaat:
    """What each provider would have received under the scenario. Pure and fast.

    Each indicator becomes a score relative to the region (1.0 = regional level): fewer
    dropouts, more goals fully met and a higher experience score give more than 1. The
    weighted score multiplies the outcome part of the completion tranche; budget-neutral
    scales all outcome parts so the region pays the same in total.
    """
    require_what_if(scope)
    frame = basis.copy()
    d = frame["beeindigd"].fillna(0)
    region_dropout = frame["uitval"].sum() / d.sum() if d.sum() else 0.0
    region_goal = (
        frame["doel_volledig"].sum() / frame["doel_gemeten"].sum()
        if frame["doel_gemeten"].sum()
        else 0.0
    )
    measured = frame["ervaring_gemeten"].fillna(0)
    region_exp = (
        (frame["ervaring_gemiddeld"].fillna(0) * measured).sum() / measured.sum()
        if measured.sum()
        else 0.0
    )

    def relative(value: pd.Series, region: float) -> pd.Series:
        out = (value.astype(float) / region) if region else pd.Series(1.0, index=value.index)
        return out.fillna(1.0)  # no measurement: the regional level, no gain or loss

    score_dropout = relative(1 - frame["uitval_pct"].astype(float), 1 - region_dropout)
    score_goal = relative(frame["doel_volledig_pct"].astype(float), region_goal)
    score_exp = relative(frame["ervaring_gemiddeld"].astype(float), region_exp)
    weights = [
        float(scenario.gewicht_uitval),
        float(scenario.gewicht_doel),
        float(scenario.gewicht_ervaring),
    ]
    score = (weights[0] * score_dropout + weights[1] * score_goal + weights[2] * score_exp) / sum(
        weights
    )
    afronding = frame["afronding_cent"].astype("int64")
    outcome_part = (afronding * float(scenario.resultaatdeel)).round()
    fixed = afronding - outcome_part
    earned = outcome_part * score
    if scenario.budgetneutraal and earned.sum() > 0:
        earned = earned * (outcome_part.sum() / earned.sum())
    frame["score"] = score
    frame["werkelijk_cent"] = afronding
    frame["scenario_cent"] = (fixed + earned.round()).astype("int64")
    if scenario.resultaatdeel == 0:
        frame["scenario_cent"] = afronding  # no outcome part: exactly what was paid
    frame["verschil_cent"] = frame["scenario_cent"] - frame["werkelijk_cent"]
    frame = frame.sort_values("verschil_cent").reset_index(drop=True)
    out = frame[
        [
            "aanbieder_id",
            "naam",
            "beeindigd",
            "uitval_pct",
            "doel_volledig_pct",
            "ervaring_gemiddeld",
            "score",
            "werkelijk_cent",
            "scenario_cent",
            "verschil_cent",
        ]
    ]
    own = scope.own_rows(out, "aanbieder_id")
    out = suppress_small(
        out,
        "beeindigd",
        [
            "uitval_pct",
            "doel_volledig_pct",
            "ervaring_gemiddeld",
            "score",
            "werkelijk_cent",
            "scenario_cent",
            "verschil_cent",
        ],
        scope,
        exempt=own,
    )
    numbers = dict(zip(frame["aanbieder_id"], frame["pseudoniem"], strict=True))
    out = neutral_names(out, scope, id_column="aanbieder_id", name_column="naam", numbers=numbers)
    return ScenarioResultaat(
        out, int(frame["werkelijk_cent"].sum()), int(frame["scenario_cent"].sum())
    )


# --- the page -----------------------------------------------------------------------------------

INDELINGEN = {
    "startkwartaal": "Startkwartaal (cohort)",
    "kwartaal": "Kwartaal van beëindiging",
    "segment": "Segment",
    "profiel": "Profiel",
    "gemeente": "Gemeente",
}


@dataclass(frozen=True)
class ScenarioInstellingen:
    """The what-if controls as the user set them; None means: as in the loaded scenario."""

    geladen: int | None = None  # a saved scenario, or None for the default rule
    resultaatdeel_pct: int | None = None
    budgetneutraal: bool | None = None
    gewicht_uitval: float | None = None
    gewicht_doel: float | None = None
    gewicht_ervaring: float | None = None


@dataclass(frozen=True)
class ResultaatKeuze:
    indicator: str = "uitval"  # of the funnel plot: uitval | doel_volledig
    indeling: str = "startkwartaal"  # of the indicator table: one of INDELINGEN
    vergelijk: bool = False  # draw last year's tranches beside this year's
    scenario: ScenarioInstellingen = ScenarioInstellingen()
    scenarios_naast_elkaar: tuple[int | None, int | None] = (None, None)  # two saved ones


@dataclass(frozen=True)
class WatAls:
    """The what-if section: the rule in force, its outcome, and a comparison of two saved."""

    opgeslagen: dict[int, str]  # id -> name, by name
    geladen: int | None
    scenario: Scenario | None  # None when the controls make no valid rule (see `fout`)
    fout: str | None = None
    resultaat: ScenarioResultaat | None = None
    verlies: pd.DataFrame = field(default_factory=pd.DataFrame)  # three largest losses
    winst: pd.DataFrame = field(default_factory=pd.DataFrame)  # three largest gains
    vergelijk: tuple[int, int] | None = None
    vergelijking: pd.DataFrame | None = None  # per provider: A, B and B minus A


@dataclass(frozen=True)
class Resultaat:
    filters: Filters
    kop: Jaarvergelijking  # the region's dropout rate, and a year earlier
    tranches: Tranches
    tranches_vorig_jaar: pd.DataFrame | None  # per month a year earlier, on this year's months
    start_totaal_cent: int
    afronding_totaal_cent: int
    funnel: Funnel
    buiten_998: pd.DataFrame  # providers outside the 99.8% limits: naam, rate
    indeling: str
    indicatoren: pd.DataFrame
    wat_als: WatAls | None  # None for roles that may not run what-ifs


def _scenario(saved: dict[int, Scenario], keuze: ScenarioInstellingen) -> Scenario:
    base = saved.get(keuze.geladen) if keuze.geladen is not None else None
    base = base or Scenario()

    def pick(value: float | None, default: Decimal) -> Decimal:
        return default if value is None else Decimal(str(value))

    return Scenario(
        naam=base.naam,
        resultaatdeel=base.resultaatdeel
        if keuze.resultaatdeel_pct is None
        else Decimal(keuze.resultaatdeel_pct) / 100,
        gewicht_uitval=pick(keuze.gewicht_uitval, base.gewicht_uitval),
        gewicht_doel=pick(keuze.gewicht_doel, base.gewicht_doel),
        gewicht_ervaring=pick(keuze.gewicht_ervaring, base.gewicht_ervaring),
        budgetneutraal=base.budgetneutraal
        if keuze.budgetneutraal is None
        else keuze.budgetneutraal,
    )


def _compare(
    basis: pd.DataFrame, saved: dict[int, Scenario], pair: tuple[int, int], scope: Scope
) -> pd.DataFrame:
    one = doorrekenen(basis, saved[pair[0]], scope).per_aanbieder
    two = doorrekenen(basis, saved[pair[1]], scope).per_aanbieder
    both = one[["aanbieder_id", "naam", "werkelijk_cent", "scenario_cent", "onderdrukt"]].merge(
        two[["naam", "scenario_cent"]], on="naam", suffixes=("_a", "_b")
    )
    both["verschil_cent"] = both["scenario_cent_b"] - both["scenario_cent_a"]
    return both


def _wat_als(engine: Engine, scope: Scope, filters: Filters, keuze: ResultaatKeuze) -> WatAls:
    saved = saved_scenarios(engine, scope)
    names = {i: s.naam for i, s in saved.items()}
    geladen = keuze.scenario.geladen if keuze.scenario.geladen in saved else None
    try:
        scenario = _scenario(saved, dataclasses.replace(keuze.scenario, geladen=geladen))
    except ValueError as exc:
        return WatAls(names, geladen, None, fout=str(exc))
    basis = scenario_basis(engine, scope, filters=filters)
    result = doorrekenen(basis, scenario, scope)
    rows = result.per_aanbieder.dropna(subset=["verschil_cent"])
    ids = list(names)
    first, second = keuze.scenarios_naast_elkaar
    pair = None
    if len(ids) >= 2:
        a = first if first in saved else ids[0]
        b = second if second in saved else ids[1]
        pair = (a, b)
    return WatAls(
        opgeslagen=names,
        geladen=geladen,
        scenario=scenario,
        resultaat=result,
        verlies=rows.head(3).reset_index(drop=True),
        winst=rows.tail(3).iloc[::-1].reset_index(drop=True),
        vergelijk=pair,
        vergelijking=None if pair is None else _compare(basis, saved, pair, scope),
    )


def _dropout(engine: Engine, scope: Scope, filters: Filters) -> float | None:
    """The region's dropout rate over the trajectories ended in the period (withheld when
    too few)."""
    counts = indicator_counts(engine, filters=dataclasses.replace(filters, aanbieder_id=None))
    n = int(counts["beeindigd"].iloc[0])
    if n == 0 or (scope.suppress_small_counts and n < threshold()):
        return None
    return float(counts["uitval"].iloc[0] / n)


def resultaat(
    *,
    engine: Engine,
    scope: Scope,
    filters: Filters,
    choice: ResultaatKeuze = ResultaatKeuze(),
) -> Resultaat:
    filters = check_filters(engine, scope, filters=filters)
    indicator = choice.indicator if choice.indicator in INDICATORS else "uitval"
    indeling = choice.indeling if choice.indeling in INDELINGEN else "startkwartaal"
    due = tranches(engine, scope, filters=filters)
    trechter = funnel(engine, scope, filters=filters, indicator=indicator)
    points = trechter.punten
    before = earlier_year(engine, filters=filters)
    vorig = None
    if choice.vergelijk and before is not None:
        vorig = shift_months(tranches(engine, scope, filters=before).per_maand, "maand", 12)
    return Resultaat(
        filters=filters,
        kop=Jaarvergelijking(
            _dropout(engine, scope, filters),
            None if before is None else _dropout(engine, scope, before),
        ),
        tranches=due,
        tranches_vorig_jaar=vorig,
        start_totaal_cent=int(due.per_maand["start_cent"].sum()),
        afronding_totaal_cent=int(due.per_maand["afronding_cent"].sum()),
        funnel=trechter,
        buiten_998=points.loc[points["buiten_998"], ["naam", "rate"]].reset_index(drop=True),
        indeling=indeling,
        indicatoren=indicators_by(engine, scope, filters=filters, dimension=indeling),
        wat_als=_wat_als(engine, scope, filters, choice) if scope.may_run_what_if else None,
    )
