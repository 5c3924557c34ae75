"""The warehouse's schema is checked when it is opened: drift is one line naming it, and the file is left as it was."""

from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

from conftest import rows, tracker
from tracker.warehouse import db, sql

COMMANDS = {"writing (check)": ("check",), "reading (sql)": ("sql", "SELECT count(*) FROM models"),
            "reading (runs)": ("runs",), "exporting": ("export", "--out", "exported")}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def drifted(db_file: Path, *statements: str) -> Path:
    """A current warehouse, then changed behind the tracker's back."""
    db.connect(db_file).close()
    con = duckdb.connect(str(db_file))
    for statement in statements:
        con.execute(statement)
    con.close()
    return db_file


def assert_refused_in_one_line(db_file: Path, *expected: str) -> None:
    for name, command in COMMANDS.items():
        before = sorted(p.name for p in db_file.parent.iterdir()), digest(db_file)
        result = tracker("--db", str(db_file), *command)
        assert (result.returncode, result.stderr.count("\n")) == (3, 1), (name, result.stderr)
        assert all(text in result.stderr for text in expected), (name, result.stderr)
        assert "Traceback" not in result.stderr
        assert (sorted(p.name for p in db_file.parent.iterdir()), digest(db_file)) == before, name


def test_a_missing_column_is_named(db_file):
    drifted(db_file, "ALTER TABLE runs DROP COLUMN catalog_total")
    assert_refused_in_one_line(db_file, "table runs lacks column catalog_total", "nothing was changed")


def test_a_missing_table_is_named(db_file):
    drifted(db_file, "DROP TABLE lineage")
    assert_refused_in_one_line(db_file, "lacks table lineage")


def test_a_schema_version_newer_than_the_code_is_refused(db_file):
    drifted(db_file, "INSERT INTO schema_version VALUES (99, '099_future', now())")
    latest = db.migrations()[-1][0]
    assert_refused_in_one_line(db_file, f"schema version 99, newer than this tracker's ({latest})")


def test_a_missing_schema_version_is_refused(db_file):
    drifted(db_file, "DROP TABLE schema_version")
    assert_refused_in_one_line(db_file, "no schema_version table")


def test_an_emptied_schema_version_is_refused(db_file):
    drifted(db_file, "DELETE FROM schema_version")
    assert_refused_in_one_line(db_file, "empty schema_version")


@pytest.mark.parametrize("keep", [0.5, 0.1])
def test_a_truncated_warehouse_is_one_line_and_left_as_it_is(db_file, keep):
    drifted(db_file, "INSERT INTO models (hub, model_id, first_seen, last_seen) "
                     "SELECT 'huggingface', 'm' || range, DATE '2026-01-01', DATE '2026-01-01' FROM range(200000)")
    data = db_file.read_bytes()
    db_file.write_bytes(data[: int(len(data) * keep)])
    for command in COMMANDS.values():
        before = digest(db_file)
        result = tracker("--db", str(db_file), *command)
        assert (result.returncode, result.stderr.count("\n")) == (3, 1), result.stderr
        assert str(db_file) in result.stderr and "Traceback" not in result.stderr
        assert digest(db_file) == before


def test_an_older_warehouse_is_still_migrated_by_a_writing_command(db_file):
    """Version 3 (before the claims and families), as an earlier tracker left it: migrated on the next write."""
    con = duckdb.connect(str(db_file))
    db.schema_version(con)
    for version, name in db.migrations()[:3]:
        sql.run(con, name, folder="migrations")
        con.execute("INSERT INTO schema_version VALUES (?, ?, now())", [version, name])
    con.close()
    reading = tracker("--db", str(db_file), "sql", "SELECT 1")
    assert reading.returncode == 3 and "older than this tracker's" in reading.stderr
    assert tracker("--db", str(db_file), "check").returncode in (0, 4)
    assert rows(db_file, "SELECT max(version) FROM schema_version") == [(db.migrations()[-1][0],)]


def test_a_new_file_is_created_with_the_whole_schema(db_file):
    db.connect(db_file).close()  # a writing open makes the file; reading commands never do
    assert rows(db_file, "SELECT max(version) FROM schema_version") == [(db.migrations()[-1][0],)]
    assert set(db.expected_schema(db.migrations()[-1][0])) <= {
        name for (name,) in rows(db_file, "SELECT table_name FROM information_schema.tables")}
