"""Reads a public snapshot of the Hub's model catalogue (a Parquet file whose columns carry the API's names).

Only the API-named columns are read, batch by batch through DuckDB, so memory stays flat whatever the
file's size; each batch comes out as the API's own objects (dicts keyed by the API's names) for the
collector's parser. A column the file lacks is simply absent from the dicts, which the parser reads as NULL.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator

import duckdb
import pyarrow as pa

from tracker.collectors.records import first_line
from tracker.warehouse import sql

API_COLUMNS = ("id", "author", "createdAt", "lastModified", "downloads", "downloadsAllTime", "likes", "tags",
               "pipeline_tag", "library_name", "cardData", "baseModels")
JSON_COLUMNS = ("tags", "cardData", "baseModels")  # a list or struct, or the same as JSON text
BATCH_ROWS = 10_000
# The reader has its own in-memory DuckDB (the warehouse's connection is busy staging the batches).
READER_SETTINGS = {"memory_limit": "64MB", "threads": 1}


class SnapshotFileError(Exception):
    """The file cannot be read as a snapshot; the message names it and says why, on one line."""


def columns(path: Path) -> dict[str, str]:
    """The file's API-named columns and their DuckDB types; a file without `id`, or without rows, is refused."""
    with _reader() as con:
        try:
            described = sql.run(con, "snapshot_file_columns", path=str(path)).fetchall()
            rows = sql.run(con, "snapshot_file_row_count", path=str(path)).fetchone()[0]
        except duckdb.Error as error:
            raise SnapshotFileError(f"{path}: not a readable Parquet file ({first_line(error)})") from None
    found = {row[0]: row[1] for row in described if row[0] in API_COLUMNS}
    if "id" not in found:
        raise SnapshotFileError(f"{path}: no 'id' column, so not a snapshot of the Hub's models "
                                f"(columns: {', '.join(row[0] for row in described[:12])})")
    if rows == 0:
        raise SnapshotFileError(f"{path}: no rows; an empty snapshot would mark every model gone")
    return found


def batches(path: Path, offset: int = 0, batch_rows: int = BATCH_ROWS) -> Iterator[tuple[list[dict], int]]:
    """(API objects, row offset after them) for each batch of the file from row `offset`."""
    with _reader() as con:
        try:
            reader = sql.relation(con, "snapshot_file_rows", path=str(path), offset=offset).to_arrow_reader(batch_rows)
            for batch in reader:
                offset += batch.num_rows
                yield [api_object(row) for row in _rows(batch)], offset
        except duckdb.Error as error:
            raise SnapshotFileError(f"{path}: unreadable after row {offset:,} ({first_line(error)})") from None
        except OSError as error:  # pyarrow's errors while decoding a batch
            raise SnapshotFileError(f"{path}: unreadable after row {offset:,} ({first_line(error)})") from None


def _rows(batch: pa.RecordBatch) -> list[dict]:
    """The batch's rows as Python values; a value Python cannot hold (a moment past year 9999) as None."""
    try:
        return batch.to_pylist()
    except (ValueError, OverflowError):
        columns = {name: _values(batch.column(name)) for name in batch.schema.names}
        return [dict(zip(columns, values)) for values in zip(*columns.values())]


def _values(column: pa.Array) -> list:
    try:
        return column.to_pylist()
    except (ValueError, OverflowError):
        return [_value(scalar) for scalar in column]


def _value(scalar: pa.Scalar) -> Any:
    """The value, with what Python cannot hold in it None: in a struct or a list, only that part."""
    try:
        return scalar.as_py()
    except (ValueError, OverflowError):
        if isinstance(scalar, pa.StructScalar):
            return {name: _value(part) for name, part in scalar.items()}
        if isinstance(scalar, pa.ListScalar):
            return [_value(part) for part in scalar.values]
        return None  # unknown, as the collectors read a moment outside years 1-9999


def api_object(row: dict) -> dict:
    """A file row as the API would have answered it: JSON text decoded, timestamps as ISO-8601 text."""
    for name in JSON_COLUMNS:
        if isinstance(row.get(name), str):
            row[name] = _json(row[name])
    for name in ("createdAt", "lastModified"):
        if isinstance(row.get(name), datetime):
            row[name] = row[name].isoformat()
    return row


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None  # not JSON: unknown, as the API's parser treats any value of the wrong shape


class _reader:
    """A fresh in-memory DuckDB for one file, closed after."""

    def __enter__(self) -> duckdb.DuckDBPyConnection:
        self.con = duckdb.connect(config=dict(READER_SETTINGS))
        return self.con

    def __exit__(self, *exc) -> None:
        self.con.close()
