"""The curated reference data of warehouse/data/: every file read and validated here, once while it is unchanged.

countries, organisations and families become the ref_* tables (`tracker check`), the organisation
aliases the table model_identity reads (each writable open), and the location aliases the
gazetteer's extra names, handed to the GitHub collector through `tracker.locations.country_of`.
"""

from __future__ import annotations

import csv
import os
import re
from contextlib import ExitStack
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import as_file, files
from pathlib import Path

import duckdb

from tracker.warehouse import sql
from tracker.warehouse.errors import WarehouseError

DATA_DIR_VARIABLE = "TRACKER_DATA_DIR"  # a folder whose data files replace the shipped ones of the same name
COLUMNS = {
    "countries.csv": ("code", "name", "region"),
    "organisations.csv": ("organisation", "display_name", "country_code"),
    "families.csv": ("pattern", "family", "note"),
    "organisation_aliases.csv": ("hub", "alias", "organisation"),
    "location_aliases.csv": ("alias", "country_code"),  # an empty code marks words that are no place
}
REQUIRED = {name: len(columns) for name, columns in COLUMNS.items()} | {
    "families.csv": 2, "location_aliases.csv": 1}  # the leading columns that may not be empty
HUBS = ("huggingface", "modelscope")
COUNTRY_CODE = re.compile(r"[A-Z]{2}")
ORGANISATION = re.compile(r"[^/*?\[\]\s]+")
PATTERN = re.compile(r"(?P<account>[^/*?\[\]\s]+)/(?P<name>[^/?\[\]\s]+)")  # `*` is the only wildcard


class ReferenceDataError(WarehouseError):
    """A curated data file is malformed; the message names the file and the line."""


@dataclass(frozen=True)
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


def rows(name: str, folder: str | Path | None = None) -> tuple[Row, ...]:
    """The validated rows of one data file, from the override folder when it holds the file, else as shipped."""
    chosen = data_dir(folder)
    with ExitStack() as stack:
        paths = {each: _path(each, chosen, stack) for each in COLUMNS}
        return _validated(name, paths[name], tuple(_stamp(path) for path in paths.values()), chosen)


def _path(name: str, folder: Path | None, stack: ExitStack) -> Path:
    if folder and (folder / name).exists():
        return folder / name
    return stack.enter_context(as_file(files("tracker.warehouse") / "data" / name))


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        status = path.stat()
    except OSError:
        return None  # reading it will say why
    return status.st_mtime_ns, status.st_size


@lru_cache(maxsize=64)
def _validated(name: str, path: Path, stamps: tuple, folder: Path | None) -> tuple[Row, ...]:
    """Read and checked once while no data file changes (`stamps`: every file's, as one checks against another)."""
    found = _read(path, name)
    CHECKS[name](found, folder)
    return tuple(found)


def _read(path: Path, name: str) -> list[Row]:
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            return _parsed(path, name, list(csv.reader(handle)))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise ReferenceDataError(f"{path}: cannot read: {error}") from None


def _parsed(path: Path, name: str, lines: list[list[str]]) -> list[Row]:
    columns = COLUMNS[name]
    if not lines or tuple(cell.strip() for cell in lines[0]) != columns:
        raise ReferenceDataError(f"{path}, line 1: the header must be {','.join(columns)}")
    found = []
    for number, cells in enumerate(lines[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue
        row = Row(path, number, dict(zip(columns, (cell.strip() for cell in cells))))
        if len(cells) != len(columns):
            raise row.fail(f"expected {len(columns)} fields ({','.join(columns)}), found {len(cells)}")
        empty = [c for c in columns[:REQUIRED[name]] if not row.values[c]]
        if empty:
            raise row.fail(f"{empty[0]} is empty")
        found.append(row)
    return found


def _country_codes(folder: Path | None) -> set[str]:
    return {row.values["code"] for row in rows("countries.csv", folder)}


def _check_countries(found: list[Row], folder: Path | None) -> None:
    seen: set[str] = set()
    for row in found:
        code = row.values["code"]
        if not COUNTRY_CODE.fullmatch(code):
            raise row.fail(f"code {code!r} is not an ISO 3166-1 alpha-2 code (two capital letters)")
        _once(row, code, seen, "country")


def _check_organisations(found: list[Row], folder: Path | None) -> None:
    countries, seen = _country_codes(folder), set()
    for row in found:
        organisation, country = row.values["organisation"], row.values["country_code"]
        if not ORGANISATION.fullmatch(organisation):
            raise row.fail(f"organisation {organisation!r} must be one account name, without '/' or wildcards")
        if country not in countries:
            raise row.fail(f"country_code {country!r} is not in countries.csv")
        _once(row, organisation.lower(), seen, "organisation")


def _check_families(found: list[Row], folder: Path | None) -> None:
    """Each pattern is organisation/name-glob, of a listed organisation, and appears once."""
    organisations = {row.values["organisation"].lower() for row in rows("organisations.csv", folder)}
    seen: set[str] = set()
    for row in found:
        pattern = row.values["pattern"]
        match = PATTERN.fullmatch(pattern)
        if not match:
            raise row.fail(f"pattern {pattern!r} must be organisation/name, with * as the only wildcard "
                           "and only in the name")
        if match["account"].lower() not in organisations:
            raise row.fail(f"organisation {match['account']!r} is not in organisations.csv")
        _once(row, pattern.lower(), seen, "pattern")


def _check_organisation_aliases(found: list[Row], folder: Path | None) -> None:
    seen: set[str] = set()
    for row in found:
        if row.values["hub"] not in HUBS:
            raise row.fail(f"hub {row.values['hub']!r} is not one of {', '.join(HUBS)}")
        for column in ("alias", "organisation"):
            if not ORGANISATION.fullmatch(row.values[column]):
                raise row.fail(f"{column} {row.values[column]!r} must be one account name, without '/' or wildcards")
        _once(row, "/".join(row.values.values()).lower(), seen, "alias")


def _check_location_aliases(found: list[Row], folder: Path | None) -> None:
    countries = _country_codes(folder)
    for row in found:
        if (code := row.values["country_code"].upper()) and code not in countries:
            raise row.fail(f"country_code {code!r} is not in countries.csv")


CHECKS = {"countries.csv": _check_countries, "organisations.csv": _check_organisations,
          "families.csv": _check_families, "organisation_aliases.csv": _check_organisation_aliases,
          "location_aliases.csv": _check_location_aliases}


def _once(row: Row, key: str, seen: set[str], what: str) -> None:
    if key in seen:
        raise row.fail(f"{what} {key!r} appears twice")
    seen.add(key)


def location_aliases() -> dict[str, str | None]:
    """Place names GeoNames and ISO miss ('Bay Area', 'NYC'), each with its country code; None: no place."""
    return {row.values["alias"]: row.values["country_code"].upper() or None for row in rows("location_aliases.csv")}


def refresh_reference_data(con: duckdb.DuckDBPyConnection) -> None:
    """Replace the organisation aliases model_identity reads with the data file's, in one transaction."""
    aliases = [row.values for row in rows("organisation_aliases.csv")]
    in_transaction(con, lambda: sql.run(con, "refresh_identity_aliases", alias_rows=aliases))


def load_reference(con: duckdb.DuckDBPyConnection, folder: str | Path | None = None) -> None:
    """Validate countries, organisations and families, then replace ref_countries, ref_organisations, ref_families.

    The rows go to DuckDB as parameters (lists of records): an Arrow table would load DuckDB's Arrow
    scanner, ~50 MB of memory in every process that opens the warehouse for writing.
    """
    countries, organisations, families = (rows(name, folder) for name in list(COLUMNS)[:3])
    in_transaction(con, lambda: sql.run(con, "family_reference_refresh",
                                        country_rows=[row.values for row in countries],
                                        organisation_rows=[row.values for row in organisations],
                                        family_rows=[{**row.values, "line": row.line} for row in families]))


def in_transaction(con: duckdb.DuckDBPyConnection, work):
    con.begin()
    try:
        result = work()
        con.commit()
        return result
    except BaseException:
        con.rollback()
        raise
