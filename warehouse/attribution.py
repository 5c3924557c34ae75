"""Family attribution: every model's lineage roots and family resolved, after the curated ref_* tables are loaded."""

from __future__ import annotations

import time
from pathlib import Path

import duckdb

from tracker.warehouse import reference, sql
from tracker.warehouse.reference import ReferenceDataError  # what refresh raises for a malformed data file

__all__ = ["ReferenceDataError", "refresh", "resolve_families"]


def resolve_families(con: duckdb.DuckDBPyConnection) -> dict:
    """Materialise every model's lineage roots and families (the family_* tables), in one transaction."""
    started = time.monotonic()
    return reference.in_transaction(con, lambda: _resolve(con, started))


def _resolve(con: duckdb.DuckDBPyConnection, started: float) -> dict:
    sql.run(con, "family_nodes_resolve")
    edges = sql.run(con, "family_walk_size").fetchone()[0]
    sql.run(con, "family_reach_seed")
    levels = 0
    while sql.run(con, "family_reach_level", depth=levels).fetchone()[0]:
        levels += 1
    sql.run(con, "family_roots_resolve")
    seconds = round(time.monotonic() - started, 3)
    nodes = sql.run(con, "family_resolution_record", edges=edges, levels=levels, seconds=seconds).fetchone()[0]
    return {"nodes": nodes, "edges": edges, "levels": levels, "seconds": seconds}


def refresh(con: duckdb.DuckDBPyConnection, folder: str | Path | None = None) -> dict:
    """Reload the curated data files and resolve every model's family: what `tracker check` does first."""
    reference.load_reference(con, folder)
    return resolve_families(con)
