"""How a snapshot table lies on disk: one Parquet file, or one per month.

The tables an import of deliveries changes month by month (`inzet`, and the summaries derived
from it per month) are kept as one file per month, `<table>/maand=2025-11-01/data0.parquet`
(the layout DuckDB's `PARTITION_BY` writes), so a refresh after such an import rewrites only
the months it touched and links the rest from the previous snapshot. Imported by the SQLite
export's child process too, so it needs nothing but pyarrow.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

# Base tables split per month, by this column.
MONTHLY = {"inzet": "maand"}
FILE_NAME = "data0.parquet"
EMPTY = "maand=leeg"  # the one file of a monthly table without rows (a glob needs a match)
ROW_GROUP = 122_880


def month_directory(table_directory: Path, month: dt.date | str) -> Path:
    return table_directory / f"maand={month}"


def glob(directory: Path, name: str, monthly: bool) -> str:
    """The path pattern DuckDB reads a snapshot table from."""
    return str(directory / name / "*" / "*.parquet") if monthly else str(directory / name)


class TableWriter:
    """Writes the record batches of one snapshot table: into one file, or split by month with
    a writer per month (rows are buffered into row groups of a useful size)."""

    def __init__(self, target: Path, schema: pa.Schema, split_by: str | None) -> None:
        self.target = target  # a file, or the table's directory when split
        self.schema = schema
        self.split_by = split_by
        self.rows = 0
        self._single: pq.ParquetWriter | None = None
        self._writers: dict[str, pq.ParquetWriter] = {}
        self._buffers: dict[str, list[pa.Table]] = {}
        self._buffered: dict[str, int] = {}

    def write(self, table: pa.Table) -> None:
        self.rows += table.num_rows
        if self.split_by is None:
            if self._single is None:
                self._single = pq.ParquetWriter(self.target, self.schema, compression="zstd")
            self._single.write_table(table)
            return
        # One stable sort by month, then a zero-copy slice per month: rows keep their order
        # within a month, and a batch spanning every month costs one pass, not one per month.
        table = table.take(pc.sort_indices(table, [(self.split_by, "ascending")]))
        counts = pc.value_counts(table.column(self.split_by))
        offset = 0
        for entry in counts.to_pylist():
            part = table.slice(offset, entry["counts"])
            offset += entry["counts"]
            key = str(entry["values"])
            self._buffers.setdefault(key, []).append(part)
            self._buffered[key] = self._buffered.get(key, 0) + part.num_rows
            if self._buffered[key] >= ROW_GROUP:
                self._flush(key)

    def _flush(self, key: str) -> None:
        parts = self._buffers.pop(key, [])
        self._buffered.pop(key, None)
        if not parts:
            return
        writer = self._writers.get(key)
        if writer is None:
            directory = month_directory(self.target, key)
            directory.mkdir(parents=True, exist_ok=True)
            writer = self._writers[key] = pq.ParquetWriter(
                directory / FILE_NAME, self.schema, compression="zstd"
            )
        writer.write_table(pa.concat_tables(parts))

    def close(self) -> int:
        """Finish every file; a table without rows still gets one (empty) file."""
        if self.split_by is None:
            if self._single is None:
                self._single = pq.ParquetWriter(self.target, self.schema, compression="zstd")
                self._single.write_table(self.schema.empty_table())
            self._single.close()
            return self.rows
        for key in list(self._buffers):
            self._flush(key)
        for writer in self._writers.values():
            writer.close()
        if not self._writers:
            write_empty(self.target, self.schema)
        return self.rows


def write_empty(table_directory: Path, schema: pa.Schema) -> None:
    empty = table_directory / EMPTY
    empty.mkdir(parents=True, exist_ok=True)
    pq.write_table(schema.empty_table(), empty / FILE_NAME, compression="zstd")
