"""The one way into SQL: every `.sql` file is split into the statements DuckDB sees, and bound by name."""

from __future__ import annotations

from importlib.resources import files

import duckdb
import pytest

from tracker.warehouse import sql

FOLDERS = [(sql.WAREHOUSE, "migrations"), (sql.WAREHOUSE, "queries"), (sql.REPORTS, "queries"), (sql.REPORTS, "claims")]


def sql_files() -> list:
    return [pytest.param(package, folder, path.name[:-4], id=f"{folder}/{path.name}")
            for package, folder in FOLDERS
            for path in sorted((files(package) / folder).iterdir(), key=lambda p: p.name) if path.name.endswith(".sql")]


@pytest.mark.parametrize("package, folder, name", sql_files())
def test_every_sql_file_splits_into_the_statements_duckdb_parses(package, folder, name):
    text = (files(package) / folder / f"{name}.sql").read_text(encoding="utf-8")
    split = sql.statements(name, folder, package)

    assert split and len(split) == len(duckdb.extract_statements(text))
    assert all(len(duckdb.extract_statements(statement)) == 1 for statement in split)


def test_a_statement_is_bound_with_the_parameters_it_names_and_no_others():
    con = duckdb.connect()

    assert sql.execute(con, "SELECT $a + $a, $b", {"a": 1, "b": 2, "unused": 3}).fetchone() == (2, 2)
    with pytest.raises(KeyError, match="b"):
        sql.execute(con, "SELECT $a, $b", {"a": 1})


def test_a_file_read_as_one_query_must_hold_one_statement():
    assert sql.statement("schema_version_record").startswith("INSERT INTO schema_version")
    with pytest.raises(sql.SqlFileError, match="schema_version_current.sql holds 2 statements"):
        sql.statement("schema_version_current")
