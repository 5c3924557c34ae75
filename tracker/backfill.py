"""`tracker backfill`: past snapshots of the Hub's catalogue, loaded as the snapshots of their dates.

A backfill of one file is a run of the pipeline like any collection: its pages are the file's batches
(the cursor is the row offset after each), so staging, checkpoints, resuming after a crash, idempotent
merges, gone-marking and the run ledger (source, revision and file checksum in the run's scope) are the
pipeline's own. Files load oldest first. A day the tracker collected itself keeps its own snapshot; a
day already backfilled from the same file (or the same revision) is not loaded again. Given the
warehouse's path, the backfill opens it only to ask about a day and for each file's merge, as a
collection does: it stays readable while snapshots download and their batches are staged.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Callable, Iterator

import duckdb

from tracker import opening
from tracker.collectors.huggingface_records import check_page, encode_page
from tracker.collectors.huggingface_snapshots import NoSnapshotAtRevision, Snapshot, SnapshotsUnavailable, pick
from tracker.collectors.records import Page
from tracker.pipeline import MERGE_WAIT, CollectionFailed, Source, collect
from tracker.warehouse import snapshot_files, sql
from tracker.warehouse.snapshot_files import SnapshotFileError

SOURCE_NAME = "huggingface"


class BackfillFailed(Exception):
    """One snapshot could not be loaded; those before it stay, and a rerun goes on from there."""


@dataclass
class Outcome:
    day: date
    label: str
    status: str      # loaded | skipped
    note: str
    records: int = 0


Warehouse = Path | duckdb.DuckDBPyConnection  # a path is opened only when needed; a connection is held


def backfill(warehouse: Warehouse, snapshots: list[Snapshot], every: str = "day",
             since: date | None = None, until: date | None = None,
             on_outcome: Callable[[Outcome], None] = lambda outcome: None,
             batch_rows: int = snapshot_files.BATCH_ROWS, merge_wait: float = MERGE_WAIT) -> list[Outcome]:
    """Load the last snapshot of each period within [since, until], oldest first."""
    outcomes = []
    for snapshot in pick(snapshots, every, since, until):
        outcomes.append(load_snapshot(warehouse, snapshot, batch_rows, merge_wait))
        on_outcome(outcomes[-1])
    return outcomes


def load_snapshot(warehouse: Warehouse, snapshot: Snapshot, batch_rows: int,
                  merge_wait: float = MERGE_WAIT) -> Outcome:
    earlier = runs_on(warehouse, snapshot.day, merge_wait)
    if any(backfill is None for _, backfill, _, _ in earlier):
        return Outcome(snapshot.day, snapshot.label, "skipped", f"kept the tracker's own snapshot of {snapshot.day}")
    if snapshot.revision and any(revision == snapshot.revision for _, _, revision, _ in earlier):
        return Outcome(snapshot.day, snapshot.label, "skipped", "already backfilled from this revision")
    try:
        with snapshot.open() as path:
            checksum = sha256(path)
            if any(sha == checksum for _, _, _, sha in earlier):
                return Outcome(snapshot.day, snapshot.label, "skipped", "already backfilled from this file")
            snapshot_files.columns(path)  # a file that is no snapshot is refused before any run begins
            summary = collect(warehouse, file_source(snapshot, path, checksum, batch_rows),
                              snapshot_date=snapshot.day, merge_wait=merge_wait)
    except NoSnapshotAtRevision as error:
        return Outcome(snapshot.day, snapshot.label, "skipped", str(error))
    except (SnapshotsUnavailable, SnapshotFileError) as error:
        raise BackfillFailed(str(error)) from None
    except CollectionFailed as error:
        raise BackfillFailed(f"{snapshot.label}: {error.summary.error}") from None
    return Outcome(snapshot.day, snapshot.label, "loaded", summary.status, summary.records)


def runs_on(warehouse: Warehouse, day: date, merge_wait: float) -> list[tuple]:
    """The source's earlier runs of `day`: (run, backfilled from, revision, checksum)."""
    held = isinstance(warehouse, duckdb.DuckDBPyConnection)
    con = warehouse if held else opening.connect_when_free(warehouse, merge_wait)
    try:
        return sql.run(con, "snapshot_runs_on", source=SOURCE_NAME, day=day).fetchall()
    finally:
        if not held:
            con.close()


def file_source(snapshot: Snapshot, path: Path, checksum: str, batch_rows: int) -> Source:
    """The file as a pipeline source: whole-catalogue (models it does not list are gone by its date)."""
    scope = {"backfill": snapshot.source, "revision": snapshot.revision, "file": snapshot.label, "sha256": checksum}
    return Source(SOURCE_NAME, scope, narrowed=False, pages=lambda cursor: file_pages(path, cursor, batch_rows))


def file_pages(path: Path, cursor: str | None, batch_rows: int) -> Iterator[Page]:
    """The file's batches from row `cursor`, each staged as the page the Hub would have served, read at the
    merge by the collector's own reader."""
    for number, (items, offset) in enumerate(snapshot_files.batches(path, int(cursor or 0), batch_rows), 1):
        page = check_page(encode_page(items), number)
        yield Page({page.kind: [page.body]}, str(offset), count=page.models)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def find_snapshots(source: str, endpoint: str | None, token: str | None, deadline: float) -> list[Snapshot]:
    """SOURCE: a folder that exists, else a dataset repository on the Hub."""
    from tracker.collectors import huggingface_snapshots

    if Path(source).exists():
        return huggingface_snapshots.local_snapshots(Path(source))
    return huggingface_snapshots.hub_snapshots(source, endpoint, token, deadline=deadline)
