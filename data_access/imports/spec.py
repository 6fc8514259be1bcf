"""What each import file holds: Dutch column names, types, natural keys, and the order of work.

One `Soort` per kind of file. The templates, the README table, validation and writing all
read these definitions, so a column is described in exactly one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from data_access.models import Doelrealisatie, Facturatie, OnderaannemingVorm, Tranche


@dataclass(frozen=True)
class Kolom:
    naam: str  # header in the file
    veld: str  # column in the database (or the staging table)
    type: str  # see TYPES
    verplicht: bool
    uitleg: str
    voorbeeld: str
    max_lengte: int | None = None
    minimum: Decimal | None = None
    maximum: Decimal | None = None
    decimalen: int = 2
    keuzes: tuple[str, ...] = ()


# Every type a column may have, with the Dutch description shown in the README and template.
TYPES: dict[str, str] = {
    "tekst": "tekst",
    "pseudoniem": "tekst, geen BSN",
    "gemeente": "CBS-gemeentecode (GM0363)",
    "aanbieder": "AGB-code of naam van de aanbieder",
    "spic": "SPIC-code (B-P03-I2)",
    "toewijzing": "toewijzingnummer van een traject",
    "datum": "datum (dd-mm-jjjj of jjjj-mm-dd)",
    "maand": "maand (mm-jjjj, jjjj-mm of de eerste dag van de maand)",
    "bedrag": "bedrag in euro's (1234,56)",
    "getal": "getal (12,5)",
    "jaar": "jaartal",
    "keuze": "een van de genoemde waarden",
    "reden": "reden beëindiging, iJw-codelijst JZ588 (31)",
    "ja_nee": "ja of nee",
    "productcategorie": "productcategorie, iJw-codelijst JZ020 (45)",
    "productcode": "productcode, vijf letters of cijfers",
}


@dataclass(frozen=True)
class Soort:
    key: str
    titel: str
    tabel: str
    kolommen: tuple[Kolom, ...]
    sleutel: tuple[str, ...]  # natural key, as database columns
    uitleg: str
    # Columns the importer fills itself (not in the file), written along with the file's.
    afgeleid: tuple[str, ...] = field(default=())

    @property
    def verplichte_namen(self) -> frozenset[str]:
        return frozenset(k.naam for k in self.kolommen if k.verplicht)

    @property
    def namen(self) -> tuple[str, ...]:
        return tuple(k.naam for k in self.kolommen)

    def kolom(self, naam: str) -> Kolom:
        return next(k for k in self.kolommen if k.naam == naam)


def _keuzes(enum_cls: type) -> tuple[str, ...]:
    return tuple(m.value for m in enum_cls)  # type: ignore[attr-defined]


NUL = Decimal(0)

PRODUCTCODES = Soort(
    key="productcodes",
    titel="Productcodes → SPIC",
    tabel="productkoppeling",
    uitleg="Welke SPIC hoort bij een iJw-product uit een toewijzingsbericht (JW301).",
    sleutel=("productcategorie", "productcode"),
    kolommen=(
        Kolom(
            "productcategorie",
            "productcategorie",
            "productcategorie",
            True,
            "Productcategorie uit de iJw-codelijst JZ020.",
            "45",
        ),
        Kolom(
            "productcode",
            "productcode",
            "productcode",
            True,
            "De regionale productcode in het toewijzingsbericht.",
            "B03I2",
        ),
        Kolom("spic", "spic_id", "spic", True, "De SPIC die bij dit product hoort.", "B-P03-I2"),
    ),
)

TARIEVEN = Soort(
    key="tarieven",
    titel="SPIC-tarieven",
    tabel="spictarief",
    uitleg="Het tarief per SPIC per jaar. Een traject krijgt het tarief van zijn startjaar.",
    sleutel=("spic_id", "jaar"),
    kolommen=(
        Kolom("spic", "spic_id", "spic", True, "SPIC-code.", "B-P03-I2"),
        Kolom(
            "jaar",
            "jaar",
            "jaar",
            True,
            "Het jaar waarin het tarief geldt.",
            "2019",
            minimum=Decimal(2000),
            maximum=Decimal(2100),
        ),
        Kolom(
            "tarief",
            "tarief_cent",
            "bedrag",
            True,
            "Tarief in euro's.",
            "4250,00",
            minimum=Decimal("0.01"),
        ),
    ),
)

ONDERAANNEMINGEN = Soort(
    key="onderaannemingen",
    titel="Onderaannemingen",
    tabel="onderaanneming",
    uitleg="Contracten tussen een hoofdaannemer en een onderaannemer.",
    sleutel=("hoofdaannemer_id", "onderaannemer_id", "startdatum"),
    kolommen=(
        Kolom(
            "hoofdaannemer",
            "hoofdaannemer_id",
            "aanbieder",
            True,
            "De aanbieder die de onderaannemer inhuurt.",
            "98000001",
        ),
        Kolom(
            "onderaannemer",
            "onderaannemer_id",
            "aanbieder",
            True,
            "De ingehuurde aanbieder (mag ook een niet-zorgorganisatie zijn).",
            "98000008",
        ),
        Kolom(
            "vorm",
            "vorm",
            "keuze",
            True,
            "Soort contract.",
            "per_jeugdige",
            keuzes=_keuzes(OnderaannemingVorm),
        ),
        Kolom(
            "facturatie",
            "facturatie",
            "keuze",
            True,
            "Hoe de onderaannemer factureert.",
            "per_maand",
            keuzes=_keuzes(Facturatie),
        ),
        Kolom("startdatum", "startdatum", "datum", True, "Begin van het contract.", "01-01-2018"),
        Kolom(
            "einddatum",
            "einddatum",
            "datum",
            False,
            "Einde van het contract, leeg als het doorloopt.",
            "",
        ),
        Kolom(
            "uren_per_week",
            "uren_per_week",
            "getal",
            False,
            "Gereserveerde uren per week (bij vorm gereserveerde_uren).",
            "",
            minimum=NUL,
            maximum=Decimal(1000),
        ),
        Kolom(
            "fte",
            "fte",
            "getal",
            False,
            "Ingehuurde fte (bij vorm structureel_fte).",
            "",
            minimum=NUL,
            maximum=Decimal(1000),
        ),
        Kolom(
            "uurtarief",
            "uurtarief_cent",
            "bedrag",
            False,
            "Uurtarief in euro's.",
            "65,00",
            minimum=NUL,
        ),
    ),
)

TRAJECTEN = Soort(
    key="trajecten",
    titel="Trajecten",
    tabel="traject",
    uitleg="Toewijzingen van een SPIC aan een hoofdaannemer. Zonder kolom tarief krijgt een "
    "traject het tarief van de SPIC in zijn startjaar.",
    sleutel=("toewijzingnummer",),
    kolommen=(
        Kolom(
            "toewijzingnummer",
            "toewijzingnummer",
            "tekst",
            True,
            "Nummer van de toewijzing (iJw ToewijzingNummer).",
            "TW000123456",
            max_lengte=20,
        ),
        Kolom(
            "client_pseudoniem",
            "client_pseudo",
            "pseudoniem",
            True,
            "Pseudoniem van de jeugdige; nooit een BSN of naam.",
            "P3f9a1c0b2d4e5f60",
            max_lengte=64,
        ),
        Kolom(
            "gemeente",
            "gemeente_code",
            "gemeente",
            True,
            "De verantwoordelijke gemeente (woonplaatsbeginsel).",
            "GM0363",
        ),
        Kolom(
            "hoofdaannemer",
            "hoofdaannemer_id",
            "aanbieder",
            True,
            "De hoofdaannemer van het traject.",
            "98000001",
        ),
        Kolom("spic", "spic_id", "spic", True, "De toegewezen SPIC.", "B-P03-I2"),
        Kolom(
            "startdatum",
            "startdatum",
            "datum",
            True,
            "Ingangsdatum van de toewijzing.",
            "15-03-2019",
        ),
        Kolom(
            "geplande_einddatum",
            "geplande_einddatum",
            "datum",
            True,
            "Geplande einddatum.",
            "14-03-2020",
        ),
        Kolom(
            "einddatum",
            "einddatum",
            "datum",
            False,
            "Werkelijke einddatum, leeg zolang het traject loopt.",
            "",
        ),
        Kolom(
            "reden_beeindiging",
            "reden_beeindiging",
            "reden",
            False,
            "Reden beëindiging, verplicht bij een einddatum.",
            "",
        ),
        Kolom(
            "vorig_toewijzingnummer",
            "vorig_toewijzingnummer",
            "toewijzing",
            False,
            "Bij een herindicatie: het toewijzingnummer van het vorige traject.",
            "",
            max_lengte=20,
        ),
        Kolom(
            "tarief",
            "tarief_cent",
            "bedrag",
            False,
            "Afwijkend tarief in euro's; leeg of weggelaten = tarief van de SPIC in het startjaar.",
            "",
            minimum=NUL,
        ),
    ),
)

INZET = Soort(
    key="inzet",
    titel="Inzet",
    tabel="inzet",
    uitleg="Geleverde uren en kosten per traject, aanbieder en maand. Levert een andere "
    "aanbieder dan de hoofdaannemer, dan koppelt SPIC-monitor de regel aan hun "
    "onderaanneming.",
    sleutel=("traject_id", "aanbieder_id", "maand"),
    afgeleid=("onderaanneming_id",),
    kolommen=(
        Kolom(
            "toewijzingnummer",
            "toewijzingnummer",
            "toewijzing",
            True,
            "Het traject waarvoor geleverd is.",
            "TW000123456",
            max_lengte=20,
        ),
        Kolom(
            "aanbieder",
            "aanbieder_id",
            "aanbieder",
            True,
            "De aanbieder die leverde (hoofd- of onderaannemer).",
            "98000001",
        ),
        Kolom("maand", "maand", "maand", True, "De maand van levering.", "03-2019"),
        Kolom(
            "uren",
            "uren",
            "getal",
            True,
            "Geleverde uren.",
            "6,5",
            minimum=NUL,
            maximum=Decimal(10000),
        ),
        Kolom("kosten", "kosten_cent", "bedrag", True, "Kosten in euro's.", "578,03", minimum=NUL),
    ),
)

BETALINGEN = Soort(
    key="betalingen",
    titel="Betalingen",
    tabel="betaling",
    uitleg="Betaalde tranches: start (70%), afronding (30%) en een eventuele resultaattranche.",
    sleutel=("traject_id", "tranche"),
    kolommen=(
        Kolom(
            "toewijzingnummer",
            "toewijzingnummer",
            "toewijzing",
            True,
            "Het traject waarvoor betaald is.",
            "TW000123456",
            max_lengte=20,
        ),
        Kolom(
            "tranche", "tranche", "keuze", True, "Welke tranche.", "start", keuzes=_keuzes(Tranche)
        ),
        Kolom(
            "bedrag",
            "bedrag_cent",
            "bedrag",
            True,
            "Betaald bedrag in euro's.",
            "2975,00",
            minimum=NUL,
        ),
        Kolom("datum", "datum", "datum", True, "Betaaldatum.", "01-04-2019"),
    ),
)

UITKOMSTEN = Soort(
    key="uitkomsten",
    titel="Uitkomsten",
    tabel="uitkomst",
    uitleg="Uitkomsten per beëindigd traject: cliëntervaring, doelrealisatie en uitval.",
    sleutel=("traject_id",),
    kolommen=(
        Kolom(
            "toewijzingnummer",
            "toewijzingnummer",
            "toewijzing",
            True,
            "Het traject.",
            "TW000123456",
            max_lengte=20,
        ),
        Kolom(
            "ervaringsscore",
            "ervaring_score",
            "getal",
            False,
            "Cliëntervaring (CEM), 1 tot en met 10 met één decimaal.",
            "7,5",
            minimum=Decimal(1),
            maximum=Decimal(10),
            decimalen=1,
        ),
        Kolom(
            "doelrealisatie",
            "doelrealisatie",
            "keuze",
            False,
            "In hoeverre de doelen bereikt zijn.",
            "volledig",
            keuzes=_keuzes(Doelrealisatie),
        ),
        Kolom("uitval", "uitval", "ja_nee", True, "Eenzijdig voortijdig gestopt.", "nee"),
    ),
)

# Order of work in one import: what a later kind refers to is written first.
SOORTEN: tuple[Soort, ...] = (
    PRODUCTCODES,
    TARIEVEN,
    ONDERAANNEMINGEN,
    TRAJECTEN,
    INZET,
    BETALINGEN,
    UITKOMSTEN,
)
PER_KEY: dict[str, Soort] = {s.key: s for s in SOORTEN}

# iJw stop messages (JW307) end a trajectory: an update-only kind, not offered as a template.
STOPS = Soort(
    key="stops",
    titel="Stopberichten (JW307)",
    tabel="traject",
    uitleg="Einddatum en reden beëindiging van bestaande toewijzingen.",
    sleutel=("toewijzingnummer",),
    kolommen=(
        Kolom("toewijzingnummer", "toewijzingnummer", "toewijzing", True, "", "", max_lengte=20),
        Kolom("client_pseudoniem", "client_pseudo", "pseudoniem", True, "", "", max_lengte=64),
        Kolom("einddatum", "einddatum", "datum", True, "", ""),
        Kolom("reden_beeindiging", "reden_beeindiging", "reden", True, "", ""),
    ),
)
