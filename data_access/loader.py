"""Load a generated dataset (Parquet) into the database: one transaction, all or nothing."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

import data_access.models  # noqa: F401  (registers tables)
from data_access.db import bump_data_version, migrate, session_scope
from data_access.generator import generate, read_parquet, write_parquet
from data_access.reference import DEFAULT_PRODUCTKOPPELING_SQL
from data_access.sample_knelpunten import DEMO_PASSWORD
from data_access.settings import SAMPLE_DATA_DIR
from data_access.users import hash_password

DEMO_DIR = SAMPLE_DATA_DIR / "demo"
LOAD_ORDER = (
    "regio",
    "gemeente",
    "redenbeeindiging",
    "aanbieder",
    "spic",
    "spictarief",
    "gebruiker",
    "portefeuille",
    "traject",
    "onderaanneming",
    "inzet",
    "betaling",
    "uitkomst",
    "knelpunt",
    "knelpuntgemeente",
    "knelpuntgebeurtenis",
    "overleg",
    "agendapunt",
    "actie",
    "volgnummer",
)
CHUNK_ROWS = 50_000

Progress = Callable[[str, int, int], None]


class DatabaseNotEmpty(RuntimeError):
    pass


def _python_values(frame: pd.DataFrame, table: sa.Table) -> Iterable[dict[str, object]]:
    """Rows as plain Python values the column types accept (dates as date, NA as None)."""
    columns: dict[str, list[object]] = {}
    for name in frame.columns:
        col = table.c[name]
        series = frame[name]
        if isinstance(col.type, sa.Date):
            values = [
                None if pd.isna(v) else (v.date() if hasattr(v, "date") else v) for v in series
            ]
        elif isinstance(col.type, sa.DateTime):
            values = [None if pd.isna(v) else pd.Timestamp(v).to_pydatetime() for v in series]
        elif pd.api.types.is_float_dtype(series.dtype) and not isinstance(col.type, sa.Numeric):
            values = [None if pd.isna(v) else int(v) for v in series]
        else:
            values = series.astype(object).where(series.notna(), None).tolist()
            values = [v.item() if isinstance(v, np.generic) else v for v in values]
        columns[name] = values
    names = list(columns)
    for row in zip(*columns.values(), strict=True):
        yield dict(zip(names, row, strict=True))


BULK_ROWS = 20_000  # tables at least this large go through the driver's bulk path


def _driver_columns(frame: pd.DataFrame, table: sa.Table) -> list[list[object]]:
    """Column values as the driver takes them, converted with numpy, not row by row."""
    columns: list[list[object]] = []
    for name in frame.columns:
        col, series = table.c[name], frame[name]
        if isinstance(col.type, sa.Date):
            days = pd.to_datetime(series).to_numpy().astype("datetime64[D]")
            text = np.datetime_as_string(days).astype(object)
            text[np.isnat(days)] = None
            values = text.tolist()
        elif isinstance(col.type, sa.Boolean):
            values = series.astype(object).where(series.notna(), None).tolist()
            values = [None if v is None else bool(v) for v in values]
        elif isinstance(col.type, sa.Integer) and series.hasnans:
            values = series.astype("Int64").astype(object).where(series.notna(), None).tolist()
        elif isinstance(col.type, sa.Numeric) or pd.api.types.is_float_dtype(series.dtype):
            numbers = pd.to_numeric(series)
            values = numbers.astype(object).where(numbers.notna(), None).tolist()
        else:
            values = series.astype(object).where(series.notna(), None).tolist()
        columns.append(values)
    return columns


def _copy_table(frame: pd.DataFrame, table: sa.Table) -> pa.Table:
    """The frame as Arrow columns PostgreSQL's COPY … CSV reads back exactly."""
    arrays = []
    for name in frame.columns:
        col, series = table.c[name], frame[name]
        if isinstance(col.type, sa.Date):
            days = pd.to_datetime(series).to_numpy().astype("datetime64[D]")
            arrays.append(pa.array(days, from_pandas=True))
        elif isinstance(col.type, sa.Integer) and pd.api.types.is_float_dtype(series.dtype):
            arrays.append(pa.array(series.astype("Int64"), from_pandas=True))
        elif isinstance(col.type, sa.Boolean):
            arrays.append(pa.array(series.astype("boolean"), from_pandas=True))
        elif isinstance(col.type, sa.Numeric) and pd.api.types.is_float_dtype(series.dtype):
            # Shortest round-trip text, not Arrow's float formatting, so 6.57 stays 6.57.
            text = (
                series.astype(object)
                .where(series.notna(), None)
                .map(lambda v: None if v is None else repr(float(v)))
            )
            arrays.append(pa.array(text, type=pa.string()))
        else:
            arrays.append(pa.array(series, from_pandas=True))
    return pa.table(arrays, names=list(frame.columns))


def _bulk_insert(conn: Connection, table: sa.Table, frame: pd.DataFrame) -> None:
    """Large tables: COPY (CSV) on PostgreSQL, executemany on SQLite, in the same transaction.

    Strings are always quoted in the CSV and NULL is the unquoted empty field, so an empty
    string and a missing value stay different.
    """
    names = list(frame.columns)
    raw = conn.connection.driver_connection
    quoted = ", ".join(f'"{n}"' for n in names)
    if conn.dialect.name == "postgresql":
        buffer = io.BytesIO()
        pa_csv.write_csv(
            _copy_table(frame, table),
            buffer,
            pa_csv.WriteOptions(include_header=False, quoting_style="needed"),
        )
        with (
            raw.cursor() as cursor,
            cursor.copy(  # type: ignore[union-attr]
                f'COPY "{table.name}" ({quoted}) FROM STDIN (FORMAT csv)'
            ) as copy,
        ):
            copy.write(buffer.getbuffer())
        return
    rows = list(zip(*_driver_columns(frame, table), strict=True))
    cursor = raw.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(
            f'INSERT INTO "{table.name}" ({quoted}) VALUES ({", ".join("?" * len(names))})', rows
        )
    finally:
        cursor.close()


def insert_frame(
    conn: Connection, table: sa.Table, frame: pd.DataFrame, progress: Progress | None
) -> None:
    total = len(frame)
    big = total >= BULK_ROWS and not any(isinstance(c.type, sa.DateTime) for c in table.c)
    for start in range(0, total, CHUNK_ROWS):
        chunk = frame.iloc[start : start + CHUNK_ROWS]
        if big:
            _bulk_insert(conn, table, chunk)
        else:
            conn.execute(table.insert(), list(_python_values(chunk, table)))
        if progress:
            progress(table.name, min(start + CHUNK_ROWS, total), total)


def _reset_sequences(conn: Connection) -> None:
    """Explicit ids bypass PostgreSQL sequences; move each sequence past the loaded maximum."""
    if conn.dialect.name != "postgresql":
        return
    for table in SQLModel.metadata.sorted_tables:
        pk = list(table.primary_key.columns)
        if len(pk) == 1 and isinstance(pk[0].type, sa.Integer) and pk[0].autoincrement is not False:
            seq = conn.execute(
                sa.text("SELECT pg_get_serial_sequence(:t, :c)"),
                {"t": table.name, "c": pk[0].name},
            ).scalar()
            if seq:
                conn.execute(
                    sa.text(
                        f"SELECT setval('{seq}', COALESCE((SELECT MAX({pk[0].name}) FROM "
                        f"{table.name}), 0) + 1, false)"
                    )
                )


def is_empty(engine: Engine) -> bool:
    with engine.connect() as conn:
        return not conn.execute(sa.text("SELECT 1 FROM aanbieder LIMIT 1")).first()


# The audit trail outlives a reload of all data (and refuses deletion anyway).
KEPT_ON_CLEAR = {"alembic_version", "auditregel"}


def clear_all(conn: Connection) -> None:
    for table in reversed(SQLModel.metadata.sorted_tables):
        if table.name not in KEPT_ON_CLEAR:
            conn.execute(table.delete())


def load_tables(
    engine: Engine,
    *,
    tables: dict[str, pd.DataFrame],
    replace: bool = False,
    progress: Progress | None = None,
) -> None:
    """Insert every table of a dataset in one transaction; on any error nothing is written."""
    if not replace and not is_empty(engine):
        raise DatabaseNotEmpty(
            "De database bevat al gegevens. Gebruik --replace om ze te vervangen."
        )
    meta = SQLModel.metadata.tables
    with engine.begin() as conn:
        if replace:
            clear_all(conn)
        for name in LOAD_ORDER:
            frame = tables[name]
            if name == "gebruiker":
                frame = frame.copy()
                demo_hash = hash_password(DEMO_PASSWORD)
                frame["wachtwoord_hash"] = [demo_hash if d else None for d in frame["is_demo"]]
            insert_frame(conn, meta[name], frame, progress)
        if "productkoppeling" in tables:
            insert_frame(conn, meta["productkoppeling"], tables["productkoppeling"], progress)
        else:
            conn.execute(sa.text(DEFAULT_PRODUCTKOPPELING_SQL))
        _reset_sequences(conn)
    with session_scope(engine) as session:
        bump_data_version(session)


def preset_dir(preset: str, cache_dir: Path) -> Path:
    return DEMO_DIR if preset == "demo" else cache_dir / preset


def ensure_dataset(preset: str, cache_dir: Path, seed: int = 2018) -> Path:
    """The Parquet folder of a preset; generated once and cached (demo ships in sample_data)."""
    directory = preset_dir(preset, cache_dir)
    if not (directory / "manifest.json").exists():
        write_parquet(generate(preset, seed), directory, preset, seed)
    return directory


def ensure_ready(engine: Engine, *, load_demo: bool = True) -> bool:
    """Migrate to the newest schema and, on an empty database, load the demo dataset.

    Returns True when the demo data was loaded by this call.
    """
    migrate(engine)
    if load_demo and is_empty(engine):
        try:
            load_tables(engine, tables=read_parquet(DEMO_DIR))
        except DatabaseNotEmpty:
            return False  # another process loaded it first
        return True
    return False


def table_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t.name: int(conn.execute(sa.select(sa.func.count()).select_from(t)).scalar() or 0)
            for t in SQLModel.metadata.sorted_tables
        }
