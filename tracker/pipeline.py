"""Wires a source's collector to the warehouse: resume, stage page by page beside it, merge, record the run."""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

import duckdb

from tracker import opening
from tracker.config import Config
from tracker.collectors.records import CatalogueIncomplete, Page
from tracker.collectors.waiting import STOP, StopRequested, stop_from_signal_handler
from tracker.warehouse import db, load, runs, sql, staging
from tracker.warehouse.runs import Run
from tracker.warehouse.staging import Checkpoint, Staged

log = logging.getLogger("tracker")


@dataclass
class Source:
    """A collector bound to its settings: what it covers and how to page through it."""

    name: str
    scope: dict                                      # recorded with the run; a resume needs the same
    narrowed: bool                                   # True when it lists only part of the catalogue
    pages: Callable[[str | None], Iterator[Page]]    # resume cursor -> pages from there
    merge: str = "merge_staged_models"               # the .sql that folds its staged pages in


class CollectionFailed(Exception):
    """A run stopped on an error; the pages it loaded are kept and the next run goes on from there."""

    def __init__(self, message: str, summary: "Summary"):
        super().__init__(message)
        self.summary = summary


@dataclass
class Summary:
    source: str
    run_id: int | None  # None: no run was begun
    status: str
    pages: int
    records: int
    seconds: float
    resumed: bool
    error: str | None = None


# A full-catalogue listing short of the hub's own total by more than this (models removed while it
# ran) or of the last complete listing by more than a tenth has lost part of the hub: it is incomplete.
TOTAL_TOLERANCE = 0.005
TOTAL_TOLERANCE_MODELS = 100
LAST_LISTING_SHARE = 0.9


def today() -> date:
    """The run's date: read once, by the entry points, and handed down."""
    return datetime.now(timezone.utc).date()


class _Waiting:
    """Whether the main thread is waiting for a source's next page: the one moment a stop ends it at once."""

    now = False


def request_stop(signum=None, frame=None) -> None:
    """SIGTERM/Ctrl-C: every wait wakes; a run waiting on the network stops at once, else after the
    page being stored. Its committed pages are kept and the next run resumes from them."""
    log.warning("received %s: stopping", signal_name(signum))
    stop_from_signal_handler()
    if _Waiting.now:
        raise StopRequested("stopped by a signal while waiting for the next page; the next run resumes here")


def signal_name(signum) -> str:
    return signal.Signals(signum).name if signum else "a stop request"


def _pages(pages: Iterator[Page]) -> Iterator[Page]:
    """The source's pages, each awaited where a stop request can interrupt the wait (main thread only)."""
    main = threading.current_thread() is threading.main_thread()
    while True:
        _Waiting.now = main
        try:
            if STOP.is_set():
                raise StopRequested("stopped by a signal; the next run resumes here")
            page = next(pages, None)
        finally:
            _Waiting.now = False
        if page is None:
            return
        yield page


MERGE_WAIT = Config.merge_wait  # seconds the run-end merge waits for readers to let go of the file


class _Warehouse:
    """The warehouse as a run uses it: opened only to begin and to end the run, unless the caller holds it."""

    def __init__(self, target: Path | str | duckdb.DuckDBPyConnection, wait: float):
        self.held = target if isinstance(target, duckdb.DuckDBPyConnection) else None
        self.path = db.file_of(self.held) if self.held else Path(target)
        self.wait = wait
        if self.path is None:
            raise db.WarehouseError("a collection needs a warehouse file, not one in memory")

    @contextlib.contextmanager
    def open(self) -> Iterator[duckdb.DuckDBPyConnection]:
        con = self.held or self._connect()
        try:
            with db.collection_settings(con):
                yield con
        finally:
            if not self.held:
                con.close()

    def _connect(self) -> duckdb.DuckDBPyConnection:
        """The file opened for writing, waiting (up to `wait`, a stop request ends it) while readers hold it."""
        try:
            return opening.connect_when_free(self.path, self.wait)
        except StopRequested as error:
            raise StopRequested(f"{error}; the next run resumes here") from None


def collect(warehouse: Path | str | duckdb.DuckDBPyConnection, source: Source,
            on_page: Callable[[Run, Page], None] = lambda r, p: None, snapshot_date: date | None = None,
            merge_wait: float = MERGE_WAIT) -> Summary:
    """Run one collection of `source` into the warehouse, resuming today's unfinished run if any.

    `warehouse` is the file's path, opened only to begin the run and for its end (a short merge):
    other processes read it while the pages are staged beside it. A connection instead is the
    caller's to hold for the whole run. A second collector of the same warehouse is refused at once.
    """
    target = _Warehouse(warehouse, merge_wait)
    with staging.writer_lock(target.path):
        return _collect(target, source, on_page, snapshot_date or today())


def _collect(warehouse: _Warehouse, source: Source, on_page, day: date) -> Summary:
    started = time.monotonic()  # for the run's length only: its date is the snapshot date given
    with warehouse.open() as con:
        run, staged = _resume_or_begin(con, warehouse.path, source, day)
    short = None
    try:
        with contextlib.closing(_remaining(source, run)) as pages:  # closed at once, even on an error
            for page in _pages(pages):
                _stage(staged, run, page)
                on_page(run, page)
                if STOP.is_set() and page.cursor:
                    raise StopRequested("stopped by a signal after a committed page; the next run resumes here")
    except CatalogueIncomplete as error:
        short = str(error)
    except (Exception, KeyboardInterrupt) as error:
        raise _failed(warehouse, source, run, staged, started, error) from error
    try:
        with warehouse.open() as con:
            summary = _end(con, source, run, staged, started, short)
    except (Exception, KeyboardInterrupt) as error:  # readers held the file too long, a stop, a full disk
        # a warehouse that could not be opened keeps the run `running`: the next run goes on from it
        held_off = isinstance(error, (db.WarehouseError, StopRequested))
        if isinstance(error, db.WarehouseBusy):
            error = db.WarehouseBusy(f"{error}; the staged pages are kept for the next run")
        raise _failed(None if held_off else warehouse, source, run, staged, started, error) from error
    staged.remove()
    return summary


def _remaining(source: Source, run: Run) -> Iterator[Page]:
    """The pages after the run's checkpoint: none when a resumed run's listing had ended (its merge had not)."""
    if not (run.pages and run.cursor is None):
        yield from source.pages(run.cursor)


def _stage(staged: Staged, run: Run, page: Page) -> None:
    """Stage one page beside the warehouse and move the run's checkpoint past it."""
    count = page.size()
    checkpoint = Checkpoint(run.pages + 1, run.records + count, page.cursor,
                            page.catalog_total if page.catalog_total is not None else run.catalog_total)
    staged.save_page(checkpoint.pages, page.records, checkpoint)
    _follow(run, checkpoint)


def _follow(run: Run, checkpoint: Checkpoint | None) -> Run:
    if checkpoint:
        run.pages, run.records, run.cursor = checkpoint.pages, checkpoint.records, checkpoint.cursor
        run.catalog_total = checkpoint.catalog_total
    return run


def _end(con: duckdb.DuckDBPyConnection, source: Source, run: Run, staged: Staged, started: float,
         short: str | None) -> Summary:
    load.record_checkpoint(con, run)  # the shortfall compares the run's listing in the ledger
    short = short or (None if source.narrowed else shortfall(con, run))
    if short:
        return _incomplete(con, source, run, staged, started, short)
    load.merge_run(con, run, staged, source.merge, complete=True, full_catalog=not source.narrowed)
    runs.mark(con, run, "succeeded")
    return _summary(source, run, "succeeded", started)


def shortfall(con: duckdb.DuckDBPyConnection, run: Run) -> str | None:
    """Why a whole-catalogue listing lists less than the catalogue, if it does."""
    listed, total, last = sql.run(con, "run_listing_against_catalogue", run_id=run.run_id).fetchone()
    if total is not None and listed < total - max(TOTAL_TOLERANCE_MODELS, total * TOTAL_TOLERANCE):
        return f"listed {listed:,} models where the hub reports {total:,}"
    if last is not None and listed < last * LAST_LISTING_SHARE:
        return f"listed {listed:,} models where the last complete listing had {last:,}"
    return None


def _incomplete(con: duckdb.DuckDBPyConnection, source: Source, run: Run, staged: Staged, started: float,
                why: str) -> Summary:
    """Keep what was listed as the day's snapshot, but mark no model gone: the listing missed part of the hub."""
    message = f"incomplete: {why}; no model was marked gone"
    log.warning("%s: run %s %s", source.name, run.run_id, message)
    load.merge_run(con, run, staged, source.merge, complete=True, full_catalog=False)
    runs.mark(con, run, "incomplete", message)
    return _summary(source, run, "incomplete", started, message)


def _resume_or_begin(con: duckdb.DuckDBPyConnection, path: Path, source: Source, day: date) -> tuple[Run, Staged]:
    resumable = None
    for run in runs.unfinished(con, source.name):
        if ("backfill" in run.scope) != ("backfill" in source.scope):
            continue  # a backfill and a collection of the same hub never close each other's runs
        if run.snapshot_date == day and run.scope == source.scope and resumable is None:
            resumable = run
        else:
            _abandon(con, path, source, run)
    if resumable:
        staged = Staged(path, resumable.run_id)
        _follow(resumable, staged.begin(fresh=False))
        log.info("%s: resuming run %s after page %s", source.name, resumable.run_id, resumable.pages)
        run = runs.mark_running(con, resumable)
    else:
        run = runs.begin(con, source.name, source.scope, day)
        staged = Staged(path, run.run_id)
        staged.begin(fresh=True)  # a folder of the same number left by a warehouse since replaced
    staging.prune(path, keep=runs.resumable_ids(con))
    return run, staged


def _abandon(con: duckdb.DuckDBPyConnection, path: Path, source: Source, run: Run) -> None:
    """A run from another day or scope: keep what it loaded as a partial snapshot, then close it.

    If its pages cannot be merged, it is left as it is (pages and all) for the next run to try again,
    and this run goes on: one unmergeable day never stops the days after it.
    """
    staged = Staged(path, run.run_id)
    try:
        load.merge_run(con, _follow(run, staged.checkpoint()), staged, source.merge, complete=True,
                       full_catalog=False)
    except Exception as error:
        log.error("%s: run %s of %s could not be merged; its staged pages are kept for the next run: %s",
                  source.name, run.run_id, run.snapshot_date, db.first_line(error))
        return
    runs.close(con, run)
    staged.remove()


def _failed(warehouse: _Warehouse | None, source: Source, run: Run, staged: Staged, started: float,
            error: BaseException) -> CollectionFailed:
    """The run marked failed, its pages so far merged as a partial snapshot where the warehouse allows
    (None: leave it alone); its staged pages stay for the next run, which goes on from them."""
    message = str(error) or type(error).__name__
    log.error("%s: run %s failed after %s pages: %s", source.name, run.run_id, run.pages, message)
    try:
        if warehouse:
            with warehouse.open() as con:
                _mark_failed(con, source, run, staged, message)
    except (Exception, KeyboardInterrupt) as merge_error:  # the disk is full, readers hold the file, a stop
        log.error("%s: staged pages of run %s kept for the next run: %s", source.name, run.run_id,
                  db.first_line(merge_error))
    summary = _summary(source, run, "failed", started, message)
    return CollectionFailed(f"{source.name}: {summary.error}", summary)


def _mark_failed(con: duckdb.DuckDBPyConnection, source: Source, run: Run, staged: Staged, message: str) -> None:
    try:
        load.merge_run(con, run, staged, source.merge, complete=False, full_catalog=False)
    finally:
        runs.mark(con, run, "failed", message)


def _summary(source: Source, run: Run, status: str, started: float, error: str | None = None) -> Summary:
    seconds = time.monotonic() - started
    return Summary(source.name, run.run_id, status, run.pages, run.records, seconds, run.resumed, error)
