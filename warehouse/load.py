"""Loads collected pages: each page lands in staging with the run's checkpoint, in one transaction."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from tracker.warehouse import sql
from tracker.warehouse.runs import Run

STAGING_PREFIX = "stage_"  # a collector's record kind "models" lands in table stage_models


def save_page(con: duckdb.DuckDBPyConnection, run: Run, records: dict[str, list[dict]],
              cursor: str | None, catalog_total: int | None = None) -> None:
    """Stage one page and move the run's checkpoint past it, atomically."""
    page_number = run.pages + 1
    con.begin()
    try:
        for kind, rows in records.items():
            _stage(con, kind, rows, run.run_id, page_number)
        count = len(next(iter(records.values()), ()))  # the first kind is the page's main record
        sql.run(con, "checkpoint_run", run_id=run.run_id, cursor=cursor, records=count, catalog_total=catalog_total)
        con.commit()
    except BaseException:
        con.rollback()
        raise
    run.pages, run.records, run.cursor = page_number, run.records + count, cursor


def _stage(con: duckdb.DuckDBPyConnection, kind: str, rows: list[dict], run_id: int, page: int) -> None:
    if not rows:
        return
    # Arrow infers the page's types; DuckDB casts them, column by name, to the staging table's.
    con.register("page_rows", pa.Table.from_pylist(rows))
    try:
        con.execute(f"INSERT INTO {STAGING_PREFIX}{kind} BY NAME "
                    "SELECT $run_id AS run_id, $page AS page, * FROM page_rows", {"run_id": run_id, "page": page})
    finally:
        con.unregister("page_rows")


def merge_run(con: duckdb.DuckDBPyConnection, run: Run, merge_query: str, complete: bool, full_catalog: bool) -> None:
    """Fold a run's staged pages into the warehouse tables, in one transaction.

    A partial run (failed, or killed and abandoned) still gives its models a snapshot row for
    its day; only a complete run over the whole catalogue can tell which models are gone.
    """
    con.begin()
    try:
        sql.run(con, merge_query, run_id=run.run_id, snapshot_date=run.snapshot_date)
        if complete and full_catalog:
            sql.run(con, "mark_gone_models", run_id=run.run_id, snapshot_date=run.snapshot_date)
        if complete:
            clear_staging(con, run.run_id)
        con.commit()
    except BaseException:
        con.rollback()
        raise


def clear_staging(con: duckdb.DuckDBPyConnection, run_id: int) -> None:
    for table in staging_tables(con):
        con.execute(f"DELETE FROM {table} WHERE run_id = $run_id", {"run_id": run_id})


def staging_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [row[0] for row in sql.run(con, "staging_tables", prefix=STAGING_PREFIX).fetchall()]
