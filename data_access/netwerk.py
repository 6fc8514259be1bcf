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
    """
    g = graph(edges)
    nodes = sorted(set(g.nodes) | set(eigen_zorg.index))
    rows = []
    for node in nodes:
        out_euro = g.out_degree(node, weight="kosten_cent") if node in g else 0.0
        in_euro = g.in_degree(node, weight="kosten_cent") if node in g else 0.0
        own = float(eigen_zorg.get(node, 0.0))
        subs = list(g.successors(node)) if node in g else []
        mains = list(g.predecessors(node)) if node in g else []
        share = own / (own + out_euro) if subs and (own + out_euro) > 0 else None
        largest = max((g.edges[m, node]["kosten_cent"] for m in mains), default=0.0)
        dependency = largest / in_euro if in_euro > 0 else None
        residential_subs = sorted(s for s in subs if s in residentieel)
        low = share is not None and share < OWN_SHARE_GUIDELINE
        rows.append(
            {
                "aanbieder": node,
                "hoofdaannemers": len(mains),
                "onderaannemers": len(subs),
                "in_cent": round(in_euro),
                "uit_cent": round(out_euro),
                "eigen_zorg_cent": round(own),
                "eigen_aandeel": share,
                "laag_eigen_aandeel": low,
                "reden": (
                    "verblijf ingekocht bij " + ", ".join(map(str, residential_subs))
                    if low and residential_subs
                    else ""
                ),
                "afhankelijkheid": dependency,
                "afhankelijk": dependency is not None and dependency > DEPENDENCY_FLAG,
            }
        )
    return pd.DataFrame(rows)


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
            sub = undirected.subgraph(group)
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
