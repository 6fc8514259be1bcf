"""Alembic environment: the engine comes from the caller or from DATABASE_URL."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import data_access.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from data_access.db import make_engine

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine") or make_engine()
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode rebuilds a table by copy, drop and rename; with foreign keys enforced,
            # dropping a table that other rows point to fails. Checked once at the end instead,
            # inside the migration's transaction. (Must run before that transaction begins.)
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        try:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                compare_type=True,
                # SQLite has almost no ALTER TABLE; batch mode copies and moves instead.
                render_as_batch=sqlite,
            )
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"migratie laat verwijzingen zonder doel na: {broken}")
            connection.commit()
        finally:
            if sqlite:
                connection.invalidate()  # never back into the pool without its foreign keys


run_migrations_online()
