"""SPIC-uitnutting and the provider dossier: figures against plain-SQL recomputations."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlmodel import Session

from data_access.access import AccessDenied
from data_access.analytics import analytics
from data_access.db import bump_data_version
from data_access.filters import Filters
from data_access.generator import PLANTED, ZWARE_B_PROFIELEN
from data_access.models import Inzet, Segment
from data_access.queries.aanbieder import dossier
from data_access.queries.uitnutting import Selectie, cell_figures, trajecten, uitnutting
from tests.helpers import provider_ids, sql_frame, sql_scalar, user_scope

PERIOD = Filters(van=dt.date(2019, 1, 1), tot=dt.date(2020, 12, 31))

# Cost per trajectory from the deliveries, own and subcontracted, as plain SQL.
COST = """
    SELECT i.traject_id,
           SUM(i.kosten_cent) AS kosten,
           SUM(CASE WHEN i.aanbieder_id = t.hoofdaannemer_id THEN i.kosten_cent ELSE 0 END) AS eigen
    FROM inzet i JOIN traject t ON t.id = i.traject_id
    GROUP BY i.traject_id
"""


def test_heatmap_equals_a_plain_sql_recomputation(demo_engine: sa.Engine) -> None:
    regio = sql_scalar(demo_engine, "SELECT regio_code FROM gemeente WHERE cbs_code = 'GM0363'")
    filters = Filters(van=PERIOD.van, tot=PERIOD.tot, regio=str(regio))
    expected = sql_frame(
        demo_engine,
        f"""
        SELECT t.spic_id, COUNT(*) AS n, SUM(t.tarief_cent) AS tarief,
               SUM(COALESCE(k.kosten, 0)) AS kosten
        FROM traject t LEFT JOIN ({COST}) k ON k.traject_id = t.id
        JOIN gemeente g ON g.cbs_code = t.gemeente_code
        WHERE t.einddatum BETWEEN :van AND :tot AND g.regio_code = :regio
        GROUP BY t.spic_id
        """,
        van=PERIOD.van,
        tot=PERIOD.tot,
        regio=regio,
    ).set_index("spic_id")
    got = cell_figures(demo_engine, filters=filters).set_index("spic_id")
    assert len(got) == 88  # every SPIC of the catalogue has a cell, empty ones with 0
    assert got["trajecten"].sum() == expected["n"].sum() > 100
    for spic_id, row in expected.iterrows():
        cell = got.loc[spic_id]
        assert cell["trajecten"] == row["n"]
        assert cell["tarief_cent"] == int(row["tarief"])
        assert cell["kosten_cent"] == int(row["kosten"])
        assert cell["uitnutting"] == pytest.approx(int(row["kosten"]) / int(row["tarief"]))
    assert (got.drop(expected.index)["trajecten"] == 0).all()


def test_heavier_b_profiles_show_over_100_percent(demo_engine: sa.Engine) -> None:
    cells = cell_figures(demo_engine, filters=Filters(segment=Segment.B))
    sizeable = cells[cells["trajecten"] >= 10]
    heavy = sizeable[sizeable["profiel_nr"].isin(ZWARE_B_PROFIELEN)]
    light = sizeable[~sizeable["profiel_nr"].isin(ZWARE_B_PROFIELEN)]
    assert len(heavy) >= 4
    assert (heavy["uitnutting"] > 1.0).all(), heavy[["spic_code", "uitnutting"]]
    assert (light["uitnutting"] < 1.0).all(), light[["spic_code", "uitnutting"]]


def test_portfolio_balance_equals_a_plain_sql_recomputation(demo_engine: sa.Engine) -> None:
    kerngroep = user_scope(demo_engine, "demo.kerngroep")
    balans = uitnutting(
        engine=demo_engine, scope=kerngroep, filters=PERIOD
    ).balans.per_hoofdaannemer.set_index("aanbieder_id")
    expected = sql_frame(
        demo_engine,
        f"""
        SELECT t.hoofdaannemer_id, COUNT(*) AS n, SUM(t.tarief_cent) AS tarief,
               SUM(COALESCE(k.eigen, 0)) AS eigen,
               SUM(COALESCE(k.kosten, 0) - COALESCE(k.eigen, 0)) AS onder
        FROM traject t LEFT JOIN ({COST}) k ON k.traject_id = t.id
        WHERE t.einddatum BETWEEN :van AND :tot
        GROUP BY t.hoofdaannemer_id
        """,
        van=PERIOD.van,
        tot=PERIOD.tot,
    ).set_index("hoofdaannemer_id")
    assert set(balans.index) == set(expected.index)
    for provider, row in expected.iterrows():
        got = balans.loc[provider]
        assert got["trajecten"] == row["n"]
        assert got["tarief_cent"] == int(row["tarief"])
        assert got["eigen_kosten_cent"] == int(row["eigen"])
        assert got["onder_kosten_cent"] == int(row["onder"])
        result = int(row["tarief"]) - int(row["eigen"]) - int(row["onder"])
        assert got["resultaat_cent"] == result
        assert got["tekort"] == (result < 0)
    # Sorted by result, deficits first, and some providers do run a deficit (planted).
    assert list(balans["resultaat_cent"]) == sorted(balans["resultaat_cent"])
    assert balans["tekort"].sum() >= 1


def test_drilldown_returns_exactly_the_trajectories_of_the_cell(demo_engine: sa.Engine) -> None:
    kerngroep = user_scope(demo_engine, "demo.kerngroep")
    spic_id = int(sql_scalar(demo_engine, "SELECT id FROM spic WHERE code = 'B-P03-I1'"))
    drill = trajecten(demo_engine, kerngroep, filters=PERIOD, selectie=Selectie(spic_id=spic_id))
    expected = sql_frame(
        demo_engine,
        "SELECT id FROM traject WHERE spic_id = :s AND einddatum BETWEEN :van AND :tot",
        s=spic_id,
        van=PERIOD.van,
        tot=PERIOD.tot,
    )
    assert set(drill.trajecten["traject_id"]) == set(expected["id"])
    assert drill.totaal == len(expected) > 10
    assert set(drill.trajecten["spic_code"]) == {"B-P03-I1"}
    # The drill-down row carries the same cost as the cell it came from.
    cell = cell_figures(demo_engine, filters=PERIOD).set_index("spic_id").loc[spic_id]
    assert drill.trajecten["kosten_cent"].sum() == cell["kosten_cent"]

    horizon = provider_ids(demo_engine)[PLANTED.RESIDENTIEEL_HOOFDAANNEMER]
    both = trajecten(
        demo_engine, kerngroep, filters=PERIOD, selectie=Selectie(hoofdaannemer_id=horizon)
    )
    assert set(both.trajecten["hoofdaannemer"]) == {PLANTED.RESIDENTIEEL_HOOFDAANNEMER}
    assert both.totaal == sql_scalar(
        demo_engine,
        "SELECT COUNT(*) FROM traject WHERE hoofdaannemer_id = :h "
        "AND einddatum BETWEEN :van AND :tot",
        h=horizon,
        van=PERIOD.van,
        tot=PERIOD.tot,
    )


def test_drilldown_respects_the_role(demo_engine: sa.Engine) -> None:
    ids = provider_ids(demo_engine)
    with pytest.raises(AccessDenied):
        trajecten(
            demo_engine,
            user_scope(demo_engine, "demo.adviseur"),
            filters=PERIOD,
            selectie=Selectie(),
        )
    own = trajecten(
        demo_engine, user_scope(demo_engine, "demo.aanbieder"), filters=PERIOD, selectie=Selectie()
    )
    assert set(own.trajecten["hoofdaannemer"]) == {PLANTED.RESIDENTIEEL_HOOFDAANNEMER}
    cm = user_scope(demo_engine, "demo.contractmanager")
    names = {n for n, i in ids.items() if i in cm.portefeuille}
    rows = trajecten(demo_engine, cm, filters=PERIOD, selectie=Selectie())
    assert set(rows.trajecten["hoofdaannemer"]) <= names
    outside = next(i for i in ids.values() if i not in cm.portefeuille)
    with pytest.raises(AccessDenied):  # naming a provider outside the portfolio is refused
        trajecten(demo_engine, cm, filters=Filters(aanbieder_id=outside), selectie=Selectie())


def test_suppression_for_adviser_and_provider_not_for_contract_manager(
    demo_engine: sa.Engine,
) -> None:
    small = Filters(gemeente="GM0415")  # Landsmeer: a small municipality, many small cells
    full = cell_figures(demo_engine, filters=small).set_index("spic_id")
    tiny = full[(full["trajecten"] > 0) & (full["trajecten"] < 10)].index
    assert len(tiny) > 0
    for name, suppressed in (
        ("demo.adviseur", True),
        ("demo.aanbieder", True),
        ("demo.contractmanager", False),
        ("demo.kerngroep", False),
    ):
        data = uitnutting(engine=demo_engine, scope=user_scope(demo_engine, name), filters=small)
        cells = data.heatmap.cellen.set_index("spic_id").loc[tiny]
        assert cells["trajecten"].isna().all() == suppressed, name
        assert cells["uitnutting"].isna().all() == suppressed, name
        bins = data.verdeling.per_bin
        counts = bins["trajecten"].dropna()
        if suppressed:
            assert ((counts == 0) | (counts >= 10)).all(), name
            assert bins["onderdrukt"].any(), name


def test_balance_names_only_providers_the_user_may_see(demo_engine: sa.Engine) -> None:
    adviseur = uitnutting(
        engine=demo_engine, scope=user_scope(demo_engine, "demo.adviseur"), filters=PERIOD
    ).balans.per_hoofdaannemer
    assert adviseur["aanbieder_id"].isna().all()
    assert adviseur["naam"].str.startswith("Aanbieder ").all()
    own = uitnutting(
        engine=demo_engine, scope=user_scope(demo_engine, "demo.aanbieder"), filters=PERIOD
    ).balans.per_hoofdaannemer
    assert own["naam"].isin([PLANTED.RESIDENTIEEL_HOOFDAANNEMER]).sum() == 1
    assert own["aanbieder_id"].notna().sum() == 1
    cm_scope = user_scope(demo_engine, "demo.contractmanager")
    cm = uitnutting(engine=demo_engine, scope=cm_scope, filters=PERIOD).balans.per_hoofdaannemer
    assert set(cm["aanbieder_id"].dropna()) <= cm_scope.portefeuille
    assert not cm["onderdrukt"].any()  # contract managers see no suppression


def test_reserved_hours_subcontract_shows_its_use(demo_engine: sa.Engine) -> None:
    data = uitnutting(
        engine=demo_engine, scope=user_scope(demo_engine, "demo.kerngroep"), filters=Filters()
    )
    cap = data.capaciteit.set_index("onderaannemer")
    lichtpunt = cap.loc[PLANTED.GERESERVEERDE_UREN]
    assert lichtpunt["vorm"] == "gereserveerde_uren"
    assert lichtpunt["gereserveerd_per_week"] == pytest.approx(24)
    assert 0.6 <= lichtpunt["benutting"] < 1.0  # not always used in full
    assert lichtpunt["maanden_onder_80"] > 0
    kompas = cap.loc[PLANTED.STRUCTUREEL_TEAM]
    assert kompas["gereserveerd_per_week"] == pytest.approx(3.5 * 36)
    # Weekly use equals the hours booked on the contract in plain SQL.
    hours = sql_scalar(
        demo_engine,
        "SELECT SUM(i.uren) FROM inzet i JOIN onderaanneming o ON o.id = i.onderaanneming_id "
        "JOIN aanbieder a ON a.id = o.onderaannemer_id WHERE a.naam = :n",
        n=PLANTED.GERESERVEERDE_UREN,
    )
    assert lichtpunt["gebruikt_per_week"] * lichtpunt["maanden"] * 52 / 12 == pytest.approx(
        float(hours)
    )


def test_dossier_figures_and_access(demo_engine: sa.Engine) -> None:
    ids = provider_ids(demo_engine)
    horizon = ids[PLANTED.RESIDENTIEEL_HOOFDAANNEMER]
    d = dossier(
        demo_engine,
        user_scope(demo_engine, "demo.contractmanager"),
        filters=PERIOD,
        aanbieder_id=horizon,
    )
    started = sql_scalar(
        demo_engine,
        "SELECT COUNT(*) FROM traject WHERE hoofdaannemer_id = :h "
        "AND startdatum BETWEEN :van AND :tot",
        h=horizon,
        van=PERIOD.van,
        tot=PERIOD.tot,
    )
    assert d.totaal["gestart"] == started
    assert PLANTED.ZORGBOERDERIJ in set(d.onderaannemers["partner"])
    assert PLANTED.SPORTCLUB in set(d.onderaannemers["partner"])
    dropout = d.uitkomsten.set_index("indicator").iloc[0]
    ended = sql_frame(
        demo_engine,
        "SELECT reden_beeindiging AS r FROM traject WHERE hoofdaannemer_id = :h "
        "AND einddatum BETWEEN :van AND :tot AND reden_beeindiging NOT IN ('02', '20')",
        h=horizon,
        van=PERIOD.van,
        tot=PERIOD.tot,
    )
    assert dropout["n_aanbieder"] == len(ended)
    assert dropout["aanbieder"] == pytest.approx(ended["r"].isin(["32", "33", "34", "35"]).mean())
    knelpunten = sql_scalar(
        demo_engine, "SELECT COUNT(*) FROM knelpunt WHERE aanbieder_id = :h", h=horizon
    )
    assert len(d.knelpunten) == knelpunten
    zonnebloem = ids["Praktijk De Zonnebloem"]
    works_for = dossier(
        demo_engine,
        user_scope(demo_engine, "demo.kerngroep"),
        filters=PERIOD,
        aanbieder_id=zonnebloem,
    )
    assert set(works_for.hoofdaannemers["partner"]) == {PLANTED.AFHANKELIJK_HOOFDAANNEMER}

    outside = ids["Sportschool Kracht & Koers"]
    for name, provider in (
        ("demo.contractmanager", outside),
        ("demo.aanbieder", zonnebloem),
        ("demo.adviseur", horizon),
    ):
        with pytest.raises(AccessDenied):
            dossier(
                demo_engine, user_scope(demo_engine, name), filters=PERIOD, aanbieder_id=provider
            )


def test_snapshot_follows_a_data_change(demo_engine_rw: sa.Engine) -> None:
    before = cell_figures(demo_engine_rw, filters=Filters())
    traject_id, spic_id = sql_frame(
        demo_engine_rw, "SELECT id, spic_id FROM traject WHERE einddatum IS NOT NULL LIMIT 1"
    ).iloc[0]
    with Session(demo_engine_rw) as session, session.begin():
        traject = session.get_one(Inzet, 1)
        session.add(
            Inzet(
                traject_id=int(traject_id),
                aanbieder_id=traject.aanbieder_id,
                maand=dt.date(2020, 12, 1),
                uren=1,
                kosten_cent=123_45,
            )
        )
        bump_data_version(session)
    after = cell_figures(demo_engine_rw, filters=Filters())
    changed = after.set_index("spic_id")["kosten_cent"] - before.set_index("spic_id")["kosten_cent"]
    assert changed.loc[int(spic_id)] == 123_45
    assert (changed.drop(int(spic_id)) == 0).all()
    assert analytics(demo_engine_rw).directory.exists()


def test_empty_selection_gives_empty_frames_not_errors(demo_engine: sa.Engine) -> None:
    nothing = Filters(van=dt.date(2018, 1, 1), tot=dt.date(2018, 1, 2))
    data = uitnutting(
        engine=demo_engine, scope=user_scope(demo_engine, "demo.adviseur"), filters=nothing
    )
    assert data.heatmap.cellen["trajecten"].fillna(0).sum() == 0
    assert data.balans.per_hoofdaannemer.empty and data.trend.empty
    assert data.verdeling.afgesloten == 0
    assert pd.isna(data.heatmap.cellen["uitnutting"]).all()
