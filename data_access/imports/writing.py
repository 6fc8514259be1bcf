"""Write one checked file inside the import transaction: stage it, resolve, then upsert.

The rows go into a temporary staging table first (COPY on PostgreSQL, executemany on SQLite).
References to trajectories are resolved there in SQL, so a delivery may point at a trajectory
imported in the same run, and a million rows never pass through Python one by one. Then new
rows are inserted and existing rows updated only where a value differs: re-importing the same
file changes nothing and reports zero changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from data_access.imports.spec import Soort
from data_access.imports.validation import Fouten
from data_access.loader import insert_frame

STAGE = "_import_stage"
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Aantallen:
    nieuw: int
    gewijzigd: int


# Work columns of the staging table that the target table does not have.
WORK_TYPES: dict[str, sa.types.TypeEngine] = {
    "_rij": sa.Integer(),
    "_nieuw": sa.Boolean(),
    "_jaar": sa.Integer(),
    "_hoofd": sa.Integer(),
    "_pseudo": sa.String(64),
    "traject_id": sa.Integer(),
}


def _stage_type(name: str, column: sa.Column | None) -> sa.types.TypeEngine:
    if name in WORK_TYPES:
        return WORK_TYPES[name]
    if column is None:
        return sa.String(255)
    if isinstance(column.type, sa.Enum):
        return sa.String(40)  # the target's CHECK constraint judges the value, once
    return column.type


def _stage_table(soort: Soort, frame: pd.DataFrame) -> sa.Table:
    target = SQLModel.metadata.tables[soort.tabel]
    columns = [sa.Column(name, _stage_type(name, target.c.get(name))) for name in frame.columns]
    return sa.Table(STAGE, sa.MetaData(), *columns, prefixes=["TEMPORARY"])


def _differs(conn: Connection, left: str, right: str) -> str:
    if conn.dialect.name == "postgresql":
        return f"{left} IS DISTINCT FROM {right}"
    return f"{left} IS NOT {right}"  # SQLite's null-safe comparison


def _rows(conn: Connection, sql: str) -> list[tuple[object, ...]]:
    return [tuple(r) for r in conn.execute(sa.text(sql))]


def _report(
    conn: Connection, fouten: Fouten, bron: str, sql: str, kolom: str, probleem: str
) -> None:
    """Add a row to the error table for every stage row `sql` (selecting _rij, value) returns."""
    found = _rows(conn, sql + " ORDER BY _rij")
    fouten.add(bron, [r[0] for r in found], kolom, [r[1] for r in found], probleem)


def write(
    conn: Connection,
    soort: Soort,
    frame: pd.DataFrame,
    bron: str,
    fouten: Fouten,
    progress: Progress | None = None,
) -> Aantallen | None:
    """Stage, check the references, and upsert; None when this file has reference errors."""
    frame = _with_work_columns(soort, frame)
    stage = _stage_table(soort, frame)
    stage.create(conn)
    # On an error the transaction is rolled back, and the staging table with it.
    result = _stage_and_write(conn, soort, frame, bron, fouten, stage, progress)
    stage.drop(conn)
    return result


def _stage_and_write(
    conn: Connection,
    soort: Soort,
    frame: pd.DataFrame,
    bron: str,
    fouten: Fouten,
    stage: sa.Table,
    progress: Progress | None,
) -> Aantallen | None:
    insert_frame(conn, stage, frame, (lambda _t, d, n: progress(bron, d, n)) if progress else None)
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text(f"ANALYZE {STAGE}"))
    before = fouten.aantal
    if "traject_id" in frame.columns:
        _resolve_trajecten(conn, bron, fouten, pseudo="_pseudo" in frame.columns)
    if soort.key == "trajecten":
        _check_trajecten(conn, bron, fouten, frame)
    elif soort.key == "inzet":
        _link_onderaanneming(conn, bron, fouten)
    elif soort.key == "stops":
        _check_stops(conn, bron, fouten)
    if fouten.aantal > before:
        return None
    if soort.key == "stops":
        return _update_only(conn, ("einddatum", "reden_beeindiging"))
    return _upsert(conn, soort, frame)


def _with_work_columns(soort: Soort, frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["_nieuw"] = True
    if ("toewijzingnummer" in frame.columns and soort.tabel != "traject") or soort.key == "stops":
        frame["traject_id"] = pd.array([pd.NA] * len(frame), dtype="Int64")
        frame["_hoofd"] = pd.array([pd.NA] * len(frame), dtype="Int64")
    if soort.key == "inzet":
        frame["onderaanneming_id"] = pd.array([pd.NA] * len(frame), dtype="Int64")
    if soort.key == "stops":
        frame["_pseudo"] = pd.array([pd.NA] * len(frame), dtype="string")
    if soort.key == "trajecten":
        frame["_jaar"] = frame["startdatum"].dt.year.astype("Int64")
        if "tarief_cent" not in frame.columns:
            frame["tarief_cent"] = pd.array([pd.NA] * len(frame), dtype="Int64")
        if "vorig_toewijzingnummer" in frame.columns:
            frame["vorig_traject_id"] = pd.array([pd.NA] * len(frame), dtype="Int64")
    return frame


def _resolve_trajecten(conn: Connection, bron: str, fouten: Fouten, pseudo: bool) -> None:
    conn.execute(
        sa.text(
            f"UPDATE {STAGE} SET traject_id = t.id, _hoofd = t.hoofdaannemer_id"
            + (", _pseudo = t.client_pseudo" if pseudo else "")
            + f" FROM traject t WHERE t.toewijzingnummer = {STAGE}.toewijzingnummer"
        )
    )
    _report(
        conn,
        fouten,
        bron,
        f"SELECT _rij, toewijzingnummer FROM {STAGE} WHERE traject_id IS NULL",
        "toewijzingnummer",
        "Onbekende toewijzing: er is geen traject met dit nummer, ook niet in deze import.",
    )


def _check_trajecten(conn: Connection, bron: str, fouten: Fouten, frame: pd.DataFrame) -> None:
    if "vorig_toewijzingnummer" in frame.columns:
        _report(
            conn,
            fouten,
            bron,
            f"SELECT _rij, vorig_toewijzingnummer FROM {STAGE} s "
            "WHERE s.vorig_toewijzingnummer IS NOT NULL "
            "AND NOT EXISTS (SELECT 1 FROM traject t "
            "WHERE t.toewijzingnummer = s.vorig_toewijzingnummer) "
            f"AND NOT EXISTS (SELECT 1 FROM {STAGE} o "
            "WHERE o.toewijzingnummer = s.vorig_toewijzingnummer)",
            "vorig_toewijzingnummer",
            "Onbekende vorige toewijzing: er is geen traject met dit nummer.",
        )
    # A trajectory keeps the tariff fixed at its allocation unless its SPIC or start changes;
    # only then, or for a new one, the tariff table decides.
    conn.execute(
        sa.text(
            f"UPDATE {STAGE} SET tarief_cent = t.tarief_cent FROM traject t "
            f"WHERE {STAGE}.tarief_cent IS NULL AND t.toewijzingnummer = {STAGE}.toewijzingnummer "
            f"AND t.spic_id = {STAGE}.spic_id AND t.startdatum = {STAGE}.startdatum"
        )
    )
    conn.execute(
        sa.text(
            f"UPDATE {STAGE} SET tarief_cent = st.tarief_cent FROM spictarief st "
            f"WHERE {STAGE}.tarief_cent IS NULL AND st.spic_id = {STAGE}.spic_id "
            f"AND st.jaar = {STAGE}._jaar"
        )
    )
    missing = _rows(
        conn,
        f"SELECT s._rij, sp.code, s._jaar FROM {STAGE} s JOIN spic sp ON sp.id = s.spic_id "
        "WHERE s.tarief_cent IS NULL ORDER BY s._rij",
    )
    for code, jaar in sorted({(r[1], r[2]) for r in missing}, key=str):
        rows = [r[0] for r in missing if r[1] == code and r[2] == jaar]
        fouten.add(
            bron,
            rows,
            "tarief",
            "",
            f"Geen tarief voor {code} in {jaar}: importeer eerst de SPIC-tarieven of vul een "
            "tarief in.",
        )


def _link_onderaanneming(conn: Connection, bron: str, fouten: Fouten) -> None:
    """A delivery by another provider than the main contractor belongs to their contract."""
    pair = (
        f"FROM onderaanneming o WHERE o.hoofdaannemer_id = {STAGE}._hoofd "
        f"AND o.onderaannemer_id = {STAGE}.aanbieder_id"
    )
    # The contract running in that month, else the first one of the pair.
    conn.execute(
        sa.text(
            f"UPDATE {STAGE} SET onderaanneming_id = COALESCE("
            f"(SELECT o.id {pair} AND o.startdatum <= {STAGE}.maand "
            "ORDER BY o.startdatum DESC LIMIT 1), "
            f"(SELECT o.id {pair} ORDER BY o.startdatum LIMIT 1)) "
            f"WHERE {STAGE}.aanbieder_id <> {STAGE}._hoofd"
        )
    )
    _report(
        conn,
        fouten,
        bron,
        f"SELECT _rij, toewijzingnummer FROM {STAGE} "
        "WHERE aanbieder_id <> _hoofd AND onderaanneming_id IS NULL",
        "aanbieder",
        "Deze aanbieder is niet de hoofdaannemer van het traject en heeft geen onderaanneming "
        "met de hoofdaannemer. Importeer eerst de onderaanneming.",
    )


def _check_stops(conn: Connection, bron: str, fouten: Fouten) -> None:
    _report(
        conn,
        fouten,
        bron,
        f"SELECT _rij, toewijzingnummer FROM {STAGE} "
        "WHERE traject_id IS NOT NULL AND client_pseudo <> _pseudo",
        "Bsn",
        "Het BSN in het stopbericht hoort niet bij de cliënt van deze toewijzing.",
    )
    _report(
        conn,
        fouten,
        bron,
        f"SELECT s._rij, s.einddatum FROM {STAGE} s JOIN traject t ON t.id = s.traject_id "
        "WHERE s.einddatum < t.startdatum",
        "Einddatum",
        "Einddatum ligt voor de startdatum van de toewijzing.",
    )


def _update_only(conn: Connection, columns: tuple[str, ...]) -> Aantallen:
    sets = ", ".join(f"{c} = s.{c}" for c in columns)
    differs = " OR ".join(_differs(conn, f"traject.{c}", f"s.{c}") for c in columns)
    changed = conn.execute(
        sa.text(
            f"UPDATE traject SET {sets} FROM {STAGE} s "
            f"WHERE traject.id = s.traject_id AND ({differs})"
        )
    ).rowcount
    return Aantallen(0, int(changed))


def _upsert(conn: Connection, soort: Soort, frame: pd.DataFrame) -> Aantallen:
    target = SQLModel.metadata.tables[soort.tabel]
    columns = [c for c in frame.columns if c in target.c and c != "vorig_traject_id"]
    key = soort.sleutel
    match = " AND ".join(f"x.{k} = {STAGE}.{k}" for k in key)
    conn.execute(sa.text(f"UPDATE {STAGE} SET _nieuw = FALSE FROM {soort.tabel} x WHERE {match}"))
    names = ", ".join(columns)
    added = conn.execute(
        sa.text(f"INSERT INTO {soort.tabel} ({names}) SELECT {names} FROM {STAGE} WHERE _nieuw")
    ).rowcount
    linked = "vorig_traject_id" in frame.columns
    if linked:  # now every trajectory of the file exists and has an id
        conn.execute(
            sa.text(
                f"UPDATE {STAGE} SET vorig_traject_id = t.id FROM traject t "
                f"WHERE t.toewijzingnummer = {STAGE}.vorig_toewijzingnummer"
            )
        )
    updatable = [c for c in columns if c not in key] + (["vorig_traject_id"] if linked else [])
    changed = 0
    if updatable:
        sets = ", ".join(f"{c} = s.{c}" for c in updatable)
        differs = " OR ".join(_differs(conn, f"{soort.tabel}.{c}", f"s.{c}") for c in updatable)
        on_key = " AND ".join(f"{soort.tabel}.{k} = s.{k}" for k in key)
        changed = conn.execute(
            sa.text(
                f"UPDATE {soort.tabel} SET {sets} FROM {STAGE} s "
                f"WHERE {on_key} AND NOT s._nieuw AND ({differs})"
            )
        ).rowcount
    if linked:
        conn.execute(
            sa.text(
                f"UPDATE traject SET vorig_traject_id = s.vorig_traject_id FROM {STAGE} s "
                "WHERE traject.toewijzingnummer = s.toewijzingnummer AND s._nieuw "
                "AND s.vorig_traject_id IS NOT NULL"
            )
        )
    return Aantallen(int(added), int(changed))
