"""Import of CSV/Excel templates and iJw messages: validation, all-or-nothing, pseudonyms."""

from __future__ import annotations

import hashlib
import io
import random

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from data_access.access import AccessDenied, Scope
from data_access.db import data_version
from data_access.imports import (
    Bestand,
    ImportGeweigerd,
    Uitvoerder,
    importeer,
    importlog,
    uitvoerder_voor,
)
from data_access.imports.reading import TOELICHTING_SHEET
from data_access.imports.spec import PER_KEY, SOORTEN
from data_access.imports.templates import csv_bytes, export, export_frame, template, xlsx_bytes
from data_access.models import Rol
from data_access.privacy import pseudonym
from tests.ijw_messages import BIRTH_DATE, FIRST_NAMES, NAME, Toewijzing, jw301, jw307

BEHEERDER = Uitvoerder("test.beheerder")
SECRET = "een-geheime-sleutel-van-de-regio"
BSN, OTHER_BSN = "111222333", "123456782"
FACT_TABLES = ("uitkomst", "betaling", "inzet", "onderaanneming", "productkoppeling", "spictarief")


def fingerprint(engine: Engine) -> dict[str, tuple[int, str]]:
    """Row count and a hash of every row of every table: equal means nothing changed."""
    result: dict[str, tuple[int, str]] = {}
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            order = ", ".join(c.name for c in table.primary_key.columns)
            rows = conn.execute(sa.text(f"SELECT * FROM {table.name} ORDER BY {order}")).all()
            digest = hashlib.sha256(repr([tuple(map(str, r)) for r in rows]).encode()).hexdigest()
            result[table.name] = (len(rows), digest)
    return result


def clear_facts(engine: Engine) -> None:
    """Keep the reference data (municipalities, providers, SPICs), drop everything importable."""
    with engine.begin() as conn:
        for table in FACT_TABLES:
            conn.execute(sa.text(f"DELETE FROM {table}"))
        conn.execute(sa.text("UPDATE traject SET vorig_traject_id = NULL"))
        conn.execute(sa.text("DELETE FROM traject"))


def refused(engine: Engine, files: list[Bestand], **kwargs: object) -> pd.DataFrame:
    before = fingerprint(engine)
    with pytest.raises(ImportGeweigerd) as caught:
        importeer(engine, uitvoerder=BEHEERDER, bestanden=files, **kwargs)  # type: ignore[arg-type]
    assert fingerprint(engine) == before, "a refused import changed the database"
    assert list(caught.value.fouten.columns) == ["Bestand", "Rij", "Kolom", "Waarde", "Probleem"]
    return caught.value.fouten


def problems(fouten: pd.DataFrame) -> str:
    return "\n".join(" | ".join(map(str, row)) for row in fouten.itertuples(index=False))


@pytest.fixture
def secret(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("SPIC_PSEUDONYM_SECRET", SECRET)
    return SECRET


# --- templates ---------------------------------------------------------------------------------


@pytest.mark.parametrize("soort", SOORTEN, ids=lambda s: s.key)
def test_templates_have_dutch_columns_and_an_example_row(soort) -> None:
    csv_frame = pd.read_csv(
        io.BytesIO(template(soort, "csv")),
        sep=";",
        dtype=str,
        encoding="utf-8-sig",
        keep_default_na=False,
    )
    assert tuple(csv_frame.columns) == soort.namen
    assert len(csv_frame) == 1
    sheets = pd.read_excel(io.BytesIO(template(soort, "xlsx")), sheet_name=None, dtype=str)
    assert list(sheets) == [soort.key, TOELICHTING_SHEET]
    assert tuple(sheets[soort.key].columns) == soort.namen
    assert list(sheets[TOELICHTING_SHEET]["Kolom"]) == list(soort.namen)


def test_every_template_round_trips_on_an_empty_region(
    demo_engine: Engine, demo_engine_rw: Engine
) -> None:
    """Download each template, fill it with the demo rows, import: the same data comes back."""
    originals = {s.key: export_frame(demo_engine, soort=s) for s in SOORTEN}
    clear_facts(demo_engine_rw)
    files = []
    for soort in SOORTEN:
        blank = pd.read_csv(
            io.BytesIO(template(soort, "csv")),
            sep=";",
            dtype=str,
            encoding="utf-8-sig",
            keep_default_na=False,
        )
        filled = pd.DataFrame(originals[soort.key].to_numpy(), columns=blank.columns)
        files.append(Bestand(f"{soort.key}.csv", csv_bytes(filled)))
    verslagen = importeer(demo_engine_rw, uitvoerder=BEHEERDER, bestanden=files)
    assert {v.soort: v.nieuw for v in verslagen} == {
        s.titel: len(originals[s.key]) for s in SOORTEN
    }
    for soort in SOORTEN:
        again = export_frame(demo_engine_rw, soort=soort)
        key = list(soort.namen)
        pd.testing.assert_frame_equal(
            again.sort_values(key).reset_index(drop=True),
            originals[soort.key].sort_values(key).reset_index(drop=True),
            obj=soort.key,
        )


def test_excel_workbook_round_trips(demo_engine_sqlite: tuple[Engine, str], tmp_path) -> None:
    from tests.conftest import fresh_database

    source = demo_engine_sqlite[0]
    small = ("productcodes", "tarieven", "onderaannemingen", "trajecten", "uitkomsten")
    workbook = xlsx_bytes({k: export_frame(source, soort=PER_KEY[k]) for k in small})
    with fresh_database("sqlite", tmp_path) as (engine, _):
        from data_access.db import migrate
        from data_access.generator import read_parquet
        from data_access.loader import DEMO_DIR, load_tables

        migrate(engine)
        load_tables(engine, tables=read_parquet(DEMO_DIR))
        clear_facts(engine)
        verslagen = importeer(
            engine, uitvoerder=BEHEERDER, bestanden=[Bestand("regio.xlsx", workbook)]
        )
        assert [v.bron for v in verslagen] == [f"regio.xlsx › {k}" for k in small]
        for key in small:
            assert export_frame(engine, soort=PER_KEY[key]).equals(
                export_frame(source, soort=PER_KEY[key])
            )


def test_reimporting_the_same_files_changes_nothing(demo_engine_rw: Engine) -> None:
    files = [Bestand(f"{s.key}.csv", export(demo_engine_rw, soort=s, fmt="csv")) for s in SOORTEN]
    version = data_version(demo_engine_rw)
    before = fingerprint(demo_engine_rw)
    verslagen = importeer(demo_engine_rw, uitvoerder=BEHEERDER, bestanden=files)
    assert all(v.nieuw == 0 and v.gewijzigd == 0 for v in verslagen)
    assert data_version(demo_engine_rw) == version
    after = fingerprint(demo_engine_rw)
    for log in ("gegevensimport", "auditregel"):  # the import itself is logged, nothing else
        del after[log], before[log]
    assert after == before


def test_a_changed_value_is_one_change_logged_and_refreshes_the_dashboards(
    demo_engine_rw: Engine,
) -> None:
    from data_access.analytics import analytics

    frame = export_frame(demo_engine_rw, soort=PER_KEY["betalingen"])
    frame.loc[0, "bedrag"] = "1,00"
    extra = frame.iloc[[0]].copy()
    extra["tranche"] = "resultaat"
    before_total = (
        analytics(demo_engine_rw).frame("SELECT SUM(bedrag_cent) FROM betaling").iat[0, 0]
    )
    version = data_version(demo_engine_rw)
    bestand = Bestand("betalingen mei.csv", csv_bytes(pd.concat([frame, extra])))
    [verslag] = importeer(
        demo_engine_rw, uitvoerder=Uitvoerder("Beheerder B", None), bestanden=[bestand]
    )
    assert (verslag.nieuw, verslag.gewijzigd, verslag.rijen) == (1, 1, len(frame) + 1)
    assert data_version(demo_engine_rw) == version + 1
    after_total = analytics(demo_engine_rw).frame("SELECT SUM(bedrag_cent) FROM betaling").iat[0, 0]
    assert after_total != before_total  # the snapshot was rebuilt without a restart
    log = importlog(demo_engine_rw, Scope(Rol.BEHEERDER, 1))
    assert log.iloc[0][
        ["uitgevoerd_door", "bestandsnaam", "rijen", "nieuw", "gewijzigd"]
    ].tolist() == ["Beheerder B", "betalingen mei.csv", len(frame) + 1, 1, 1]


@pytest.mark.parametrize("rol", [r for r in Rol if r != Rol.BEHEERDER])
def test_only_a_beheerder_may_import_or_read_the_log(demo_engine: Engine, rol: Rol) -> None:
    scope = Scope(rol, 1, aanbieder_id=1 if rol == Rol.AANBIEDER else None)
    with pytest.raises(AccessDenied):
        uitvoerder_voor(scope, "iemand")
    with pytest.raises(AccessDenied):
        importlog(demo_engine, scope)


# --- malformed files ---------------------------------------------------------------------------


def _inzet_csv(
    rows: list[list[str]], header: str = "toewijzingnummer;aanbieder;maand;uren;kosten"
) -> Bestand:
    text = header + "\n" + "\n".join(";".join(r) for r in rows) + "\n"
    return Bestand("inzet.csv", text.encode())


def test_missing_and_unknown_columns_are_named(demo_engine_rw: Engine) -> None:
    fouten = refused(
        demo_engine_rw,
        [
            _inzet_csv(
                [["TW000000001", "98000001", "03-2019", "x"]],
                header="toewijzingnummer;aanbieder;maand;urenn",
            )
        ],
        soort="inzet",
    )
    found = {(r.Kolom, r.Probleem.split(" (")[0].split(".")[0]) for r in fouten.itertuples()}
    assert found == {
        ("uren", "Verplichte kolom ontbreekt"),
        ("kosten", "Verplichte kolom ontbreekt"),
        ("urenn", "Onbekende kolom voor 'Inzet'"),
    }


def test_wrong_types_and_unknown_codes_get_a_row_column_and_value(demo_engine_rw: Engine) -> None:
    good = ["TW000000001", "98000017", "02-2020", "6,5", "578,03"]
    fouten = refused(
        demo_engine_rw,
        [
            _inzet_csv(
                [
                    good,
                    ["TW000000001", "98000017", "13-2020", "veel", "-5,00"],
                    ["TW000000001", "Onbekende BV", "03-2020", "1,234", "12,345"],
                ]
            ),
            Bestand(
                "trajecten.csv",
                (
                    b"toewijzingnummer;client_pseudoniem;gemeente;hoofdaannemer;spic;startdatum;"
                    b"geplande_einddatum;einddatum;reden_beeindiging\n"
                    b"TWNIEUW1;P1;GM9999;98000001;X-P99-I9;31-02-2019;01-01-2019;;99\n"
                    b"TWNIEUW2;111222333;GM0363;98000001;B-P03-I2;01-03-2019;01-01-2019;;\n"
                ),
            ),
        ],
    )
    rows = {(r.Bestand, r.Rij, r.Kolom, r.Waarde): r.Probleem for r in fouten.itertuples()}
    assert rows[("inzet.csv", "3", "maand", "13-2020")].startswith("Geen geldige maand")
    assert rows[("inzet.csv", "3", "uren", "veel")].startswith("Geen getal")
    assert rows[("inzet.csv", "3", "kosten", "-5,00")] == "Mag niet negatief zijn."
    assert rows[("inzet.csv", "4", "aanbieder", "Onbekende BV")].startswith("Onbekende aanbieder")
    assert rows[("inzet.csv", "4", "kosten", "12,345")] == "Te veel cijfers achter de komma."
    assert rows[("trajecten.csv", "2", "gemeente", "GM9999")].startswith(
        "Onbekende CBS-gemeentecode"
    )
    assert rows[("trajecten.csv", "2", "spic", "X-P99-I9")].startswith("Onbekende SPIC-code")
    assert rows[("trajecten.csv", "2", "startdatum", "31-02-2019")].startswith("Geen geldige datum")
    assert rows[("trajecten.csv", "2", "reden_beeindiging", "99")].startswith("Onbekende reden")
    assert any(
        k[:3] == ("trajecten.csv", "3", "geplande_einddatum")
        and v.startswith("Geplande einddatum ligt")
        for k, v in rows.items()
    )
    # A BSN in the pseudonym column is refused, and not repeated in the error table.
    assert rows[("trajecten.csv", "3", "client_pseudoniem", "(niet getoond)")].startswith(
        "Lijkt een BSN"
    )
    assert "111222333" not in problems(fouten)


def test_a_delivery_for_an_unknown_trajectory_rolls_back_the_files_before_it(
    demo_engine_rw: Engine,
) -> None:
    """Trajecten are written first in the transaction; the bad delivery undoes them too."""
    trajecten = export_frame(demo_engine_rw, soort=PER_KEY["trajecten"]).iloc[[0]].copy()
    trajecten["toewijzingnummer"] = "TWNIEUW0001"
    hoofd = trajecten["hoofdaannemer"].iat[0]
    fouten = refused(
        demo_engine_rw,
        [
            Bestand("trajecten.csv", csv_bytes(trajecten)),
            _inzet_csv(
                [
                    ["TWNIEUW0001", hoofd, "03-2019", "2", "100,00"],
                    ["TWBESTAATNIET", hoofd, "03-2019", "2", "100,00"],
                ]
            ),
        ],
    )
    assert fouten[["Bestand", "Rij", "Kolom", "Waarde"]].values.tolist() == [
        ["inzet.csv", "3", "toewijzingnummer", "TWBESTAATNIET"]
    ]
    assert fouten["Probleem"].iat[0].startswith("Onbekende toewijzing")


def test_duplicate_keys_in_one_file_are_refused(demo_engine_rw: Engine) -> None:
    row = ["TW000000001", "98000017", "02-2020", "6,5", "578,03"]
    fouten = refused(demo_engine_rw, [_inzet_csv([row, row])])
    assert fouten["Rij"].tolist() == ["3"]
    assert fouten["Probleem"].iat[0].startswith("Deze regel staat al eerder in het bestand")


@pytest.mark.parametrize(
    ("naam", "inhoud", "probleem"),
    [
        ("leeg.csv", b"", "het bestand is leeg"),
        ("kop.csv", b"toewijzingnummer;aanbieder;maand;uren;kosten\n", "alleen een kopregel"),
        ("nep.xlsx", b"toewijzingnummer;aanbieder\nTW1;2\n", "geen Excel-bestand (.xlsx)"),
        ("kapot.xlsx", b"PK\x03\x04" + b"\x00" * 200, "geen Excel-bestand"),
        ("brief.pdf", b"%PDF-1.4", "alleen CSV (.csv) en Excel (.xlsx)"),
    ],
)
def test_unreadable_files_get_a_dutch_reason(
    demo_engine_rw: Engine, naam: str, inhoud: bytes, probleem: str
) -> None:
    fouten = refused(demo_engine_rw, [Bestand(naam, inhoud)])
    assert fouten["Bestand"].iat[0] == naam
    assert probleem in problems(fouten)


def test_ten_megabytes_of_garbage_is_refused_quickly_and_cleanly(demo_engine_rw: Engine) -> None:
    rng = random.Random(7)
    binary = rng.randbytes(10 * 1024 * 1024)
    assert "geen tekstbestand" in problems(refused(demo_engine_rw, [Bestand("x.csv", binary)]))
    assert "geen Excel-bestand" in problems(refused(demo_engine_rw, [Bestand("x.xlsx", binary)]))
    letters = 'abcdefghij;,"\n'
    text = "".join(rng.choice(letters) for _ in range(10 * 1024 * 1024)).encode()
    fouten = refused(demo_engine_rw, [Bestand("tekst.csv", text)])
    assert len(fouten) >= 1
    assert fouten["Bestand"].eq("tekst.csv").all()


# --- iJw messages ------------------------------------------------------------------------------


def _all_text(engine: Engine) -> str:
    """Every value of every table, as one string, to search for identifying data."""
    parts = []
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            for row in conn.execute(sa.text(f"SELECT * FROM {table.name}")):
                parts.append("|".join(map(str, row)))
    return "\n".join(parts)


def test_jw301_and_jw307_make_one_ended_trajectory_without_identifying_data(
    demo_engine_rw: Engine, secret: str
) -> None:
    toewijzing = Toewijzing("TWIJW0001", ingangsdatum="2019-03-15", einddatum="2020-03-14")
    verslagen = importeer(
        demo_engine_rw,
        uitvoerder=BEHEERDER,
        bestanden=[
            Bestand("stop.xml", jw307(BSN, "TWIJW0001", "2019-11-30", "32")),
            Bestand("toewijzing.xml", jw301(BSN, [toewijzing])),
        ],
    )
    # The allocation is processed before the stop, whatever the upload order.
    assert [(v.bron, v.nieuw, v.gewijzigd) for v in verslagen] == [
        ("toewijzing.xml", 1, 0),
        ("stop.xml", 0, 1),
    ]
    with demo_engine_rw.connect() as conn:
        row = conn.execute(
            sa.text(
                "SELECT t.startdatum, t.geplande_einddatum, t.einddatum, t.reden_beeindiging, "
                "t.client_pseudo, t.gemeente_code, a.agb_code, s.code, t.tarief_cent "
                "FROM traject t JOIN aanbieder a ON a.id = t.hoofdaannemer_id "
                "JOIN spic s ON s.id = t.spic_id WHERE t.toewijzingnummer = 'TWIJW0001'"
            )
        ).one()
        tariff = conn.execute(
            sa.text(
                "SELECT st.tarief_cent FROM spictarief st JOIN spic s ON s.id = st.spic_id "
                "WHERE s.code = 'B-P03-I2' AND st.jaar = 2019"
            )
        ).scalar_one()
    assert [str(v) for v in row[:4]] == ["2019-03-15", "2020-03-14", "2019-11-30", "32"]
    assert row[4] == pseudonym(BSN, secret) and len(row[4]) == 64
    assert row[5:8] == ("GM0363", "98000001", "B-P03-I2")
    assert row[8] == tariff
    everything = _all_text(demo_engine_rw)
    for identifying in (BSN, NAME, FIRST_NAMES, BIRTH_DATE, "Pieter"):
        assert identifying not in everything


def test_the_pseudonym_is_stable_across_imports_and_depends_on_the_secret(
    demo_engine_rw: Engine, secret: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    importeer(
        demo_engine_rw,
        uitvoerder=BEHEERDER,
        bestanden=[Bestand("a.xml", jw301(BSN, [Toewijzing("TWA")]))],
    )
    importeer(
        demo_engine_rw,
        uitvoerder=BEHEERDER,
        bestanden=[Bestand("b.xml", jw301(BSN, [Toewijzing("TWB")]))],
    )
    importeer(
        demo_engine_rw,
        uitvoerder=BEHEERDER,
        bestanden=[Bestand("c.xml", jw301(OTHER_BSN, [Toewijzing("TWC")]))],
    )
    with demo_engine_rw.connect() as conn:
        pseudos = dict(
            conn.execute(
                sa.text(
                    "SELECT toewijzingnummer, client_pseudo FROM traject "
                    "WHERE toewijzingnummer IN ('TWA', 'TWB', 'TWC')"
                )
            ).all()
        )
    assert pseudos["TWA"] == pseudos["TWB"] != pseudos["TWC"]
    monkeypatch.setenv("SPIC_PSEUDONYM_SECRET", SECRET + "-anders")
    assert pseudonym(BSN, SECRET + "-anders") != pseudos["TWA"]
    # Under another secret the same client is another pseudonym, so a stop no longer matches.
    fouten = refused(demo_engine_rw, [Bestand("stop.xml", jw307(BSN, "TWA", "2019-12-01", "31"))])
    assert "hoort niet bij de cliënt" in problems(fouten)
    assert BSN not in problems(fouten)


def test_ijw_import_needs_the_pseudonym_secret(
    demo_engine_rw: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SPIC_PSEUDONYM_SECRET", raising=False)
    fouten = refused(demo_engine_rw, [Bestand("t.xml", jw301(BSN, [Toewijzing("TWX")]))])
    assert "SPIC_PSEUDONYM_SECRET" in problems(fouten)


@pytest.mark.parametrize(
    ("bericht", "probleem"),
    [
        (jw301(BSN, [Toewijzing("TWX", code="ZZ999")]), "Geen SPIC gekoppeld aan dit product"),
        (jw301("123456789", [Toewijzing("TWX")]), "Ontbrekend of ongeldig BSN"),
        (jw307(BSN, "TWONBEKEND", "2019-12-01", "31"), "Onbekende toewijzing"),
        (jw307(BSN, "TW000000001", "2019-12-01", "31", status="3"), "StatusAanlevering 1"),
        (
            (
                b"<Bericht><Header><BerichtCode>436</BerichtCode><BerichtVersie>2</BerichtVersie>"
                b"</Header></Bericht>"
            ),
            "alleen iJw-release 3.x",
        ),
        (
            b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'aaaa'>]><Bericht>&a;</Bericht>",
            "DTD of entiteiten",
        ),
        (b"<Bericht><niet-gesloten>", "geen geldig XML-bericht"),
    ],
)
def test_bad_ijw_messages_are_refused_with_a_reason(
    demo_engine_rw: Engine, secret: str, bericht: bytes, probleem: str
) -> None:
    fouten = refused(demo_engine_rw, [Bestand("bericht.xml", bericht)])
    assert probleem in problems(fouten)
    assert "123456789" not in problems(fouten) and BSN not in problems(fouten)


def test_secret_is_required_to_be_long_enough() -> None:
    with pytest.raises(ValueError):
        pseudonym(BSN, "kort")


def test_readme_documents_every_template_column() -> None:
    from data_access.settings import PROJECT_ROOT

    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    for soort in SOORTEN:
        section = readme.split(f"### {soort.titel} (`{soort.key}`)", 1)[1].split("\n### ", 1)[0]
        documented = [line.split("`")[1] for line in section.splitlines() if line.startswith("| `")]
        assert documented == list(soort.namen), soort.key
