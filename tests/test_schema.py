"""The schema: migrations, model round trips and portable constraints on both backends."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import Session, SQLModel, select

from data_access import models as m
from tests.conftest import BACKENDS, fresh_database


def test_migration_creates_every_model_table(empty_engine: sa.Engine) -> None:
    tables = set(sa.inspect(empty_engine).get_table_names())
    assert set(SQLModel.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_models_and_migrations_agree(empty_engine: sa.Engine) -> None:
    """A model change without a migration would show up here as a diff."""
    with empty_engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def _one_of_each() -> list[SQLModel]:
    ts = dt.datetime(2026, 11, 23, 9, 30, tzinfo=dt.UTC)
    return [
        m.Regio(code="AA", naam="Amsterdam-Amstelland"),
        m.Gemeente(cbs_code="GM0363", naam="Amsterdam", regio_code="AA", inwoners=854047),
        m.RedenBeeindiging(code="32", omschrijving="Voortijdig, door cliënt", uitval=True),
        m.Aanbieder(
            id=1,
            naam="Hoofd",
            soort=m.AanbiederSoort.JEUGDHULP,
            gecontracteerd_c=True,
            agb_code="98000001",
            regio_code="AA",
        ),
        m.Aanbieder(id=2, naam="Sportclub", soort=m.AanbiederSoort.OVERIG),
        m.Spic(
            id=1,
            code="C-P07-I4",
            segment=m.Segment.C,
            profiel_nr=7,
            profiel_naam="P7",
            intensiteit_nr=4,
            intensiteit_naam="Duurzaam intensief",
            richtduur_maanden=24,
            verblijf=True,
        ),
        m.SpicTarief(spic_id=1, jaar=2018, tarief_cent=9_840_000),
        m.Gebruiker(
            id=1,
            gebruikersnaam="km",
            weergavenaam="Kerngroep",
            rol=m.Rol.KERNGROEP,
            wachtwoord_hash="x",
            geblokkeerd_tot=ts,
            laatst_ingelogd=ts,
            aangemaakt=ts,
        ),
        m.Portefeuille(gebruiker_id=1, aanbieder_id=1),
        m.Traject(
            id=1,
            toewijzingnummer="TW1",
            client_pseudo="P00ff",
            gemeente_code="GM0363",
            hoofdaannemer_id=1,
            spic_id=1,
            tarief_cent=9_840_001,
            startdatum=dt.date(2018, 2, 1),
            geplande_einddatum=dt.date(2020, 2, 1),
            einddatum=dt.date(2019, 1, 31),
            reden_beeindiging="32",
        ),
        m.Traject(
            id=2,
            toewijzingnummer="TW2",
            client_pseudo="P00ff",
            gemeente_code="GM0363",
            hoofdaannemer_id=1,
            spic_id=1,
            tarief_cent=1,
            startdatum=dt.date(2019, 3, 1),
            geplande_einddatum=dt.date(2021, 3, 1),
            vorig_traject_id=1,
        ),
        m.Onderaanneming(
            id=1,
            hoofdaannemer_id=1,
            onderaannemer_id=2,
            vorm=m.OnderaannemingVorm.GERESERVEERDE_UREN,
            facturatie=m.Facturatie.PER_MAAND,
            startdatum=dt.date(2018, 1, 1),
            uren_per_week=Decimal("24.00"),
            fte=Decimal("3.50"),
            uurtarief_cent=9500,
        ),
        m.Inzet(
            id=1,
            traject_id=1,
            aanbieder_id=2,
            maand=dt.date(2018, 2, 1),
            uren=Decimal("12.25"),
            kosten_cent=116_375,
            onderaanneming_id=1,
        ),
        m.Betaling(
            id=1,
            traject_id=1,
            tranche=m.Tranche.START,
            bedrag_cent=6_888_001,
            datum=dt.date(2018, 2, 1),
        ),
        m.Uitkomst(
            traject_id=1,
            ervaring_score=Decimal("6.5"),
            doelrealisatie=m.Doelrealisatie.GEDEELTELIJK,
            uitval=True,
        ),
        m.Knelpunt(
            id=1,
            referentie="KNP-2026-0001",
            soort=m.KnelpuntSoort.KNELPUNT,
            titel="<b>titel</b>",
            omschrijving="**tekst** <script>x</script>",
            categorie=m.KnelpuntCategorie.CRISISCAPACITEIT,
            segment=m.Segment.B,
            profiel_nr=3,
            aantal_gezinnen=4,
            urgentie=m.Urgentie.HOOG,
            status=m.KnelpuntStatus.GEAGENDEERD,
            ingediend_door_id=1,
            aanbieder_id=1,
            toegewezen_aan_id=1,
            aangemaakt=ts,
            gewijzigd=ts,
            versie=3,
        ),
        m.KnelpuntGemeente(knelpunt_id=1, gemeente_code="GM0363"),
        m.KnelpuntGebeurtenis(
            id=1,
            knelpunt_id=1,
            tijdstip=ts,
            gebruiker_id=1,
            soort=m.GebeurtenisSoort.STATUS,
            van="nieuw",
            naar="geagendeerd",
            tekst="x",
            intern=True,
        ),
        m.Overleg(id=1, datum=dt.date(2026, 11, 23), titel="Kerngroep"),
        m.Agendapunt(id=1, overleg_id=1, knelpunt_id=1, volgorde=1, besluit="b"),
        m.Actie(
            id=1,
            knelpunt_id=1,
            agendapunt_id=1,
            omschrijving="Voorstel <i>maken</i>",
            eigenaar="CM",
            deadline=dt.date(2026, 12, 1),
            status=m.ActieStatus.GEREED,
            aangemaakt=ts,
            gewijzigd=ts,
            versie=2,
        ),
        m.Uitgaandemail(
            id=1,
            aangemaakt=ts,
            ontvanger="melder@example.nl",
            onderwerp="Melding KNP-2026-0001: Geagendeerd",
            tekst="Goedendag,\n\nDe status …",
            sleutel="weekoverzicht:2026-W48:1",
            pogingen=2,
            volgende_poging=ts,
            geclaimd_tot=None,
            verzonden=ts,
            opgegeven=None,
            laatste_fout="421 try again later",
        ),
        m.BetaalScenario(
            id=1,
            naam="Half op resultaat",
            resultaatdeel=Decimal("0.5000"),
            gewicht_uitval=Decimal("2.000"),
            gewicht_doel=Decimal("1.000"),
            gewicht_ervaring=Decimal("0.500"),
            budgetneutraal=False,
            aangemaakt_door_id=1,
            aangemaakt=ts,
        ),
        m.Volgnummer(soort="knelpunt", jaar=2026, waarde=1),
        m.ProductKoppeling(productcategorie="45", productcode="B03I2", spic_id=1),
        m.Gegevensimport(
            id=1,
            tijdstip=ts,
            gebruiker_id=1,
            uitgevoerd_door="Beheerder",
            soort="Trajecten",
            bestandsnaam="trajecten.csv",
            rijen=3,
            nieuw=2,
            gewijzigd=1,
        ),
        m.Gegevensversie(id=1, versie=7, gewijzigd=ts),
        m.Gegevenswijziging(id=1, versie=7, tabel="inzet", maand=dt.date(2026, 11, 1)),
        m.Auditregel(
            id=1,
            tijdstip=ts,
            gebruiker_id=1,
            gebruikersnaam="demo.beheerder",
            rol="beheerder",
            actie=m.AuditActie.DOWNLOAD,
            onderwerp="uitnutting_per_spic.xlsx",
            filters="SPIC-uitnutting; Segment: B – enkelvoudig",
        ),
        m.Sessie(
            id=1,
            gebruiker_id=1,
            token_hash="a" * 64,
            code_hash=None,
            code_geldig_tot=ts,
            aangemaakt=ts,
            laatst_gebruikt=ts,
            beeindigd=ts,
        ),
    ]


def _add_in_order(session: Session, objects: list[SQLModel]) -> None:
    """No ORM relationships, so the unit of work cannot order inserts: flush one by one."""
    for obj in objects:
        session.add(obj)
        session.flush()
    session.commit()


def _pk(obj: SQLModel) -> tuple:
    mapper = sa.inspect(type(obj))
    return tuple(getattr(obj, c.key) for c in mapper.primary_key)


def test_every_model_round_trips(empty_engine: sa.Engine) -> None:
    originals = _one_of_each()
    expected = {(type(o), _pk(o)): o.model_dump() for o in originals}
    assert {type(o) for o in originals} == {
        mapper.class_
        for mapper in SQLModel._sa_registry.mappers  # type: ignore[attr-defined]
    }
    with Session(empty_engine) as session:
        _add_in_order(session, originals)
    with Session(empty_engine) as session:
        for (cls, pk), values in expected.items():
            loaded = session.get(cls, pk if len(pk) > 1 else pk[0])
            assert loaded is not None, cls.__name__
            got = loaded.model_dump()
            for key, value in values.items():
                stored = got[key]
                if isinstance(value, dt.datetime):  # SQLite hands back naive UTC
                    stored = stored if stored.tzinfo else stored.replace(tzinfo=dt.UTC)
                assert stored == value, f"{cls.__name__}.{key}: {stored!r} != {value!r}"


def test_enum_columns_reject_unknown_values(empty_engine: sa.Engine) -> None:
    with empty_engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO regio (code, naam) VALUES ('AA', 'x')"))
    with pytest.raises(sa.exc.IntegrityError), empty_engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO aanbieder (naam, soort, gecontracteerd_b, gecontracteerd_c, "
                "residentieel) VALUES ('x', 'onbekend', false, false, false)"
            )
        )


def test_foreign_keys_are_enforced(empty_engine: sa.Engine) -> None:
    with pytest.raises(sa.exc.IntegrityError), empty_engine.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO gemeente (cbs_code, naam, regio_code) VALUES ('GM0001','x','ZZ')")
        )


def test_enums_store_dutch_values(empty_engine: sa.Engine) -> None:
    with Session(empty_engine) as session:
        _add_in_order(session, _one_of_each()[:8])
        assert session.exec(select(m.Gebruiker.rol)).one() == m.Rol.KERNGROEP
    with empty_engine.connect() as conn:
        assert conn.execute(sa.text("SELECT rol FROM gebruiker")).scalar() == "kerngroep"


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_populated_register_migrates_up_and_down_without_losing_a_row(
    backend: str, tmp_path: Path
) -> None:
    """Migration 0007 rebuilds `knelpunt` on SQLite while its history points at it: with rows
    in place, not only on an empty database."""
    from alembic import command

    from data_access.db import alembic_config

    with fresh_database(backend, tmp_path) as (engine, _):
        command.upgrade(alembic_config(engine), "0006")
        now = dt.datetime(2026, 11, 23, 9, 30, tzinfo=dt.UTC)
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO gebruiker (id, gebruikersnaam, weergavenaam, rol, actief, is_demo,"
                    " mislukte_pogingen, aangemaakt) VALUES (1, 'k', 'K', 'kerngroep', TRUE, FALSE,"
                    " 0, :t)"
                ),
                {"t": now},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO knelpunt (id, referentie, soort, titel, omschrijving, categorie,"
                    " urgentie, status, ingediend_door_id, aangemaakt, gewijzigd, versie,"
                    " actiehouder, deadline) VALUES (1, 'KNP-2026-0001', 'knelpunt', 't', 'o',"
                    " 'overig', 'hoog', 'opgelost', 1, :t, :t, 3, 'Gemeente Zaanstad', :d)"
                ),
                {"t": now, "d": dt.date(2026, 12, 15)},
            )
            conn.execute(
                sa.text("INSERT INTO overleg (id, datum, titel) VALUES (1, :d, 'Kerngroep')"),
                {"d": dt.date(2026, 11, 20)},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO agendapunt (id, overleg_id, knelpunt_id, volgorde, besluit,"
                    " acties) VALUES (1, 1, 1, 1, 'Besloten', 'Offerte opvragen')"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO knelpuntgebeurtenis (knelpunt_id, tijdstip, gebruiker_id, soort,"
                    " naar, intern) VALUES (1, :t, 1, 'status', 'opgelost', FALSE)"
                ),
                {"t": now},
            )
        command.upgrade(alembic_config(engine), "head")
        with engine.begin() as conn:
            assert conn.execute(sa.text("SELECT status, versie FROM knelpunt")).one() == (
                "opgelost",
                3,
            )
            assert conn.execute(sa.text("SELECT COUNT(*) FROM knelpuntgebeurtenis")).scalar() == 1
            # 0008 gave the report the deadlines of its category from its submission day.
            reactie, besluit = conn.execute(
                sa.text("SELECT reactie_deadline, besluit_deadline FROM knelpunt")
            ).one()
            assert (str(reactie)[:10], str(besluit)[:10]) == ("2026-12-07", "2027-02-17")
            # 0011 made the report's action holder and the decision's action text actions.
            moved = conn.execute(
                sa.text(
                    "SELECT agendapunt_id, omschrijving, eigenaar, deadline, status FROM actie"
                    " ORDER BY id"
                )
            ).all()
            assert [(a, o, e, str(d)[:10] if d else None, s) for a, o, e, d, s in moved] == [
                (None, "Opvolging van de melding", "Gemeente Zaanstad", "2026-12-15", "open"),
                (1, "Offerte opvragen", "onbekend", None, "open"),
            ]
            conn.execute(sa.text("UPDATE knelpunt SET status = 'verzoek_heropenen'"))
            conn.execute(sa.text("UPDATE knelpunt SET status = 'opgelost'"))
        command.downgrade(alembic_config(engine), "0006")  # through 0011 to 0007
        command.upgrade(alembic_config(engine), "head")
        with engine.begin() as conn:
            assert conn.execute(sa.text("SELECT COUNT(*) FROM knelpuntgebeurtenis")).scalar() == 1
            owners = conn.execute(sa.text("SELECT eigenaar FROM actie ORDER BY id")).scalars()
            assert owners.all() == ["Gemeente Zaanstad", "onbekend"]
            with pytest.raises(sa.exc.IntegrityError):  # the constraint holds after the rebuild
                conn.execute(sa.text("UPDATE knelpunt SET status = 'onzin'"))
        if backend == "sqlite":  # and the foreign keys are enforced again afterwards
            with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
                conn.execute(sa.text("DELETE FROM knelpunt"))


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_database_at_the_newest_migration_is_left_alone_at_start(
    backend: str, tmp_path: Path
) -> None:
    """Every process start migrates. At the newest schema that must cost next to nothing: no
    upgrade run, and on SQLite no foreign key check of the whole database (seconds at
    national scale)."""
    from data_access.db import migrate

    with fresh_database(backend, tmp_path) as (engine, _):
        migrate(engine)
        statements: list[str] = []
        sa.event.listen(
            engine,
            "before_cursor_execute",
            lambda _conn, _cursor, statement, *_args: statements.append(statement),
        )
        migrate(engine)
        assert not any("foreign_key_check" in s.lower() for s in statements)
        assert not any(
            s.lstrip().upper().startswith(("CREATE", "ALTER", "UPDATE")) for s in statements
        )
        assert len(statements) <= 3  # reading the current revision
