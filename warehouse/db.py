"""Opens the warehouse file, applying schema migrations, with one-line errors for bad files."""

from __future__ import annotations

import contextlib
import os
import re
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

import duckdb

from tracker.collectors.records import first_line
from tracker.warehouse import reference, sql
from tracker.warehouse.errors import WarehouseError

DEFAULT_DB = "tracker.duckdb"
# While a collection runs, DuckDB checkpoints the WAL only past `checkpoint_threshold` rather than
# every few pages. No `memory_limit`: under the 192MB one the run-end merge spilled and DuckDB 2.0.1
# wrote corrupt strings as it did (at 500,000 models: "NOT NULL constraint failed: models.first_seen"
# or "Invalid unicode ... in segment statistics update"; fine at 512MB and without a limit;
# benchmarks/FINDINGS.md). The pages are staged outside the warehouse now, so only the merge is at stake.
COLLECTION_SETTINGS = {"checkpoint_threshold": "1GB"}


FILE_HEADERS = 3 * 4096  # DuckDB's file starts with three 4 KiB headers, then its blocks


class WarehouseBusy(WarehouseError):
    """Another process has the file open (DuckDB's own lock): a reader, or a writer in its merge."""


def file_of(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The file an open warehouse connection reads and writes; None for one in memory."""
    [(path,)] = sql.run(con, "database_file").fetchall()
    return Path(path) if path else None


def default_path() -> Path:
    return Path(os.environ.get("TRACKER_DB") or DEFAULT_DB)


def connect(path: str | Path, read_only: bool = False, settings: dict | None = None) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the warehouse at `path`, its schema checked, then migrated to the current one.

    `settings`: DuckDB configuration for the connection (tracker sql's locked, file-less one). A
    warehouse whose schema is not what its schema_version says, or is newer than this code, is refused
    before anything is written to it.
    """
    path = Path(path)
    if read_only and not path.exists():
        raise WarehouseError(f"no warehouse at {path}: collect something first (tracker collect ...)")
    try:
        con = duckdb.connect(str(path), read_only=read_only, config=dict(settings or {}))
    except duckdb.Error as error:
        busy = "lock" in str(error).lower()
        raise (WarehouseBusy if busy else WarehouseError)(_explain(path, error)) from None
    try:
        check_schema(con, path, read_only)
        if not read_only:
            migrate(con)
            reference.refresh_reference_data(con)
    except BaseException:
        con.close()
        raise
    return con


def check_schema(con: duckdb.DuckDBPyConnection, path: Path, read_only: bool) -> None:
    """Refuse, in one line naming it, a warehouse this code cannot use as it stands; reads only.

    A file with no table at all is new (a writable open creates the schema). Otherwise it needs a
    schema_version no newer than the code's, and every table, view and column that version has.
    """
    try:
        _check_length(con, path)
        found = _columns(con)
        version = _stored_version(con, path, found)
    except duckdb.Error as error:
        raise WarehouseError(f"warehouse {path} cannot be read (damaged?): {first_line(error)}") from None
    if version is None:
        if read_only:
            raise WarehouseError(f"warehouse {path} is empty: collect something first (tracker collect ...)")
        return
    latest = migrations()[-1][0]
    if version > latest:
        raise WarehouseError(f"warehouse {path} has schema version {version}, newer than this tracker's "
                             f"({latest}): upgrade the tracker to use it")
    if read_only and version < latest:
        raise WarehouseError(f"warehouse {path} has schema version {version}, older than this tracker's "
                             f"({latest}): run a writing command (tracker collect or check) once to migrate it")
    for relation, columns in expected_schema(version).items():
        if relation not in found:
            raise WarehouseError(f"warehouse {path} lacks table {relation} (schema version {version} has it); "
                                 "nothing was changed")
        missing = [c for c in columns if c not in found[relation]]
        if missing:
            raise WarehouseError(f"warehouse {path}: table {relation} lacks column {', '.join(missing)} "
                                 f"(schema version {version} has it); nothing was changed")


def _check_length(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """A file shorter than the blocks in use its header counts was cut off (a full disk, a partial copy)."""
    if Path(f"{path}.wal").exists():  # blocks the log will add are counted, but not in the file yet
        return
    for block_size, blocks in sql.run(con, "database_blocks").fetchall():
        if path.stat().st_size < FILE_HEADERS + block_size * blocks:
            raise WarehouseError(f"warehouse {path} is damaged: the file is shorter ({path.stat().st_size:,} bytes) "
                                 f"than the {blocks:,} blocks in use it holds; restore it from a copy")


def _columns(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for table, column in sql.run(con, "schema_columns").fetchall():
        found.setdefault(table, set()).add(column)
    return found


def _stored_version(con: duckdb.DuckDBPyConnection, path: Path, found: dict[str, set[str]]) -> int | None:
    """The file's schema version; None for a new file (no table, or only an empty schema_version)."""
    others = set(found) - {"schema_version"}
    if "schema_version" not in found:
        if others:
            raise WarehouseError(f"warehouse {path} has tables but no schema_version table: not a tracker "
                                 "warehouse, or a damaged one; nothing was changed")
        return None
    [(version,)] = sql.run(con, "schema_version_read").fetchall()
    if version is None and others:
        raise WarehouseError(f"warehouse {path} has an empty schema_version table beside its tables: "
                             "its version is unknown; nothing was changed")
    return version


@lru_cache(maxsize=None)
def expected_schema(version: int) -> dict[str, tuple[str, ...]]:
    """Tables and views, with their columns, that the migrations up to `version` create (built in memory)."""
    con = duckdb.connect(":memory:")
    try:
        for number, name in migrations():
            if number <= version:
                sql.run(con, name, folder="migrations")
        expected: dict[str, list[str]] = {}
        for table, column in sql.run(con, "schema_columns").fetchall():
            expected.setdefault(table, []).append(column)
        return {table: tuple(columns) for table, columns in expected.items()}
    finally:
        con.close()


def _explain(path: Path, error: duckdb.Error) -> str:
    text = str(error)
    if "lock" in text.lower():
        holder = re.search(r"PID (\d+)", text)
        who = f" (process {holder.group(1)})" if holder else ""
        return f"warehouse {path} is in use by another tracker process{who}; try again when it has finished"
    if "not a valid DuckDB database" in text or "not a DuckDB" in text:
        return f"{path} is not a DuckDB warehouse; point --db at a new or existing tracker warehouse"
    if any(sign in text for sign in ("Permission denied", "Operation not permitted", "Read-only file system")):
        return f"cannot write warehouse {path}: permission denied"
    return f"cannot open warehouse {path}: {first_line(error)}"


def migrations() -> list[tuple[int, str]]:
    """(version, name) of every migration shipped, in order."""
    folder = files("tracker.warehouse") / "migrations"
    names = sorted(p.name[:-4] for p in folder.iterdir() if p.name.endswith(".sql"))
    return [(int(name.split("_", 1)[0]), name) for name in names]


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    return sql.run(con, "schema_version_current").fetchone()[0]


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Apply the migrations the file has not seen yet, each in its own transaction."""
    current = schema_version(con)
    for version, name in migrations():
        if version <= current:
            continue
        con.begin()
        sql.run(con, name, folder="migrations")
        sql.run(con, "schema_version_record", version=version, migration=name)
        con.commit()
        current = version
    return current


@contextlib.contextmanager
def collection_settings(con: duckdb.DuckDBPyConnection):
    """DuckDB tuned for a long run of page loads (see COLLECTION_SETTINGS), then put back."""
    sql.run(con, "collection_settings_apply", **COLLECTION_SETTINGS)
    try:
        yield con
    finally:
        # Write out the WAL that checkpoint_threshold let grow during the merge, so the run ends with
        # its writes in the file (a connection the caller holds may stay open long after).
        with contextlib.suppress(duckdb.Error):
            sql.run(con, "checkpoint")
        for statement in sql.statements("collection_settings_reset"):
            with contextlib.suppress(duckdb.Error):  # a connection a full disk invalidated cannot reset
                sql.execute(con, statement)
