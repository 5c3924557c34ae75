"""The one way into SQL: every `.sql` file of the tracker is read, split and bound here.

A file is named by its package (the warehouse's or the reports'), its folder and its name, and holds
one or more statements whose `$name` parameters are bound from keyword arguments (any name but
`folder` and `package`); no SQL is built from strings anywhere else.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib.resources import files

import duckdb

WAREHOUSE, REPORTS = "tracker.warehouse", "tracker.reports"
PARAMETER = re.compile(r"\$([A-Za-z_]\w*)")
FULL_LINE_COMMENT = re.compile(r"^[ \t]*--[^\n]*$", re.M)
STATEMENT_END = re.compile(r";[ \t]*(?:--[^\n]*)?(?:\n|\Z)")


class SqlFileError(ValueError):
    """A `.sql` file does not hold what its caller needs (one statement, for a single query)."""


@lru_cache(maxsize=None)
def statements(name: str, folder: str = "queries", package: str = WAREHOUSE) -> tuple[str, ...]:
    """The statements of `<package>/<folder>/<name>.sql`, in order."""
    return _split((files(package) / folder / f"{name}.sql").read_text(encoding="utf-8"))


def statement(name: str, folder: str = "queries", package: str = WAREHOUSE) -> str:
    """The statement of a file that holds exactly one (a chart's or a claim's query)."""
    return _single(statements(name, folder, package), f"{folder}/{name}.sql")


def statement_in(folder, name: str, shown: str) -> str:
    """The one statement of `<folder>/<name>.sql` for a folder outside the packages (a user's claims);
    `shown` is how messages name the folder."""
    return _single(_split((folder / f"{name}.sql").read_text(encoding="utf-8")), f"{shown}/{name}.sql")


def _split(text: str) -> tuple[str, ...]:
    text = FULL_LINE_COMMENT.sub("", text)  # a `;` at the end of a comment line ends no statement
    return tuple(s.strip() for s in STATEMENT_END.split(text) if _has_code(s))


def _single(found: tuple[str, ...], where: str) -> str:
    if len(found) != 1:
        raise SqlFileError(f"{where} holds {len(found)} statements; one was expected")
    return found[0]


def _has_code(statement: str) -> bool:
    return any(line.strip() and not line.strip().startswith("--") for line in statement.splitlines())


def bound(statement: str, params: dict) -> dict:
    """The parameters `statement` names, from `params`; KeyError names the first one missing."""
    return {key: params[key] for key in dict.fromkeys(PARAMETER.findall(statement))}


def execute(con: duckdb.DuckDBPyConnection, statement: str, params: dict | None = None) -> duckdb.DuckDBPyConnection:
    """Execute one statement read by `statements`, binding the parameters it names."""
    return con.execute(statement, bound(statement, params or {}))


def run(con: duckdb.DuckDBPyConnection, name: str, /, folder: str = "queries", package: str = WAREHOUSE,
        **params) -> duckdb.DuckDBPyConnection:
    """Execute every statement of a `.sql` file; DuckDB binds parameters per statement."""
    for each in statements(name, folder, package):
        execute(con, each, params)
    return con


def relation(con: duckdb.DuckDBPyConnection, name: str, /, folder: str = "queries", package: str = WAREHOUSE,
             **params) -> duckdb.DuckDBPyRelation:
    """The one query of a `.sql` file as a relation, to be streamed or read as a frame."""
    text = statement(name, folder, package)
    return con.sql(text, params=bound(text, params))
