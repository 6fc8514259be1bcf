"""SQLModel models for the whole data model of DESIGN.md §4.

Conventions: money in integer cents (`*_cent`), enums stored as portable VARCHAR + CHECK,
timestamps timezone-aware UTC, no direct identifiers of clients anywhere.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

# Stable constraint names keep Alembic batch migrations on SQLite predictable.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def enum_type(enum_cls: type[enum.Enum], name: str) -> sa.Enum:
    """VARCHAR + named CHECK on every backend; stores the Dutch value, not the member name."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in enum_cls) + 4,
        values_callable=lambda e: [m.value for m in e],
        name=name,
        validate_strings=True,
    )


def _ts() -> Any:
    return sa.DateTime(timezone=True)


class Segment(enum.StrEnum):
    B = "B"
    C = "C"


class AanbiederSoort(enum.StrEnum):
    JEUGDHULP = "jeugdhulp"
    OVERIG = "overig"


class Rol(enum.StrEnum):
    BEHEERDER = "beheerder"
    KERNGROEP = "kerngroep"
    CONTRACTMANAGER = "contractmanager"
    ADVISEUR = "adviseur"
    AANBIEDER = "aanbieder"


class OnderaannemingVorm(enum.StrEnum):
    PER_JEUGDIGE = "per_jeugdige"
    STRUCTUREEL_FTE = "structureel_fte"
    GERESERVEERDE_UREN = "gereserveerde_uren"
    RAAMOVEREENKOMST = "raamovereenkomst"


class Facturatie(enum.StrEnum):
    PER_MAAND = "per_maand"
    PER_DOEL = "per_doel"
    START_70 = "start_70"


class Tranche(enum.StrEnum):
    START = "start"
    AFRONDING = "afronding"
    RESULTAAT = "resultaat"


class Doelrealisatie(enum.StrEnum):
    VOLLEDIG = "volledig"
    GEDEELTELIJK = "gedeeltelijk"
    NIET = "niet"


class KnelpuntSoort(enum.StrEnum):
    KNELPUNT = "knelpunt"
    SUCCES = "succes"


class KnelpuntCategorie(enum.StrEnum):
    GEEN_HOOFDAANNEMER_B = "geen_hoofdaannemer_b"
    LOKALE_TEAMS_ONDERAANNEMERS = "lokale_teams_onderaannemers"
    B_AANBOD_PAST_NIET = "b_aanbod_past_niet"
    RESIDENTIEEL_AMBULANT = "residentieel_ambulant"
    TARIEF_FINANCIERING = "tarief_financiering"
    FACTURATIE_ADMINISTRATIE = "facturatie_administratie"
    CONTINUITEIT_CONVERSIE = "continuiteit_conversie"
    CRISISCAPACITEIT = "crisiscapaciteit"
    OVERIG = "overig"


class KnelpuntStatus(enum.StrEnum):
    NIEUW = "nieuw"
    IN_BEHANDELING = "in_behandeling"
    GEAGENDEERD = "geagendeerd"
    BESLOTEN = "besloten"
    OPGELOST = "opgelost"
    AFGEWEZEN = "afgewezen"
    SAMENGEVOEGD = "samengevoegd"
    INGETROKKEN = "ingetrokken"
    REACTIE_GEVRAAGD = "reactie_gevraagd"
    REACTIE_ONTVANGEN = "reactie_ontvangen"
    AANGEHOUDEN = "aangehouden"
    VERZOEK_HEROPENEN = "verzoek_heropenen"
    HEROPEND = "heropend"


class Urgentie(enum.StrEnum):
    LAAG = "laag"
    MIDDEL = "middel"
    HOOG = "hoog"


class ActieStatus(enum.StrEnum):
    OPEN = "open"
    GEREED = "gereed"
    VERVALLEN = "vervallen"


class GebeurtenisSoort(enum.StrEnum):
    AANGEMAAKT = "aangemaakt"
    STATUS = "status"
    TOEGEWEZEN = "toegewezen"
    OPMERKING = "opmerking"
    AANVULLING = "aanvulling"
    SAMENGEVOEGD = "samengevoegd"
    BEWERKT = "bewerkt"
    ACTIE = "actie"


# --- reference data -------------------------------------------------------------------------


class Regio(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=12)
    naam: str = Field(max_length=80)


class Gemeente(SQLModel, table=True):
    cbs_code: str = Field(primary_key=True, max_length=6)  # "GM0363"
    naam: str = Field(max_length=80)
    regio_code: str = Field(foreign_key="regio.code", index=True, max_length=12)
    inwoners: int | None = None


class Aanbieder(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    naam: str = Field(max_length=120, unique=True)
    soort: AanbiederSoort = Field(sa_type=enum_type(AanbiederSoort, "aanbieder_soort"))
    gecontracteerd_b: bool = False
    gecontracteerd_c: bool = False
    residentieel: bool = False
    agb_code: str | None = Field(default=None, max_length=8)
    regio_code: str | None = Field(default=None, foreign_key="regio.code", max_length=12)


class RedenBeeindiging(SQLModel, table=True):
    code: str = Field(primary_key=True, max_length=2)
    omschrijving: str = Field(max_length=80)
    uitval: bool = False


class Spic(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=12, unique=True)  # "B-P03-I2"
    segment: Segment = Field(sa_type=enum_type(Segment, "segment"))
    profiel_nr: int
    profiel_naam: str = Field(max_length=80)
    intensiteit_nr: int
    intensiteit_naam: str = Field(max_length=40)
    richtduur_maanden: int
    verblijf: bool = False


class SpicTarief(SQLModel, table=True):
    spic_id: int = Field(foreign_key="spic.id", primary_key=True)
    jaar: int = Field(primary_key=True)
    tarief_cent: int = Field(sa_type=sa.BigInteger)


class ProductKoppeling(SQLModel, table=True):
    """Which SPIC an iJw product (JZ020 category + regional product code) stands for.

    The beheerder keeps this table; allocation messages (JW301) name products, not SPICs.
    """

    productcategorie: str = Field(primary_key=True, max_length=2)
    productcode: str = Field(primary_key=True, max_length=5)
    spic_id: int = Field(foreign_key="spic.id", index=True)


# --- facts ------------------------------------------------------------------------------------


class Traject(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    toewijzingnummer: str = Field(max_length=20, unique=True)
    client_pseudo: str = Field(max_length=64, index=True)
    gemeente_code: str = Field(foreign_key="gemeente.cbs_code", index=True, max_length=6)
    hoofdaannemer_id: int = Field(foreign_key="aanbieder.id", index=True)
    spic_id: int = Field(foreign_key="spic.id", index=True)
    # Tariff fixed at allocation, so later tariff-table edits do not rewrite history.
    tarief_cent: int = Field(sa_type=sa.BigInteger)
    startdatum: dt.date = Field(index=True)
    geplande_einddatum: dt.date
    einddatum: dt.date | None = Field(default=None, index=True)
    reden_beeindiging: str | None = Field(
        default=None, foreign_key="redenbeeindiging.code", max_length=2
    )
    vorig_traject_id: int | None = Field(default=None, foreign_key="traject.id")


class Onderaanneming(SQLModel, table=True):
    # Natural key for imports: one contract per pair of providers and start date.
    __table_args__ = (sa.UniqueConstraint("hoofdaannemer_id", "onderaannemer_id", "startdatum"),)

    id: int | None = Field(default=None, primary_key=True)
    hoofdaannemer_id: int = Field(foreign_key="aanbieder.id", index=True)
    onderaannemer_id: int = Field(foreign_key="aanbieder.id", index=True)
    vorm: OnderaannemingVorm = Field(sa_type=enum_type(OnderaannemingVorm, "onderaanneming_vorm"))
    facturatie: Facturatie = Field(sa_type=enum_type(Facturatie, "facturatie"))
    startdatum: dt.date
    einddatum: dt.date | None = None
    uren_per_week: Decimal | None = Field(default=None, sa_type=sa.Numeric(8, 2))
    fte: Decimal | None = Field(default=None, sa_type=sa.Numeric(6, 2))
    uurtarief_cent: int | None = None


class Inzet(SQLModel, table=True):
    # Natural key for imports: one row per trajectory, provider and month.
    __table_args__ = (sa.UniqueConstraint("traject_id", "aanbieder_id", "maand"),)

    id: int | None = Field(default=None, primary_key=True)
    traject_id: int = Field(foreign_key="traject.id", index=True)
    aanbieder_id: int = Field(foreign_key="aanbieder.id", index=True)
    maand: dt.date = Field(index=True)  # first day of the month
    uren: Decimal = Field(sa_type=sa.Numeric(10, 2))
    kosten_cent: int = Field(sa_type=sa.BigInteger)
    onderaanneming_id: int | None = Field(default=None, foreign_key="onderaanneming.id")


class Betaling(SQLModel, table=True):
    # Natural key for imports: each tranche of a trajectory is paid once.
    __table_args__ = (sa.UniqueConstraint("traject_id", "tranche"),)

    id: int | None = Field(default=None, primary_key=True)
    traject_id: int = Field(foreign_key="traject.id", index=True)
    tranche: Tranche = Field(sa_type=enum_type(Tranche, "tranche"))
    bedrag_cent: int = Field(sa_type=sa.BigInteger)
    datum: dt.date = Field(index=True)


class Uitkomst(SQLModel, table=True):
    traject_id: int = Field(foreign_key="traject.id", primary_key=True)
    ervaring_score: Decimal | None = Field(default=None, sa_type=sa.Numeric(3, 1))  # CEM 1-10
    doelrealisatie: Doelrealisatie | None = Field(
        default=None, sa_type=enum_type(Doelrealisatie, "doelrealisatie")
    )
    uitval: bool = False


# --- users --------------------------------------------------------------------------------------


class Gebruiker(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    gebruikersnaam: str = Field(max_length=80, unique=True)
    weergavenaam: str = Field(max_length=120)
    email: str | None = Field(default=None, max_length=200, unique=True)
    rol: Rol = Field(sa_type=enum_type(Rol, "rol"))
    aanbieder_id: int | None = Field(default=None, foreign_key="aanbieder.id")
    regio_code: str | None = Field(default=None, foreign_key="regio.code", max_length=12)
    wachtwoord_hash: str | None = Field(default=None, max_length=200)
    actief: bool = True
    is_demo: bool = False
    # E-mail about the user's own reports and assignments (and the kerngroep's weekly digest).
    meldingen_per_mail: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})
    mislukte_pogingen: int = 0
    geblokkeerd_tot: dt.datetime | None = Field(default=None, sa_type=_ts())
    laatst_ingelogd: dt.datetime | None = Field(default=None, sa_type=_ts())
    aangemaakt: dt.datetime = Field(default_factory=utcnow, sa_type=_ts())


class Sessie(SQLModel, table=True):
    """A login that survives a reload: the browser holds an opaque token in an HttpOnly cookie,
    the database only its SHA-256. The cookie is issued in exchange for a one-time code
    (`code_hash`), because a page script cannot set a cookie (data_access/sessions.py)."""

    id: int | None = Field(default=None, primary_key=True)
    gebruiker_id: int = Field(foreign_key="gebruiker.id", index=True)
    token_hash: str | None = Field(default=None, max_length=64, unique=True)
    code_hash: str | None = Field(default=None, max_length=64, unique=True)
    code_geldig_tot: dt.datetime | None = Field(default=None, sa_type=_ts())
    aangemaakt: dt.datetime = Field(default_factory=utcnow, sa_type=_ts())
    laatst_gebruikt: dt.datetime = Field(default_factory=utcnow, sa_type=_ts())
    beeindigd: dt.datetime | None = Field(default=None, sa_type=_ts())


class AuditActie(enum.StrEnum):
    DOWNLOAD = "download"
    DOSSIER = "dossier_bekeken"
    IMPORT = "import"
    GEBRUIKER_AANGEMAAKT = "gebruiker_aangemaakt"
    GEBRUIKER_GEDEACTIVEERD = "gebruiker_gedeactiveerd"
    GEBRUIKER_GEACTIVEERD = "gebruiker_geactiveerd"
    WACHTWOORD_GEWIJZIGD = "wachtwoord_gewijzigd"
    # Refusals at the door: a cookie that opens no session, a request for a foreign Host or
    # from a foreign Origin. `onderwerp` says why, never the cookie itself.
    SESSIE_GEWEIGERD = "sessie_geweigerd"
    VERZOEK_GEWEIGERD = "verzoek_geweigerd"
    RETENTIE = "retentie"  # free text of old closed reports anonymised


class Auditregel(SQLModel, table=True):
    """Who took which data out of the app, or changed who may: append-only (database triggers
    refuse UPDATE and DELETE, migration 0005). No foreign keys: the trail outlives a data
    reload and a removed account, so the user is copied by name. Never report texts or client
    data: `onderwerp` is a file or provider name, `filters` the page's filters in words."""

    id: int | None = Field(default=None, primary_key=True)
    tijdstip: dt.datetime = Field(default_factory=utcnow, sa_type=_ts(), index=True)
    gebruiker_id: int | None = None
    gebruikersnaam: str = Field(max_length=80)
    rol: str | None = Field(default=None, max_length=20)
    actie: AuditActie = Field(sa_type=enum_type(AuditActie, "auditactie"))
    onderwerp: str = Field(max_length=255)
    filters: str = Field(default="", max_length=1000)


class Portefeuille(SQLModel, table=True):
    """The providers a contract manager looks after."""

    gebruiker_id: int = Field(foreign_key="gebruiker.id", primary_key=True)
    aanbieder_id: int = Field(foreign_key="aanbieder.id", primary_key=True)


# --- knelpunten register ----------------------------------------------------------------------


class Knelpunt(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    referentie: str = Field(max_length=16, unique=True)  # "KNP-2026-0001"
    soort: KnelpuntSoort = Field(sa_type=enum_type(KnelpuntSoort, "knelpunt_soort"))
    titel: str = Field(max_length=150)
    omschrijving: str = Field(sa_type=sa.Text)
    categorie: KnelpuntCategorie = Field(
        sa_type=enum_type(KnelpuntCategorie, "knelpunt_categorie"), index=True
    )
    segment: Segment | None = Field(default=None, sa_type=enum_type(Segment, "knelpunt_segment"))
    profiel_nr: int | None = None
    aantal_gezinnen: int | None = None
    urgentie: Urgentie = Field(sa_type=enum_type(Urgentie, "urgentie"))
    status: KnelpuntStatus = Field(
        default=KnelpuntStatus.NIEUW,
        sa_type=enum_type(KnelpuntStatus, "knelpunt_status"),
        index=True,
    )
    aangehouden_tot: dt.date | None = None  # on hold until (status aangehouden)
    # Service levels (register/service_levels.py), set at submission and category change.
    reactie_deadline: dt.date | None = None
    besluit_deadline: dt.date | None = None
    ingediend_door_id: int = Field(foreign_key="gebruiker.id")
    aanbieder_id: int | None = Field(default=None, foreign_key="aanbieder.id", index=True)
    toegewezen_aan_id: int | None = Field(default=None, foreign_key="gebruiker.id")
    samengevoegd_in_id: int | None = Field(default=None, foreign_key="knelpunt.id")
    aangemaakt: dt.datetime = Field(default_factory=utcnow, sa_type=_ts())
    gewijzigd: dt.datetime = Field(default_factory=utcnow, sa_type=_ts())
    # Optimistic locking: an update names the version it read, so concurrent edits conflict.
    versie: int = 1


class KnelpuntGemeente(SQLModel, table=True):
    knelpunt_id: int = Field(foreign_key="knelpunt.id", primary_key=True)
    gemeente_code: str = Field(foreign_key="gemeente.cbs_code", primary_key=True, max_length=6)


class KnelpuntGebeurtenis(SQLModel, table=True):
    """Append-only history of a knelpunt."""

    id: int | None = Field(default=None, primary_key=True)
    knelpunt_id: int = Field(foreign_key="knelpunt.id", index=True)
    tijdstip: dt.datetime = Field(default_factory=utcnow, sa_type=_ts())
    gebruiker_id: int = Field(foreign_key="gebruiker.id")
    soort: GebeurtenisSoort = Field(sa_type=enum_type(GebeurtenisSoort, "gebeurtenis_soort"))
    van: str | None = Field(default=None, max_length=60)
    naar: str | None = Field(default=None, max_length=60)
    tekst: str | None = Field(default=None, sa_type=sa.Text)
    intern: bool = False


class Overleg(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    datum: dt.date
    titel: str = Field(max_length=150)


class Agendapunt(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    overleg_id: int = Field(foreign_key="overleg.id", index=True)
    knelpunt_id: int = Field(foreign_key="knelpunt.id")
    volgorde: int
    besluit: str | None = Field(default=None, sa_type=sa.Text)


class Actie(SQLModel, table=True):
    """An action agreed on a report: what, who, by when, and how far it is. `agendapunt_id`
    names the decision it comes from; an action agreed outside a meeting has none."""

    id: int | None = Field(default=None, primary_key=True)
    knelpunt_id: int = Field(foreign_key="knelpunt.id", index=True)
    agendapunt_id: int | None = Field(default=None, foreign_key="agendapunt.id", index=True)
    omschrijving: str = Field(sa_type=sa.Text)
    eigenaar: str = Field(max_length=120)
    deadline: dt.date | None = None
    status: ActieStatus = Field(
        default=ActieStatus.OPEN, sa_type=enum_type(ActieStatus, "actie_status"), index=True
    )
    aangemaakt: dt.datetime = Field(default_factory=utcnow, sa_type=_ts())
    gewijzigd: dt.datetime = Field(default_factory=utcnow, sa_type=_ts())
    versie: int = 1


class Uitgaandemail(SQLModel, table=True):
    """The outbox: a mail is written here in the transaction of the change that causes it and
    sent later (data_access/mail.py), so a failed change sends nothing and a mail server that
    is down loses nothing. `geclaimd_tot` lets one sender at a time own a row; `sleutel` makes
    a mail that must go once (the weekly digest) unique."""

    id: int | None = Field(default=None, primary_key=True)
    aangemaakt: dt.datetime = Field(default_factory=utcnow, sa_type=_ts())
    ontvanger: str = Field(max_length=200)
    onderwerp: str = Field(max_length=200)
    tekst: str = Field(sa_type=sa.Text)
    sleutel: str | None = Field(default=None, max_length=120, unique=True)
    pogingen: int = 0
    volgende_poging: dt.datetime = Field(default_factory=utcnow, sa_type=_ts())
    geclaimd_tot: dt.datetime | None = Field(default=None, sa_type=_ts())
    verzonden: dt.datetime | None = Field(default=None, sa_type=_ts(), index=True)
    opgegeven: dt.datetime | None = Field(default=None, sa_type=_ts())
    laatste_fout: str | None = Field(default=None, max_length=500)


class BetaalScenario(SQLModel, table=True):
    """A what-if rule for outcome-based payment, saved by the kerngroep to compare later."""

    id: int | None = Field(default=None, primary_key=True)
    naam: str = Field(max_length=80, unique=True)
    resultaatdeel: Decimal = Field(sa_type=sa.Numeric(5, 4))
    gewicht_uitval: Decimal = Field(sa_type=sa.Numeric(6, 3))
    gewicht_doel: Decimal = Field(sa_type=sa.Numeric(6, 3))
    gewicht_ervaring: Decimal = Field(sa_type=sa.Numeric(6, 3))
    budgetneutraal: bool = True
    aangemaakt_door_id: int = Field(foreign_key="gebruiker.id")
    aangemaakt: dt.datetime = Field(default_factory=utcnow, sa_type=_ts())


class Gegevensimport(SQLModel, table=True):
    """One imported file: who, when, what and how many rows it added or changed."""

    id: int | None = Field(default=None, primary_key=True)
    tijdstip: dt.datetime = Field(default_factory=utcnow, sa_type=_ts(), index=True)
    gebruiker_id: int | None = Field(default=None, foreign_key="gebruiker.id")
    uitgevoerd_door: str = Field(max_length=120)
    soort: str = Field(max_length=30)
    bestandsnaam: str = Field(max_length=255)
    rijen: int
    nieuw: int
    gewijzigd: int


class Volgnummer(SQLModel, table=True):
    """Counters for human-readable reference numbers (KNP-2026-0001), one row per kind and year."""

    soort: str = Field(primary_key=True, max_length=20)
    jaar: int = Field(primary_key=True)
    waarde: int = 0


class Gegevensversie(SQLModel, table=True):
    """A stamp bumped on every data load; caches and the analytical snapshot key on it."""

    id: int = Field(default=1, primary_key=True)
    versie: int = 0
    gewijzigd: dt.datetime = Field(default_factory=utcnow, sa_type=_ts())


# Fact tables whose changes are recorded per month (by this column): the analytical snapshot
# refreshes only those months after an import that changed nothing else.
CHANGES_PER_MONTH = {"inzet": "maand"}


class Gegevenswijziging(SQLModel, table=True):
    """What one data version changed: a table and, for a table in `CHANGES_PER_MONTH`, the
    month of its rows (NULL: the whole table; tabel '*': unknown, as after a load or a
    restore). `analytics.changed_months` reads it."""

    id: int | None = Field(default=None, primary_key=True)
    versie: int = Field(index=True)
    tabel: str = Field(max_length=40)
    maand: dt.date | None = None


FACT_TABLES: tuple[type[SQLModel], ...] = (
    Traject,
    Onderaanneming,
    Inzet,
    Betaling,
    Uitkomst,
)
