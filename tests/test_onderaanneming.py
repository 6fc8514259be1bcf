"""The subcontracting network: graph figures by hand, planted patterns, layout, access."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from data_access.filters import Filters
from data_access.generator import PLANTED
from data_access.models import OnderaannemingVorm
from data_access.queries import netwerk
from data_access.queries.onderaanneming import NetwerkKeuze, onderaanneming
from tests.helpers import sql_frame, user_scope

ALL = Filters()


def _hand_network() -> tuple[pd.DataFrame, pd.Series]:
    # A hires X (residential) and Y; B hires X. Two contracts A->X are summed.
    edges = pd.DataFrame(
        [
            ("A", "X", 400, 40.0, 4),
            ("A", "X", 200, 10.0, 2),
            ("A", "Y", 200, 20.0, 3),
            ("B", "X", 200, 25.0, 1),
        ],
        columns=["hoofd", "onder", "kosten_cent", "uren", "trajecten"],
    )
    own = pd.Series({"A": 200, "B": 800, "X": 0, "Y": 0})
    return edges, own


def test_key_figures_equal_a_hand_computation() -> None:
    edges, own = _hand_network()
    figures = netwerk.kerncijfers(edges, own, residentieel={"X"}).set_index("aanbieder")
    a, b, x, y = (figures.loc[n] for n in "ABXY")
    assert (a["onderaannemers"], a["hoofdaannemers"], a["uit_cent"], a["in_cent"]) == (2, 0, 800, 0)
    assert a["eigen_aandeel"] == pytest.approx(200 / (200 + 800))
    assert a["laag_eigen_aandeel"] and a["reden"] == "verblijf ingekocht bij X"
    assert b["eigen_aandeel"] == pytest.approx(0.8) and not b["laag_eigen_aandeel"]
    assert b["reden"] == ""
    assert (x["hoofdaannemers"], x["in_cent"]) == (2, 800)
    assert x["afhankelijkheid"] == pytest.approx(600 / 800) and not x["afhankelijk"]  # not > 75%
    assert y["afhankelijkheid"] == 1.0 and y["afhankelijk"]
    assert pd.isna(a["afhankelijkheid"]) and pd.isna(x["eigen_aandeel"])
    g = netwerk.graph(edges, "uren")
    assert g.in_degree("X", weight="weight") == 75.0 and g.out_degree("A", weight="weight") == 70.0
    assert g.in_degree("X", weight="trajecten") == 7


def test_layout_is_deterministic() -> None:
    edges, _ = _hand_network()
    first = netwerk.layout(netwerk.graph(edges))
    shuffled = edges.sample(frac=1.0, random_state=7)
    assert netwerk.layout(netwerk.graph(shuffled)) == first
    assert set(first) == {"A", "B", "X", "Y"}


_LAYOUT_IN_A_FRESH_PROCESS = """
import json, sys
import pandas as pd
from data_access.queries import netwerk
# One big group and several small ones: a small group is laid out from a subgraph.
pairs = [(f"H{i}", f"O{i}") for i in range(6)] + [("H0", f"O{i}") for i in range(6, 20)]
edges = pd.DataFrame(pairs, columns=["hoofd", "onder"]).assign(
    kosten_cent=100, uren=1.0, trajecten=1
)
print(json.dumps(sorted(netwerk.layout(netwerk.graph(edges)).items())))
"""


def test_layout_is_the_same_in_every_process() -> None:
    """Two servers (or a restart) draw the same network the same way, whatever the
    process's string hashing."""
    import subprocess
    import sys

    from data_access.settings import PROJECT_ROOT

    def run(seed: str) -> str:
        return subprocess.run(
            [sys.executable, "-c", _LAYOUT_IN_A_FRESH_PROCESS],
            env={"PYTHONHASHSEED": seed, "PYTHONPATH": str(PROJECT_ROOT)},
            capture_output=True,
            text=True,
            check=True,
            cwd=PROJECT_ROOT,
        ).stdout

    layouts = {run(seed) for seed in ("1", "2", "3", "4")}
    assert len(layouts) == 1 and layouts.pop().startswith("[[")


def test_top_edges_keeps_the_heaviest() -> None:
    edges, _ = _hand_network()
    top = netwerk.top_edges(edges, "kosten_cent", 2)
    assert top["kosten_cent"].tolist() == [400, 200] and len(top) == 2


def test_planted_patterns_appear(demo_engine: sa.Engine) -> None:
    data = onderaanneming(
        engine=demo_engine,
        scope=user_scope(demo_engine, "demo.kerngroep"),
        filters=ALL,
        choice=NetwerkKeuze(),
    )
    figures = data.kerncijfers.set_index("aanbieder")
    horizon = figures.loc[PLANTED.RESIDENTIEEL_HOOFDAANNEMER]
    assert horizon["laag_eigen_aandeel"] and PLANTED.ZORGBOERDERIJ in horizon["reden"]
    assert figures.loc[PLANTED.SPORTCLUB, "rol"] == "Geen zorgaanbieder"
    assert PLANTED.SPORTCLUB in set(data.relaties["onder"])
    for name in PLANTED.AFHANKELIJKE_B:
        assert figures.loc[name, "afhankelijk"], name
    capacity = data.capaciteit.set_index("onderaannemer")
    assert capacity.loc[PLANTED.GERESERVEERDE_UREN, "benutting"] < 1.0
    residential_share = sql_frame(
        demo_engine,
        """
        SELECT SUM(CASE WHEN i.aanbieder_id = t.hoofdaannemer_id THEN i.kosten_cent ELSE 0 END)
               * 1.0 / SUM(i.kosten_cent) AS eigen
        FROM inzet i JOIN traject t ON t.id = i.traject_id JOIN spic s ON s.id = t.spic_id
        JOIN aanbieder a ON a.id = t.hoofdaannemer_id
        WHERE a.naam = :n AND s.verblijf
        """,
        n=PLANTED.RESIDENTIEEL_HOOFDAANNEMER,
    ).iloc[0]["eigen"]
    assert float(residential_share) < 0.07  # the ~5% main contractor of the design


def test_relations_equal_a_recomputation(demo_engine: sa.Engine) -> None:
    data = onderaanneming(
        engine=demo_engine,
        scope=user_scope(demo_engine, "demo.kerngroep"),
        filters=ALL,
        choice=NetwerkKeuze(),
    )
    expected = sql_frame(
        demo_engine,
        """
        SELECT h.naam AS hoofd, n.naam AS onder, SUM(i.kosten_cent) AS kosten,
               COUNT(DISTINCT i.traject_id) AS trajecten
        FROM inzet i JOIN onderaanneming o ON o.id = i.onderaanneming_id
        JOIN aanbieder h ON h.id = o.hoofdaannemer_id JOIN aanbieder n ON n.id = o.onderaannemer_id
        GROUP BY h.naam, n.naam
        """,
    ).set_index(["hoofd", "onder"])
    got = data.relaties.groupby(["hoofd", "onder"])[["kosten_cent", "trajecten"]].sum()
    assert len(got) == len(expected)
    for key, row in expected.iterrows():
        assert got.loc[key, "kosten_cent"] == int(row["kosten"])
        assert got.loc[key, "trajecten"] == int(row["trajecten"])
    figures = data.kerncijfers.set_index("aanbieder")
    out = expected.groupby(level="hoofd")["kosten"].sum()
    for name, total in out.items():
        assert figures.loc[name, "uit_cent"] == int(total)


def test_graph_is_limited_with_a_count_of_what_is_left_out(
    demo_engine: sa.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    scope = user_scope(demo_engine, "demo.kerngroep")
    monkeypatch.setenv("SPIC_NETWORK_EDGE_LIMIT", "5")
    data = onderaanneming(engine=demo_engine, scope=scope, filters=ALL, choice=NetwerkKeuze())
    assert len(data.getoond) == 5 and data.totaal_relaties > 5
    assert set(data.knopen["aanbieder"]) == set(data.getoond["hoofd"]) | set(data.getoond["onder"])
    structural = onderaanneming(
        engine=demo_engine,
        scope=scope,
        filters=ALL,
        choice=NetwerkKeuze(vorm=OnderaannemingVorm.STRUCTUREEL_FTE),
    )
    assert set(structural.relaties["vorm"]) == {"structureel_fte"}
    heavy = onderaanneming(
        engine=demo_engine, scope=scope, filters=ALL, choice=NetwerkKeuze(minimum=100_000)
    )
    assert (heavy.getoond["kosten_cent"] >= 100_000 * 100).all()


def test_a_provider_sees_its_own_relations_and_only_large_anonymous_others(
    demo_engine: sa.Engine,
) -> None:
    provider = onderaanneming(
        engine=demo_engine,
        scope=user_scope(demo_engine, "demo.aanbieder"),
        filters=ALL,
        choice=NetwerkKeuze(),
    )
    edges = provider.relaties
    mine = edges[
        (edges["hoofd"] == PLANTED.RESIDENTIEEL_HOOFDAANNEMER)
        | (edges["onder"] == PLANTED.RESIDENTIEEL_HOOFDAANNEMER)
    ]
    assert set(mine["onder"]) >= {PLANTED.ZORGBOERDERIJ, PLANTED.SPORTCLUB}  # in detail
    others = edges.drop(mine.index)
    named = set(others["hoofd"]) | set(others["onder"])
    assert all(n.startswith("Aanbieder ") or n in set(mine["onder"]) for n in named)
    assert (others["trajecten"] >= 10).all() and provider.verborgen_relaties > 0
    adviser = onderaanneming(
        engine=demo_engine,
        scope=user_scope(demo_engine, "demo.adviseur"),
        filters=ALL,
        choice=NetwerkKeuze(),
    )
    names = set(adviser.relaties["hoofd"]) | set(adviser.kerncijfers["aanbieder"])
    assert all(n.startswith("Aanbieder ") for n in names)
    assert (adviser.kerncijfers["trajecten"] >= 10).all()


def test_provider_filter_keeps_relations_on_either_side(demo_engine: sa.Engine) -> None:
    from tests.helpers import provider_ids

    zonnebloem = provider_ids(demo_engine)["Praktijk De Zonnebloem"]
    scope = user_scope(demo_engine, "demo.kerngroep")
    data = onderaanneming(
        engine=demo_engine,
        scope=scope,
        filters=Filters(aanbieder_id=zonnebloem),
        choice=NetwerkKeuze(),
    )
    edges = data.relaties
    assert len(edges) > 0
    assert (
        (edges["hoofd"] == "Praktijk De Zonnebloem") | (edges["onder"] == "Praktijk De Zonnebloem")
    ).all()
    assert set(edges["hoofd"]) == {PLANTED.AFHANKELIJK_HOOFDAANNEMER}  # it works as a subcontractor


def test_key_figures_without_any_residential_partner() -> None:
    """A selection where nobody buys residential care still explains nothing, and fails not."""
    edges = pd.DataFrame(
        {"hoofd": ["A"], "onder": ["B"], "kosten_cent": [900], "uren": [1.0], "trajecten": [1]}
    )
    figures = netwerk.kerncijfers(edges, pd.Series({"A": 100.0}), residentieel=set())
    assert figures.set_index("aanbieder").loc["A", "reden"] == ""
    assert bool(figures.set_index("aanbieder").loc["A", "laag_eigen_aandeel"])


def test_dependency_counts_all_spic_income_not_only_subcontracting() -> None:
    """A provider with five main contractors and its own SPIC income is not dependent; one
    that lives on a single main contractor is (threshold 75%)."""
    edges = pd.DataFrame(
        {
            "hoofd": ["H1", "H2", "H3", "H4", "H5", "H1", "H2"],
            "onder": ["Eigen", "Eigen", "Eigen", "Eigen", "Eigen", "Afhankelijk", "Afhankelijk"],
            "kosten_cent": [9_500_00, 200_00, 100_00, 100_00, 100_00, 90_000_00, 5_000_00],
            "uren": 1.0,
            "trajecten": 10,
        }
    )
    own_income = pd.Series({"Eigen": 330_000_00, "Afhankelijk": 1_000_00})
    figures = netwerk.kerncijfers(
        edges, pd.Series(dtype=float), residentieel=set(), eigen_inkomsten=own_income
    ).set_index("aanbieder")
    eigen = figures.loc["Eigen"]
    # The old measure (share of subcontracting income from the largest main contractor) was
    # 95% here; against all of its income it is under 3%.
    assert eigen["afhankelijkheid"] == pytest.approx(9_500_00 / (330_000_00 + 10_000_00))
    assert not eigen["afhankelijk"]
    dependent = figures.loc["Afhankelijk"]
    assert dependent["afhankelijkheid"] == pytest.approx(90_000_00 / 96_000_00)
    assert dependent["afhankelijk"]
    assert pd.isna(figures.loc["H1", "afhankelijkheid"])  # not a subcontractor at all


def test_the_planted_dependent_providers_are_flagged_and_few_others(demo_engine: sa.Engine) -> None:
    figures = onderaanneming(
        engine=demo_engine, scope=user_scope(demo_engine, "demo.kerngroep"), filters=ALL
    ).kerncijfers
    flagged = set(figures.loc[figures["afhankelijk"], "aanbieder"])
    assert set(PLANTED.AFHANKELIJKE_B) <= flagged
    # Besides them only subcontractors without SPIC income of their own.
    others = figures[figures["afhankelijk"] & ~figures["aanbieder"].isin(PLANTED.AFHANKELIJKE_B)]
    assert (others["eigen_inkomsten_cent"] == 0).all()
