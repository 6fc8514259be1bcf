"""The analytical layer (DESIGN.md §3): DuckDB over a Parquet snapshot of the fact tables.

The SQL database stays the system of record. Dashboards aggregate here instead: a snapshot of
the fact and reference tables is written to Parquet once per data version, and DuckDB reads
it. A new load or import bumps the version, so the next query opens a fresh snapshot and no
page ever mixes old and new figures. After an import that changed only months of deliveries,
the fresh snapshot is built from the previous one in seconds (`snapshot_refresh`): its files
are linked, and the changed months are added as a *layer*, a file that replaces those months
of the table below it. The knelpunten register does not come through here: it must always be
current and reads SQL directly.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
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
from data_access.sqlite_export import export_in_child, month_filter

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
BATCH_ROWS = 250_000

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


def export_table_copy(
    conn: sa.Connection, table: sa.Table, path: Path, months: Sequence[dt.date] = ()
) -> int:
    """PostgreSQL: COPY the table out as CSV and stream it through Arrow into Parquet (with
    `months`, only the rows of those months: a layer).

    Several times faster than fetching rows into Python, and memory stays at one batch.
    """
    schema = snapshot_schema(table)
    columns = ", ".join(f'"{c.name}"' for c in table.columns)
    order = ", ".join(f'"{c.name}"' for c in table.primary_key.columns)
    where = month_filter(table.name, [m.isoformat() for m in months])
    csv_path = path.with_suffix(".csv")
    raw = conn.connection.driver_connection
    query = (
        f'COPY (SELECT {columns} FROM "{table.name}"{where} ORDER BY {order}) '
        "TO STDOUT (FORMAT csv)"
    )
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


def _version(engine: Engine) -> tuple[int, str]:
    """The fact data's version, and a stamp that identifies that state (version and when)."""
    with engine.connect() as conn:
        row = conn.execute(
            sa.text("SELECT versie, gewijzigd FROM gegevensversie WHERE id = 1")
        ).first()
    return (0, "0") if row is None else (int(row[0]), f"{row[0]}-{row[1]}")


# --- what a snapshot folder holds ---------------------------------------------------------------

MARKER = "snapshot.json"
LAYOUT = 2  # raise when a snapshot's files change shape in a way the fingerprint misses
# Tables an incremental refresh adds layers to: deliveries, and the summaries kept per month.
LAYERED = ("inzet", "onder_inzet", "eigen_inzet_gedeeld", "aanbieder_maand")


@dataclass(frozen=True)
class Layer:
    """A file that replaces part of the table below it: every row of `months`, and (for a
    table per trajectory and month) every row of the trajectories listed in `trajecten`,
    a Parquet file of `traject_id`s."""

    file: str
    months: tuple[str, ...]
    trajecten: str | None = None


@dataclass
class Manifest:
    """The data version a snapshot folder holds, and the layers over its base files."""

    version: int
    layers: dict[str, list[Layer]] = field(default_factory=dict)

    def depth(self) -> int:
        return max((len(v) for v in self.layers.values()), default=0)


def layout_fingerprint() -> str:
    """The shape of a snapshot: tables, their columns and types, and the derived queries. A
    snapshot of another shape (an older version of the product, a schema migration) is never
    opened as current, nor the base of an incremental refresh."""
    parts = [str(LAYOUT), repr(LAYERED)]
    parts += [f"{n}:{snapshot_schema(SQLModel.metadata.tables[n])}" for n in SNAPSHOT_TABLES]
    parts += [f"{n}:{' '.join(q.split())}" for n, q in DERIVED.items()]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def write_manifest(directory: Path, manifest: Manifest) -> None:
    layers = {
        name: [{"bestand": x.file, "maanden": list(x.months), "trajecten": x.trajecten} for x in v]
        for name, v in manifest.layers.items()
        if v
    }
    content = {"versie": manifest.version, "indeling": layout_fingerprint(), "lagen": layers}
    (directory / MARKER).write_text(json.dumps(content, indent=1), encoding="utf-8")


def read_manifest(directory: Path) -> Manifest | None:
    """What a snapshot folder holds; None when it has another layout (or none)."""
    try:
        content = json.loads((directory / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if content.get("indeling") != layout_fingerprint():
        return None
    layers = {
        name: [Layer(x["bestand"], tuple(x["maanden"]), x.get("trajecten")) for x in v]
        for name, v in content.get("lagen", {}).items()
    }
    return Manifest(int(content["versie"]), layers)


def _database_key(engine: Engine) -> str:
    url = engine.url.render_as_string(hide_password=True)
    return hashlib.sha256(url.encode()).hexdigest()[:16]


def snapshot_root() -> Path:
    return get_settings().data_dir / "analytics"


def _directory(root: Path, stamp: str) -> Path:
    """Where the snapshot of one data state lives. The layout is part of its name: after an
    upgrade that lays the files out differently, the old folder is never opened as if it
    were of the new layout; a new one is built and the old one cleaned up."""
    return root / hashlib.sha256(f"{stamp}:{layout_fingerprint()}".encode()).hexdigest()[:16]


def write_snapshot(
    engine: Engine, *, target: Path, progress: Progress | None = None, version: int = 0
) -> None:
    """Export the snapshot tables to Parquet in one read transaction (PostgreSQL: COPY here;
    SQLite: Arrow batches through ADBC in a child process, `sqlite_export`), derive the
    summary tables, then move the folder into place in one step. `version` is the data
    version it holds (in its manifest, for a later incremental refresh)."""
    staging = target.parent / f".tmp-{uuid.uuid4().hex}"
    staging.mkdir(parents=True)
    try:
        if engine.dialect.name == "sqlite":
            database = engine.url.database
            if not database or database == ":memory:":
                raise ValueError(
                    "Een analytisch snapshot vraagt een SQLite-database in een bestand."
                )
            export_in_child(database, staging, list(SNAPSHOT_TABLES), BATCH_ROWS, progress)
        else:
            # One snapshot of the database for every table: under PostgreSQL's default READ
            # COMMITTED each COPY would see the commits made since the one before it.
            with (
                engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn,
                conn.begin(),
            ):
                for name in SNAPSHOT_TABLES:
                    rows = export_table_copy(
                        conn, SQLModel.metadata.tables[name], staging / f"{name}.parquet"
                    )
                    if progress:
                        progress(name, rows)
        con = duckdb_connection()
        try:
            create_views(con, staging, SNAPSHOT_TABLES)
            _write_derived(con, staging, progress)
        finally:
            con.close()
        write_manifest(staging, Manifest(version))
        move_into_place(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def move_into_place(staging: Path, target: Path) -> None:
    """One rename: a reader finds the whole snapshot or none."""
    try:
        staging.rename(target)
    except OSError:
        if not target.exists():
            raise  # another process won the race otherwise; its snapshot is the same data


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


def base_path(directory: Path, name: str) -> Path:
    """The file a snapshot table starts from (its layers, if any, lie over it)."""
    return derived_path(directory, name) if name in DERIVED else directory / f"{name}.parquet"


def copy_query(con: duckdb.DuckDBPyConnection, query: str, path: Path) -> int:
    """Write a query's result to `path` under a temporary name first: a half-written file is
    never taken for a whole one."""
    partial = path.with_suffix(f".{uuid.uuid4().hex}.tmp")
    target = str(partial).replace("'", "''")
    written = con.execute(
        f"COPY ({query}) TO '{target}' (FORMAT parquet, COMPRESSION zstd)"
    ).fetchone()
    partial.rename(path)
    return int(written[0]) if written else 0


def _write_derived(
    con: duckdb.DuckDBPyConnection, directory: Path, progress: Progress | None = None
) -> None:
    """Write each derived table that the snapshot directory does not hold yet."""
    for name, query in DERIVED.items():
        path = derived_path(directory, name)
        if path.exists():
            continue
        rows = copy_query(con, query, path)
        if progress:
            progress(name, rows)


def duckdb_connection() -> duckdb.DuckDBPyConnection:
    # DuckDB's own limits (settings), so the dashboard process stays bounded on national data.
    settings = get_settings()
    return duckdb.connect(
        config={"memory_limit": settings.duckdb_memory_limit, "threads": settings.duckdb_threads}
    )


def sql_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def dates_sql(months: Sequence[str]) -> str:
    return ", ".join(f"DATE '{dt.date.fromisoformat(m).isoformat()}'" for m in months)


def table_sql(directory: Path, name: str, layers: Sequence[Layer] = ()) -> str:
    """The query a snapshot table is read with: its base file, and over it its layers, each
    part without the rows a later layer replaces. Without layers (every snapshot after a
    full build) a plain read of one file."""
    files = [base_path(directory, name), *(directory / x.file for x in layers)]
    parts = []
    for number, path in enumerate(files):
        later = layers[number:]
        conditions = []
        months = sorted({m for x in later for m in x.months})
        if months:
            conditions.append(f"maand NOT IN ({dates_sql(months)})")
        conditions += [
            f"traject_id NOT IN (SELECT traject_id FROM read_parquet("
            f"{sql_path(directory / x.trajecten)}))"
            for x in later
            if x.trajecten
        ]
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        parts.append(f"SELECT * FROM read_parquet({sql_path(path)}){where}")
    return " UNION ALL ".join(parts)


def manifest_layers(directory: Path) -> Mapping[str, Sequence[Layer]]:
    """The layers a snapshot folder's manifest lists (none without a current manifest)."""
    manifest = read_manifest(directory)
    return manifest.layers if manifest else {}


def create_views(
    con: duckdb.DuckDBPyConnection,
    directory: Path,
    names: Sequence[str],
    layers: Mapping[str, Sequence[Layer]] | None = None,
    prefix: str = "",
) -> None:
    """A view per table over the folder's files; `layers` defaults to the folder's manifest."""
    if layers is None:
        layers = manifest_layers(directory)
    for name in names:
        sql = table_sql(directory, name, layers.get(name, ()))
        con.execute(f"CREATE OR REPLACE VIEW {prefix}{name} AS {sql}")


def read_table(directory: Path, name: str) -> pa.Table:
    """One snapshot table as Arrow, layers applied (for tests and tools)."""
    con = duckdb_connection()
    try:
        layers = manifest_layers(directory).get(name, ())
        return con.sql(table_sql(directory, name, layers)).to_arrow_table()
    finally:
        con.close()


class Analytics:
    """A DuckDB database whose tables are views over one snapshot directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._results: OrderedDict[tuple[str, str], pd.DataFrame] = OrderedDict()
        self._lock = threading.RLock()
        self._pseudonyms: dict[int, int] | None = None
        self._con = duckdb_connection()
        layers = manifest_layers(directory)  # read once for every view
        create_views(self._con, directory, SNAPSHOT_TABLES, layers)
        # A snapshot written by an older version lacks newer derived tables: add them.
        _write_derived(self._con, directory)
        create_views(self._con, directory, tuple(DERIVED), layers)

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
    directory = _directory(snapshot_root() / _database_key(engine), _version(engine)[1])
    try:
        return max(0.0, time.time() - directory.stat().st_mtime)
    except FileNotFoundError:
        return None


def _previous(root: Path, current: tuple[str, Analytics] | None) -> tuple[Path, Manifest] | None:
    """The newest snapshot of this database with the current layout: the open one, or the
    newest on disk (after a restart)."""
    candidates = [current[1].directory] if current else []
    candidates += sorted(
        (p for p in root.iterdir() if not p.name.startswith(".tmp-")),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for candidate in candidates:
        manifest = read_manifest(candidate)
        if manifest is not None:
            return candidate, manifest
    return None


def _build(
    engine: Engine,
    root: Path,
    directory: Path,
    version: int,
    current: tuple[str, Analytics] | None,
    progress: Progress | None,
) -> None:
    """The snapshot of `version`: from the previous one when only months of deliveries
    changed since (seconds), otherwise in full."""
    from data_access import snapshot_refresh

    previous = _previous(root, current)
    if previous is not None and snapshot_refresh.refresh_snapshot(
        engine,
        source=previous[0],
        manifest=previous[1],
        target=directory,
        version=version,
        progress=progress,
    ):
        return
    write_snapshot(engine, target=directory, progress=progress, version=version)


_open: dict[str, tuple[str, Analytics]] = {}
_lock = threading.Lock()


def analytics(engine: Engine, *, progress: Progress | None = None) -> Analytics:
    """The analytical view of this database's current data, built on first use per version."""
    key = _database_key(engine)
    version, stamp = _version(engine)
    current = _open.get(key)
    if current is not None and current[0] == stamp:
        return current[1]
    with _lock:
        current = _open.get(key)
        if current is not None and current[0] == stamp:
            return current[1]
        root = snapshot_root() / key
        directory = _directory(root, stamp)
        if not directory.exists():
            root.mkdir(parents=True, exist_ok=True)
            _build(engine, root, directory, version, current, progress)
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
