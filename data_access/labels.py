"""Dutch display names of the coded values, for screens, exports and Word documents alike."""

from __future__ import annotations

from data_access.models import (
    AanbiederSoort,
    ActieStatus,
    AuditActie,
    Facturatie,
    GebeurtenisSoort,
    KnelpuntCategorie,
    KnelpuntSoort,
    KnelpuntStatus,
    OnderaannemingVorm,
    Rol,
    Urgentie,
)

VORM = {
    OnderaannemingVorm.PER_JEUGDIGE: "Per jeugdige",
    OnderaannemingVorm.STRUCTUREEL_FTE: "Structureel team (fte)",
    OnderaannemingVorm.GERESERVEERDE_UREN: "Gereserveerde uren per week",
    OnderaannemingVorm.RAAMOVEREENKOMST: "Raamovereenkomst",
}
FACTURATIE = {
    Facturatie.PER_MAAND: "Per maand",
    Facturatie.PER_DOEL: "Per behaald doel",
    Facturatie.START_70: "70% bij start",
}
AANBIEDER_SOORT = {
    AanbiederSoort.JEUGDHULP: "Jeugdhulpaanbieder",
    AanbiederSoort.OVERIG: "Geen zorgaanbieder (bijv. sportclub)",
}
KNELPUNT_SOORT = {KnelpuntSoort.KNELPUNT: "Knelpunt", KnelpuntSoort.SUCCES: "Succesverhaal"}
CATEGORIE = {
    KnelpuntCategorie.GEEN_HOOFDAANNEMER_B: "Geen hoofdaannemer voor B-cliënten",
    KnelpuntCategorie.LOKALE_TEAMS_ONDERAANNEMERS: "Lokale teams vullen onderaannemers in",
    KnelpuntCategorie.B_AANBOD_PAST_NIET: "B-aanbod past niet bij zwaardere problematiek",
    KnelpuntCategorie.RESIDENTIEEL_AMBULANT: "Verblijf ingekocht door ambulante hoofdaannemer",
    KnelpuntCategorie.TARIEF_FINANCIERING: "Tarief en financiering",
    KnelpuntCategorie.FACTURATIE_ADMINISTRATIE: "Facturatie en administratie",
    KnelpuntCategorie.CONTINUITEIT_CONVERSIE: "Continuïteit voor conversiecliënten",
    KnelpuntCategorie.CRISISCAPACITEIT: "Crisiscapaciteit",
    KnelpuntCategorie.OVERIG: "Overig",
}
TIJDIGHEID = {
    "op_tijd": "Op tijd",
    "te_laat": "Te laat",
    "ruim_te_laat": "Ruim te laat (meer dan 3× de norm)",
}
STATUS = {
    KnelpuntStatus.NIEUW: "Nieuw",
    KnelpuntStatus.IN_BEHANDELING: "In behandeling",
    KnelpuntStatus.GEAGENDEERD: "Geagendeerd",
    KnelpuntStatus.BESLOTEN: "Besloten",
    KnelpuntStatus.OPGELOST: "Opgelost",
    KnelpuntStatus.AFGEWEZEN: "Afgewezen",
    KnelpuntStatus.SAMENGEVOEGD: "Samengevoegd",
    KnelpuntStatus.INGETROKKEN: "Ingetrokken",
    KnelpuntStatus.REACTIE_GEVRAAGD: "Reactie gevraagd",
    KnelpuntStatus.REACTIE_ONTVANGEN: "Reactie ontvangen",
    KnelpuntStatus.AANGEHOUDEN: "Aangehouden",
    KnelpuntStatus.VERZOEK_HEROPENEN: "Verzoek tot heropenen",
    KnelpuntStatus.HEROPEND: "Heropend",
}
URGENTIE = {Urgentie.LAAG: "Laag", Urgentie.MIDDEL: "Middel", Urgentie.HOOG: "Hoog"}
GEBEURTENIS = {
    GebeurtenisSoort.AANGEMAAKT: "Gemeld",
    GebeurtenisSoort.STATUS: "Status gewijzigd",
    GebeurtenisSoort.TOEGEWEZEN: "Toegewezen",
    GebeurtenisSoort.OPMERKING: "Opmerking",
    GebeurtenisSoort.AANVULLING: "Aanvulling",
    GebeurtenisSoort.SAMENGEVOEGD: "Samengevoegd",
    GebeurtenisSoort.BEWERKT: "Bewerkt",
    GebeurtenisSoort.ACTIE: "Actie",
}
ACTIE_STATUS = {
    ActieStatus.OPEN: "Open",
    ActieStatus.GEREED: "Gereed",
    ActieStatus.VERVALLEN: "Vervallen",
}
ROL = {
    Rol.BEHEERDER: "Beheerder",
    Rol.KERNGROEP: "Kerngroep",
    Rol.CONTRACTMANAGER: "Contractmanager",
    Rol.ADVISEUR: "Adviseur",
    Rol.AANBIEDER: "Aanbieder",
}


AUDIT_ACTIE = {
    AuditActie.DOWNLOAD: "Download",
    AuditActie.DOSSIER: "Dossier bekeken",
    AuditActie.IMPORT: "Gegevens geïmporteerd",
    AuditActie.GEBRUIKER_AANGEMAAKT: "Gebruiker aangemaakt",
    AuditActie.GEBRUIKER_GEDEACTIVEERD: "Gebruiker gedeactiveerd",
    AuditActie.GEBRUIKER_GEACTIVEERD: "Gebruiker geactiveerd",
    AuditActie.WACHTWOORD_GEWIJZIGD: "Wachtwoord gewijzigd",
    AuditActie.SESSIE_GEWEIGERD: "Sessie geweigerd",
    AuditActie.VERZOEK_GEWEIGERD: "Verzoek geweigerd",
    AuditActie.RETENTIE: "Bewaartermijn: tekst geanonimiseerd",
}


def label(mapping: dict, value: object) -> str:
    """The Dutch name of a coded value (enum member or its stored string); unknown as is."""
    if value is None:
        return "–"
    for key, text in mapping.items():
        if value == key or value == getattr(key, "value", key):
            return text
    return str(value)
