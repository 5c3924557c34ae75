"""Pages staged outside the warehouse file while a collection runs, so the warehouse stays readable.

Beside the warehouse `tracker.duckdb` lies `tracker.duckdb.staging/`: a writer lock, and one folder per
run holding a file per page and record kind (`page-000001.models.parquet`) and the run's checkpoint
(`checkpoint.json`: pages, records, cursor, catalogue total). Each file is written under a temporary name,
flushed to disk and renamed, the checkpoint last: a crash loses at most the page in flight, and a page
file beyond the checkpoint is never read (a resume writes it again). The run-end merge loads the files
(warehouse/load.py); a kind's file format is its entry in KIND_FORMAT, Parquet unless said otherwise.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Iterator

import msgspec
import pyarrow as pa
import pyarrow.parquet as pq

from tracker.collectors.records import without_lone_surrogates
from tracker.warehouse.db import WarehouseError

PAGE_FILE = re.compile(r"page-(\d+)\.(\w+)\.(\w+)")


def _write_parquet(path: Path, rows: list[dict], page: int) -> None:
    try:
        table = pa.Table.from_pylist(rows)  # Arrow infers the page's types; the merge casts them by name
    except UnicodeEncodeError:  # a lone surrogate, which Python's json reads from `"\ud800"` (docs/api-contracts.md)
        table = pa.Table.from_pylist(without_lone_surrogates(rows))
    pq.write_table(table.append_column("page", pa.array([page] * len(rows), pa.int32())), path)


def _write_body(path: Path, bodies: list[bytes], page: int) -> None:
    path.write_bytes(bodies[0])  # a page as the source served it: its reader is the kind's load_staged_*.sql


# format -> writer of one page's rows of a kind; a new page format is one more entry.
WRITERS: dict[str, Callable[[Path, list, int], None]] = {"parquet": _write_parquet, "json": _write_body}
# a record kind staged other than as Parquet
KIND_FORMAT: dict[str, str] = {"huggingface_pages": "json", "huggingface_typed_pages": "json"}


@dataclass
class Checkpoint:
    pages: int = 0
    records: int = 0
    cursor: str | None = None
    catalog_total: int | None = None


def root(warehouse: Path) -> Path:
    return Path(f"{warehouse}.staging")


@contextlib.contextmanager
def writer_lock(warehouse: Path) -> Iterator[None]:
    """Held for a whole collection: a second collector of the same warehouse is refused at once."""
    try:
        root(warehouse).mkdir(parents=True, exist_ok=True)
        lock = open(root(warehouse) / "writer.lock", "a+", encoding="utf-8")
    except OSError as error:
        raise WarehouseError(f"cannot write warehouse {warehouse}: its staging folder {root(warehouse)}: "
                             f"{error.strerror or error}") from None
    with lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            holder = lock.read().strip()
            who = f" (process {holder})" if holder.isdigit() else ""
            raise WarehouseError(f"warehouse {warehouse} is in use by another tracker process{who}; "
                                 "try again when it has finished") from None
        lock.truncate(0)
        lock.write(str(os.getpid()))
        lock.flush()
        yield  # the lock goes with the file's closing, however the process ends


class Staged:
    """One run's staged pages."""

    def __init__(self, warehouse: Path, run_id: int):
        self.folder = root(warehouse) / f"run-{run_id}"

    def checkpoint(self) -> Checkpoint | None:
        path = self.folder / "checkpoint.json"
        return Checkpoint(**json.loads(path.read_text(encoding="utf-8"))) if path.exists() else None

    def begin(self, fresh: bool) -> Checkpoint | None:
        """Ready the folder for pages after the checkpoint (a fresh run keeps nothing a former file left)."""
        if fresh:
            shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True, exist_ok=True)
        checkpoint = self.checkpoint()
        for path in self.folder.glob("page-*"):
            match = PAGE_FILE.fullmatch(path.name)
            if not match or int(match[1]) > (checkpoint or Checkpoint()).pages:
                path.unlink()  # a page no checkpoint counts (its run crashed writing it), or a temporary
        return checkpoint

    def save_page(self, page: int, records: dict[str, list], checkpoint: Checkpoint) -> None:
        """Page number `page`'s files, then the checkpoint past it: the page counts once the checkpoint is renamed."""
        for kind, rows in records.items():
            if rows:
                fmt = KIND_FORMAT.get(kind, "parquet")
                _durably(self.folder / f"page-{page:06d}.{kind}.{fmt}", lambda path: WRITERS[fmt](path, rows, page))
        text = json.dumps(asdict(checkpoint))
        _durably(self.folder / "checkpoint.json", lambda path: path.write_text(text, encoding="utf-8"))

    def files(self) -> dict[str, list[str]]:
        """Record kind -> the files of its pages up to the checkpoint, in page order."""
        last = (self.checkpoint() or Checkpoint()).pages
        found: dict[str, list[str]] = {}
        for path in sorted(self.folder.glob("page-*")) if self.folder.exists() else ():
            match = PAGE_FILE.fullmatch(path.name)
            if match and int(match[1]) <= last:
                found.setdefault(match[2], []).append(str(path))
        return found

    def keep_last_of_each_key(self) -> None:
        """Rewrite the run's JSON pages so that a model naming a key twice keeps only its last value.

        Such a page is legal JSON that DuckDB's reader refuses; huggingface_hub reads pages with Python's
        json, where the last value wins (docs/api-contracts.md). Each value is kept as the bytes it came
        as: only a model's own keys are read again, not what they hold (a card's keys stay as served).
        """
        for kind, paths in self.files().items():
            for path in map(Path, paths) if KIND_FORMAT.get(kind) == "json" else ():
                try:
                    models = msgspec.json.decode(path.read_bytes(), type=list[dict[str, msgspec.Raw]])
                except (msgspec.DecodeError, RecursionError) as error:
                    raise WarehouseError(f"staged page {path.name} cannot be read again: {error}") from None
                body = msgspec.json.encode(models)
                _durably(path, lambda temporary: temporary.write_bytes(body))

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def prune(warehouse: Path, keep: set[int]) -> None:
    """Remove the folders of runs not in `keep` (merged, or left by a warehouse since replaced)."""
    for folder in root(warehouse).glob("run-*"):
        if folder.name not in {f"run-{run_id}" for run_id in keep}:
            shutil.rmtree(folder, ignore_errors=True)


def _durably(path: Path, write: Callable[[Path], None]) -> None:
    temporary = path.with_name(path.name + ".tmp")
    write(temporary)
    with open(temporary, "rb") as file:
        os.fsync(file.fileno())
    os.replace(temporary, path)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
