"""The subcontracting network as a graph: key figures and a deterministic layout (networkx).

Pure functions over small frames, so they are tested on a hand-made network. Edges run from
main contractor to subcontractor and carry euros, hours and trajectories.
"""

from __future__ import annotations

import math

import networkx as nx
import pandas as pd

OWN_SHARE_GUIDELINE = 0.5  # the procurement's guideline: deliver at least half yourself
DEPENDENCY_FLAG = 0.75  # a subcontractor living for more than this on one main contractor
WEIGHTS = ("kosten_cent", "uren", "trajecten")


def graph(edges: pd.DataFrame, weight: str = "kosten_cent") -> nx.DiGraph:
    """A directed graph main -> sub; parallel contracts between one pair are summed."""
    g = nx.DiGraph()
    pairs = edges.groupby(["hoofd", "onder"], as_index=False)[list(WEIGHTS)].sum()
    for row in pairs.sort_values(["hoofd", "onder"]).itertuples():
        g.add_edge(row.hoofd, row.onder, **{w: float(getattr(row, w)) for w in WEIGHTS})
        g.edges[row.hoofd, row.onder]["weight"] = float(getattr(row, weight))
    return g


def kerncijfers(edges: pd.DataFrame, eigen_zorg: pd.Series, residentieel: set) -> pd.DataFrame:
    """Per provider: partners, euros in and out, own share of care, dependency.

    `edges`: hoofd, onder, kosten_cent, uren, trajecten (one row per contract or pair).
    `eigen_zorg`: provider -> cost of the care it delivered itself on its own trajectories.
    `residentieel`: providers that offer residential care (they explain a low own share).

    Grouped in pandas rather than walked node by node through the graph: the national
    network has some seventy thousand relations.
    """
    pairs = edges.groupby(["hoofd", "onder"], as_index=False)["kosten_cent"].sum()
    pairs["kosten_cent"] = pairs["kosten_cent"].astype(float)
    everyone = [pairs["hoofd"], pairs["onder"], eigen_zorg.index.to_series()]
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
    dependency = largest / in_euro.where(in_euro > 0)
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
        }
    )
    return frame


def layout(g: nx.DiGraph, seed: int = 2018) -> dict[object, tuple[float, float]]:
    """Node positions: the same graph always gives the same picture.

    Each connected group of providers is laid out on its own (a spring layout, seeded) and
    the groups are packed in rows, largest first: one layout over everything pushes the
    small groups to the edges and crushes the large one into an unreadable knot.
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
    row_width = 2.6 * math.sqrt(len(groups[0])) + 2.0
    positions: dict[object, tuple[float, float]] = {}
    x = y = row_height = 0.0
    for group in groups:
        radius = math.sqrt(len(group))
        if len(group) == 1:
            local = {group[0]: (0.0, 0.0)}
        else:
            # A graph of its own with the nodes in sorted order: a subgraph view may list
            # its nodes in set order, which differs per process (string hashing is salted).
            sub = nx.Graph()
            sub.add_nodes_from(group)
            sub.add_edges_from(sorted(undirected.subgraph(group).edges))
            local = nx.spring_layout(
                sub, seed=seed, k=2.0 / math.sqrt(len(group)), iterations=120, scale=radius
            )
        size = 2 * radius + 1.0
        if x > 0 and x + size > row_width:
            x, y, row_height = 0.0, y - row_height, 0.0
        for node, (px, py) in local.items():
            positions[names[node]] = (
                round(float(px) + x + size / 2, 6),
                round(float(py) + y - size / 2, 6),
            )
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
