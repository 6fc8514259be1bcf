"""The analytical layer (DESIGN.md §3): DuckDB over a Parquet snapshot of the fact tables.

The SQL database stays the system of record. Dashboards aggregate here instead: a snapshot of
the fact and reference tables is written to Parquet once per data version, and DuckDB reads
it. A new load or import bumps the version, so the next query builds a fresh snapshot and no
page ever mixes old and new figures. The knelpunten register does not come through here: it
must always be current and reads SQL directly.
"""

from __future__ import annotations

import hashlib
import shutil
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from data_access.models import SQLModel
from data_access.settings import get_settings
from data_access.sqlite_export import export_in_child

SNAPSHOT_TABLES = (
    "regio",
    "gemeente",
    "aanbieder",
    "redenbeeindiging",
    "spic",
    "spictarief",
    "traject",
    "onderaanneming",
    "inzet",
    "betaling",
    "uitkomst",
)
_BATCH_ROWS = 250_000

Progress = Callable[[str, int], None]


def _arrow_type(column: sa.Column) -> pa.DataType:
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return pa.bool_()
    if isinstance(kind, sa.Integer):
        return pa.int64()
    if isinstance(kind, sa.Numeric):
        return pa.float64()  # hours and scores; money is integer cents
    if isinstance(kind, sa.DateTime):
        return pa.timestamp("us", tz="UTC")
    if isinstance(kind, sa.Date):
        return pa.date32()
    return pa.string()


def snapshot_schema(table: sa.Table) -> pa.Schema:
    """The Arrow types a snapshot table promises, whichever database it came from."""
    return pa.schema([pa.field(c.name, _arrow_type(c)) for c in table.columns])


def _export_table_copy(conn: sa.Connection, table: sa.Table, path: Path) -> int:
    """PostgreSQL: COPY the table out as CSV and stream it through Arrow into Parquet.

    Several times faster than fetching rows into Python, and memory stays at one batch.
    """
    schema = snapshot_schema(table)
    columns = ", ".join(f'"{c.name}"' for c in table.columns)
    order = ", ".join(f'"{c.name}"' for c in table.primary_key.columns)
    csv_path = path.with_suffix(".csv")
    raw = conn.connection.driver_connection
    query = f'COPY (SELECT {columns} FROM "{table.name}" ORDER BY {order}) TO STDOUT (FORMAT csv)'
    with (
        raw.cursor() as cursor,  # type: ignore[union-attr]
        csv_path.open("wb") as out,
        cursor.copy(query) as copy,
    ):
        for chunk in copy:
            out.write(chunk)
    rows = 0
    try:
        reader = pa_csv.open_csv(
            csv_path,
            read_options=pa_csv.ReadOptions(column_names=schema.names, block_size=1 << 24),
            convert_options=pa_csv.ConvertOptions(
                column_types=schema,
                true_values=["t"],
                false_values=["f"],
                strings_can_be_null=True,
                quoted_strings_can_be_null=False,  # "" is an empty text, an empty field NULL
            ),
        )
        with pq.ParquetWriter(path, schema, compression="zstd") as writer:
            for batch in reader:
                writer.write_batch(batch)
                rows += batch.num_rows
            if rows == 0:
                writer.write_table(schema.empty_table())
    finally:
        csv_path.unlink(missing_ok=True)
    return rows


def _stamp(engine: Engine) -> str:
    """Identifies one state of the fact data: the version and when it was set."""
    with engine.connect() as conn:
        row = conn.execute(
            sa.text("SELECT versie, gewijzigd FROM gegevensversie WHERE id = 1")
        ).first()
    return "0" if row is None else f"{row[0]}-{row[1]}"


def _database_key(engine: Engine) -> str:
    url = engine.url.render_as_string(hide_password=True)
    return hashlib.sha256(url.encode()).hexdigest()[:16]


def snapshot_root() -> Path:
    return get_settings().data_dir / "analytics"


def write_snapshot(engine: Engine, *, target: Path, progress: Progress | None = None) -> None:
    """Export the snapshot tables to Parquet in one read transaction (PostgreSQL: COPY here;
    SQLite: Arrow batches through ADBC in a child process, `sqlite_export`), derive the
    summary tables, then move the folder into place in one step."""
    staging = target.parent / f".tmp-{uuid.uuid4().hex}"
    staging.mkdir(parents=True)
    try:
        if engine.dialect.name == "sqlite":
            database = engine.url.database
            if not database or database == ":memory:":
                raise ValueError(
                    "Een analytisch snapshot vraagt een SQLite-database in een bestand."
                )
            export_in_child(database, staging, list(SNAPSHOT_TABLES), _BATCH_ROWS, progress)
        else:
            with engine.connect() as conn, conn.begin():
                for name in SNAPSHOT_TABLES:
                    rows = _export_table_copy(
                        conn, SQLModel.metadata.tables[name], staging / f"{name}.parquet"
                    )
                    if progress:
                        progress(name, rows)
        con = _connect()
        try:
            _views(con, staging, SNAPSHOT_TABLES)
            _write_derived(con, staging, progress)
        finally:
            con.close()
        try:
            staging.rename(target)
        except OSError:
            if not target.exists():
                raise  # another process won the race otherwise; its snapshot is the same data
    finally:
        shutil.rmtree(staging, ignore_errors=True)


# Tables derived from the snapshot when it is written, so opening a snapshot (a cold page)
# does not aggregate millions of delivery rows again. Each is sorted on what pages filter on.
DERIVED: dict[str, str] = {
    # Every trajectory with its cost, own and subcontracted (NULL without any delivery): the
    # base of nearly every page, read without joining trajectories to costs.
    "traject_kosten": """
        WITH k AS (
            SELECT i.traject_id,
                   SUM(i.kosten_cent)::BIGINT AS kosten_cent,
                   SUM(CASE WHEN i.aanbieder_id = t.hoofdaannemer_id THEN i.kosten_cent
                       ELSE 0 END)::BIGINT AS eigen_kosten_cent,
                   SUM(CASE WHEN i.aanbieder_id = t.hoofdaannemer_id THEN 0
                       ELSE i.kosten_cent END)::BIGINT AS onder_kosten_cent
            FROM inzet i JOIN traject t ON t.id = i.traject_id
            GROUP BY i.traject_id
        )
        SELECT t.*, k.kosten_cent, k.eigen_kosten_cent, k.onder_kosten_cent
        FROM traject t LEFT JOIN k ON k.traject_id = t.id
        ORDER BY t.id
    """,
    # Subcontracted delivery only (about one row in eight), with its contract's terms and the
    # trajectory's filter columns: the subcontracting figures read this instead of joining
    # every delivery row to its trajectory (`traject_where(filters, on=...)`).
    "onder_inzet": """
        SELECT i.traject_id, i.maand, i.aanbieder_id, i.kosten_cent, i.uren,
               o.id AS onderaanneming_id, t.hoofdaannemer_id, o.onderaannemer_id,
               o.vorm, o.facturatie, t.gemeente_code, g.regio_code, s.segment
        FROM inzet i
        JOIN onderaanneming o ON o.id = i.onderaanneming_id
        JOIN traject t ON t.id = i.traject_id
        JOIN gemeente g ON g.cbs_code = t.gemeente_code
        JOIN spic s ON s.id = t.spic_id
        ORDER BY i.maand, o.id
    """,
    # Payments with the trajectory's main contractor and filter columns, for the same reason.
    "betaling_traject": """
        SELECT b.traject_id, b.datum, b.bedrag_cent, t.hoofdaannemer_id, t.gemeente_code,
               g.regio_code, s.segment
        FROM betaling b
        JOIN traject t ON t.id = b.traject_id
        JOIN gemeente g ON g.cbs_code = t.gemeente_code
        JOIN spic s ON s.id = t.spic_id
        ORDER BY b.datum, b.traject_id
    """,
    # Ended trajectories with their outcome and the columns outcomes are filtered and grouped
    # by: the outcome indicators count these without joining trajectories to outcomes.
    "uitkomst_traject": """
        SELECT t.id AS traject_id, t.startdatum, t.einddatum, t.reden_beeindiging, r.uitval,
               u.doelrealisatie, u.ervaring_score, t.hoofdaannemer_id, t.gemeente_code,
               g.regio_code, g.naam AS gemeente_naam, s.segment, s.profiel_nr, s.profiel_naam
        FROM traject t
        JOIN gemeente g ON g.cbs_code = t.gemeente_code
        JOIN spic s ON s.id = t.spic_id
        JOIN redenbeeindiging r ON r.code = t.reden_beeindiging
        LEFT JOIN uitkomst u ON u.traject_id = t.id
        WHERE t.einddatum IS NOT NULL
        ORDER BY t.einddatum, t.id
    """,
    # A main contractor's own delivery on trajectories it ever shared with a subcontractor:
    # where the guideline "deliver at least half yourself" is checked.
    "eigen_inzet_gedeeld": """
        SELECT i.traject_id, i.maand, i.aanbieder_id AS hoofdaannemer_id, i.kosten_cent
        FROM inzet i
        WHERE i.onderaanneming_id IS NULL
          AND i.traject_id IN (SELECT traject_id FROM inzet WHERE onderaanneming_id IS NOT NULL)
        ORDER BY i.maand, i.traject_id
    """,
    # Delivery per provider and month, own and subcontracted.
    "aanbieder_maand": """
        SELECT aanbieder_id, maand, SUM(kosten_cent)::BIGINT AS kosten_cent, SUM(uren) AS uren
        FROM inzet
        GROUP BY ALL
        ORDER BY maand, aanbieder_id
    """,
}


def derived_path(directory: Path, name: str) -> Path:
    """Where a derived table lives: its file name carries a hash of its query, so a snapshot
    written by a version that derived it differently is never read as if it were current."""
    digest = hashlib.sha256(" ".join(DERIVED[name].split()).encode()).hexdigest()[:12]
    return directory / f"{name}.{digest}.parquet"


def _write_derived(
    con: duckdb.DuckDBPyConnection, directory: Path, progress: Progress | None = None
) -> None:
    """Write each derived table that the snapshot directory does not hold yet."""
    for name, query in DERIVED.items():
        path = derived_path(directory, name)
        if path.exists():
            continue
        partial = path.with_suffix(f".{uuid.uuid4().hex}.tmp")
        target = str(partial).replace("'", "''")
        written = con.execute(
            f"COPY ({query}) TO '{target}' (FORMAT parquet, COMPRESSION zstd)"
        ).fetchone()
        partial.rename(path)  # a half-written file is never taken for a whole one
        if progress:
            progress(name, int(written[0]) if written else 0)


def _connect() -> duckdb.DuckDBPyConnection:
    # DuckDB's own limits (settings), so the dashboard process stays bounded on national data.
    settings = get_settings()
    return duckdb.connect(
        config={"memory_limit": settings.duckdb_memory_limit, "threads": settings.duckdb_threads}
    )


def _views(con: duckdb.DuckDBPyConnection, directory: Path, names: Sequence[str]) -> None:
    for name in names:
        path = derived_path(directory, name) if name in DERIVED else directory / f"{name}.parquet"
        escaped = str(path).replace("'", "''")
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{escaped}')")


class Analytics:
    """A DuckDB database whose tables are views over one snapshot directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._results: OrderedDict[tuple[str, str], pd.DataFrame] = OrderedDict()
        self._lock = threading.RLock()
        self._pseudonyms: dict[int, int] | None = None
        self._con = _connect()
        _views(self._con, directory, SNAPSHOT_TABLES)
        # A snapshot written by an older version lacks newer derived tables: add them.
        _write_derived(self._con, directory)
        _views(self._con, directory, tuple(DERIVED))

    def pseudonyms(self) -> dict[int, int]:
        """Provider id -> the number of its neutral name ("Aanbieder 7") in this snapshot.

        A permutation drawn from the snapshot's own name (one per data version): the same
        provider has the same number on every chart and page, and the numbers say nothing
        about size, name or order.
        """
        with self._lock:
            if self._pseudonyms is None:
                ids = self.frame("SELECT id FROM aanbieder")["id"].astype(int).tolist()
                salt = self.directory.name

                def key(i: int) -> str:
                    return hashlib.sha256(f"{salt}:{i}".encode()).hexdigest()

                self._pseudonyms = {i: n for n, i in enumerate(sorted(ids, key=key), start=1)}
            return self._pseudonyms

    def frame(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> pd.DataFrame:
        """Run one query; a cursor per call keeps concurrent Streamlit sessions apart.

        A snapshot never changes, so a result can be reused for as long as the snapshot is
        open: pages that need the same figures (the funnel and the what-if both count outcomes
        per provider) compute them once. Small results only, and a bounded number.
        """
        key = (sql, repr(params))
        with self._lock:
            hit = self._results.get(key)
            if hit is not None:
                self._results.move_to_end(key)
                return hit.copy()
        cursor = self._con.cursor()
        try:
            result = cursor.execute(sql, params or []).df()
        finally:
            cursor.close()
        settings = get_settings()
        if len(result) <= settings.result_cache_max_rows and settings.result_cache_size:
            with self._lock:
                self._results[key] = result.copy()
                while len(self._results) > settings.result_cache_size:
                    self._results.popitem(last=False)
        return result


def snapshot_age_seconds(engine: Engine) -> float | None:
    """How old the snapshot of this database's current data is; None before its first build."""
    directory = (
        snapshot_root()
        / _database_key(engine)
        / hashlib.sha256(_stamp(engine).encode()).hexdigest()[:16]
    )
    try:
        return max(0.0, time.time() - directory.stat().st_mtime)
    except FileNotFoundError:
        return None


_open: dict[str, tuple[str, Analytics]] = {}
_lock = threading.Lock()


def analytics(engine: Engine, *, progress: Progress | None = None) -> Analytics:
    """The analytical view of this database's current data, built on first use per version."""
    key = _database_key(engine)
    stamp = _stamp(engine)
    current = _open.get(key)
    if current is not None and current[0] == stamp:
        return current[1]
    with _lock:
        current = _open.get(key)
        if current is not None and current[0] == stamp:
            return current[1]
        root = snapshot_root() / key
        directory = root / hashlib.sha256(stamp.encode()).hexdigest()[:16]
        if not directory.exists():
            root.mkdir(parents=True, exist_ok=True)
            write_snapshot(engine, target=directory, progress=progress)
        fresh = Analytics(directory)
        # The replaced snapshot is not closed or deleted yet: a session may still be reading
        # it. It goes at the next refresh; older ones go now.
        keep = {directory, current[1].directory if current else directory}
        _open[key] = (stamp, fresh)
        while len(_open) > get_settings().open_snapshots:
            _open.pop(next(iter(_open)))
        for old in root.iterdir():
            if old not in keep and not old.name.startswith(".tmp-"):
                shutil.rmtree(old, ignore_errors=True)
        return fresh
