"""Every chart the pages draw, inspected as the figure the browser receives.

Categorical axes must keep a fixed, meaningful order whatever is filtered or withheld:
profiles P01..P11, intensities in their defined order, quarters and months in time order.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from dashboard import charts
from tests.helpers import each_section
from tests.test_app import PAGES_DIR, login, new_app

REFERENCE = Path(__file__).resolve().parent.parent / "sample_data" / "reference"
with (REFERENCE / "intensiteiten.csv").open(encoding="utf-8") as f:
    INTENSITIES = [row["naam"] for row in csv.DictReader(f)]
PROFILE = re.compile(r"^P(\d\d) ")
PERIOD = re.compile(r"^\d{4}-(K[1-4]|\d{2})")  # a quarter 2024-K3, a month 2024-07(-01)
DASHBOARDS = ["overzicht", "uitnutting", "segmenten", "resultaat", "onderaanneming", "trends"]


def _strings(values: object) -> list[str] | None:
    """The values of a trace's x or y when they are categories (numbers come as typed arrays)."""
    if not isinstance(values, list) or not values:
        return None
    found = [v for v in values if v is not None]
    return found if found and all(isinstance(v, str) for v in found) else None


def _expected_order(categories: list[str]) -> list[str] | None:
    """The meaningful order of these categories, or None when only the chart can know it."""
    if all(PROFILE.match(c) for c in categories):
        return sorted(categories, key=lambda c: int(PROFILE.match(c).group(1)))
    if set(categories) <= set(INTENSITIES):
        return sorted(categories, key=INTENSITIES.index)
    if all(PERIOD.match(c) for c in categories):
        return sorted(categories)
    return None


def axis_problems(name: str, spec: dict) -> list[str]:
    """Categorical axes without a fixed order, or with one that is not the meaningful one."""
    layout = spec.get("layout", {})
    used: dict[str, set[str]] = {}
    for trace in spec.get("data", []):
        if trace.get("type") in ("sankey", "table"):
            continue
        for letter in ("x", "y"):
            values = _strings(trace.get(letter))
            if values is None:
                continue
            ref = trace.get(f"{letter}axis", letter)
            key = f"{letter}axis{ref[1:]}"
            used.setdefault(key, set()).update(values)
    problems = []
    for key, categories in used.items():
        axis = layout.get(key, {})
        dates = all(re.match(r"^\d{4}-\d{2}-\d{2}", c) for c in categories)
        if dates and axis.get("type") != "category":
            continue  # a time axis: plotly orders it by time
        order = axis.get("categoryarray")
        if axis.get("categoryorder") != "array" or not order:
            problems.append(f"{name} {key}: no fixed order for {sorted(categories)[:3]}…")
            continue
        if not categories <= set(order):
            problems.append(f"{name} {key}: {sorted(categories - set(order))} not in the order")
        expected = _expected_order(list(order))
        if expected is not None and list(order) != expected:
            problems.append(f"{name} {key}: {order} instead of {expected}")
    return problems


def chart_specs(at: AppTest) -> list[dict]:
    return [json.loads(e.proto.spec) for e in at.get("plotly_chart")]


def _all_charts(at: AppTest, pages: list[str]) -> dict[str, list[dict]]:
    found = {}
    for page in pages:
        at.switch_page(str(PAGES_DIR / f"{page}.py")).run()
        specs = []
        for shown in each_section(at):
            assert not shown.exception, (page, shown.exception)
            specs += chart_specs(shown)
            toggles = [t for t in shown.toggle if t.key == "vergelijk"]
            if toggles:  # last year's series beside this year's: the same order
                toggles[0].set_value(True).run()
                specs += chart_specs(shown)
                shown.toggle(key="vergelijk").set_value(False).run()
        found[page] = specs
    return found


@pytest.mark.parametrize(
    ("username", "address"),
    [
        ("demo.kerngroep", {}),
        ("demo.adviseur", {}),  # small cells withheld
        ("demo.contractmanager", {"gemeente": "GM0479", "segment": "B"}),  # the case
        ("demo.aanbieder", {"periode": "vorig-jaar"}),
    ],
    ids=["kerngroep", "adviseur", "contractmanager-zaanstad-b", "aanbieder"],
)
def test_every_chart_keeps_its_categories_in_a_fixed_meaningful_order(
    monkeypatch: pytest.MonkeyPatch,
    demo_engine_sqlite: tuple[sa.Engine, str],
    username: str,
    address: dict[str, str],
) -> None:
    at = new_app(monkeypatch, demo_engine_sqlite[1])
    at.query_params.update(address)
    at = login(at, username)
    pages = DASHBOARDS + (["aanbieder"] if username == "demo.aanbieder" else [])
    charts = _all_charts(at, pages)
    assert sum(len(specs) for specs in charts.values()) >= 15  # the pages did draw
    problems = [
        p
        for page, specs in charts.items()
        for i, spec in enumerate(specs)
        for p in axis_problems(f"{page}#{i}", spec)
    ]
    assert problems == []
    # And numbers on the axes in Dutch: '40.000', not Plotly's '40k'.
    si_suffixes = [
        f"{page}#{i} {key}"
        for page, specs in charts.items()
        for i, spec in enumerate(specs)
        for key, axis in spec.get("layout", {}).items()
        if re.fullmatch(r"[xy]axis\d*", key)
        and (axis.get("exponentformat") != "none" or not axis.get("separatethousands"))
    ]
    assert si_suffixes == []


def test_the_heatmap_rows_and_columns_follow_profile_and_intensity(
    monkeypatch: pytest.MonkeyPatch, demo_engine_sqlite: tuple[sa.Engine, str]
) -> None:
    """The issue's scrambled axes: withheld cells drawn first must not reorder the grid."""
    at = new_app(monkeypatch, demo_engine_sqlite[1])
    at.query_params.update({"gemeente": "GM0479", "segment": "B"})
    at = login(at, "demo.adviseur")
    at.switch_page(str(PAGES_DIR / "uitnutting.py")).run()
    grid = chart_specs(at)[0]
    assert grid["layout"]["yaxis"]["categoryarray"] == sorted(
        grid["layout"]["yaxis"]["categoryarray"]
    )
    assert [c[:3] for c in grid["layout"]["yaxis"]["categoryarray"]] == [
        f"P{n:02d}" for n in range(1, 12)
    ]
    assert grid["layout"]["xaxis"]["categoryarray"] == INTENSITIES
    heat = [t for t in grid["data"] if t["type"] == "heatmap"]
    assert all(t["x"] == INTENSITIES for t in heat)
    # Each cell names its number of trajectories in the hover, and marks thin ones with '*'.
    points = next(t for t in grid["data"] if t["type"] == "scatter")
    assert "Afgesloten trajecten: %{customdata[3]}" in points["hovertemplate"]
    labels = {c[2] for c in points["customdata"]}
    assert all(
        label == "–" or label == "<10" or label.endswith("%") or label.endswith("*")
        for label in labels
    )


def test_a_deliberately_scrambled_axis_is_caught() -> None:
    """The check above can fail: a figure in the order the issue found is reported."""
    scrambled = {
        "data": [{"type": "heatmap", "x": INTENSITIES[::-1], "y": ["P03 a", "P01 b"]}],
        "layout": {
            "xaxis": {"categoryorder": "array", "categoryarray": INTENSITIES[::-1]},
            "yaxis": {},
        },
    }
    problems = axis_problems("heatmap", scrambled)
    assert len(problems) == 2
    assert "instead of" in problems[0] and "no fixed order" in problems[1]


def test_a_result_chart_draws_the_lowest_results_and_no_more_bars_than_fit() -> None:
    import pandas as pd

    from dashboard import charts

    many = pd.DataFrame(
        {
            "naam": [f"Aanbieder {n:04d}" for n in range(2_000)],
            "resultaat_cent": [(n - 100) * 1_000 for n in range(2_000)],  # 100 with a deficit
        }
    )
    [bars] = charts.result_bars(many).data
    assert len(bars.y) == charts.RESULT_BARS
    # The lowest results, the worst at the top (Plotly draws the last category at the top).
    assert list(bars.y)[-1] == "Aanbieder 0000 (tekort)"
    assert max(bars.x) == (charts.RESULT_BARS - 1 - 100) * 10


def test_the_funnel_names_the_largest_outliers_where_their_names_fit() -> None:
    """Many small outliers close together would cover each other's names: the chart names
    the largest ones, each where it covers no other name, and every outlier keeps its cross
    and its hover text."""
    points = pd.DataFrame(
        {
            "naam": [f"Aanbieder {i}" for i in range(30)] + ["Groot", "Groot ernaast"],
            "n": [*range(10, 40), 5000, 4000],
            "rate": [0.9] * 30 + [0.5, 0.55],
            "buiten_998": [True] * 32,
        }
    )
    grid = pd.DataFrame({"n": [10, 5000], "lo95": 0.1, "hi95": 0.3, "lo998": 0.05, "hi998": 0.35})
    fig = charts.funnel_plot(points, grid, 0.2, "Uitval")
    outliers = next(t for t in fig.data if t.name == "Buiten 99,8%")
    named = {
        name: position
        for name, position in zip(outliers.text, outliers.textposition, strict=True)
        if name
    }
    assert len(outliers.x) == 32 and list(outliers.customdata[:, 0]) == list(points["naam"])
    assert 2 < len(named) < charts.FUNNEL_LABELS  # thirty crowded names do not all fit
    # The two largest, close together, both named: one above, one beside or below.
    assert {"Groot", "Groot ernaast"} <= set(named)
    assert named["Groot"] != named["Groot ernaast"]


def test_the_funnel_draws_providers_on_the_same_spot_as_one_marker_named_in_its_hover() -> None:
    """Thousands of providers inside the limits lie under each other's markers at national
    scale: those within a few pixels share one marker, whose hover names the largest and
    counts the others. Providers apart keep their own marker; outliers are never merged."""
    crowd = pd.DataFrame(  # forty providers with 30 cases at nearly the same rate
        {
            "naam": [f"Klein {i}" for i in range(40)],
            "n": 30,
            "rate": [0.20 + 0.0001 * i for i in range(40)],
        }
    )
    apart = pd.DataFrame({"naam": ["Middel", "Groot"], "n": [300, 3000], "rate": [0.25, 0.15]})
    outliers = pd.DataFrame({"naam": ["Uit 1", "Uit 2"], "n": [30, 30], "rate": [0.9, 0.9]})
    points = pd.concat(
        [
            crowd.assign(buiten_998=False),
            apart.assign(buiten_998=False),
            outliers.assign(buiten_998=True),
        ],
        ignore_index=True,
    )
    grid = pd.DataFrame({"n": [1, 3000], "lo95": 0.1, "hi95": 0.3, "lo998": 0.05, "hi998": 0.35})
    fig = charts.funnel_plot(points, grid, 0.2, "Uitval")
    inside = next(t for t in fig.data if t.name == "Binnen de grenzen")
    hover = list(inside.customdata[:, 0])
    assert len(inside.x) == 3
    assert "Middel" in hover and "Groot" in hover
    crowded = next(h for h in hover if h.startswith("Klein"))
    assert crowded.endswith(" en 39 andere aanbieders op dezelfde plek")
    outside = next(t for t in fig.data if t.name == "Buiten 99,8%")
    assert len(outside.x) == 2  # the same spot, but each outlier is shown
    # The logarithmic axis writes its ticks in full: 1, 2, 5, 10, ..., not '2 3 4 ... 10 2 3'.
    assert list(fig.layout.xaxis.tickvals) == [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000]
