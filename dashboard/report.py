"""The provider dossier as a PDF for the yearly tariff talk, made on the server.

An HTML page (tables and the utilisation grid as plotly figures) printed by headless
Chromium. Chromium is the engine that already draws the app and its tests here, so the PDF
looks like the screen, tables and text keep their layout, the charts stay vector graphics,
and no extra Python library with its own layout engine or system fonts is needed; it runs
offline (plotly.js is inlined). Every text from the data is HTML-escaped.
"""

from __future__ import annotations

import datetime as dt
import html
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

import plotly.io as pio

from dashboard import charts
from dashboard.formatting import (
    AMSTERDAM,
    aantal,
    cijfer,
    datum,
    euro_cent,
    procent,
    verandering,
)
from data_access.queries.aanbieder import Dossier
from data_access.queries.common import Jaarvergelijking
from data_access.settings import get_settings


class PdfNietGemaakt(RuntimeError):
    """The PDF could not be made; the message is Dutch and says what to do."""


STYLE = """
body { font-family: 'DejaVu Sans', Arial, sans-serif; font-size: 10pt; color: #111; }
h1 { font-size: 18pt; margin: 0 0 4pt 0; } h2 { font-size: 13pt; margin: 16pt 0 4pt 0; }
p.sub { color: #333; margin: 0 0 8pt 0; }
table { border-collapse: collapse; width: 100%; margin: 4pt 0; }
th, td { border: 1px solid #999; padding: 3pt 5pt; text-align: left; vertical-align: top; }
td.num { text-align: right; white-space: nowrap; } th { background: #eee; }
.note { color: #333; font-size: 8.5pt; }
@page { size: A4; margin: 14mm; }
"""


def _e(text: object) -> str:
    return html.escape(str(text))


def _table(headers: Sequence[str], rows: Sequence[Sequence[object]], numeric: set[int]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{_e(v)}</td>' if i in numeric else f"<td>{_e(v)}</td>"
            for i, v in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def whole_euros(cents: object, suppressed: bool = False) -> str:
    return euro_cent(cents, hele_euros=True, suppressed=suppressed)  # type: ignore[arg-type]


def _change(vergelijking: Jaarvergelijking | None, fmt: object) -> str:
    if vergelijking is None:
        return "–"
    text = verandering(vergelijking.verschil, vergelijking.relatief, fmt)  # type: ignore[arg-type]
    return text or "–"


def dossier_html(
    d: Dossier,
    *,
    filters: Sequence[tuple[str, str]],
    vergelijking: dict[str, Jaarvergelijking] | None,
) -> str:
    info = d.aanbieder
    yoy = vergelijking or {}
    parts = [
        f"<h1>Aanbiederdossier {_e(info['naam'])}</h1>",
        '<p class="sub">'
        + " · ".join(_e(f"{name}: {value}") for name, value in filters)
        + (f" · gecontracteerd voor segment {_e(d.contract)}" if d.contract else "")
        + (f" · AGB {_e(info['agb_code'])}" if info["agb_code"] else "")
        + "</p>",
        "<h2>Kerncijfers</h2>",
        _table(
            ["", "Deze periode", "Ten opzichte van een jaar eerder"],
            [
                (
                    "Gestarte trajecten",
                    aantal(d.totaal["gestart"]),
                    _change(yoy.get("gestart"), aantal),
                ),
                (
                    "Afgesloten trajecten",
                    aantal(d.totaal["afgesloten"]),
                    _change(yoy.get("afgesloten"), aantal),
                ),
                ("Tarieven afgesloten", euro_cent(d.totaal["tarief_cent"], hele_euros=True), ""),
                ("Kosten afgesloten", euro_cent(d.totaal["kosten_cent"], hele_euros=True), ""),
                (
                    "Resultaat (tarieven min kosten)",
                    euro_cent(d.totaal["resultaat_cent"], hele_euros=True),
                    _change(yoy.get("resultaat_cent"), whole_euros),
                ),
                ("Eigen aandeel in de zorg", procent(d.eigen_aandeel), ""),
            ],
            {1, 2},
        ),
        "<h2>Uitnutting per profiel en intensiteit</h2>",
        (
            '<p class="note">Kosten ÷ tarief van de afgesloten trajecten; grijs: geen '
            f"trajecten; '*': minder dan {charts.RELIABLE_FROM} trajecten.</p>"
        ),
    ]
    first = True
    cells = d.heatmap
    for segment in sorted(set(cells.loc[cells["trajecten"] > 0, "segment"])):
        figure = charts.utilisation_grid(cells, segment)
        figure.update_layout(width=720, margin={"l": 230})
        parts.append(
            pio.to_html(
                figure,
                full_html=False,
                include_plotlyjs="inline" if first else False,
                config={"staticPlot": True},
            )
        )
        first = False
    parts += [
        "<h2>Uitkomsten tegenover de regio</h2>",
        _table(
            ["Indicator", "Aanbieder", "Regio", "Aantal (aanbieder)"],
            [
                (
                    r.indicator,
                    procent(r.aanbieder) if r.soort == "pct" else cijfer(r.aanbieder),
                    procent(r.regio, suppressed=True)
                    if r.soort == "pct"
                    else cijfer(r.regio, suppressed=True),
                    aantal(r.n_aanbieder),
                )
                for r in d.uitkomsten.itertuples()
            ],
            {1, 2, 3},
        ),
        "<h2>Uitnutting per SPIC</h2>",
        _table(
            ["SPIC", "Gestart", "Afgesloten", "Tarieven", "Kosten", "Uitnutting", "Regio"],
            [
                (
                    r.spic_code,
                    aantal(r.gestart),
                    aantal(r.afgesloten),
                    euro_cent(r.tarief_cent, hele_euros=True),
                    euro_cent(r.kosten_cent, hele_euros=True),
                    procent(r.uitnutting),
                    procent(r.regio_uitnutting, suppressed=True),
                )
                for r in d.per_spic.itertuples()
            ],
            {1, 2, 3, 4, 5, 6},
        ),
        (
            f'<p class="note">Gemaakt door SPIC-monitor op {_e(datum(dt.datetime.now(AMSTERDAM)))}.'
            f" Cijfers over minder dan {get_settings().suppression_threshold} trajecten van de "
            "regio zijn niet getoond.</p>"
        ),
    ]
    body = "\n".join(parts)
    return (
        '<!doctype html><html lang="nl"><head><meta charset="utf-8">'
        f"<title>Aanbiederdossier</title><style>{STYLE}</style></head><body>{body}</body></html>"
    )


def html_to_pdf(page: str, timeout: float = 60) -> bytes:
    """Print an HTML page to PDF with headless Chromium (SPIC_CHROMIUM_PATH)."""
    browser = get_settings().chromium
    if browser is None:
        raise PdfNietGemaakt(
            "De PDF kan niet worden gemaakt: Chromium ontbreekt op de server. Installeer het "
            "(Debian: apt-get install chromium) of wijs het aan met SPIC_CHROMIUM_PATH."
        )
    with tempfile.TemporaryDirectory(prefix="spic-pdf-") as folder:
        source = Path(folder) / "dossier.html"
        target = Path(folder) / "dossier.pdf"
        source.write_text(page, encoding="utf-8")
        command = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={folder}/profiel",
            "--no-pdf-header-footer",
            "--virtual-time-budget=10000",  # let plotly draw before printing
            f"--print-to-pdf={target}",
            source.as_uri(),
        ]
        try:
            subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PdfNietGemaakt(
                "De PDF kan niet worden gemaakt: Chromium reageerde niet. Probeer het opnieuw."
            ) from exc
        if not target.exists() or target.stat().st_size == 0:
            raise PdfNietGemaakt("De PDF kan niet worden gemaakt: Chromium gaf geen bestand.")
        return target.read_bytes()


def dossier_pdf(
    d: Dossier,
    *,
    filters: Sequence[tuple[str, str]],
    vergelijking: dict[str, Jaarvergelijking] | None,
) -> bytes:
    return html_to_pdf(dossier_html(d, filters=filters, vergelijking=vergelijking))
