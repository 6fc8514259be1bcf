"""The analytical layer (DESIGN.md §3): DuckDB over a Parquet snapshot of the fact tables.

The SQL database stays the system of record. Dashboards aggregate here instead: a snapshot of
the fact and reference tables is written to Parquet once per data version, and DuckDB reads
it. A new load or import bumps the version, so the next query builds a fresh snapshot and no
page ever mixes old and new figures. The knelpunten register does not come through here: it
must always be current and reads SQL directly.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
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
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from data_access.models import SQLModel
from data_access.settings import get_settings
from data_access.snapshot_files import (
    EMPTY as EMPTY_MONTH,
)
from data_access.snapshot_files import (
    MONTHLY,
    TableWriter,
    glob,
    month_directory,
    write_empty,
)
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


def _export_table_copy(
    conn: sa.Connection, table: sa.Table, staging: Path, months: Sequence[dt.date] = ()
) -> int:
    """PostgreSQL: COPY the table out as CSV and stream it through Arrow into Parquet (one
    file, or one per month for the monthly tables; with `months`, only those months).

    Several times faster than fetching rows into Python, and memory stays at one batch.
    """
    schema = snapshot_schema(table)
    split = MONTHLY.get(table.name)
    columns = ", ".join(f'"{c.name}"' for c in table.columns)
    order = ", ".join(f'"{c.name}"' for c in table.primary_key.columns)
    where = ""
    if months and split:
        where = f' WHERE "{split}" IN ({", ".join(f"DATE {m.isoformat()!r}" for m in months)})'
    target = staging / table.name if split else staging / f"{table.name}.parquet"
    csv_path = staging / f"{table.name}.csv"
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
        writer = TableWriter(target, schema, split)
        for batch in reader:
            writer.write(pa.Table.from_batches([batch]))
        rows = writer.close()
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


def _stamp(engine: Engine) -> str:
    return _version(engine)[1]


# --- what a snapshot holds, for an incremental refresh ------------------------------------------

MARKER = "snapshot.json"
LAYOUT = 1  # raise when the files of a snapshot change shape in a way the fingerprint misses


def layout_fingerprint() -> str:
    """The shape of a snapshot: tables, their columns and types, the derived queries and
    which tables are kept per month. A snapshot of another shape (an older version of the
    product, a schema migration) is never the base of an incremental refresh."""
    parts = [str(LAYOUT), repr(sorted(MONTHLY.items())), repr(sorted(MONTHLY_DERIVED))]
    parts += [f"{n}:{snapshot_schema(SQLModel.metadata.tables[n])}" for n in SNAPSHOT_TABLES]
    parts += [f"{n}:{' '.join(q.split())}" for n, q in DERIVED.items()]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _mark(directory: Path, version: int) -> None:
    (directory / MARKER).write_text(
        json.dumps({"versie": version, "indeling": layout_fingerprint()}), encoding="utf-8"
    )


def _marked_version(directory: Path) -> int | None:
    """The data version a snapshot holds, if it has the current layout; None otherwise."""
    try:
        marker = json.loads((directory / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if marker.get("indeling") != layout_fingerprint():
        return None
    return int(marker["versie"])


def changed_months(engine: Engine, *, after: int, upto: int) -> list[dt.date] | None:
    """The months of deliveries that the data versions after `after` up to `upto` changed,
    when that is all they changed (imports of deliveries); None when a version changed
    anything else or did not say what it changed (a load, a restore): then only a full
    rebuild is right."""
    if upto <= after:
        return None
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT versie, tabel, maand FROM gegevenswijziging "
                "WHERE versie > :after AND versie <= :upto"
            ),
            {"after": after, "upto": upto},
        ).all()
    if {int(r[0]) for r in rows} != set(range(after + 1, upto + 1)):
        return None
    if any(r[1] not in MONTHLY or r[2] is None for r in rows):
        return None
    return sorted(
        {r[2] if isinstance(r[2], dt.date) else dt.date.fromisoformat(r[2]) for r in rows}
    )


def _database_key(engine: Engine) -> str:
    url = engine.url.render_as_string(hide_password=True)
    return hashlib.sha256(url.encode()).hexdigest()[:16]


def snapshot_root() -> Path:
    return get_settings().data_dir / "analytics"


def write_snapshot(
    engine: Engine, *, target: Path, progress: Progress | None = None, version: int = 0
) -> None:
    """Export the snapshot tables to Parquet in one read transaction (PostgreSQL: COPY here;
    SQLite: Arrow batches through ADBC in a child process, `sqlite_export`), derive the
    summary tables, then move the folder into place in one step. `version` is the data
    version it holds (written beside it, for a later incremental refresh)."""
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
                    rows = _export_table_copy(conn, SQLModel.metadata.tables[name], staging)
                    if progress:
                        progress(name, rows)
        con = _connect()
        try:
            _views(con, staging, SNAPSHOT_TABLES)
            _write_derived(con, staging, progress)
        finally:
            con.close()
        _mark(staging, version)
        try:
            staging.rename(target)
        except OSError:
            if not target.exists():
                raise  # another process won the race otherwise; its snapshot is the same data
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _link_tree(source: Path, target: Path, skip: set[Path]) -> None:
    """Hard-link every file of `source` into `target` (no copying), except the paths in
    `skip` (files or whole folders). A snapshot's files never change once written."""
    for root, folders, files in os.walk(source):
        here = Path(root)
        folders[:] = [f for f in folders if here / f not in skip]
        destination = target / here.relative_to(source)
        destination.mkdir(parents=True, exist_ok=True)
        for name in files:
            if here / name not in skip and name != MARKER:
                os.link(here / name, destination / name)


def refresh_snapshot(
    engine: Engine,
    *,
    source: Path,
    target: Path,
    months: Sequence[dt.date],
    version: int,
    progress: Progress | None = None,
) -> None:
    """Build the snapshot of the current data from `source`, the snapshot of an earlier
    version, when only the deliveries of `months` changed since: those months are exported
    again, the summaries that depend on them are recomputed for those months (and, for the
    costs per trajectory, for the trajectories with deliveries in them), and every other file
    is linked from `source`. The result is the same as `write_snapshot` of the current data
    (tested table by table), written aside and moved into place in one step."""
    staging = target.parent / f".tmp-{uuid.uuid4().hex}"
    staging.mkdir(parents=True)
    keys = [m.isoformat() for m in months]
    try:
        skip = {month_directory(source / name, key) for name in MONTHLY for key in keys}
        skip |= {derived_path(source, n) for n in ("traject_kosten", "eigen_inzet_gedeeld")}
        skip |= {
            month_directory(derived_path(source, name), key)
            for name in MONTHLY_DERIVED - {"eigen_inzet_gedeeld"}
            for key in keys
        }
        _link_tree(source, staging, skip)
        for name in MONTHLY:  # a month that was the table's only one, or its empty file
            (staging / name).mkdir(exist_ok=True)
        if engine.dialect.name == "sqlite":
            database = engine.url.database
            assert database and database != ":memory:"
            export_in_child(database, staging, list(MONTHLY), _BATCH_ROWS, progress, keys)
        else:
            with engine.connect() as conn, conn.begin():
                for name in MONTHLY:
                    rows = _export_table_copy(conn, SQLModel.metadata.tables[name], staging, months)
                    if progress:
                        progress(name, rows)
        for name in MONTHLY:
            _tidy_months(staging / name)
        con = _connect()
        try:
            _views(con, staging, SNAPSHOT_TABLES)
            _views(con, source, ("inzet", "traject_kosten"), prefix="oud_")
            in_months = _dates(months)
            # Trajectories with deliveries in the changed months, before or now.
            con.execute(
                "CREATE TEMP TABLE geraakt AS "
                f"SELECT DISTINCT traject_id FROM inzet WHERE maand IN ({in_months}) UNION "
                f"SELECT DISTINCT traject_id FROM oud_inzet WHERE maand IN ({in_months})"
            )
            for name in MONTHLY_DERIVED - {"eigen_inzet_gedeeld"}:
                _rewrite_months(con, staging, name, f"maand IN ({in_months})")
            _refresh_costs(con, staging, in_months)
            _refresh_own_shared(con, staging, source, months)
        finally:
            con.close()
        _mark(staging, version)
        try:
            staging.rename(target)
        except OSError:
            if not target.exists():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _tidy_months(table_directory: Path) -> None:
    """After writing months into a monthly table: its empty placeholder goes once it has
    months, and comes back if it has none."""
    months = [p for p in table_directory.iterdir() if p.name != EMPTY_MONTH]
    placeholder = table_directory / EMPTY_MONTH
    if months and placeholder.exists():
        shutil.rmtree(placeholder)


def _rewrite_months(
    con: duckdb.DuckDBPyConnection, staging: Path, name: str, condition: str
) -> None:
    """Write the months of a monthly derived table that `condition` selects, into the table
    linked from the previous snapshot (whose files for those months were left out)."""
    path = derived_path(staging, name)
    fresh = path.with_name(f"{path.name}.{uuid.uuid4().hex}.nieuw")
    _copy_query(con, f"SELECT * FROM ({DERIVED[name]}) WHERE {condition}", fresh, True)
    path.mkdir(exist_ok=True)
    for month in fresh.iterdir():
        if month.name != EMPTY_MONTH:
            shutil.rmtree(path / month.name, ignore_errors=True)
            month.rename(path / month.name)
    shutil.rmtree(fresh, ignore_errors=True)
    if any(p.name != EMPTY_MONTH for p in path.iterdir()):
        shutil.rmtree(path / EMPTY_MONTH, ignore_errors=True)
    elif not (path / EMPTY_MONTH).exists():
        schema = con.sql(f"SELECT * FROM ({DERIVED[name]}) LIMIT 0").to_arrow_table()
        write_empty(path, schema.schema)


def _refresh_costs(con: duckdb.DuckDBPyConnection, staging: Path, months: str) -> None:
    """The costs per trajectory: the previous figures plus what the changed months add or
    take away (new deliveries of those months minus the old ones), so only the months are
    read, not every delivery. A trajectory whose deliveries were all in those months and are
    gone is computed again from scratch (it has no costs at all now)."""
    per_month = """
        SELECT i.traject_id, COUNT(*) AS rijen, SUM(i.kosten_cent)::BIGINT AS k,
               SUM(CASE WHEN i.aanbieder_id = t.hoofdaannemer_id THEN i.kosten_cent
                   ELSE 0 END)::BIGINT AS e,
               SUM(CASE WHEN i.aanbieder_id = t.hoofdaannemer_id THEN 0
                   ELSE i.kosten_cent END)::BIGINT AS o
        FROM {source} i JOIN traject t ON t.id = i.traject_id
        WHERE i.maand IN ({months})
        GROUP BY i.traject_id
    """
    con.execute(
        f"""
        CREATE TEMP TABLE verschil AS
        SELECT COALESCE(n.traject_id, v.traject_id) AS id,
               COALESCE(n.rijen, 0) AS rijen_nu, COALESCE(v.rijen, 0) AS rijen_toen,
               COALESCE(n.k, 0) - COALESCE(v.k, 0) AS dk,
               COALESCE(n.e, 0) - COALESCE(v.e, 0) AS de,
               COALESCE(n.o, 0) - COALESCE(v.o, 0) AS do_
        FROM ({per_month.format(source="inzet", months=months)}) n
        FULL JOIN ({per_month.format(source="oud_inzet", months=months)}) v
          ON v.traject_id = n.traject_id
        """
    )
    gone = con.execute("SELECT COUNT(*) FROM verschil WHERE rijen_nu = 0").fetchone()
    # Rare (an import adds or changes deliveries, it does not remove them), and costly: the
    # exact query aggregates every delivery, so it runs only when it has work to do.
    again = (
        f"""UNION ALL
        SELECT * FROM ({DERIVED["traject_kosten"]})
        WHERE id IN (SELECT id FROM verschil WHERE rijen_nu = 0)"""
        if gone and gone[0]
        else ""
    )
    query = f"""
        SELECT tk.* EXCLUDE (kosten_cent, eigen_kosten_cent, onder_kosten_cent),
               CASE WHEN d.id IS NULL THEN tk.kosten_cent
                    ELSE COALESCE(tk.kosten_cent, 0) + d.dk END AS kosten_cent,
               CASE WHEN d.id IS NULL THEN tk.eigen_kosten_cent
                    ELSE COALESCE(tk.eigen_kosten_cent, 0) + d.de END AS eigen_kosten_cent,
               CASE WHEN d.id IS NULL THEN tk.onder_kosten_cent
                    ELSE COALESCE(tk.onder_kosten_cent, 0) + d.do_ END AS onder_kosten_cent
        FROM oud_traject_kosten tk LEFT JOIN verschil d ON d.id = tk.id
        WHERE d.id IS NULL OR d.rijen_nu > 0
        {again}
        ORDER BY id
    """
    _copy_query(con, query, derived_path(staging, "traject_kosten"), False)


def _dates(months: Sequence[dt.date]) -> str:
    return ", ".join(f"DATE '{m.isoformat()}'" for m in months)


def _refresh_own_shared(
    con: duckdb.DuckDBPyConnection, staging: Path, source: Path, months: Sequence[dt.date]
) -> None:
    """A main contractor's own delivery on shared trajectories, per month: the changed
    months, plus every month of a trajectory that became shared (or stopped being shared)
    through them; the other months are linked from the previous snapshot."""
    flipped = con.execute(
        """
        WITH nu AS (SELECT DISTINCT traject_id FROM inzet WHERE onderaanneming_id IS NOT NULL
                    AND traject_id IN (SELECT traject_id FROM geraakt)),
             toen AS (SELECT DISTINCT traject_id FROM oud_inzet
                      WHERE onderaanneming_id IS NOT NULL
                      AND traject_id IN (SELECT traject_id FROM geraakt)),
             anders AS ((SELECT * FROM nu EXCEPT SELECT * FROM toen)
                        UNION (SELECT * FROM toen EXCEPT SELECT * FROM nu))
        SELECT maand FROM inzet WHERE traject_id IN (SELECT traject_id FROM anders)
        UNION SELECT maand FROM oud_inzet WHERE traject_id IN (SELECT traject_id FROM anders)
        """
    ).fetchall()
    rewrite = sorted(set(months) | {row[0] for row in flipped})
    keep = {f"maand={m.isoformat()}" for m in rewrite} | {EMPTY_MONTH}
    source_path = derived_path(source, "eigen_inzet_gedeeld")
    path = derived_path(staging, "eigen_inzet_gedeeld")
    path.mkdir()
    for month in source_path.iterdir():
        if month.name not in keep:
            _link_tree(month, path / month.name, set())
    _rewrite_months(con, staging, "eigen_inzet_gedeeld", f"maand IN ({_dates(rewrite)})")


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


# Derived tables kept per month (by their `maand`): an import of one month rewrites one file.
MONTHLY_DERIVED = frozenset({"onder_inzet", "eigen_inzet_gedeeld", "aanbieder_maand"})


def derived_path(directory: Path, name: str) -> Path:
    """Where a derived table lives: its name carries a hash of its query, so a snapshot
    written by a version that derived it differently is never read as if it were current.
    A file, or for a monthly table a folder with one file per month."""
    digest = hashlib.sha256(" ".join(DERIVED[name].split()).encode()).hexdigest()[:12]
    if name in MONTHLY_DERIVED:
        return directory / f"{name}.{digest}"
    return directory / f"{name}.{digest}.parquet"


def table_pattern(directory: Path, name: str) -> str:
    """The path pattern DuckDB reads a snapshot table (base or derived) from."""
    if name in DERIVED:
        path = derived_path(directory, name)
        return glob(path.parent, path.name, name in MONTHLY_DERIVED)
    if name in MONTHLY:
        return glob(directory, name, True)
    return glob(directory, f"{name}.parquet", False)


def read_table(directory: Path, name: str) -> pa.Table:
    """One snapshot table as Arrow, whatever its layout (for tests and tools)."""
    con = _connect()
    try:
        pattern = table_pattern(directory, name).replace("'", "''")
        return con.sql(
            f"SELECT * FROM read_parquet('{pattern}', hive_partitioning = false)"
        ).to_arrow_table()
    finally:
        con.close()


def _copy_query(con: duckdb.DuckDBPyConnection, query: str, path: Path, monthly: bool) -> int:
    """Write a query's result to `path` (a file, or a folder with one file per month) under a
    temporary name first: a half-written table is never taken for a whole one."""
    partial = path.with_name(f"{path.name}.{uuid.uuid4().hex}.tmp")
    target = str(partial).replace("'", "''")
    options = "FORMAT parquet, COMPRESSION zstd"
    if monthly:
        options += ", PARTITION_BY (maand), WRITE_PARTITION_COLUMNS true, FILENAME_PATTERN 'data'"
    written = con.execute(f"COPY ({query}) TO '{target}' ({options})").fetchone()
    rows = int(written[0]) if written else 0
    if monthly and not partial.exists():  # no rows: no folder; keep the table readable
        schema = con.sql(f"SELECT * FROM ({query}) LIMIT 0").to_arrow_table().schema
        write_empty(partial, schema)
    partial.rename(path)
    return rows


def _write_derived(
    con: duckdb.DuckDBPyConnection, directory: Path, progress: Progress | None = None
) -> None:
    """Write each derived table that the snapshot directory does not hold yet."""
    for name, query in DERIVED.items():
        path = derived_path(directory, name)
        if path.exists():
            continue
        rows = _copy_query(con, query, path, name in MONTHLY_DERIVED)
        if progress:
            progress(name, rows)


def _connect() -> duckdb.DuckDBPyConnection:
    # DuckDB's own limits (settings), so the dashboard process stays bounded on national data.
    settings = get_settings()
    return duckdb.connect(
        config={"memory_limit": settings.duckdb_memory_limit, "threads": settings.duckdb_threads}
    )


def _views(
    con: duckdb.DuckDBPyConnection, directory: Path, names: Sequence[str], prefix: str = ""
) -> None:
    for name in names:
        escaped = table_pattern(directory, name).replace("'", "''")
        con.execute(
            f"CREATE OR REPLACE VIEW {prefix}{name} AS "
            f"SELECT * FROM read_parquet('{escaped}', hive_partitioning = false)"
        )


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


def _previous(root: Path, current: tuple[str, Analytics] | None) -> tuple[Path, int] | None:
    """The newest snapshot of this database with the current layout: the open one, or the
    newest on disk (after a restart)."""
    candidates = [current[1].directory] if current else []
    candidates += sorted(
        (p for p in root.iterdir() if not p.name.startswith(".tmp-")),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for candidate in candidates:
        version = _marked_version(candidate)
        if version is not None:
            return candidate, version
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
    previous = _previous(root, current)
    months = (
        changed_months(engine, after=previous[1], upto=version) if previous is not None else None
    )
    if previous is not None and months:
        try:
            refresh_snapshot(
                engine,
                source=previous[0],
                target=directory,
                months=months,
                version=version,
                progress=progress,
            )
            return
        except (OSError, duckdb.Error):  # e.g. the previous snapshot was removed meanwhile
            if directory.exists():
                return
    write_snapshot(engine, target=directory, progress=progress, version=version)


def _directory(root: Path, stamp: str) -> Path:
    """Where the snapshot of one data state lives. The layout is part of its name: after an
    upgrade that lays the files out differently, the old folder is never opened as if it
    were of the new layout; a new one is built and the old one cleaned up."""
    return root / hashlib.sha256(f"{stamp}:{layout_fingerprint()}".encode()).hexdigest()[:16]


def snapshot_age_seconds(engine: Engine) -> float | None:
    """How old the snapshot of this database's current data is; None before its first build."""
    directory = _directory(snapshot_root() / _database_key(engine), _stamp(engine))
    try:
        return max(0.0, time.time() - directory.stat().st_mtime)
    except FileNotFoundError:
        return None


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
