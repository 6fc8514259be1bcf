"""The provider dossier: one organisation's figures for the yearly tariff talk.

Only for users who may see that provider's detail (DESIGN.md §2): the kerngroep and
beheerder, the contract manager whose portfolio holds it, and the provider itself.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from data_access.access import AccessDenied, Scope
from data_access.analytics import analytics
from data_access.filters import Filters, check_filters
from data_access.models import Aanbieder, Knelpunt
from data_access.queries.common import (
    TRAJECT_JOINS,
    Jaarvergelijking,
    earlier_year,
    suppress_small,
    suppress_value,
    traject_where,
)
from data_access.queries.uitkomsten import add_rates, indicator_counts
from data_access.queries.uitnutting import cell_figures


@dataclass(frozen=True)
class Dossier:
    aanbieder: dict[str, object]
    per_spic: pd.DataFrame
    uitkomsten: pd.DataFrame  # indicator, aanbieder, regio (fractions or scores), n_aanbieder
    onderaannemers: pd.DataFrame  # its subcontractors, as main contractor
    hoofdaannemers: pd.DataFrame  # the main contractors it works for, as subcontractor
    knelpunten: pd.DataFrame
    totaal: dict[str, int]  # gestart, afgesloten, tarief_cent, kosten_cent, resultaat_cent
    contract: str  # "B en C", "B", ... or "" when not contracted
    heatmap: pd.DataFrame  # its own utilisation per SPIC cell (every cell, for the grid)
    eigen_aandeel: float | None  # own care ÷ all care on its ended trajectories


def _per_spic(engine: Engine, scope: Scope, filters: Filters, aanbieder_id: int) -> pd.DataFrame:
    own_filters = dataclasses.replace(filters, aanbieder_id=aanbieder_id)
    # The regional comparison is an aggregate view: suppressed like every other one.
    regio = suppress_small(
        cell_figures(engine, filters=dataclasses.replace(filters, aanbieder_id=None)),
        "trajecten",
        ["uitnutting"],
        scope,
    )
    where, params = traject_where(own_filters)
    started = analytics(engine).frame(
        f"""
        SELECT t.spic_id, COUNT(*) AS gestart
        FROM {TRAJECT_JOINS}
        WHERE {where} AND t.startdatum BETWEEN ? AND ?
        GROUP BY t.spic_id
        """,
        [*params, filters.van, filters.tot],
    )
    own = cell_figures(engine, filters=own_filters).merge(started, on="spic_id", how="left")
    own["gestart"] = own["gestart"].fillna(0).astype("int64")
    own = own.merge(
        regio[["spic_id", "uitnutting"]].rename(columns={"uitnutting": "regio_uitnutting"}),
        on="spic_id",
    )
    own = own.rename(columns={"trajecten": "afgesloten"})
    active = (own["gestart"] > 0) | (own["afgesloten"] > 0)
    return own[active].reset_index(drop=True)


def _uitkomsten(engine: Engine, scope: Scope, filters: Filters, aanbieder_id: int) -> pd.DataFrame:
    own = add_rates(
        indicator_counts(engine, filters=dataclasses.replace(filters, aanbieder_id=aanbieder_id))
    )
    regio = add_rates(
        indicator_counts(engine, filters=dataclasses.replace(filters, aanbieder_id=None))
    )
    rows = [
        ("Uitval (voortijdig beëindigd)", "uitval_pct", "beeindigd", "pct"),
        ("Doelen volledig behaald", "doel_volledig_pct", "doel_gemeten", "pct"),
        ("Doelen gedeeltelijk behaald", "doel_gedeeltelijk_pct", "doel_gemeten", "pct"),
        ("Doelen niet behaald", "doel_niet_pct", "doel_gemeten", "pct"),
        ("Cliëntervaring (gemiddelde, 1–10)", "ervaring_gemiddeld", "ervaring_gemeten", "score"),
    ]
    return pd.DataFrame(
        [
            {
                "indicator": label,
                "soort": kind,
                "aanbieder": own[column].iloc[0],
                "regio": pd.NA
                if suppress_value(int(regio[count].iloc[0]), scope.suppress_small_counts) is None
                else regio[column].iloc[0],
                "n_aanbieder": int(own[count].iloc[0]),
            }
            for label, column, count, kind in rows
        ]
    )


def _onderaanneming(
    engine: Engine, filters: Filters, aanbieder_id: int, as_main: bool
) -> pd.DataFrame:
    own_side, other_side = (
        ("hoofdaannemer_id", "onderaannemer_id")
        if as_main
        else ("onderaannemer_id", "hoofdaannemer_id")
    )
    frame = analytics(engine).frame(
        f"""
        SELECT p.naam AS partner, p.soort::VARCHAR AS partner_soort, o.vorm::VARCHAR AS vorm,
               o.facturatie::VARCHAR AS facturatie,
               COUNT(DISTINCT i.traject_id) AS trajecten,
               COALESCE(SUM(i.kosten_cent), 0)::BIGINT AS kosten_cent,
               COALESCE(SUM(i.uren), 0) AS uren
        FROM onderaanneming o
        JOIN aanbieder p ON p.id = o.{other_side}
        LEFT JOIN onder_inzet i ON i.onderaanneming_id = o.id AND i.maand BETWEEN ? AND ?
        WHERE o.{own_side} = ?
        GROUP BY ALL
        ORDER BY kosten_cent DESC, partner
        """,
        [filters.van, filters.tot, aanbieder_id],
    )
    return frame


def _knelpunten(engine: Engine, aanbieder_id: int) -> pd.DataFrame:
    # The register is read from SQL: it must be current, not a snapshot.
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                Knelpunt.referentie,
                Knelpunt.soort,
                Knelpunt.titel,
                Knelpunt.categorie,
                Knelpunt.status,
                Knelpunt.aangemaakt,
            )
            .where(Knelpunt.aanbieder_id == aanbieder_id)
            .order_by(Knelpunt.aangemaakt.desc())
        ).all()
    frame = pd.DataFrame(
        rows, columns=["referentie", "soort", "titel", "categorie", "status", "aangemaakt"]
    )
    for column in ("soort", "categorie", "status"):
        frame[column] = frame[column].map(lambda v: getattr(v, "value", v))
    return frame


def _totals(per_spic: pd.DataFrame) -> dict[str, int]:
    totaal = {
        "gestart": int(per_spic["gestart"].sum()),
        "afgesloten": int(per_spic["afgesloten"].sum()),
        "tarief_cent": int(per_spic["tarief_cent"].sum()),
        "kosten_cent": int(per_spic["kosten_cent"].sum()),
    }
    totaal["resultaat_cent"] = totaal["tarief_cent"] - totaal["kosten_cent"]
    return totaal


def _own_share(engine: Engine, filters: Filters, aanbieder_id: int) -> float | None:
    where, params = traject_where(dataclasses.replace(filters, aanbieder_id=aanbieder_id))
    row = (
        analytics(engine)
        .frame(
            f"""
            SELECT SUM(COALESCE(t.eigen_kosten_cent, 0)) AS eigen,
                   SUM(COALESCE(t.kosten_cent, 0)) AS alle
            FROM {TRAJECT_JOINS}
            WHERE {where} AND t.einddatum BETWEEN ? AND ?
            """,
            [*params, filters.van, filters.tot],
        )
        .iloc[0]
    )
    if pd.isna(row["alle"]) or not row["alle"]:
        return None
    return float(row["eigen"] / row["alle"])


def dossier(engine: Engine, scope: Scope, *, filters: Filters, aanbieder_id: int) -> Dossier:
    scope.require_provider(aanbieder_id)
    filters = check_filters(engine, scope, filters=filters)
    with Session(engine) as session:
        provider = session.get(Aanbieder, aanbieder_id)
    if provider is None:
        raise AccessDenied("Deze aanbieder bestaat niet.")
    per_spic = _per_spic(engine, scope, filters, aanbieder_id)
    totaal = _totals(per_spic)
    return Dossier(
        aanbieder={
            "id": provider.id,
            "naam": provider.naam,
            "soort": provider.soort.value,
            "gecontracteerd_b": provider.gecontracteerd_b,
            "gecontracteerd_c": provider.gecontracteerd_c,
            "residentieel": provider.residentieel,
            "agb_code": provider.agb_code,
        },
        per_spic=per_spic,
        uitkomsten=_uitkomsten(engine, scope, filters, aanbieder_id),
        onderaannemers=_onderaanneming(engine, filters, aanbieder_id, as_main=True),
        hoofdaannemers=_onderaanneming(engine, filters, aanbieder_id, as_main=False),
        knelpunten=_knelpunten(engine, aanbieder_id),
        totaal=totaal,
        heatmap=cell_figures(
            engine, filters=dataclasses.replace(filters, aanbieder_id=aanbieder_id)
        ).assign(onderdrukt=False),
        eigen_aandeel=_own_share(engine, filters, aanbieder_id),
        contract=" en ".join(
            s
            for s, ok in (("B", provider.gecontracteerd_b), ("C", provider.gecontracteerd_c))
            if ok
        ),
    )


@dataclass(frozen=True)
class AanbiederKeuze:
    """The dossier's provider is the filter bar's: a provider account sees its own."""


@dataclass(frozen=True)
class AanbiederView:
    filters: Filters
    dossier: Dossier | None  # None until a provider is chosen
    vergelijking: dict[str, Jaarvergelijking] | None = None  # gestart, resultaat_cent


def aanbieder(
    *,
    engine: Engine,
    scope: Scope,
    filters: Filters,
    choice: AanbiederKeuze = AanbiederKeuze(),
) -> AanbiederView:
    filters = check_filters(engine, scope, filters=filters)
    chosen = scope.own_provider_id or filters.aanbieder_id
    if chosen is None:
        return AanbiederView(filters, None)
    d = dossier(engine, scope, filters=filters, aanbieder_id=chosen)
    before = earlier_year(engine, filters=filters)
    earlier = None if before is None else _totals(_per_spic(engine, scope, before, chosen))
    return AanbiederView(
        filters,
        d,
        {
            key: Jaarvergelijking(d.totaal[key], None if earlier is None else earlier[key])
            for key in ("gestart", "afgesloten", "resultaat_cent")
        },
    )
