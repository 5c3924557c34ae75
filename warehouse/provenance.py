"""Where a warehouse's data comes from: real hubs, or the demo's stand-ins (then every output says SIMULATED)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from tracker.warehouse import sql

STAND_INS = "a generated ecosystem served by stand-ins of the hubs on 127.0.0.1 (tracker demo)"


def mark_simulated(con: duckdb.DuckDBPyConnection, note: str = STAND_INS) -> None:
    """Record that this warehouse is filled from stand-ins."""
    sql.run(con, "provenance_mark_simulated", note=note)


def simulated(con: duckdb.DuckDBPyConnection) -> str | None:
    """Why the warehouse is simulated, or None for real data (or a warehouse older than the mark)."""
    try:
        row = sql.run(con, "provenance_simulated").fetchone()
    except duckdb.CatalogException:  # opened read-only before its migration to 007: no demo wrote it
        return None
    return row[0] if row else None


def simulated_at(path: str | Path) -> str | None:
    """simulated() of the file at `path`, opened read-only just to ask; None when it cannot be read."""
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:  # locked, damaged or not DuckDB: the command itself says so in one line
        return None
    try:
        return simulated(con)
    finally:
        con.close()
