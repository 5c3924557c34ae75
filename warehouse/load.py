"""Folds a run's staged pages (warehouse/staging.py) into the warehouse, in one short transaction.

The `stage_<kind>` tables are the merge's typed landing tables: the staged files load into them (DuckDB
casts each column by name to the table's type), the source's merge .sql folds them in, and they are
emptied again before the transaction commits. Between merges they hold nothing (a run staged by a
tracker before staging moved beside the warehouse still has its rows there: they are merged once too).
"""

from __future__ import annotations

import duckdb

from tracker.warehouse import sql
from tracker.warehouse.runs import Run
from tracker.warehouse.staging import Staged

# A collector's record kind -> the .sql files loading its staged pages into the landing tables, in order.
LOAD_QUERIES = {
    "models": ("load_staged_models",), "lineage": ("load_staged_lineage",),
    "readme_reads": ("load_staged_readme_reads",), "repos": ("load_staged_repos",),
    "owners": ("load_staged_owners",), "search_counts": ("load_staged_search_counts",),
    "huggingface_pages": ("load_staged_huggingface_pages", "stage_huggingface_items"),
    "huggingface_typed_pages": ("load_staged_huggingface_typed_pages", "stage_huggingface_items"),
}


def merge_run(con: duckdb.DuckDBPyConnection, run: Run, staged: Staged, merge_query: str, complete: bool,
              full_catalog: bool) -> None:
    """Write the run's checkpoint into the ledger and fold its staged pages in, in one transaction.

    A partial run (failed, or killed and abandoned) still gives its models a snapshot row for
    its day; only a complete run over the whole catalogue can tell which models are gone.
    """
    try:
        _merge(con, run, staged, merge_query, complete, full_catalog)
    except duckdb.InvalidInputException as error:
        if DUPLICATE_KEY not in str(error):
            raise
        staged.keep_last_of_each_key()  # rare, and costs a second merge: not looked for on arrival
        _merge(con, run, staged, merge_query, complete, full_catalog)


DUPLICATE_KEY = "has duplicate key"  # DuckDB's JSON reader on an object naming a key it reads twice


def _merge(con: duckdb.DuckDBPyConnection, run: Run, staged: Staged, merge_query: str, complete: bool,
           full_catalog: bool) -> None:
    con.begin()
    try:
        record_checkpoint(con, run)
        for kind, paths in staged.files().items():
            load_staged(con, run.run_id, kind, paths)
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


def load_staged(con: duckdb.DuckDBPyConnection, run_id: int, kind: str, paths: list[str]) -> None:
    """A record kind's staged files into the landing tables."""
    if kind not in LOAD_QUERIES:
        raise ValueError(f"staged pages of an unknown record kind {kind!r}: warehouse/load.py has no query for it")
    for query in LOAD_QUERIES[kind]:
        sql.run(con, query, run_id=run_id, files=paths)


def clear_staging(con: duckdb.DuckDBPyConnection, run_id: int) -> None:
    sql.run(con, "clear_staged", run_id=run_id)
