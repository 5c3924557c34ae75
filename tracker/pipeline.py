"""Wires a source's collector to the warehouse: resume, stage page by page, merge, record the run."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Callable, Iterator

import duckdb

from tracker.collectors.records import CollectorError, Page
from tracker.warehouse import db, load, runs
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


class Stop:
    """Set by a signal handler: the page in flight is finished and committed, then the run ends."""

    requested = False


def today() -> date:
    return datetime.now(timezone.utc).date()


def collect(con: duckdb.DuckDBPyConnection, source: Source, on_page: Callable[[Run, Page], None] = lambda r, p: None,
            snapshot_date: date | None = None) -> Summary:
    """Run one collection of `source` into the warehouse, resuming today's unfinished run if any."""
    with db.collection_settings(con):
        return _collect(con, source, on_page, snapshot_date or today())


def _collect(con: duckdb.DuckDBPyConnection, source: Source, on_page, day: date) -> Summary:
    started = datetime.now(timezone.utc)
    run = _resume_or_begin(con, source, day)
    try:
        with contextlib.closing(source.pages(run.cursor)) as pages:  # closed at once, even on an error
            for page in pages:
                load.save_page(con, run, page.records, page.cursor, page.catalog_total)
                on_page(run, page)
                if Stop.requested and page.cursor:
                    raise CollectorError("stopped by a signal after a committed page; the next run resumes here")
    except (Exception, KeyboardInterrupt) as error:
        _fail(con, source, run, error)
        summary = _summary(source, run, "failed", started, str(error) or type(error).__name__)
        raise CollectionFailed(f"{source.name}: {summary.error}", summary) from error
    load.merge_run(con, run, source.merge, complete=True, full_catalog=not source.narrowed)
    runs.mark(con, run, "succeeded")
    return _summary(source, run, "succeeded", started)


def _resume_or_begin(con: duckdb.DuckDBPyConnection, source: Source, day: date) -> Run:
    resumable = None
    for run in runs.unfinished(con, source.name):
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


def _summary(source: Source, run: Run, status: str, started: datetime, error: str | None = None) -> Summary:
    seconds = (datetime.now(timezone.utc) - started).total_seconds()
    return Summary(source.name, run.run_id, status, run.pages, run.records, seconds, run.resumed, error)
