"""Column labels and formats of tables that several pages show, defined once."""

from __future__ import annotations

from collections.abc import Callable

from dashboard.formatting import aantal, datum, euro_cent, procent, uren
from data_access.labels import VORM, label

Formatters = dict[str, Callable[..., str]]

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
    "vorm": lambda v, suppressed=False: label(VORM, v),
    "gereserveerd_per_week": uren,
    "gebruikt_per_week": uren,
    "benutting": procent,
    "maanden_onder_80": aantal,
}
