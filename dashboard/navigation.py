"""The pages of the app: titles, icons, sections and where their scripts live."""

from __future__ import annotations

from pathlib import Path

PAGES_DIR = Path(__file__).resolve().parent.parent / "pages"

# key -> (title, icon, section); the key is also the page file name and the PAGE_ROLES key.
PAGES: dict[str, tuple[str, str, str]] = {
    "overzicht": ("Overzicht", ":material/dashboard:", "Dashboards"),
    "uitnutting": ("SPIC-uitnutting", ":material/grid_on:", "Dashboards"),
    "segmenten": ("Segment B en C", ":material/compare_arrows:", "Dashboards"),
    "resultaat": ("Resultaat en betaling", ":material/payments:", "Dashboards"),
    "onderaanneming": ("Onderaanneming", ":material/hub:", "Dashboards"),
    "aanbieder": ("Aanbieder", ":material/business:", "Dashboards"),
    "melden": ("Knelpunt melden", ":material/campaign:", "Knelpunten"),
    "meldingen": ("Mijn meldingen", ":material/inbox:", "Knelpunten"),
    "kerngroep": ("Kerngroep", ":material/list_alt:", "Knelpunten"),
    "overleggen": ("Kerngroepoverleg", ":material/groups:", "Knelpunten"),
    "trends": ("Trends knelpunten", ":material/trending_up:", "Knelpunten"),
    "gebruikers": ("Gebruikers", ":material/manage_accounts:", "Beheer"),
    "importeren": ("Gegevens importeren", ":material/upload_file:", "Beheer"),
}


def page_path(key: str) -> Path:
    return PAGES_DIR / f"{key}.py"
