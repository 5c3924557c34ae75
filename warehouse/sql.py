"""Runs the named `.sql` files of the warehouse, one statement at a time."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib.resources import files

import duckdb

PARAMETER = re.compile(r"\$([A-Za-z_]\w*)")
FULL_LINE_COMMENT = re.compile(r"^[ \t]*--[^\n]*$", re.M)
STATEMENT_END = re.compile(r";[ \t]*(?:--[^\n]*)?(?:\n|\Z)")


@lru_cache(maxsize=None)
def statements(name: str, folder: str = "queries") -> tuple[str, ...]:
    """The statements of `warehouse/<folder>/<name>.sql`, in order."""
    text = (files("tracker.warehouse") / folder / f"{name}.sql").read_text(encoding="utf-8")
    text = FULL_LINE_COMMENT.sub("", text)  # a `;` at the end of a comment line ends no statement
    return tuple(s.strip() for s in STATEMENT_END.split(text) if _has_code(s))


def _has_code(statement: str) -> bool:
    return any(line.strip() and not line.strip().startswith("--") for line in statement.splitlines())


def run(con: duckdb.DuckDBPyConnection, name: str, folder: str = "queries", **params) -> duckdb.DuckDBPyConnection:
    """Execute every statement of a `.sql` file; DuckDB binds parameters per statement."""
    for statement in statements(name, folder):
        used = {key: params[key] for key in PARAMETER.findall(statement) if key in params}
        con.execute(statement, used)
    return con
