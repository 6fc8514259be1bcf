"""iJw release 3.x messages: allocations (JW301, code 436) and stops (JW307, code 440).

These messages carry the client's BSN, name and birth date. Only the BSN is read, and only to
turn it into a keyed pseudonym on the spot; names and birth dates are never read at all, and
nothing identifying leaves this module. Elements are matched on their local names, so the
namespaces of releases 3.0, 3.1 and 3.2 are all accepted.
"""

from __future__ import annotations

import datetime as dt
from xml.etree.ElementTree import Element

import pandas as pd
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from data_access.imports.reading import BestandOnleesbaar, Tabel
from data_access.imports.spec import STOPS, TRAJECTEN, Soort
from data_access.imports.validation import FIRST_DATA_ROW, Fouten, Opzoek
from data_access.privacy import MIN_SECRET_LENGTH, elfproef, pseudonym

JW301, JW307 = "436", "440"
NOT_SHOWN = "(niet getoond)"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element: Element | None, name: str) -> Element | None:
    if element is None:
        return None
    return next((c for c in element if _local(c.tag) == name), None)


def _children(element: Element | None, name: str) -> list[Element]:
    return [] if element is None else [c for c in element if _local(c.tag) == name]


def _text(element: Element | None, *path: str) -> str | None:
    for name in path:
        element = _child(element, name)
    if element is None or element.text is None or not element.text.strip():
        return None
    return element.text.strip()


def _parse(data: bytes, bron: str) -> Element:
    try:
        return fromstring(data, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise BestandOnleesbaar(
            f"{bron}: het bericht bevat een DTD of entiteiten; die worden om veiligheidsredenen "
            "geweigerd."
        ) from exc
    except ParseError as exc:
        raise BestandOnleesbaar(f"{bron}: geen geldig XML-bericht ({exc}).") from exc


def read_message(
    data: bytes, bron: str, secret: str, lookups: Opzoek, fouten: Fouten
) -> tuple[Tabel, Soort]:
    """The message as a text table in the form of the trajecten template, or of stops."""
    if len(secret) < MIN_SECRET_LENGTH:
        raise BestandOnleesbaar(
            f"{bron}: iJw-berichten kunnen pas worden ingelezen als de beheerder de sleutel voor "
            f"pseudoniemen heeft ingesteld (SPIC_PSEUDONYM_SECRET, minstens {MIN_SECRET_LENGTH} "
            "tekens). Zonder sleutel zou het BSN moeten worden bewaard, en dat gebeurt nooit."
        )
    root = _parse(data, bron)
    header = _child(root, "Header")
    code, versie = _text(header, "BerichtCode"), _text(header, "BerichtVersie")
    if _local(root.tag) != "Bericht" or code not in (JW301, JW307):
        raise BestandOnleesbaar(
            f"{bron}: dit is geen iJw-toewijzingsbericht (JW301, berichtcode 436) of "
            "stopbericht (JW307, berichtcode 440)."
        )
    if versie != "3":
        raise BestandOnleesbaar(
            f"{bron}: alleen iJw-release 3.x wordt ondersteund (BerichtVersie 3, "
            f"dit bericht heeft {versie or 'geen versie'})."
        )
    rows: list[dict[str, str | None]] = []
    clients = _children(root, "Client")
    if code == JW301:
        gemeente = _text(header, "Afzender")
        aanbieder = _text(header, "Ontvanger")
        for client in clients:
            pseudo = _client_pseudonym(client, bron, len(rows) + 1, secret, fouten)
            products = _children(_child(client, "ToegewezenProducten"), "ToegewezenProduct")
            for product in products:
                row = _allocation(product, lookups, bron, len(rows) + 1, fouten)
                row |= {
                    "client_pseudoniem": pseudo,
                    "gemeente": f"GM{gemeente.zfill(4)}" if gemeente else None,
                    "hoofdaannemer": aanbieder,
                }
                rows.append(row)
        soort = TRAJECTEN
    else:
        for client in clients:
            pseudo = _client_pseudonym(client, bron, len(rows) + 1, secret, fouten)
            for product in _children(_child(client, "StopProducten"), "StopProduct"):
                rows.append(
                    _stop(product, bron, len(rows) + 1, fouten) | {"client_pseudoniem": pseudo}
                )
        soort = STOPS
    if not rows:
        raise BestandOnleesbaar(f"{bron}: het bericht bevat geen producten.")
    frame = pd.DataFrame(rows, columns=list(rows[0])).astype("string")
    # Row numbers in the error table are the product's position in the message.
    frame.index = pd.RangeIndex(1 - FIRST_DATA_ROW, len(frame) + 1 - FIRST_DATA_ROW)
    return Tabel(bron, frame), soort


def _client_pseudonym(
    client: Element, bron: str, rij: int, secret: str, fouten: Fouten
) -> str | None:
    bsn = _text(client, "Bsn")
    if bsn is None or not elfproef(bsn):
        fouten.add(bron, [rij], "Bsn", NOT_SHOWN, "Ontbrekend of ongeldig BSN (elfproef).")
        return None
    return pseudonym(bsn, secret)


def _allocation(
    product: Element, lookups: Opzoek, bron: str, rij: int, fouten: Fouten
) -> dict[str, str | None]:
    nummer = _text(product, "ToewijzingNummer")
    categorie = _text(product, "Product", "Categorie")
    code = _text(product, "Product", "Code")
    start = _text(product, "Ingangsdatum")
    einde = _text(product, "Einddatum")
    spic = lookups.productkoppeling.get((categorie or "", (code or "").upper()))
    if categorie is None or code is None:
        fouten.add(
            bron,
            [rij],
            "Product",
            nummer or "",
            "Toewijzing zonder productcode (aspecifiek of generiek): die is niet aan een "
            "SPIC te koppelen.",
        )
    elif spic is None:
        fouten.add(
            bron,
            [rij],
            "Product",
            f"{categorie}/{code}",
            "Geen SPIC gekoppeld aan dit product. Voeg de koppeling toe onder "
            "'Productcodes → SPIC'.",
        )
    if einde is None and spic is not None and start is not None:
        einde = _planned_end(start, lookups.richtduur[spic])
    return {
        "toewijzingnummer": nummer,
        "spic": spic,
        "startdatum": start,
        "geplande_einddatum": einde,
    }


def _planned_end(start: str, months: int) -> str | None:
    """Without an end date in the allocation, the SPIC's planned duration decides."""
    try:
        begin = dt.date.fromisoformat(start)
    except ValueError:
        return None  # the date check reports the start date itself
    end = pd.Timestamp(begin) + pd.DateOffset(months=months) - pd.Timedelta(days=1)
    return end.date().isoformat()


def _stop(product: Element, bron: str, rij: int, fouten: Fouten) -> dict[str, str | None]:
    nummer = _text(product, "ToewijzingNummer")
    status = _text(product, "StatusAanlevering")
    if nummer is None:
        fouten.add(
            bron,
            [rij],
            "ToewijzingNummer",
            "",
            "Stopbericht zonder toewijzingnummer (taakgerichte uitvoering) wordt niet ondersteund.",
        )
    if status not in (None, "1"):
        fouten.add(
            bron,
            [rij],
            "StatusAanlevering",
            status or "",
            "Alleen eerste aanleveringen (StatusAanlevering 1) worden verwerkt; stuur een "
            "correctie als nieuw stopbericht.",
        )
    return {
        "toewijzingnummer": nummer,
        "einddatum": _text(product, "Einddatum"),
        "reden_beeindiging": _text(product, "RedenBeeindiging"),
    }
