"""Family and country attribution: the curated data files, validated into ref_* tables, and lineage families resolved."""

from __future__ import annotations

import csv
import os
import re
import time
from contextlib import ExitStack
from dataclasses import dataclass
from importlib.resources import as_file, files
from pathlib import Path

import duckdb
import pyarrow as pa

from tracker.warehouse import sql
from tracker.warehouse.db import WarehouseError

DATA_DIR_VARIABLE = "TRACKER_DATA_DIR"  # a folder whose countries/organisations/families.csv replace the shipped ones
COLUMNS = {
    "countries.csv": ("code", "name", "region"),
    "organisations.csv": ("organisation", "display_name", "country_code"),
    "families.csv": ("pattern", "family", "note"),
}
REQUIRED = {"countries.csv": 3, "organisations.csv": 3, "families.csv": 2}  # the leading columns that may not be empty
COUNTRY_CODE = re.compile(r"[A-Z]{2}")
ORGANISATION = re.compile(r"[^/*?\[\]\s]+")
PATTERN = re.compile(r"(?P<account>[^/*?\[\]\s]+)/(?P<name>[^/?\[\]\s]+)")  # `*` is the only wildcard


class ReferenceDataError(WarehouseError):
    """A curated data file is malformed; the message names the file and the line."""


@dataclass
class Row:
    path: Path
    line: int
    values: dict[str, str]

    def fail(self, problem: str) -> ReferenceDataError:
        return ReferenceDataError(f"{self.path}, line {self.line}: {problem}")


def data_dir(explicit: str | Path | None = None) -> Path | None:
    """The folder overriding the shipped data files: the argument, else $TRACKER_DATA_DIR, else none."""
    chosen = explicit or os.environ.get(DATA_DIR_VARIABLE)
    return Path(chosen) if chosen else None


def read(name: str, stack: ExitStack, folder: Path | None = None) -> list[Row]:
    """The rows of one data file, from `folder` when it holds the file, else as shipped."""
    path = folder / name if folder and (folder / name).exists() else stack.enter_context(
        as_file(files("tracker.warehouse") / "data" / name))
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            return _rows(path, name, list(csv.reader(handle)))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise ReferenceDataError(f"{path}: cannot read: {error}") from None


def _rows(path: Path, name: str, lines: list[list[str]]) -> list[Row]:
    columns = COLUMNS[name]
    if not lines or tuple(cell.strip() for cell in lines[0]) != columns:
        raise ReferenceDataError(f"{path}, line 1: the header must be {','.join(columns)}")
    rows = []
    for number, cells in enumerate(lines[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        row = Row(path, number, dict(zip(columns, (cell.strip() for cell in cells))))
        if len(cells) != len(columns):
            raise row.fail(f"expected {len(columns)} fields ({','.join(columns)}), found {len(cells)}")
        empty = [c for c in columns[:REQUIRED[name]] if not row.values[c]]
        if empty:
            raise row.fail(f"{empty[0]} is empty")
        rows.append(row)
    return rows


def check_countries(rows: list[Row]) -> set[str]:
    """The country codes, after checking each is a distinct ISO alpha-2 code."""
    seen: set[str] = set()
    for row in rows:
        code = row.values["code"]
        if not COUNTRY_CODE.fullmatch(code):
            raise row.fail(f"code {code!r} is not an ISO 3166-1 alpha-2 code (two capital letters)")
        _once(row, code, seen, "country")
    return seen


def check_organisations(rows: list[Row], countries: set[str]) -> set[str]:
    """The organisations (lower case), after checking names and country codes."""
    seen: set[str] = set()
    for row in rows:
        organisation, country = row.values["organisation"], row.values["country_code"]
        if not ORGANISATION.fullmatch(organisation):
            raise row.fail(f"organisation {organisation!r} must be one account name, without '/' or wildcards")
        if country not in countries:
            raise row.fail(f"country_code {country!r} is not in countries.csv")
        _once(row, organisation.lower(), seen, "organisation")
    return seen


def check_families(rows: list[Row], organisations: set[str]) -> None:
    """Each pattern is organisation/name-glob, of a listed organisation, and appears once."""
    seen: set[str] = set()
    for row in rows:
        pattern = row.values["pattern"]
        match = PATTERN.fullmatch(pattern)
        if not match:
            raise row.fail(f"pattern {pattern!r} must be organisation/name, with * as the only wildcard "
                           "and only in the name")
        if match["account"].lower() not in organisations:
            raise row.fail(f"organisation {match['account']!r} is not in organisations.csv")
        _once(row, pattern.lower(), seen, "pattern")


def _once(row: Row, key: str, seen: set[str], what: str) -> None:
    if key in seen:
        raise row.fail(f"{what} {key!r} appears twice")
    seen.add(key)


def load_reference(con: duckdb.DuckDBPyConnection, folder: str | Path | None = None) -> None:
    """Validate the three data files, then replace ref_countries, ref_organisations and ref_families."""
    with ExitStack() as stack:
        chosen = data_dir(folder)
        countries, organisations, families = (read(name, stack, chosen) for name in COLUMNS)
    check_families(families, check_organisations(organisations, check_countries(countries)))
    tables = {"country_rows": _arrow(countries, COLUMNS["countries.csv"]),
              "organisation_rows": _arrow(organisations, COLUMNS["organisations.csv"]),
              "family_rows": _arrow(families, COLUMNS["families.csv"]).append_column(
                  "line", pa.array([row.line for row in families], pa.int32()))}
    _in_transaction(con, lambda: _replace(con, tables))


def _arrow(rows: list[Row], columns: tuple[str, ...]) -> pa.Table:
    """The rows as an Arrow table of text columns; an empty file still has its columns."""
    return pa.table({c: pa.array([row.values[c] for row in rows], pa.string()) for c in columns})


def _replace(con: duckdb.DuckDBPyConnection, tables: dict[str, pa.Table]) -> None:
    for name, table in tables.items():
        con.register(name, table)
    try:
        sql.run(con, "family_reference_refresh")
    finally:
        for name in tables:
            con.unregister(name)


def resolve_families(con: duckdb.DuckDBPyConnection) -> dict:
    """Materialise every model's lineage roots and families (the family_* tables), in one transaction."""
    started = time.monotonic()
    return _in_transaction(con, lambda: _resolve(con, started))


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
    load_reference(con, folder)
    return resolve_families(con)


def _in_transaction(con: duckdb.DuckDBPyConnection, work):
    con.begin()
    try:
        result = work()
        con.commit()
        return result
    except BaseException:
        con.rollback()
        raise
