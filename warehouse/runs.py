"""The run ledger: which collection ran when, how far it got, and how it ended."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

import duckdb

from tracker.collectors.records import without_lone_surrogates
from tracker.warehouse import sql


@dataclass
class Run:
    run_id: int
    source: str
    scope: dict
    snapshot_date: date
    cursor: str | None = None
    pages: int = 0
    records: int = 0
    catalog_total: int | None = None  # the source's own total, as its latest page stated it
    resumed: bool = False
    status: str = "running"


def scope_text(scope: dict) -> str:
    return json.dumps(scope, sort_keys=True)


def unfinished(con: duckdb.DuckDBPyConnection, source: str) -> list[Run]:
    """Runs of `source` that stopped before the end (failed, or killed while running)."""
    rows = sql.run(con, "unfinished_runs", source=source).fetchall()
    return [Run(r[0], source, json.loads(r[1]), r[2], r[3], r[4], r[5], r[7], status=r[6]) for r in rows]


def begin(con: duckdb.DuckDBPyConnection, source: str, scope: dict, snapshot_date: date) -> Run:
    """A new run in the ledger, status `running`."""
    run_id = sql.run(con, "begin_run", source=source, scope=scope_text(scope), snapshot_date=snapshot_date).fetchone()[0]
    return Run(run_id, source, scope, snapshot_date)


def mark_running(con: duckdb.DuckDBPyConnection, run: Run) -> Run:
    sql.run(con, "mark_run", run_id=run.run_id, status="running", error=None)
    run.resumed = True
    return run


def mark(con: duckdb.DuckDBPyConnection, run: Run, status: str, error: str | None = None) -> None:
    sql.run(con, "mark_run", run_id=run.run_id, status=status, error=without_lone_surrogates(error))


def resumable_ids(con: duckdb.DuckDBPyConnection) -> set[int]:
    """Every run, of any source, that a later run may still go on from."""
    return {run_id for (run_id,) in sql.run(con, "resumable_runs").fetchall()}


def ledger(con: duckdb.DuckDBPyConnection, limit: int = 20):
    return sql.run(con, "run_ledger", limit=limit)


def close(con: duckdb.DuckDBPyConnection, run: Run) -> None:
    """No longer resumable: a killed run becomes `abandoned`, a failed one stays `failed`."""
    sql.run(con, "close_run", run_id=run.run_id)
