"""The incremental refresh of the analytical snapshot after an import of deliveries.

An import of one month of deliveries at national scale changes one row in a hundred of the
snapshot; rebuilding it all takes a minute or more. When every data version since the previous
snapshot says it changed only months of deliveries (`gegevenswijziging`), the new snapshot is
made from the previous one instead:

- every file of the previous snapshot is hard-linked (files never change once written);
- the changed months of `inzet` are exported again, into a *layer* (`analytics.Layer`): a file
  that replaces those months of the table below it;
- the summaries kept per month get a layer with those months computed again; the summary of a
  main contractor's own delivery on shared trajectories also replaces every row of a trajectory
  that became shared (or stopped being shared) through them;
- the costs per trajectory are the previous figures plus the changed months' new minus old
  sums, written as a whole new file (one row per trajectory).

The result reads the same as a full rebuild, table by table (tested on both databases). It is
written aside and moved into place in one rename, like a full build. After `MAX_LAYERS`
refreshes, or after anything else changed, the next snapshot is built in full again, which
also folds the layers back into one file per table.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from collections.abc import Sequence
from pathlib import Path

import duckdb
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from data_access.analytics import (
    BATCH_ROWS,
    DERIVED,
    LAYERED,
    MARKER,
    SNAPSHOT_TABLES,
    Layer,
    Manifest,
    Progress,
    base_path,
    copy_query,
    create_views,
    dates_sql,
    derived_path,
    duckdb_connection,
    export_table_copy,
    move_into_place,
    sql_path,
    write_manifest,
)
from data_access.models import CHANGES_PER_MONTH, SQLModel
from data_access.sqlite_export import export_in_child, months_file

MAX_LAYERS = 6  # then a full rebuild: every layer costs each read of its table a filter


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
    if any(r[1] not in CHANGES_PER_MONTH or r[2] is None for r in rows):
        return None
    return sorted(
        {r[2] if isinstance(r[2], dt.date) else dt.date.fromisoformat(str(r[2])) for r in rows}
    )


def refresh_snapshot(
    engine: Engine,
    *,
    source: Path,
    manifest: Manifest,
    target: Path,
    version: int,
    progress: Progress | None = None,
) -> bool:
    """Build the snapshot of `version` in `target` from `source` (the snapshot `manifest`
    describes) when only months of deliveries changed since; False when it cannot vouch for
    the result that way (then the caller builds in full)."""
    if manifest.depth() >= MAX_LAYERS:
        return False
    months = changed_months(engine, after=manifest.version, upto=version)
    if not months:
        return False
    staging = target.parent / f".tmp-{uuid.uuid4().hex}"
    staging.mkdir(parents=True)
    try:
        _refresh(engine, source, manifest, staging, months, version, progress)
        move_into_place(staging, target)
    except (OSError, duckdb.Error):  # e.g. the previous snapshot was removed meanwhile
        return target.exists()
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return True


def _refresh(
    engine: Engine,
    source: Path,
    manifest: Manifest,
    staging: Path,
    months: list[dt.date],
    version: int,
    progress: Progress | None,
) -> None:
    keys = tuple(m.isoformat() for m in months)
    rewritten = derived_path(source, "traject_kosten")
    for path in source.iterdir():
        if path.is_file() and path.name not in (MARKER, rewritten.name):
            _link(path, staging / path.name)
    layers = {name: list(manifest.layers.get(name, ())) for name in LAYERED}

    def layer_file(name: str, part: str = "") -> str:
        return f"{base_path(staging, name).stem}.laag{version}{part}.parquet"

    _export_months(engine, staging, months, staging / layer_file("inzet"), progress)
    layers["inzet"].append(Layer(layer_file("inzet"), keys))
    con = duckdb_connection()
    try:
        create_views(con, staging, SNAPSHOT_TABLES, layers)
        create_views(con, source, ("inzet", "traject_kosten"), manifest.layers, prefix="oud_")
        in_months = dates_sql(keys)
        # Trajectories with deliveries in the changed months, before or now.
        con.execute(
            "CREATE TEMP TABLE geraakt AS "
            f"SELECT DISTINCT traject_id FROM inzet WHERE maand IN ({in_months}) UNION "
            f"SELECT DISTINCT traject_id FROM oud_inzet WHERE maand IN ({in_months})"
        )
        for name in ("onder_inzet", "aanbieder_maand"):
            rows = copy_query(
                con,
                f"SELECT * FROM ({DERIVED[name]}) WHERE maand IN ({in_months})",
                staging / layer_file(name),
            )
            layers[name].append(Layer(layer_file(name), keys))
            if progress:
                progress(name, rows)
        _refresh_costs(con, staging, in_months)
        shared = _flipped(con, staging / layer_file("eigen_inzet_gedeeld", ".trajecten"))
        copy_query(
            con,
            f"SELECT * FROM ({DERIVED['eigen_inzet_gedeeld']}) WHERE maand IN ({in_months})"
            f" OR traject_id IN (SELECT traject_id FROM read_parquet({sql_path(shared)}))",
            staging / layer_file("eigen_inzet_gedeeld"),
        )
        layers["eigen_inzet_gedeeld"].append(
            Layer(layer_file("eigen_inzet_gedeeld"), keys, shared.name)
        )
    finally:
        con.close()
    write_manifest(staging, Manifest(version, layers))


def _link(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # a file system without hard links
        shutil.copy2(source, target)


def _export_months(
    engine: Engine,
    staging: Path,
    months: Sequence[dt.date],
    target: Path,
    progress: Progress | None,
) -> None:
    """The deliveries of `months`, from the database, into `target`."""
    if engine.dialect.name == "sqlite":
        database = engine.url.database
        assert database and database != ":memory:"
        keys = [m.isoformat() for m in months]
        export_in_child(database, staging, ["inzet"], BATCH_ROWS, progress, keys)
        months_file(staging, "inzet").rename(target)
        return
    with engine.connect() as conn, conn.begin():
        rows = export_table_copy(conn, SQLModel.metadata.tables["inzet"], target, months)
    if progress:
        progress("inzet", rows)


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
               COALESCE(n.rijen, 0) AS rijen_nu,
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
    copy_query(con, query, derived_path(staging, "traject_kosten"))


def _flipped(con: duckdb.DuckDBPyConnection, target: Path) -> Path:
    """Write the trajectories that became shared with a subcontractor, or stopped being
    shared, through the changed months (only touched trajectories can) to `target`."""
    copy_query(
        con,
        """
        WITH nu AS (SELECT DISTINCT traject_id FROM inzet WHERE onderaanneming_id IS NOT NULL
                    AND traject_id IN (SELECT traject_id FROM geraakt)),
             toen AS (SELECT DISTINCT traject_id FROM oud_inzet
                      WHERE onderaanneming_id IS NOT NULL
                      AND traject_id IN (SELECT traject_id FROM geraakt))
        (SELECT * FROM nu EXCEPT SELECT * FROM toen)
        UNION (SELECT * FROM toen EXCEPT SELECT * FROM nu)
        ORDER BY traject_id
        """,
        target,
    )
    return target
