"""Wires a source's collector to the warehouse: resume, stage page by page, merge, record the run."""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Callable, Iterator

import duckdb

from tracker.collectors.records import CatalogueIncomplete, CollectorError, Page
from tracker.collectors.waiting import STOP, StopRequested
from tracker.warehouse import db, load, runs, sql
from tracker.warehouse.runs import Run

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
    run_id: int
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
    STOP.set()
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


def collect(con: duckdb.DuckDBPyConnection, source: Source, on_page: Callable[[Run, Page], None] = lambda r, p: None,
            snapshot_date: date | None = None) -> Summary:
    """Run one collection of `source` into the warehouse, resuming today's unfinished run if any."""
    with db.collection_settings(con):
        return _collect(con, source, on_page, snapshot_date or today())


def _collect(con: duckdb.DuckDBPyConnection, source: Source, on_page, day: date) -> Summary:
    started = time.monotonic()  # for the run's length only: its date is the snapshot date given
    run = _resume_or_begin(con, source, day)
    short = None
    try:
        with contextlib.closing(source.pages(run.cursor)) as pages:  # closed at once, even on an error
            for page in _pages(pages):
                load.save_page(con, run, page.records, page.cursor, page.catalog_total)
                on_page(run, page)
                if STOP.is_set() and page.cursor:
                    raise StopRequested("stopped by a signal after a committed page; the next run resumes here")
    except CatalogueIncomplete as error:
        short = str(error)
    except (Exception, KeyboardInterrupt) as error:
        _fail(con, source, run, error)
        summary = _summary(source, run, "failed", started, str(error) or type(error).__name__)
        raise CollectionFailed(f"{source.name}: {summary.error}", summary) from error
    short = short or (None if source.narrowed else shortfall(con, run))
    if short:
        return _incomplete(con, source, run, started, short)
    load.merge_run(con, run, source.merge, complete=True, full_catalog=not source.narrowed)
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


def _incomplete(con: duckdb.DuckDBPyConnection, source: Source, run: Run, started: float, why: str) -> Summary:
    """Keep what was listed as the day's snapshot, but mark no model gone: the listing missed part of the hub."""
    message = f"incomplete: {why}; no model was marked gone"
    log.warning("%s: run %s %s", source.name, run.run_id, message)
    load.merge_run(con, run, source.merge, complete=True, full_catalog=False)
    runs.mark(con, run, "incomplete", message)
    return _summary(source, run, "incomplete", started, message)


def _resume_or_begin(con: duckdb.DuckDBPyConnection, source: Source, day: date) -> Run:
    resumable = None
    for run in runs.unfinished(con, source.name):
        if ("backfill" in run.scope) != ("backfill" in source.scope):
            continue  # a backfill and a collection of the same hub never close each other's runs
        if run.snapshot_date == day and run.scope == source.scope and resumable is None:
            resumable = run
        else:
            _abandon(con, source, run)
    if resumable:
        log.info("%s: resuming run %s after page %s", source.name, resumable.run_id, resumable.pages)
        return runs.mark_running(con, resumable)
    return runs.begin(con, source.name, source.scope, day)


def _abandon(con: duckdb.DuckDBPyConnection, source: Source, run: Run) -> None:
    """A run from another day or scope: keep what it loaded as a partial snapshot, then close it."""
    load.merge_run(con, run, source.merge, complete=True, full_catalog=False)
    runs.close(con, run)


def _fail(con: duckdb.DuckDBPyConnection, source: Source, run: Run, error: BaseException) -> None:
    message = str(error) or type(error).__name__
    log.error("%s: run %s failed after %s pages: %s", source.name, run.run_id, run.pages, message)
    try:
        load.merge_run(con, run, source.merge, complete=False, full_catalog=False)
    except Exception as merge_error:  # e.g. the disk is full: the staged pages wait for the next run
        log.error("%s: staged pages of run %s kept for the next run: %s", source.name, run.run_id, merge_error)
    runs.mark(con, run, "failed", message)


def _summary(source: Source, run: Run, status: str, started: float, error: str | None = None) -> Summary:
    seconds = time.monotonic() - started
    return Summary(source.name, run.run_id, status, run.pages, run.records, seconds, run.resumed, error)
