"""Curated reference data shipped with the warehouse, reloaded into its tables on every writable open."""

from __future__ import annotations

from importlib.resources import as_file, files

import duckdb

from tracker.warehouse import sql

ALIASES_FILE = "organisation_aliases.csv"


def refresh_reference_data(con: duckdb.DuckDBPyConnection) -> None:
    """Replace the reference tables' rows with the shipped data files, in one transaction."""
    with as_file(files("tracker.warehouse") / "data" / ALIASES_FILE) as path:
        con.begin()
        try:
            sql.run(con, "refresh_identity_aliases", path=str(path))
            con.commit()
        except BaseException:
            con.rollback()
            raise
