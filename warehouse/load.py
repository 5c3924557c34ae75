"""Folds a run's staged pages (warehouse/staging.py) into the warehouse, in one short transaction.

The `stage_<kind>` tables are the merge's typed landing tables: the staged files load into them (DuckDB
casts each column by name to the table's type), the source's merge .sql folds them in, and they are
emptied again before the transaction commits. Between merges they hold nothing (a run staged by a
tracker before staging moved beside the warehouse still has its rows there: they are merged once too).
"""

from __future__ import annotations

from importlib.resources import files

import duckdb

from tracker.warehouse import sql
from tracker.warehouse.runs import Run
from tracker.warehouse.staging import Staged


def merge_run(con: duckdb.DuckDBPyConnection, run: Run, staged: Staged, merge_query: str, complete: bool,
              full_catalog: bool) -> None:
    """Write the run's checkpoint into the ledger and fold its staged pages in, in one transaction.

    A partial run (failed, or killed and abandoned) still gives its models a snapshot row for
    its day; only a complete run over the whole catalogue can tell which models are gone.
    """
    con.begin()
    try:
        record_checkpoint(con, run)
        for kind, paths in staged.files().items():
            sql.run(con, load_query(kind), run_id=run.run_id, files=paths)
        sql.run(con, merge_query, run_id=run.run_id, snapshot_date=run.snapshot_date)
        if complete and full_catalog:
            sql.run(con, "mark_gone_models", run_id=run.run_id, snapshot_date=run.snapshot_date)
        clear_staging(con, run.run_id)
        con.commit()
    except BaseException:
        con.rollback()
        raise


def record_checkpoint(con: duckdb.DuckDBPyConnection, run: Run) -> None:
    sql.run(con, "record_checkpoint", run_id=run.run_id, cursor=run.cursor, pages=run.pages, records=run.records,
            catalog_total=run.catalog_total)


def load_query(kind: str) -> str:
    """The .sql loading a record kind's staged files: one per kind, as each lands in its own table."""
    name = f"load_staged_{kind}"
    if not (files("tracker.warehouse") / "queries" / f"{name}.sql").is_file():
        raise ValueError(f"staged pages of an unknown record kind {kind!r}: no warehouse/queries/{name}.sql")
    return name


def clear_staging(con: duckdb.DuckDBPyConnection, run_id: int) -> None:
    sql.run(con, "clear_staged", run_id=run_id)
