"""The SQLite side of the analytical snapshot's export, in a child process of its own.

Python's sqlite3 builds a Python object per value, which made exporting `inzet` most of a
snapshot's build time at `landelijk`. ADBC (`adbc-driver-sqlite`) reads Arrow record batches
instead, but it brings its own copy of the SQLite library, and two SQLite libraries in one
process break each other's POSIX locks (sqlite.org/howtocorrupt.html, 2.2.1). So the export
runs here, in a process that opens the file through ADBC only, reads every table in one read
transaction, writes Parquet into the parent's staging folder and reports each table on stdout.
The parent (`analytics.write_snapshot`) goes on from there: derived tables and the rename.

    python -m data_access.sqlite_export DATABASE STAGING BATCH_ROWS [--maanden=M,...] TABLE...

With `--maanden` only the rows of those months are exported, into `<table>.maanden.parquet`:
a layer of the incremental refresh after an import of deliveries (`snapshot_refresh`).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from data_access.settings import PROJECT_ROOT

Progress = Any  # analytics.Progress; not imported here, the child starts lean
_SQLITE_CAST = {"int64": "INTEGER", "double": "REAL", "bool": "INTEGER"}


class ExportFailed(RuntimeError):
    """The child process could not export the snapshot; the message holds its last words."""


def export_in_child(
    database: str,
    staging: Path,
    tables: list[str],
    batch_rows: int,
    progress: Progress,
    months: list[str] | None = None,
) -> None:
    """Run the export in a child process and pass its progress on, table by table."""
    command = [
        sys.executable,
        "-m",
        "data_access.sqlite_export",
        database,
        str(staging),
        str(batch_rows),
        *([f"--maanden={','.join(months)}"] if months else []),
        *tables,
    ]
    with subprocess.Popen(
        command,
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as child:
        assert child.stdout is not None and child.stderr is not None
        for line in child.stdout:
            name, rows = line.split()
            if progress:
                progress(name, int(rows))
        error = child.stderr.read()
    if child.returncode != 0:
        raise ExportFailed(f"export van het snapshot mislukt: {error.strip()[-2000:]}")


def _cast(values: Any, target: Any) -> Any:
    import pyarrow as pa

    if values.null_count == len(values):  # the driver types an all-NULL column as integer
        return pa.nulls(len(values), target)
    if pa.types.is_timestamp(target) and pa.types.is_string(values.type):
        # SQLite holds naive UTC text ("2026-11-23 11:41:35.204116").
        return values.cast(pa.timestamp("us")).cast(target)
    return values.cast(target)


def months_file(staging: Path, name: str) -> Path:
    """Where the export of only some months of a table goes (`--maanden`)."""
    return staging / f"{name}.maanden.parquet"


def month_filter(name: str, months: list[str]) -> str:
    """The WHERE clause for the rows of `months` (ISO dates, checked) of a table kept per
    month, in SQL that SQLite and PostgreSQL read alike; empty without months."""
    import datetime as dt

    from data_access.models import CHANGES_PER_MONTH

    if not months:
        return ""
    listed = ", ".join(repr(dt.date.fromisoformat(m).isoformat()) for m in months)
    return f' WHERE "{CHANGES_PER_MONTH[name]}" IN ({listed})'


def _select_column(column: Any, arrow_type: Any) -> str:
    """A column as the export selects it. The driver types each batch by its first rows, and
    SQLite's affinity does not bind a value to its column's type: a NUMERIC column holds 12
    as an integer beside 12.5, and a nullable text column may start with a batch of NULLs. So
    those are CAST in SQL. Integer columns and text columns without NULLs always hold their
    own type and are read as they are: casting every column cost a third of the export."""
    kind = _SQLITE_CAST.get(str(arrow_type), "TEXT")
    if kind == "INTEGER" or (kind == "TEXT" and not column.nullable):
        return f'"{column.name}"'
    return f'CAST("{column.name}" AS {kind}) AS "{column.name}"'


def _export_table(
    connection: Any, name: str, staging: Path, batch_rows: int, months: list[str]
) -> int:
    """Record batches straight into Parquet, cast to the snapshot's types. Reading (SQLite)
    and writing (compression) overlap: a thread writes while the next batch is read."""
    import queue
    import threading

    import pyarrow as pa
    import pyarrow.parquet as pq

    from data_access.analytics import snapshot_schema
    from data_access.models import SQLModel

    table = SQLModel.metadata.tables[name]
    schema = snapshot_schema(table)
    columns = ", ".join(_select_column(table.c[f.name], f.type) for f in schema)
    order = ", ".join(f'"{c.name}"' for c in table.primary_key.columns)
    where = month_filter(name, months)
    target = months_file(staging, name) if months else staging / f"{name}.parquet"
    batches: queue.Queue[Any] = queue.Queue(maxsize=2)  # bounds memory to a few batches
    failed: list[BaseException] = []

    def write() -> None:
        with pq.ParquetWriter(target, schema, compression="zstd") as writer:
            written = False
            while (batch := batches.get()) is not None:
                if failed:
                    continue  # drain, so the reader never blocks on a full queue
                try:
                    writer.write_table(batch)
                    written = True
                except BaseException as exc:  # raised in the reading thread below
                    failed.append(exc)
            if not written and not failed:
                writer.write_table(schema.empty_table())

    writer_thread = threading.Thread(target=write, name=f"parquet-{name}")
    writer_thread.start()
    rows = 0
    try:
        with connection.cursor() as cursor:
            cursor.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(batch_rows)})
            cursor.execute(f'SELECT {columns} FROM "{name}"{where} ORDER BY {order}')
            for batch in cursor.fetch_record_batch():
                arrays = [_cast(batch.column(i), field.type) for i, field in enumerate(schema)]
                batches.put(pa.Table.from_arrays(arrays, schema=schema))
                rows += batch.num_rows
    finally:
        batches.put(None)
        writer_thread.join()
    if failed:
        raise failed[0]
    return rows


def main(argv: list[str]) -> int:
    database, staging, batch_rows, *tables = argv
    months: list[str] = []
    if tables and tables[0].startswith("--maanden="):
        months = tables.pop(0).removeprefix("--maanden=").split(",")
    import adbc_driver_sqlite.dbapi as adbc_sqlite

    connection = adbc_sqlite.connect(database)  # autocommit off: one read transaction
    try:
        for name in tables:
            rows = _export_table(connection, name, Path(staging), int(batch_rows), months)
            print(name, rows, flush=True)
    finally:
        connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
