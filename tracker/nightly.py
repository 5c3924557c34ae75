"""The main job, `tracker run`: collect every enabled source, then check the claims, then report."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb

from tracker import sources
from tracker.collectors.records import first_line
from tracker.collectors.waiting import STOP, StopRequested
from tracker.config import Config
from tracker.opening import connect_when_free
from tracker.pipeline import CollectionFailed, Summary, collect
from tracker.reports.check import CheckError, check_then_report
from tracker.warehouse import sql
from tracker.warehouse.db import WarehouseBusy, WarehouseError
from tracker.warehouse.publish import OutputError

log = logging.getLogger("tracker")


@dataclass
class NightReport:
    collections: list[Summary] = field(default_factory=list)
    failed_sources: list[str] = field(default_factory=list)
    verdicts: list[dict] = field(default_factory=list)   # claim, verdict, before, changed
    stale_sources: list[str] = field(default_factory=list)
    check_error: str | None = None
    report_path: Path | None = None

    @property
    def ok(self) -> bool:
        return not self.failed_sources


def collect_sources(config: Config, db_path: Path, names: list[str], on_page_for=None, *, day: date) -> NightReport:
    """Collect each source in turn as the snapshot of `day`; one failing never stops the others.
    `on_page_for(name)` gives a context manager yielding the per-page callback (a progress bar)."""
    report = NightReport()
    for name in names:
        if STOP.is_set():  # a stop ends the night: no further source begins
            log.warning("%s: not started: stopping", name)
            report.collections.append(Summary(name, None, "failed", 0, 0, 0.0, False, "not started: stopping"))
        else:
            report.collections.append(_collect_one(db_path, config, name, on_page_for, day))
        if report.collections[-1].status != "succeeded":
            report.failed_sources.append(name)
    return report


def _collect_one(db_path: Path, config: Config, name: str, on_page_for, day: date) -> Summary:
    progress = on_page_for(name) if on_page_for else contextlib.nullcontext(lambda run, page: None)
    try:
        with contextlib.closing(connect_when_free(db_path, config.merge_wait)) as con:  # what a source reads first
            source = sources.build(name, config, con, day)
        with progress as on_page:  # the warehouse is opened only to begin and to end the run: readable meanwhile
            summary = collect(db_path, source, on_page, snapshot_date=day, merge_wait=config.merge_wait)
    except CollectionFailed as error:  # the pipeline has logged why
        return error.summary
    except (WarehouseBusy, StopRequested) as error:  # no run was begun: readers held the file past merge_wait, a stop
        log.error("%s: %s", name, first_line(error))
        return Summary(name, None, "failed", 0, 0, 0.0, False, first_line(error))
    log.info("%s: %s pages, %s records in %.1fs (run %s%s)", name, summary.pages, summary.records,
             summary.seconds, summary.run_id, ", resumed" if summary.resumed else "")
    return summary


def stale_sources(config: Config, con: duckdb.DuckDBPyConnection, day: date) -> list[str]:
    """Enabled sources with no succeeded run on `day`: the checks say their data is older."""
    fresh = {source for (source,) in sql.run(con, "sources_collected_on", day=day).fetchall()}
    return [name for name in sources.enabled(config) if name not in fresh]


def check_and_report(config: Config, db_path: Path, report: NightReport, *, day: date, now: datetime) -> NightReport:
    """Judge every claim on what the warehouse holds (at `now`, the run of `day`), then write the report;
    note stale sources and changed verdicts."""
    if STOP.is_set():
        report.check_error = "not started: stopping"
        log.warning("checks %s", report.check_error)
        return report
    try:
        con = connect_when_free(db_path, config.merge_wait)
    except (WarehouseError, StopRequested) as error:
        report.check_error = first_line(error)
        log.error("checks could not run: %s", report.check_error)
        return report
    try:
        report.stale_sources = stale_sources(config, con, day)
        if report.stale_sources:
            log.warning("checks use older data for: %s (no complete run on %s)", ", ".join(report.stale_sources), day)
        before = dict(sql.run(con, "claim_latest_verdicts").fetchall())
        verdicts, report.report_path = check_then_report(con, Path(config.report_dir), checked_at=now)
    except (CheckError, WarehouseError, OutputError, OSError, duckdb.Error) as error:
        report.check_error = first_line(error)
        log.error("checks could not run: %s", report.check_error)
        return report
    finally:
        con.close()
    report.verdicts = [{"claim": v.claim.id, "verdict": v.verdict, "before": before.get(v.claim.id, "(first check)"),
                        "changed": v.verdict != before.get(v.claim.id)} for v in verdicts]
    return report


def summary_rows(report: NightReport) -> list[dict]:
    """One line per source: how far it got, how long it took, and why it stopped if it failed (whole)."""
    return [{"source": s.source, "status": s.status, "pages": s.pages, "records": s.records,
             "seconds": round(s.seconds, 1), "note": s.error or ("resumed" if s.resumed else "")}
            for s in report.collections]


def run_job(job_id: str, config: Config, db_path: Path, *, day: date, now: datetime) -> None:
    """One scheduled job: a source's collection (the snapshot of `day`), or the checks and report after them.
    None starts once a stop is asked for: at shutdown the scheduler still runs the jobs queued behind the
    one in flight."""
    if STOP.is_set():
        log.info("%s: not started: stopping", job_id)
        return
    if job_id in sources.SOURCE_NAMES:
        collect_sources(config, db_path, [job_id], day=day)
        return
    report = check_and_report(config, db_path, NightReport(), day=day, now=now)
    changed = [f"{v['claim']}: {v['before']} -> {v['verdict']}" for v in report.verdicts if v["changed"]]
    log.info("checks: %s claims judged; changed: %s; report: %s", len(report.verdicts),
             "; ".join(changed) or "none", report.report_path)
