"""The collecting commands: `collect`, `run`, `schedule`, `backfill` and `doctor`."""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone

from tracker import nightly, output, sources
from tracker.cli_args import (EXIT_CHECK_FAILED, EXIT_OK, EXIT_SOURCE_FAILED, command, db_path, iso_date,
                              load_config)
from tracker.pipeline import today
from tracker.warehouse.db import WarehouseError

log = logging.getLogger("tracker")


def add_commands(commands, common) -> None:
    collect_parser = command(
        commands, common, "collect", cmd_collect, "collect one source (or all) into the warehouse",
        "Collect a source into the warehouse as today's snapshot. An interrupted run of today is resumed from "
        "its last committed page; rerunning a finished day replaces that day's snapshot rather than adding to it.")
    collect_parser.add_argument("source", choices=[*sources.SOURCE_NAMES, "all"])

    run_parser = command(
        commands, common, "run", cmd_run, "the main job, once: collect every enabled source, check, report",
        "Collect every enabled source (one failing does not stop the others), then check the claims and write "
        "the report, and print a summary. For cron, systemd timers and CI. Exit code 1 when a source failed, "
        "4 when the checks could not run.")
    run_parser.add_argument("--format", choices=output.FORMATS, default="table",
                            help="the summary as a table, CSV or JSON (JSON adds the verdicts)")

    schedule_parser = command(
        commands, common, "schedule", cmd_schedule, "keep running, collecting on each source's cron schedule",
        "A long-running scheduler: each enabled source is collected on its own cron expression (config key "
        "<source>.schedule, UTC), the checks and report follow on report_schedule. One job at a time; missed "
        "runs run once. SIGTERM or Ctrl-C finishes the page in flight, commits and exits.")
    schedule_parser.add_argument("--once-now", action="store_true",
                                 help="run every job once, right away, then exit (a smoke test)")

    doctor_parser = command(
        commands, common, "doctor", cmd_doctor,
        "test live what each collector assumes of its hub (the first command to run)",
        "A handful of live requests per hub, testing each assumption a collector relies on (see "
        "docs/api-contracts.md): the listing's parameters and page size, rate-limit headers and budgets, "
        "whether the token is accepted, search semantics. Prints a table (assumption, observed, what the "
        "collector will do); exit code 1 when an assumption fails.")
    doctor_parser.add_argument("source", nargs="?", choices=[*sources.SOURCE_NAMES, "all"], default="all")
    doctor_parser.add_argument("--format", choices=output.FORMATS, default="table")

    backfill_parser = command(
        commands, common, "backfill", cmd_backfill,
        "load past snapshots of a hub's catalogue from public snapshot files",
        "Load public snapshots of the Hugging Face catalogue as the snapshots of their dates, oldest first: a "
        "folder of <YYYY-MM-DD>/models.parquet, or a dataset repository on the Hub whose commits rewrite "
        "models.parquet (the file at the last commit of each period, downloaded at that revision). A day the "
        "tracker collected itself keeps its own snapshot; a file already loaded is not loaded again; an "
        "interrupted backfill resumes where it stopped.")
    backfill_parser.add_argument("source", choices=["huggingface"])
    backfill_parser.add_argument("--from", dest="origin", metavar="SOURCE", default=None,
                                 help="a folder, or a dataset repository (default: cfahlgren1/hub-stats on the "
                                      "configured endpoint)")
    backfill_parser.add_argument("--since", metavar="DATE", type=iso_date, help="the first date to load")
    backfill_parser.add_argument("--until", metavar="DATE", type=iso_date, help="the last date to load")
    backfill_parser.add_argument("--every", choices=["day", "week", "month"], default="day",
                                 help="the last snapshot of each day (default; every file of a folder), ISO week "
                                      "or month")


def cmd_collect(args) -> int:
    config = load_config(args)
    names = sources.enabled(config) if args.source == "all" else [args.source]
    report = nightly.collect_sources(config, db_path(args), names, output.page_progress, day=today())
    return EXIT_OK if report.ok else EXIT_SOURCE_FAILED


def cmd_run(args) -> int:
    config, day = load_config(args), today()  # the one read of the clock: every step uses this run's day
    report = nightly.collect_sources(config, db_path(args), sources.enabled(config), output.page_progress, day=day)
    nightly.check_and_report(config, db_path(args), report, day=day, now=datetime.now(timezone.utc))
    if args.format == "json":
        json.dump({"sources": nightly.summary_rows(report), "verdicts": report.verdicts,
                   "stale_sources": report.stale_sources, "check_error": report.check_error,
                   "report": str(report.report_path) if report.report_path else None},
                  sys.stdout, indent=2, default=str)
        print()
    else:
        _write_summary(nightly.summary_rows(report), args.format)
        if report.verdicts:
            sys.stdout.write("\n")
            output.write_rows(report.verdicts, args.format, sys.stdout)
        if report.report_path:
            sys.stdout.write(f"\nreport: {report.report_path}\n")
    if not report.ok:
        return EXIT_SOURCE_FAILED
    return EXIT_CHECK_FAILED if report.check_error else EXIT_OK


def _write_summary(rows: list[dict], fmt: str) -> None:
    """The run's summary; in a table each source's note follows it whole, on its own line, never cut."""
    if fmt != "table":
        output.write_rows(rows, fmt, sys.stdout)
        return
    output.write_rows([{k: v for k, v in row.items() if k != "note"} for row in rows], fmt, sys.stdout)
    for row in rows:
        if row["note"]:
            sys.stdout.write(f"{row['source']}: {row['note']}\n")


def cmd_schedule(args) -> int:
    config, path = load_config(args), db_path(args)

    def run_job(job_id: str) -> None:  # each job is an entry point: it reads the clock when it starts
        try:
            nightly.run_job(job_id, config, path, day=today(), now=datetime.now(timezone.utc))
        except WarehouseError as error:  # e.g. a manual run holds the warehouse: try again next time
            log.error("%s: %s", job_id, error)

    from tracker import schedule  # APScheduler is loaded only by the long-running service

    return schedule.serve(config, run_job, once_now=args.once_now)


def cmd_doctor(args) -> int:
    from tracker import doctor

    config = load_config(args)
    names = [n for n in sources.SOURCE_NAMES if n in doctor.PROBES] if args.source == "all" else [args.source]
    found = doctor.checks(config, names, today())
    if args.format == "table":
        doctor.write_table(found, sys.stdout)
    else:
        output.write_rows(doctor.rows(found), args.format, sys.stdout)
    return EXIT_OK if all(c.ok for c in found) else EXIT_SOURCE_FAILED


def cmd_backfill(args) -> int:
    from tracker import backfill
    from tracker.collectors.huggingface_snapshots import DEFAULT_DATASET
    from tracker.collectors.records import CollectorError

    config = load_config(args)
    settings = sources.huggingface_settings(config)
    try:
        found = backfill.find_snapshots(args.origin or DEFAULT_DATASET, settings.endpoint, settings.token,
                                        settings.deadline)
        backfill.backfill(db_path(args), found, args.every, args.since, args.until, _print_outcome,
                          merge_wait=config.merge_wait)
    except (CollectorError, backfill.BackfillFailed) as error:  # a snapshot unavailable, a stop, a deadline
        print(f"tracker: backfill stopped: {error}", file=sys.stderr)
        return EXIT_SOURCE_FAILED
    return EXIT_OK


def _print_outcome(o) -> None:
    print(f"{o.day}  {o.status:<7}  {o.label}: {o.note}" + (f", {o.records:,} models" if o.status == "loaded" else ""),
          flush=True)
