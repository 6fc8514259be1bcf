"""Column labels and formats of tables that several pages show, defined once."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from dashboard.formatting import aantal, cijfer, datum, euro_cent, ja_nee, procent, uren
from data_access.labels import (
    AUDIT_ACTIE,
    CATEGORIE,
    KNELPUNT_SOORT,
    ROL,
    STATUS,
    TIJDIGHEID,
    URGENTIE,
    VORM,
    label,
)

Formatters = dict[str, Callable[..., str]]


def coded(mapping: dict) -> Callable[..., str]:
    """A table formatter that shows a coded value by its Dutch name."""

    def show(value: object, suppressed: bool = False) -> str:
        return label(mapping, value)

    return show


def segment_of_report(value: object, suppressed: bool = False) -> str:
    return value if isinstance(value, str) else "beide/onbekend"


TRAJECT_LABELS = {
    "client_pseudo": "Cliënt (pseudoniem)",
    "gemeente": "Gemeente",
    "spic_code": "SPIC",
    "hoofdaannemer": "Hoofdaannemer",
    "startdatum": "Start",
    "einddatum": "Einde",
    "tarief_cent": "Tarief (€)",
    "kosten_cent": "Kosten (€)",
    "uitnutting": "Uitnutting",
    "eigen_aandeel": "Aandeel eigen zorg",
}
TRAJECT_FORMAT: Formatters = {
    "startdatum": datum,
    "einddatum": datum,
    "tarief_cent": euro_cent,
    "kosten_cent": euro_cent,
    "uitnutting": procent,
    "eigen_aandeel": procent,
}

CAPACITEIT_LABELS = {
    "hoofdaannemer": "Hoofdaannemer",
    "onderaannemer": "Onderaannemer",
    "vorm": "Vorm",
    "gereserveerd_per_week": "Gereserveerd (uur/week)",
    "gebruikt_per_week": "Gebruikt (uur/week)",
    "benutting": "Benutting",
    "maanden_onder_80": "Maanden onder 80%",
}
CAPACITEIT_FORMAT: Formatters = {
    "vorm": coded(VORM),
    "gereserveerd_per_week": uren,
    "gebruikt_per_week": uren,
    "benutting": procent,
    "maanden_onder_80": aantal,
}

KNELPUNTEN_PER_CATEGORIE_LABELS = {
    "categorie": "Categorie",
    "segment": "Segment",
    "meldingen": "Meldingen",
    "open": "Open",
    "gesloten": "Afgesloten",
}
KNELPUNTEN_PER_CATEGORIE_FORMAT: Formatters = {
    "categorie": coded(CATEGORIE),
    "segment": segment_of_report,
    "meldingen": aantal,
    "open": aantal,
    "gesloten": aantal,
}
KNELPUNTEN_PER_MAAND_LABELS = {"maand": "Maand", "categorie": "Categorie", "meldingen": "Meldingen"}
KNELPUNTEN_PER_MAAND_FORMAT: Formatters = {"categorie": coded(CATEGORIE), "meldingen": aantal}
OP_TIJD_LABELS = {
    "maand": "Maand van melden",
    "reacties": "Eerste reacties (verschuldigd of gegeven)",
    "reactie_op_tijd": "Reactie op tijd",
    "besluiten": "Besluiten (verschuldigd of gegeven)",
    "besluit_op_tijd": "Besluit op tijd",
}
OP_TIJD_FORMAT: Formatters = {
    "reacties": aantal,
    "reactie_op_tijd": procent,
    "besluiten": aantal,
    "besluit_op_tijd": procent,
}


OUTCOME_LABELS = {
    "indicator": "Indicator",
    "aanbieder": "Aanbieder",
    "regio": "Regio",
    "n_aanbieder": "Aantal (aanbieder)",
}


def outcomes_for_display(uitkomsten: pd.DataFrame) -> pd.DataFrame:
    """A dossier's outcome indicators as text: percentages and scores each in their format."""

    def shown(value: object, soort: str) -> str:
        return procent(value, suppressed=True) if soort == "pct" else cijfer(value, suppressed=True)

    return uitkomsten.assign(
        **{
            column: [
                shown(v, k) for v, k in zip(uitkomsten[column], uitkomsten["soort"], strict=True)
            ]
            for column in ("aanbieder", "regio")
        }
    )


# The register as a download: every public field, the description included.
REGISTER_LABELS = {
    "referentie": "Referentie",
    "soort": "Soort",
    "titel": "Titel",
    "omschrijving": "Omschrijving",
    "status": "Status",
    "categorie": "Categorie",
    "segment": "Segment",
    "profiel_nr": "Profiel",
    "urgentie": "Urgentie",
    "gemeenten": "Gemeenten",
    "aantal_gezinnen": "Aantal gezinnen",
    "aanbieder": "Aanbieder",
    "toegewezen_aan": "Toegewezen aan",
    "actiehouder": "Actiehouder",
    "deadline": "Deadline",
    "achterstallig": "Actie over tijd",
    "reactie_deadline": "Eerste reactie uiterlijk",
    "besluit_deadline": "Besluit uiterlijk",
    "tijdigheid": "Servicenorm",
    "aangemaakt": "Gemeld op",
    "gewijzigd": "Laatst gewijzigd",
}
REGISTER_FORMAT: Formatters = {
    "soort": coded(KNELPUNT_SOORT),
    "status": coded(STATUS),
    "categorie": coded(CATEGORIE),
    "segment": segment_of_report,
    "urgentie": coded(URGENTIE),
    "profiel_nr": lambda v, suppressed=False: "" if pd.isna(v) else f"P{int(v):02d}",
    "aantal_gezinnen": aantal,
    "deadline": datum,
    "achterstallig": ja_nee,
    "reactie_deadline": datum,
    "besluit_deadline": datum,
    "tijdigheid": coded(TIJDIGHEID),
    "aangemaakt": datum,
    "gewijzigd": datum,
}


AUDIT_LABELS = {
    "tijdstip": "Tijdstip",
    "gebruikersnaam": "Gebruiker",
    "rol": "Rol",
    "actie": "Actie",
    "onderwerp": "Wat",
    "filters": "Pagina en filters",
}
AUDIT_FORMAT: Formatters = {
    "tijdstip": datum,
    "rol": coded(ROL),
    "actie": coded(AUDIT_ACTIE),
}
