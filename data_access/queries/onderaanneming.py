"""The subcontracting network: who works under whom, how much, and on what terms.

Aggregated in the analytical layer; graph figures and the layout come from `netwerk`.
Providers whose detail a user may not see appear under a neutral label, and for advisers
and providers every relation resting on fewer than the threshold of trajectories is left
out (apart from a provider's own relations).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine

from data_access.access import Scope
from data_access.analytics import analytics
from data_access.filters import Filters, check_filters
from data_access.models import AanbiederSoort, OnderaannemingVorm
from data_access.queries import netwerk
from data_access.queries.common import (
    Jaarvergelijking,
    anonymise_providers,
    earlier_year,
    suppress_value,
    threshold,
    traject_where,
)
from data_access.queries.uitnutting import capaciteit
from data_access.settings import get_settings


@dataclass(frozen=True)
class NetwerkKeuze:
    """The page's own controls, on top of the shared filter bar."""

    vorm: OnderaannemingVorm | None = None
    gewicht: str = "kosten_cent"  # kosten_cent | uren | trajecten
    minimum: float = 0.0  # in the unit of `gewicht` (euros for kosten_cent)
    ego: str | None = None  # one provider (as named on the page) with its relations
    stappen: int = 1  # the one-provider view: direct partners (1) or their partners too (2)


@dataclass(frozen=True)
class Netwerk:
    filters: Filters
    kop: Jaarvergelijking  # euros paid to subcontractors in the selection, and a year earlier
    relaties: pd.DataFrame  # hoofd, onder, vorm, facturatie, kosten_cent, uren, trajecten
    getoond: pd.DataFrame  # the relations drawn (top by weight)
    knopen: pd.DataFrame  # aanbieder, rol, groep (community), kosten_cent, uren, x, y
    overig_relaties: int  # relations not drawn (in the table)
    overig_cent: int  # their euros
    ego_relaties: pd.DataFrame | None  # the chosen provider's neighbourhood
    ego_knopen: pd.DataFrame | None
    totaal_relaties: int
    verborgen_relaties: int  # left out for privacy
    kerncijfers: pd.DataFrame
    laag_eigen_aandeel: int  # main contractors under the own-share guideline
    afhankelijk: int  # subcontractors over the dependency flag
    vormen: pd.DataFrame  # kwartaal, vorm, facturatie, kosten_cent, uren
    vormen_per_kwartaal: pd.DataFrame  # kwartaal, vorm, kosten_cent (for the chart)
    vorm_aandelen: dict[str, float]  # form -> share of all subcontracted euros, largest first
    capaciteit: pd.DataFrame
    namen: list[str]  # every provider in a relation, for the one-provider view
    werkt_voor: pd.DataFrame | None  # the chosen provider's relations as subcontractor
    huurt_in: pd.DataFrame | None  # ... and as main contractor


def _placed(providers: pd.DataFrame, edges: pd.DataFrame, weight: str) -> pd.DataFrame:
    """The providers of `edges` with a deterministic position and their community."""
    g = netwerk.graph(edges, weight)
    positions = netwerk.layout(g)
    groups = netwerk.communities(g)
    nodes = providers[providers["aanbieder"].isin(positions)][
        ["aanbieder", "rol", "kosten_cent", "uren"]
    ].copy()
    nodes["x"] = nodes["aanbieder"].map(lambda n: positions[n][0])
    nodes["y"] = nodes["aanbieder"].map(lambda n: positions[n][1])
    nodes["groep"] = nodes["aanbieder"].map(groups).astype(int)
    return nodes.reset_index(drop=True)


def _roles(providers: pd.DataFrame) -> pd.Series:
    """Each provider's role in the network, the first that applies: not a care provider,
    contracted for C, contracted for B, not contracted."""
    conditions = [
        providers["soort"] == AanbiederSoort.OVERIG.value,
        providers["gecontracteerd_c"].astype(bool),
        providers["gecontracteerd_b"].astype(bool),
    ]
    choices = ["Geen zorgaanbieder", "C-aanbieder", "B-aanbieder"]
    return pd.Series(
        np.select(conditions, choices, "Niet gecontracteerd"), index=providers.index, dtype=object
    )


def _subcontracted(
    engine: Engine, scope: Scope, filters: Filters, keuze: NetwerkKeuze
) -> float | None:
    """Euros paid to subcontractors in the selection (withheld over too few trajectories)."""
    where, params = traject_where(dataclasses.replace(filters, aanbieder_id=None), on="o")
    if filters.aanbieder_id is not None:
        where += " AND (o.hoofdaannemer_id = ? OR o.onderaannemer_id = ?)"
        params = [*params, filters.aanbieder_id, filters.aanbieder_id]
    if keuze.vorm is not None:
        where += " AND o.vorm = ?"
        params = [*params, keuze.vorm.value]
    row = (
        analytics(engine)
        .frame(
            f"""
            SELECT COALESCE(SUM(o.kosten_cent), 0)::BIGINT AS kosten_cent,
                   COUNT(DISTINCT o.traject_id) AS trajecten
            FROM onder_inzet o WHERE {where} AND o.maand BETWEEN ? AND ?
            """,
            [*params, filters.van, filters.tot],
        )
        .iloc[0]
    )
    n = int(row["trajecten"])
    if n == 0 or suppress_value(n, scope.suppress_small_counts) is None:
        return None
    return float(row["kosten_cent"])


def onderaanneming(
    *,
    engine: Engine,
    scope: Scope,
    filters: Filters,
    choice: NetwerkKeuze = NetwerkKeuze(),
) -> Netwerk:
    filters = check_filters(engine, scope, filters=filters)
    keuze = choice
    # Subcontracted delivery, with the trajectory's filter columns, from its derived table.
    where, params = traject_where(dataclasses.replace(filters, aanbieder_id=None), on="o")
    # The provider filter means: relations in which this provider takes part, either side.
    if filters.aanbieder_id is not None:
        where += " AND (o.hoofdaannemer_id = ? OR o.onderaannemer_id = ?)"
        params = [*params, filters.aanbieder_id, filters.aanbieder_id]
    form = "" if keuze.vorm is None else "AND o.vorm = ?"
    form_params = [] if keuze.vorm is None else [keuze.vorm.value]
    an = analytics(engine)
    period = f"WHERE {where} AND o.maand BETWEEN ? AND ? {form}"
    period_params = [*params, filters.van, filters.tot, *form_params]
    edges = an.frame(
        f"""
        SELECT o.hoofdaannemer_id, o.onderaannemer_id, o.vorm::VARCHAR AS vorm,
               o.facturatie::VARCHAR AS facturatie,
               SUM(o.kosten_cent)::BIGINT AS kosten_cent, SUM(o.uren) AS uren,
               COUNT(DISTINCT o.traject_id) AS trajecten
        FROM onder_inzet o {period}
        GROUP BY ALL
        """,
        period_params,
    ).astype({"hoofdaannemer_id": "int64", "onderaannemer_id": "int64"})
    # Per quarter: grouped on the quarter's first day, labelled on the few rows that result.
    vormen = an.frame(
        f"""
        SELECT DATE_TRUNC('quarter', o.maand) AS kwartaal, o.vorm::VARCHAR AS vorm,
               o.facturatie::VARCHAR AS facturatie,
               SUM(o.kosten_cent)::BIGINT AS kosten_cent, SUM(o.uren) AS uren
        FROM onder_inzet o {period}
        GROUP BY ALL
        """,
        period_params,
    )
    quarter = pd.to_datetime(vormen["kwartaal"])
    vormen["kwartaal"] = (
        quarter.dt.year.astype(str) + "-K" + quarter.dt.quarter.astype(str)
    ).astype(object)
    vormen = vormen.sort_values(["kwartaal", "vorm", "facturatie"]).reset_index(drop=True)
    # Own care counts on the trajectories the main contractor shares with a subcontractor:
    # that is where the guideline "deliver at least half yourself" applies. A trajectory is
    # shared when any of its delivery in the period went through a subcontract.
    providers = an.frame(
        """
        WITH gedeeld AS (
            SELECT DISTINCT traject_id FROM onder_inzet WHERE maand BETWEEN ? AND ?
        ),
        eigen AS (
            SELECT e.hoofdaannemer_id AS id, SUM(e.kosten_cent) AS eigen_zorg_cent
            FROM eigen_inzet_gedeeld e SEMI JOIN gedeeld g ON g.traject_id = e.traject_id
            WHERE e.maand BETWEEN ? AND ?
            GROUP BY ALL
        ),
        totaal AS (
            SELECT aanbieder_id AS id, SUM(kosten_cent) AS kosten_cent, SUM(uren) AS uren
            FROM aanbieder_maand WHERE maand BETWEEN ? AND ?
            GROUP BY ALL
        ),
        tranches AS (
            SELECT hoofdaannemer_id AS id, SUM(bedrag_cent) AS als_hoofd_cent
            FROM betaling_traject WHERE datum BETWEEN ? AND ?
            GROUP BY ALL
        )
        SELECT a.id, a.naam, a.soort::VARCHAR AS soort, a.gecontracteerd_b, a.gecontracteerd_c,
               a.residentieel,
               COALESCE(x.kosten_cent, 0)::BIGINT AS kosten_cent,
               COALESCE(x.uren, 0) AS uren,
               COALESCE(e.eigen_zorg_cent, 0)::BIGINT AS eigen_zorg_cent,
               COALESCE(b.als_hoofd_cent, 0)::BIGINT AS als_hoofd_cent
        FROM aanbieder a
        LEFT JOIN totaal x ON x.id = a.id
        LEFT JOIN eigen e ON e.id = a.id
        LEFT JOIN tranches b ON b.id = a.id
        """,
        [filters.van, filters.tot] * 4,
    )
    in_network = set(edges["hoofdaannemer_id"]) | set(edges["onderaannemer_id"])
    providers = providers[providers["id"].isin(in_network)]
    providers = providers.sort_values(["kosten_cent", "id"], ascending=[False, True])
    labelled = anonymise_providers(
        engine, scope, frame=providers, id_column="id", name_column="naam"
    )
    label = dict(zip(providers["id"], labelled["naam"], strict=True))
    if scope.own_provider_id is not None:
        # A provider knows whom it works with: its own partners keep their names.
        own = scope.own_provider_id
        partners = set(edges.loc[edges["hoofdaannemer_id"] == own, "onderaannemer_id"]) | set(
            edges.loc[edges["onderaannemer_id"] == own, "hoofdaannemer_id"]
        )
        names = dict(zip(providers["id"], providers["naam"], strict=True))
        label.update({i: names[i] for i in partners})
    providers = providers.assign(
        aanbieder=[label[i] for i in providers["id"]], rol=_roles(providers)
    )

    edges["hoofd"] = edges["hoofdaannemer_id"].map(label)
    edges["onder"] = edges["onderaannemer_id"].map(label)
    hidden = 0
    if scope.suppress_small_counts:
        own = scope.own_provider_id
        mine = (edges["hoofdaannemer_id"] == own) | (edges["onderaannemer_id"] == own)
        keep = (edges["trajecten"] >= threshold()) | mine
        hidden = int((~keep).sum())
        edges = edges[keep]
    edges = edges.drop(columns=["hoofdaannemer_id", "onderaannemer_id"]).reset_index(drop=True)
    edges = edges.sort_values(["kosten_cent", "hoofd", "onder"], ascending=[False, True, True])
    edges = edges.reset_index(drop=True)

    weight = keuze.gewicht
    minimum = keuze.minimum * 100 if weight == "kosten_cent" else keuze.minimum
    wanted = edges[edges[weight] >= minimum]
    shown = netwerk.top_edges(wanted, weight, get_settings().network_edge_limit)
    nodes = _placed(providers, shown, weight)

    own_care = providers.set_index("aanbieder")["eigen_zorg_cent"]
    residential = set(providers.loc[providers["residentieel"], "aanbieder"])
    own_income = providers.set_index("aanbieder")["als_hoofd_cent"]
    figures = netwerk.kerncijfers(edges, own_care, residential, own_income)
    figures = figures.merge(providers[["aanbieder", "rol"]], on="aanbieder", how="left")
    trajectories = (
        pd.concat(
            [
                edges.groupby("hoofd")["trajecten"].sum(),
                edges.groupby("onder")["trajecten"].sum(),
            ]
        )
        .groupby(level=0)
        .sum()
    )
    figures["trajecten"] = figures["aanbieder"].map(trajectories).fillna(0).astype("int64")
    if scope.suppress_small_counts:
        own_label = label.get(scope.own_provider_id)
        figures = figures[
            (figures["trajecten"] >= threshold()) | (figures["aanbieder"] == own_label)
        ]
    figures = figures.sort_values(["uit_cent", "in_cent"], ascending=False).reset_index(drop=True)

    summary, _ = capaciteit(engine, scope, filters=filters)
    before = earlier_year(engine, filters=filters)
    per_form = vormen.groupby(["kwartaal", "vorm"], as_index=False)["kosten_cent"].sum()
    totals = vormen.groupby("vorm")["kosten_cent"].sum().sort_values(ascending=False)
    names = sorted(pd.concat([edges["hoofd"], edges["onder"]]).unique())
    ego = keuze.ego if keuze.ego in names else None
    ego_edges = None if ego is None else netwerk.neighbourhood(edges, ego, keuze.stappen)
    return Netwerk(
        filters=filters,
        kop=Jaarvergelijking(
            _subcontracted(engine, scope, filters, keuze),
            None if before is None else _subcontracted(engine, scope, before, keuze),
        ),
        relaties=edges,
        getoond=shown,
        knopen=nodes,
        overig_relaties=len(wanted) - len(shown),
        overig_cent=int(wanted["kosten_cent"].sum() - shown["kosten_cent"].sum()),
        ego_relaties=ego_edges,
        ego_knopen=None if ego_edges is None else _placed(providers, ego_edges, weight),
        totaal_relaties=len(wanted),
        verborgen_relaties=hidden,
        kerncijfers=figures,
        laag_eigen_aandeel=int(figures["laag_eigen_aandeel"].sum()),
        afhankelijk=int(figures["afhankelijk"].sum()),
        vormen=vormen,
        vormen_per_kwartaal=per_form,
        vorm_aandelen={str(v): float(t / totals.sum()) for v, t in totals.items() if totals.sum()},
        capaciteit=summary,
        namen=[str(n) for n in names],
        werkt_voor=None if ego is None else edges[edges["onder"] == ego],
        huurt_in=None if ego is None else edges[edges["hoofd"] == ego],
    )
