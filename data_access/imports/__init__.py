"""Import a region's own data: CSV/Excel files per template and iJw messages (JW301, JW307).

An import runs in two steps. First every file is read and checked on its own (types, code
lists, dates in order, duplicates); no transaction is open yet. Then, in one transaction, each
file is staged, its references checked against the database and the files before it, and
upserted on its natural key. Any error anywhere rolls the whole import back: nothing is written
while a single error remains. A successful import bumps the data version, so dashboards and
the analytical snapshot refresh without a restart.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from data_access import audit
from data_access.access import Scope
from data_access.analytics import analytics
from data_access.db import bump_data_version, session_scope
from data_access.imports import ijw, templates
from data_access.imports.reading import BestandOnleesbaar, Tabel, read_file
from data_access.imports.spec import PER_KEY, SOORTEN, STOPS, Soort
from data_access.imports.validation import Fouten, convert, detect, opzoek
from data_access.imports.writing import write
from data_access.models import CHANGES_PER_MONTH, AuditActie, Gegevensimport
from data_access.settings import get_settings

Progress = Callable[[str, float], None]  # (what is happening, fraction done)
logger = logging.getLogger(__name__)
ORDER = {s.key: i for i, s in enumerate((*SOORTEN[:4], STOPS, *SOORTEN[4:]))}

__all__ = [
    "Bestand",
    "BestandOnleesbaar",
    "ImportGeweigerd",
    "Uitvoerder",
    "Verslag",
    "exporteer",
    "importbeheer",
    "importeer",
    "importlog",
    "productkoppelingen",
    "uitvoerder_voor",
]


@dataclass(frozen=True)
class Bestand:
    naam: str
    inhoud: bytes


@dataclass(frozen=True)
class Uitvoerder:
    """Who runs an import: a beheerder in the app, or the command line on the server."""

    naam: str
    gebruiker_id: int | None = None


@dataclass(frozen=True)
class Verslag:
    bron: str
    soort: str
    rijen: int
    nieuw: int
    gewijzigd: int


class ImportGeweigerd(Exception):
    """The import was refused; `fouten` is the Dutch error table, and nothing was written."""

    def __init__(self, fouten: pd.DataFrame, aantal: int) -> None:
        super().__init__(f"De import is geweigerd: {aantal} fout(en). Er is niets opgeslagen.")
        self.fouten = fouten
        self.aantal = aantal


def uitvoerder_voor(scope: Scope, naam: str) -> Uitvoerder:
    _require_beheerder(scope)
    return Uitvoerder(naam, scope.gebruiker_id)


def importeer(
    engine: Engine,
    *,
    uitvoerder: Uitvoerder,
    bestanden: Sequence[Bestand],
    soort: str | None = None,
    progress: Progress | None = None,
    refresh_dashboards: bool = False,
) -> list[Verslag]:
    """Import the files as one transaction; raises ImportGeweigerd with the error table.

    With `refresh_dashboards`, the analytical snapshot of the new data is made right after
    the commit (for deliveries only, incrementally: seconds), so no one opening a dashboard
    next has to wait for it."""
    if soort is not None and soort not in PER_KEY:
        raise ValueError(f"unknown import kind {soort!r}")
    report = progress or (lambda _what, _done: None)
    fouten = Fouten()
    with engine.connect() as conn:
        lookups = opzoek(conn)
    secret = get_settings().pseudonym_secret
    checked: list[tuple[int, Tabel, Soort, pd.DataFrame]] = []
    for number, bestand in enumerate(bestanden):
        report(f"{bestand.naam} lezen en controleren", 0.4 * number / len(bestanden))
        try:
            if bestand.naam.lower().endswith(".xml"):
                tabel, found = ijw.read_message(
                    bestand.inhoud, bestand.naam, secret, lookups, fouten
                )
                tables: list[tuple[Tabel, Soort | None]] = [(tabel, found)]
            else:
                tables = [
                    (t, detect(t, fouten, soort)) for t in read_file(bestand.naam, bestand.inhoud)
                ]
        except BestandOnleesbaar as exc:
            fouten.add_file(bestand.naam, str(exc).split(": ", 1)[-1])
            continue
        for tabel, kind in tables:
            if kind is not None:
                checked.append((number, tabel, kind, convert(tabel, kind, lookups, fouten)))
    if fouten:
        raise ImportGeweigerd(fouten.tabel(), fouten.aantal)
    checked.sort(key=lambda item: (ORDER[item[2].key], item[0]))
    total_rows = sum(len(frame) for *_, frame in checked) or 1
    verslagen: list[Verslag] = []
    done = 0
    changed: dict[str, set[dt.date] | None] = {}
    with session_scope(engine) as session:
        conn = session.connection()
        for _, tabel, kind, frame in checked:

            def staged(bron: str, rows: int, _total: int, start: int = done) -> None:
                report(f"{bron} schrijven", 0.4 + 0.6 * (start + rows) / total_rows)

            counts = write(conn, kind, frame, tabel.bron, fouten, staged)
            done += len(frame)
            if counts is not None and (counts.nieuw or counts.gewijzigd):
                months = changed.setdefault(kind.tabel, set())
                if kind.tabel in CHANGES_PER_MONTH and months is not None:
                    column = CHANGES_PER_MONTH[kind.tabel]
                    months |= set(pd.to_datetime(frame[column]).dt.date)
                else:
                    changed[kind.tabel] = None  # the snapshot takes this table whole
            if counts is not None:
                verslagen.append(
                    Verslag(tabel.bron, kind.titel, len(frame), counts.nieuw, counts.gewijzigd)
                )
        if fouten:
            raise ImportGeweigerd(fouten.tabel(), fouten.aantal)  # rolls everything back
        for verslag in verslagen:
            session.add(
                Gegevensimport(
                    gebruiker_id=uitvoerder.gebruiker_id,
                    uitgevoerd_door=uitvoerder.naam[:120],
                    soort=verslag.soort[:30],
                    bestandsnaam=verslag.bron[:255],
                    rijen=verslag.rijen,
                    nieuw=verslag.nieuw,
                    gewijzigd=verslag.gewijzigd,
                )
            )
        if verslagen:
            audit.add(
                session,
                gebruiker_id=uitvoerder.gebruiker_id,
                actie=AuditActie.IMPORT,
                onderwerp=", ".join(f"{v.bron} ({v.soort}, {v.rijen} rijen)" for v in verslagen),
            )
        if any(v.nieuw or v.gewijzigd for v in verslagen):
            bump_data_version(session, changed)
    if refresh_dashboards and changed:
        report("De dashboards bijwerken", 0.98)
        try:
            analytics(engine)
        except Exception:  # the import stands; the first dashboard visit builds it again
            logger.warning("Snapshot bijwerken na de import mislukt", exc_info=True)
    report("Klaar", 1.0)
    return verslagen


def _require_beheerder(scope: Scope) -> None:
    scope.require(
        scope.may_administer, "Alleen een beheerder mag gegevens importeren of exporteren."
    )


def exporteer(engine: Engine, scope: Scope, *, soort: str, fmt: str) -> bytes:
    """Today's data of one kind, in its template's form (beheerder only)."""
    _require_beheerder(scope)
    return templates.export(engine, soort=PER_KEY[soort], fmt=fmt)


def productkoppelingen(engine: Engine, scope: Scope) -> pd.DataFrame:
    """The product code → SPIC table that JW301 allocations are read with."""
    _require_beheerder(scope)
    return templates.export_frame(engine, soort=PER_KEY["productcodes"])


@dataclass(frozen=True)
class Importbeheer:
    """What the import page shows besides its forms."""

    productkoppelingen: pd.DataFrame
    log: pd.DataFrame


def importbeheer(engine: Engine, scope: Scope) -> Importbeheer:
    return Importbeheer(productkoppelingen(engine, scope), importlog(engine, scope))


def importlog(engine: Engine, scope: Scope, *, limit: int = 200) -> pd.DataFrame:
    """The most recent imports, newest first (beheerder only)."""
    _require_beheerder(scope)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                Gegevensimport.tijdstip,
                Gegevensimport.uitgevoerd_door,
                Gegevensimport.soort,
                Gegevensimport.bestandsnaam,
                Gegevensimport.rijen,
                Gegevensimport.nieuw,
                Gegevensimport.gewijzigd,
            )
            .order_by(Gegevensimport.id.desc())
            .limit(limit)
        ).all()
    return pd.DataFrame(
        rows,
        columns=[
            "tijdstip",
            "uitgevoerd_door",
            "soort",
            "bestandsnaam",
            "rijen",
            "nieuw",
            "gewijzigd",
        ],
    )
