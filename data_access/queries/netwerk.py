"""The subcontracting network as a graph: key figures and a deterministic layout (networkx).

Pure functions over small frames, so they are tested on a hand-made network. Edges run from
main contractor to subcontractor and carry euros, hours and trajectories.
"""

from __future__ import annotations

import math

import networkx as nx
import pandas as pd

OWN_SHARE_GUIDELINE = 0.5  # the procurement's guideline: deliver at least half yourself
DEPENDENCY_FLAG = 0.75  # a provider living for more than this on one main contractor
WEIGHTS = ("kosten_cent", "uren", "trajecten")


def graph(edges: pd.DataFrame, weight: str = "kosten_cent") -> nx.DiGraph:
    """A directed graph main -> sub; parallel contracts between one pair are summed."""
    g = nx.DiGraph()
    pairs = edges.groupby(["hoofd", "onder"], as_index=False)[list(WEIGHTS)].sum()
    for row in pairs.sort_values(["hoofd", "onder"]).itertuples():
        g.add_edge(row.hoofd, row.onder, **{w: float(getattr(row, w)) for w in WEIGHTS})
        g.edges[row.hoofd, row.onder]["weight"] = float(getattr(row, weight))
    return g


def kerncijfers(
    edges: pd.DataFrame,
    eigen_zorg: pd.Series,
    residentieel: set,
    eigen_inkomsten: pd.Series | None = None,
) -> pd.DataFrame:
    """Per provider: partners, euros in and out, own share of care, dependency.

    `edges`: hoofd, onder, kosten_cent, uren, trajecten (one row per contract or pair).
    `eigen_zorg`: provider -> cost of the care it delivered itself on its own trajectories.
    `residentieel`: providers that offer residential care (they explain a low own share).
    `eigen_inkomsten`: provider -> SPIC income as main contractor (tranches received).

    Dependency is the share of a provider's whole SPIC income (as main contractor and as
    subcontractor) that comes from its single largest main contractor: a provider with
    income of its own is not dependent because one partner pays most of its subcontracting.

    Grouped in pandas rather than walked node by node through the graph: the national
    network has some seventy thousand relations.
    """
    pairs = edges.groupby(["hoofd", "onder"], as_index=False)["kosten_cent"].sum()
    pairs["kosten_cent"] = pairs["kosten_cent"].astype(float)
    income = pd.Series(dtype=float) if eigen_inkomsten is None else eigen_inkomsten.astype(float)
    everyone = [
        pairs["hoofd"],
        pairs["onder"],
        eigen_zorg.index.to_series(),
        income.index.to_series(),
    ]
    nodes = sorted(pd.concat(everyone).unique())  # unique first: cheap on Arrow strings
    by_main = pairs.groupby("hoofd")["kosten_cent"]
    by_sub = pairs.groupby("onder")["kosten_cent"]
    out_euro = by_main.sum().reindex(nodes, fill_value=0.0)
    in_euro = by_sub.sum().reindex(nodes, fill_value=0.0)
    subs = by_main.size().reindex(nodes, fill_value=0)
    mains = by_sub.size().reindex(nodes, fill_value=0)
    largest = by_sub.max().reindex(nodes, fill_value=0.0)
    own = eigen_zorg.astype(float).groupby(level=0).sum().reindex(nodes, fill_value=0.0)
    base = own + out_euro
    share = (own / base.where(base > 0)).where(subs > 0)
    own_income = income.groupby(level=0).sum().reindex(nodes, fill_value=0.0)
    total_income = own_income + in_euro
    dependency = (largest / total_income.where(total_income > 0)).where(in_euro > 0)
    low = share.notna() & (share < OWN_SHARE_GUIDELINE)
    residential = pairs[pairs["onder"].isin(residentieel)].sort_values("onder")
    # As text even when nobody buys residential care (an empty group has no string dtype).
    bought = residential.groupby("hoofd")["onder"].agg(lambda s: ", ".join(map(str, s)))
    reason = ("verblijf ingekocht bij " + bought.astype(object).astype(str)).reindex(
        nodes, fill_value=""
    )
    reason = reason.where(low, "")
    frame = pd.DataFrame(
        {
            "aanbieder": nodes,
            "hoofdaannemers": mains.to_numpy(),
            "onderaannemers": subs.to_numpy(),
            "in_cent": in_euro.round().astype("int64").to_numpy(),
            "uit_cent": out_euro.round().astype("int64").to_numpy(),
            "eigen_zorg_cent": own.round().astype("int64").to_numpy(),
            "eigen_aandeel": share.to_numpy(dtype=float, na_value=float("nan")),
            "laag_eigen_aandeel": low.to_numpy(),
            "reden": reason.to_numpy(dtype=object),
            "afhankelijkheid": dependency.to_numpy(dtype=float, na_value=float("nan")),
            "afhankelijk": (dependency > DEPENDENCY_FLAG).fillna(False).to_numpy(dtype=bool),
            "eigen_inkomsten_cent": own_income.round().astype("int64").to_numpy(),
        }
    )
    return frame


def _group_layout(
    undirected: nx.Graph, group: list[str], seed: int
) -> dict[str, tuple[float, float]]:
    """One connected group around (0, 0), within a circle of radius sqrt(size)."""
    if len(group) == 1:
        return {group[0]: (0.0, 0.0)}
    # A graph of its own with the nodes in sorted order: a subgraph view may list its nodes
    # in set order, which differs per process (string hashing is salted).
    sub = nx.Graph()
    sub.add_nodes_from(group)
    sub.add_edges_from(sorted(undirected.subgraph(group).edges))
    local = nx.spring_layout(
        sub, seed=seed, k=2.0 / math.sqrt(len(group)), iterations=120, scale=math.sqrt(len(group))
    )
    return {n: (float(px), float(py)) for n, (px, py) in local.items()}


def layout(g: nx.DiGraph, seed: int = 2018) -> dict[object, tuple[float, float]]:
    """Node positions: the same graph always gives the same picture.

    Each connected group of providers is laid out on its own (a spring layout, seeded): one
    layout over everything pushes the small groups to the edges and crushes the large one
    into an unreadable knot. The largest group goes on the left; the others are packed in
    rows in a column to its right about as high as it is, so the picture is landscape, like
    the screen it is drawn on.
    """
    if g.number_of_nodes() == 0:
        return {}
    undirected = nx.Graph()
    undirected.add_nodes_from(sorted(g.nodes, key=str))
    undirected.add_edges_from(sorted(((str(a), str(b)) for a, b in g.edges), key=str))
    names = {str(n): n for n in g.nodes}
    groups = sorted(
        (sorted(c) for c in nx.connected_components(undirected)), key=lambda c: (-len(c), c[0])
    )
    sizes = [2 * math.sqrt(len(group)) + 1.0 for group in groups]
    first = sizes[0]
    rest_width = max([*sizes[1:], sum(s * s for s in sizes[1:]) / first * 1.15, 0.0])
    positions: dict[object, tuple[float, float]] = {}

    def place(group: list[str], left: float, top: float, size: float) -> None:
        for node, (px, py) in _group_layout(undirected, group, seed).items():
            positions[names[node]] = (round(px + left + size / 2, 6), round(py + top - size / 2, 6))

    place(groups[0], 0.0, 0.0, first)
    x, y, row_height = first, 0.0, 0.0
    for group, size in zip(groups[1:], sizes[1:], strict=True):
        if x > first and x + size > first + rest_width + 1e-9:
            x, y, row_height = first, y - row_height, 0.0
        place(group, x, y, size)
        x += size
        row_height = max(row_height, size)
    return positions


def top_edges(edges: pd.DataFrame, weight: str, limit: int) -> pd.DataFrame:
    """The `limit` heaviest relations, so the browser draws a readable picture."""
    return (
        edges.sort_values([weight, "hoofd", "onder"], ascending=[False, True, True])
        .head(limit)
        .reset_index(drop=True)
    )


def communities(g: nx.DiGraph, seed: int = 2018) -> dict[object, int]:
    """Groups of providers that mostly work with each other (Louvain, seeded): provider ->
    group number, 1 for the largest group. The same graph always gives the same groups."""
    if g.number_of_nodes() == 0:
        return {}
    undirected = nx.Graph()
    undirected.add_nodes_from(sorted(g.nodes, key=str))
    for a, b, data in sorted(g.edges(data=True), key=lambda e: (str(e[0]), str(e[1]))):
        undirected.add_edge(a, b, weight=float(data.get("weight", 1.0)) or 1.0)
    found = nx.community.louvain_communities(undirected, weight="weight", seed=seed)
    ordered = sorted((sorted(map(str, c)) for c in found), key=lambda c: (-len(c), c[0]))
    names = {str(n): n for n in g.nodes}
    return {names[node]: n for n, group in enumerate(ordered, start=1) for node in group}


def neighbourhood(edges: pd.DataFrame, centre: str, steps: int = 1) -> pd.DataFrame:
    """The relations within `steps` (1 or 2) of one provider, in either direction."""
    reached = {centre}
    for _ in range(max(1, min(steps, 2))):
        touching = edges["hoofd"].isin(reached) | edges["onder"].isin(reached)
        reached |= set(edges.loc[touching, "hoofd"]) | set(edges.loc[touching, "onder"])
    inside = edges["hoofd"].isin(reached) & edges["onder"].isin(reached)
    near = edges["hoofd"].eq(centre) | edges["onder"].eq(centre)
    return edges[inside & (near | (steps > 1))].reset_index(drop=True)
