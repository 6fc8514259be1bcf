"""The sample generator: deterministic, and every planted pattern of DESIGN.md §5 is findable."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest
import sqlalchemy as sa

from data_access.generator import HERINDICATIE_PROFIELEN, PLANTED, ZWARE_B_PROFIELEN, generate
from data_access.models import KnelpuntCategorie
from data_access.money import share_of, tranches
from tests.helpers import sql_frame, sql_scalar


def test_same_seed_gives_same_data() -> None:
    first, second = generate("demo", 7), generate("demo", 7)
    assert list(first) == list(second)
    for name in first:
        pd.testing.assert_frame_equal(first[name], second[name], obj=name)


def test_other_seed_gives_other_data() -> None:
    assert not generate("demo", 7)["inzet"].equals(generate("demo", 8)["inzet"])


def test_shipped_demo_matches_the_generator(demo_tables: dict) -> None:
    """sample_data/demo is exactly what `generate('demo', 2018)` produces (no stale sample)."""
    fresh = generate("demo", 2018)
    for name, frame in fresh.items():
        shipped = demo_tables[name]
        assert len(shipped) == len(frame), name
        assert list(shipped.columns) == list(frame.columns), name
    assert demo_tables["inzet"]["kosten_cent"].sum() == fresh["inzet"]["kosten_cent"].sum()


def test_demo_has_a_few_thousand_trajectories_in_14_municipalities(demo_tables: dict) -> None:
    assert 2_500 <= len(demo_tables["traject"]) <= 5_000
    assert demo_tables["traject"]["gemeente_code"].nunique() == 14
    assert set(demo_tables["gemeente"]["cbs_code"]) >= {"GM0363", "GM0479", "GM0370"}


def test_heavy_b_profiles_run_over_their_tariff(demo_engine: sa.Engine) -> None:
    heavy = ",".join(map(str, ZWARE_B_PROFIELEN))
    df = sql_frame(
        demo_engine,
        f"""
        SELECT CASE WHEN s.profiel_nr IN ({heavy}) THEN 1 ELSE 0 END AS zwaar,
               SUM(k.kosten) AS kosten, SUM(t.tarief_cent) AS tarief
        FROM traject t JOIN spic s ON s.id = t.spic_id
        JOIN (SELECT traject_id, SUM(kosten_cent) AS kosten FROM inzet GROUP BY traject_id) k
             ON k.traject_id = t.id
        WHERE s.segment = 'B' AND t.reden_beeindiging = '31'
        GROUP BY CASE WHEN s.profiel_nr IN ({heavy}) THEN 1 ELSE 0 END
        """,
    ).set_index("zwaar")
    utilisation = df["kosten"].astype(float) / df["tarief"].astype(float)
    assert utilisation[1] > 1.15  # heavy profiles cost well over the tariff
    assert utilisation[0] < 0.95


def test_some_b_providers_lose_money(demo_engine: sa.Engine) -> None:
    df = sql_frame(
        demo_engine,
        """
        SELECT t.hoofdaannemer_id, SUM(t.tarief_cent) AS tarief, SUM(k.kosten) AS kosten
        FROM traject t JOIN spic s ON s.id = t.spic_id
        JOIN (SELECT traject_id, SUM(kosten_cent) AS kosten FROM inzet GROUP BY traject_id) k
             ON k.traject_id = t.id
        WHERE s.segment = 'B' AND t.einddatum IS NOT NULL
        GROUP BY t.hoofdaannemer_id
        """,
    )
    losing = df[df["kosten"] > df["tarief"]]
    assert 2 <= len(losing) < len(df) / 2


def test_reindications_from_b_to_c_concentrate_in_a_few_profiles(demo_engine: sa.Engine) -> None:
    df = sql_frame(
        demo_engine,
        """
        SELECT sb.profiel_nr, COUNT(*) AS n
        FROM traject c JOIN traject b ON b.id = c.vorig_traject_id
        JOIN spic sb ON sb.id = b.spic_id JOIN spic sc ON sc.id = c.spic_id
        WHERE sb.segment = 'B' AND sc.segment = 'C' AND b.client_pseudo = c.client_pseudo
          AND c.startdatum > b.einddatum
        GROUP BY sb.profiel_nr
        """,
    )
    share = df[df["profiel_nr"].isin(HERINDICATIE_PROFIELEN)]["n"].sum() / df["n"].sum()
    assert df["n"].sum() >= 50
    assert share > 0.6  # three of eleven profiles give most re-indications


def test_residential_main_contractor_delivers_about_five_percent_itself(
    demo_engine: sa.Engine,
) -> None:
    df = sql_frame(
        demo_engine,
        """
        SELECT SUM(CASE WHEN i.aanbieder_id = t.hoofdaannemer_id THEN i.kosten_cent ELSE 0 END)
               AS eigen, SUM(i.kosten_cent) AS totaal
        FROM inzet i JOIN traject t ON t.id = i.traject_id JOIN spic s ON s.id = t.spic_id
        JOIN aanbieder a ON a.id = t.hoofdaannemer_id
        WHERE a.naam = :naam AND s.verblijf = :ja
        """,
        naam=PLANTED.RESIDENTIEEL_HOOFDAANNEMER,
        ja=True,
    )
    share = float(df["eigen"][0]) / float(df["totaal"][0])
    assert 0.03 < share < 0.10


def test_structural_and_reserved_hour_subcontracts_exist_and_are_not_always_used_fully(
    demo_engine: sa.Engine,
) -> None:
    df = sql_frame(
        demo_engine,
        """
        SELECT o.vorm, o.fte, o.uren_per_week, i.maand, SUM(i.uren) AS uren
        FROM onderaanneming o JOIN inzet i ON i.onderaanneming_id = o.id
        WHERE o.vorm IN ('structureel_fte', 'gereserveerde_uren')
        GROUP BY o.vorm, o.fte, o.uren_per_week, i.maand
        """,
    )
    fte = df[df["vorm"] == "structureel_fte"]
    assert set(fte["fte"].map(Decimal)) == {Decimal("3.5")}
    reserved = df[df["vorm"] == "gereserveerde_uren"].copy()
    assert set(reserved["uren_per_week"].map(Decimal)) == {Decimal("24")}
    use = reserved["uren"].astype(float) / (24 * 52 / 12)
    assert use.max() <= 1.001
    assert use.min() < 0.8  # in some months reserved hours go unused


def test_non_care_subcontractor_is_present(demo_engine: sa.Engine) -> None:
    n = sql_scalar(
        demo_engine,
        """
        SELECT COUNT(*) FROM inzet i JOIN aanbieder a ON a.id = i.aanbieder_id
        WHERE a.soort = 'overig' AND i.onderaanneming_id IS NOT NULL AND a.naam = :naam
        """,
        naam=PLANTED.SPORTCLUB,
    )
    assert int(n) > 0


def test_dependent_b_providers_get_most_income_from_one_main_contractor(
    demo_engine: sa.Engine,
) -> None:
    for naam in PLANTED.AFHANKELIJKE_B:
        df = sql_frame(
            demo_engine,
            """
            SELECT t.hoofdaannemer_id, SUM(i.kosten_cent) AS inkomen
            FROM inzet i JOIN traject t ON t.id = i.traject_id
            JOIN aanbieder a ON a.id = i.aanbieder_id
            WHERE a.naam = :naam GROUP BY t.hoofdaannemer_id
            """,
            naam=naam,
        )
        own_tariff = sql_scalar(
            demo_engine,
            "SELECT COALESCE(SUM(t.tarief_cent), 0) FROM traject t "
            "JOIN aanbieder a ON a.id = t.hoofdaannemer_id WHERE a.naam = :naam",
            naam=naam,
        )
        own_id = sql_scalar(demo_engine, "SELECT id FROM aanbieder WHERE naam = :naam", naam=naam)
        sub = df[df["hoofdaannemer_id"] != own_id]["inkomen"].astype(float)
        assert sub.max() / (sub.sum() + float(own_tariff)) > 0.75, naam


def test_one_provider_has_markedly_higher_dropout(demo_engine: sa.Engine) -> None:
    df = sql_frame(
        demo_engine,
        """
        SELECT a.naam, COUNT(*) AS beeindigd,
               SUM(CASE WHEN r.uitval THEN 1 ELSE 0 END) AS uitval
        FROM traject t JOIN aanbieder a ON a.id = t.hoofdaannemer_id
        JOIN redenbeeindiging r ON r.code = t.reden_beeindiging
        WHERE t.reden_beeindiging NOT IN ('02', '20') GROUP BY a.naam
        """,
    )
    df = df.set_index("naam")
    rate = df.eval("uitval / beeindigd")
    overall = df["uitval"].sum() / df["beeindigd"].sum()
    assert rate[PLANTED.HOGE_UITVAL] > 2 * overall
    # Among providers with enough ended trajectories to judge, it stands out alone.
    comparable = rate[df["beeindigd"] >= 30].drop(PLANTED.HOGE_UITVAL)
    assert comparable.max() < rate[PLANTED.HOGE_UITVAL]


def test_tranches_completed_have_70_and_30_open_only_70(demo_engine: sa.Engine) -> None:
    df = sql_frame(
        demo_engine,
        """
        SELECT t.id, t.tarief_cent, t.einddatum, t.reden_beeindiging,
               SUM(CASE WHEN b.tranche = 'start' THEN b.bedrag_cent ELSE 0 END) AS start,
               SUM(CASE WHEN b.tranche = 'afronding' THEN b.bedrag_cent ELSE 0 END) AS afronding,
               COUNT(*) AS n
        FROM traject t JOIN betaling b ON b.traject_id = t.id
        GROUP BY t.id, t.tarief_cent, t.einddatum, t.reden_beeindiging
        """,
    )
    completed = df[df["einddatum"].notna() & (df["reden_beeindiging"] != "20")]
    open_ = df[df["einddatum"].isna()]
    assert len(completed) > 1000 and len(open_) > 500
    assert (completed["start"] + completed["afronding"] == completed["tarief_cent"]).all()
    assert (completed["n"] == 2).all()
    assert (open_["afronding"] == 0).all() and (open_["n"] == 1).all()
    expected_start = [share_of(int(t), Decimal("0.70")) for t in df["tarief_cent"]]
    assert df["start"].astype(int).tolist() == expected_start


@pytest.mark.parametrize(
    ("tarief", "start", "afronding"),
    [(100_000, 70_000, 30_000), (123_457, 86_420, 37_037), (1, 1, 0), (5, 4, 1), (33, 23, 10)],
)
def test_tranches_are_exact_to_the_cent(tarief: int, start: int, afronding: int) -> None:
    assert tranches(tarief, Decimal("0.70")) == (start, afronding)
    assert sum(tranches(tarief, Decimal("0.70"))) == tarief


def test_split_is_a_setting_not_a_literal() -> None:
    assert tranches(100_001, Decimal("0.60")) == (60_001, 40_000)


def test_knelpunten_cover_the_categories_the_region_heard(demo_tables: dict) -> None:
    heard = {c.value for c in KnelpuntCategorie} - {"overig"}
    assert heard <= set(demo_tables["knelpunt"]["categorie"])
    assert set(demo_tables["knelpunt"]["soort"]) == {"knelpunt", "succes"}
    assert len(demo_tables["agendapunt"].dropna(subset=["besluit"])) >= 3
