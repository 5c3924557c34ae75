"""Opens the warehouse file, applying schema migrations, with one-line errors for bad files."""

from __future__ import annotations

import contextlib
import os
import re
from importlib.resources import files
from pathlib import Path

import duckdb

from tracker.warehouse import reference, sql

DEFAULT_DB = "tracker.duckdb"
# While a collection runs, DuckDB keeps at most `memory_limit` in memory (the run-end merge spills to
# disk), so memory stays flat however large the catalogue, and checkpoints the WAL only past
# `checkpoint_threshold` rather than every few pages. Measured at 1M models (benchmarks/): peak RSS
# 1.2 GB -> 0.48 GB at 256MB, wall time -11%; 192MB gives 0.40 GB at 1M vs 0.37 GB at 100k, no slower
# within the noise; 128MB gave 0.33 GB but ~10% more time.
COLLECTION_SETTINGS = {"memory_limit": "192MB", "checkpoint_threshold": "1GB"}


class WarehouseError(Exception):
    """The warehouse cannot be opened or used; the message is meant for the user as it is."""


def default_path() -> Path:
    return Path(os.environ.get("TRACKER_DB") or DEFAULT_DB)


def connect(path: str | Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the warehouse at `path`, migrated to the current schema."""
    path = Path(path)
    if read_only and not path.exists():
        raise WarehouseError(f"no warehouse at {path}: collect something first (tracker collect ...)")
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as error:
        raise WarehouseError(_explain(path, error)) from None
    if not read_only:
        migrate(con)
        reference.refresh_reference_data(con)
    return con


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
    return f"cannot open warehouse {path}: {text.splitlines()[0]}"


def migrations() -> list[tuple[int, str]]:
    """(version, name) of every migration shipped, in order."""
    folder = files("tracker.warehouse") / "migrations"
    names = sorted(p.name[:-4] for p in folder.iterdir() if p.name.endswith(".sql"))
    return [(int(name.split("_", 1)[0]), name) for name in names]


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER, name VARCHAR, applied_at TIMESTAMP)")
    return con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()[0]


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Apply the migrations the file has not seen yet, each in its own transaction."""
    current = schema_version(con)
    for version, name in migrations():
        if version <= current:
            continue
        con.begin()
        sql.run(con, name, folder="migrations")
        con.execute("INSERT INTO schema_version VALUES (?, ?, now())", [version, name])
        con.commit()
        current = version
    return current


def query(con: duckdb.DuckDBPyConnection, text: str) -> duckdb.DuckDBPyConnection:
    """Run a user's query on a read-only connection, with a one-line error for what goes wrong."""
    con.execute("SET enable_external_access = false")  # no COPY TO / ATTACH around the read-only guard
    try:
        return con.execute(text)
    except duckdb.Error as error:
        first_line = str(error).strip().splitlines()[0]
        if "read-only" in first_line or "disabled by configuration" in first_line:
            raise WarehouseError(f"query refused: tracker sql only reads the warehouse ({first_line})") from None
        raise WarehouseError(f"SQL error: {first_line}") from None


@contextlib.contextmanager
def collection_settings(con: duckdb.DuckDBPyConnection):
    """DuckDB tuned for a long run of page loads (see COLLECTION_SETTINGS), then put back."""
    for name, value in COLLECTION_SETTINGS.items():
        con.execute(f"SET {name} = '{value}'")
    try:
        yield con
    finally:
        # Write the WAL out while the memory limit still holds: a failed run's staged pages would
        # otherwise be checkpointed on close without it (685 MB at 1M models, benchmarks/FINDINGS.md E).
        with contextlib.suppress(duckdb.Error):
            con.execute("CHECKPOINT")
        for name in COLLECTION_SETTINGS:
            with contextlib.suppress(duckdb.Error):  # a connection a full disk invalidated cannot reset
                con.execute(f"RESET {name}")
