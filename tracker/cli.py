"""The `tracker` command: collect, query and inspect the open-source AI ecosystem warehouse."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from tracker import config as configuration
from tracker import nightly, output, sources
from tracker.collectors.records import first_line
from tracker.pipeline import request_stop, today
from tracker.reports import check as claim_checks
from tracker.reports.registry import RegistryError
from tracker.warehouse import export
from tracker.warehouse.attribution import ReferenceDataError
from tracker.warehouse import db, provenance, runs
from tracker.warehouse.db import WarehouseError
from tracker.warehouse import publish
from tracker.warehouse.publish import OutputError

COMMON_DEFAULTS = {"db": None, "config": None, "quiet": False}
EXIT_OK, EXIT_SOURCE_FAILED, EXIT_USAGE, EXIT_WAREHOUSE, EXIT_CHECK_FAILED = 0, 1, 2, 3, 4
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report it (128 + SIGINT)
log = logging.getLogger("tracker")

DESCRIPTION = """\
Measure the open-model ecosystem on Hugging Face, ModelScope and GitHub, and check
published claims about it with data anyone can re-run.

Everything lands in one DuckDB file (default ./tracker.duckdb; --db or TRACKER_DB).
Tokens come only from the environment: HF_TOKEN, MODELSCOPE_API_TOKEN, GITHUB_TOKEN.
Endpoints: HF_ENDPOINT, MODELSCOPE_ENDPOINT, GITHUB_API_URL (or the config file).
"""

EPILOG = """\
examples:
  tracker doctor                            first, with a network: does each hub behave as the collectors assume?
  tracker run                               the nightly job: collect all, check, report
  tracker collect huggingface               collect the whole Hugging Face catalogue
  tracker check                             judge every claim; tracker check --history CLAIM
  tracker report --out report               the trend report: HTML, Markdown, charts as PNG + CSV
  tracker demo --out demo                   the whole pipeline on a SIMULATED ecosystem, offline
  tracker export --out parquet              every table as Hive-partitioned Parquet
  tracker runs                              what ran, when, and how it ended
  tracker --db demo/warehouse.duckdb sql "SELECT hub, count(*) FROM models GROUP BY hub"
  tracker sql --format csv "SELECT * FROM model_snapshots LIMIT 10" > snap.csv
  tracker config                            the effective settings, and where each came from

exit codes: 0 all went well; 1 a source failed (its loaded pages are kept; rerun to resume);
            2 bad usage or configuration; 3 the warehouse is unusable (missing, locked, not DuckDB,
            damaged) or a query was refused or wrong; 4 a claim check could not run (e.g. a
            malformed data file); 130 interrupted by Ctrl-C
"""


class OneLineParser(argparse.ArgumentParser):
    """Usage errors as one line naming the problem, and where to read more (exit code 2)."""

    def error(self, message: str):
        self.exit(EXIT_USAGE, f"{self.prog}: {message} (see {self.prog} --help)\n")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    for name, default in COMMON_DEFAULTS.items():  # options given before or after the command
        if not hasattr(args, name):
            setattr(args, name, default)
    logging.basicConfig(level=logging.INFO if not args.quiet else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr)
    for chatty in ("httpx2", "apscheduler"):  # a line per request or job drowns the tracker's own lines
        logging.getLogger(chatty).setLevel(logging.WARNING)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        if not args.reads_warehouse:
            return args.handler(args)
        path = existing_warehouse(args)
        code = args.handler(args)  # first: `tracker sql` sets its signal handling before any open of the file
        simulated = provenance.simulated_at(path)
        if simulated:  # said last, where a reader of the output sees it
            print(f"tracker: SIMULATED DATA in {db_path(args)}: {simulated}", file=sys.stderr)
        return code
    except configuration.ConfigError as error:
        print(f"tracker: configuration error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except WarehouseError as error:
        print(f"tracker: {error}", file=sys.stderr)
        return EXIT_WAREHOUSE
    except duckdb.Error as error:  # e.g. a damaged file that opened but fails when its pages are read
        print(f"tracker: warehouse {db_path(args)} is unusable: {first_line(error)}", file=sys.stderr)
        return EXIT_WAREHOUSE
    except KeyboardInterrupt:
        print("tracker: interrupted (Ctrl-C); committed pages are kept, a rerun goes on from there", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # the reader went away (`tracker sql ... | head`): nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except OSError as error:  # a path the user named cannot be written as asked (e.g. --out names a file)
        print(f"tracker: cannot write {error.filename or 'the output'}: {error.strerror or error}", file=sys.stderr)
        return EXIT_USAGE


def existing_warehouse(args) -> Path:
    """The warehouse a reading command uses; one that is not there is an error, never a new empty file."""
    path = db_path(args)
    if not path.is_file():
        demo_hint = " (after tracker demo: --db DEMO_FOLDER/warehouse.duckdb)" if not args.db else ""
        raise WarehouseError(f"no warehouse at {path}: collect something first (tracker collect ...), "
                             f"or name one with --db or TRACKER_DB{demo_hint}")
    return path


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS,
                        help="the warehouse file (default: $TRACKER_DB, else ./tracker.duckdb)")
    common.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS,
                        help="TOML configuration (default: $TRACKER_CONFIG, else ./tracker.toml if present)")
    common.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="only warnings and errors")
    parser = OneLineParser(prog="tracker", description=DESCRIPTION, epilog=EPILOG,
                           formatter_class=argparse.RawDescriptionHelpFormatter, parents=[common])
    parser.set_defaults(reads_warehouse=False)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)

    collect_parser = commands.add_parser(
        "collect", parents=[common], help="collect one source (or all) into the warehouse",
        description="Collect a source into the warehouse as today's snapshot. An interrupted run of "
                    "today is resumed from its last committed page; rerunning a finished day replaces "
                    "that day's snapshot rather than adding to it.")
    collect_parser.add_argument("source", choices=[*sources.SOURCE_NAMES, "all"])
    collect_parser.set_defaults(handler=cmd_collect)

    sql_parser = commands.add_parser(
        "sql", parents=[common], help="run a read-only SQL query on the warehouse",
        description="Run one SQL query against the warehouse, opened read-only: it writes no file (not even "
                    "temporary ones: a query needing more than 1GB of memory is refused) and reads none but "
                    "the warehouse. Tables: runs, models, model_snapshots, lineage (see the README for the rest).")
    sql_parser.add_argument("query")
    sql_parser.add_argument("--format", choices=output.FORMATS, default="table",
                            help="table (the first --max-rows rows), or csv / json (every row, streamed)")
    sql_parser.add_argument("--timeout", metavar="SECONDS", type=float, default=None,
                            help="stop the query after this long (SIGTERM and Ctrl-C stop it too)")
    sql_parser.add_argument("--max-rows", metavar="N", type=int, default=output.TABLE_ROWS,
                            help=f"rows the table view shows (default {output.TABLE_ROWS}); it counts the rest")
    sql_parser.set_defaults(handler=cmd_sql, reads_warehouse=True)

    run_parser = commands.add_parser(
        "run", parents=[common], help="the main job, once: collect every enabled source, check, report",
        description="Collect every enabled source (one failing does not stop the others), then check the "
                    "claims and write the report, and print a summary. For cron, systemd timers and CI. "
                    "Exit code 1 when a source failed.")
    run_parser.add_argument("--format", choices=output.FORMATS, default="table",
                            help="the summary as a table, CSV or JSON (JSON adds the verdicts)")
    run_parser.set_defaults(handler=cmd_run)

    schedule_parser = commands.add_parser(
        "schedule", parents=[common], help="keep running, collecting on each source's cron schedule",
        description="A long-running scheduler: each enabled source is collected on its own cron "
                    "expression (config key <source>.schedule, UTC), the checks and report follow on "
                    "report_schedule. One job at a time; missed runs run once. SIGTERM or Ctrl-C "
                    "finishes the page in flight, commits and exits.")
    schedule_parser.add_argument("--once-now", action="store_true",
                                 help="run every job once, right away, then exit (a smoke test)")
    schedule_parser.set_defaults(handler=cmd_schedule)

    check_parser = commands.add_parser(
        "check", parents=[common], help="check the report's claims against the warehouse",
        description="Judge every registered claim (or one) on the warehouse as it stands: supported, "
                    "contradicted or insufficient data, with the reason. Each verdict is stored with its "
                    "evidence; --history CLAIM shows how its verdict and figures changed across checks. "
                    "TRACKER_DATA_DIR names a folder whose families.csv, organisations.csv or "
                    "countries.csv replace the shipped ones.")
    check_parser.add_argument("--claim", metavar="ID", help="check only this claim (default: every claim)")
    check_parser.add_argument("--format", choices=output.FORMATS, default="table")
    check_parser.add_argument("--history", metavar="CLAIM", help="the stored verdicts of CLAIM, oldest first")
    check_parser.set_defaults(handler=cmd_check, reads_warehouse=True)

    report_parser = commands.add_parser(
        "report", parents=[common], help="check the claims and write the trend report (HTML, Markdown, PNG, CSV)",
        description="Check every registered claim on the warehouse as it stands (the verdicts are stored), then "
                    "write the report into --out: report.html (self-contained: opens from disk, no network), "
                    "report.md, and every chart as PNG beside its data as CSV.")
    report_parser.add_argument("--out", metavar="DIR", default=None,
                               help="folder for the report (default: the config's report_dir, ./report)")
    report_parser.set_defaults(handler=cmd_report, reads_warehouse=True)

    demo_parser = commands.add_parser(
        "demo", parents=[common], help="collect, check and report a SIMULATED ecosystem from local stand-ins (offline)",
        description="Start local stand-ins of Hugging Face, ModelScope and GitHub on 127.0.0.1 serving a generated "
                    "ecosystem, collect several snapshot days from them with the real pipeline, check the claims "
                    "and write the report, all into --out (its own warehouse: --db is not used). No network and "
                    "no token needed; everything it makes is marked SIMULATED.")
    demo_parser.add_argument("--out", metavar="DIR", default="tracker-demo",
                             help="folder for the demo's warehouse and report (default: ./tracker-demo)")
    demo_parser.add_argument("--scale", type=float, default=1.0,
                             help="size of the generated ecosystem (default 1.0, about a minute; 0.1 is quicker)")
    demo_parser.set_defaults(handler=cmd_demo)

    export_parser = commands.add_parser(
        "export", parents=[common], help="export every table as Parquet (or CSV), snapshots Hive-partitioned",
        description="Write every table of the warehouse into --out, one folder per table. model_snapshots, "
                    "repo_snapshots and search_counts are partitioned Hive-style by hub or source and "
                    "snapshot_date (model_snapshots/hub=huggingface/snapshot_date=2025-01-01/data_0.parquet), "
                    "read as they are by DuckDB, Spark, pandas and pyarrow. Staging tables are left out; an "
                    "earlier export in the same folder is replaced table by table.")
    export_parser.add_argument("--out", metavar="DIR", required=True)
    export_parser.add_argument("--format", choices=export.FORMATS, default="parquet")
    export_parser.set_defaults(handler=cmd_export, reads_warehouse=True)

    runs_parser = commands.add_parser("runs", parents=[common], help="the run ledger, newest first")
    runs_parser.add_argument("--limit", type=_positive_int, default=20, help="how many runs to show (default 20)")
    runs_parser.add_argument("--format", choices=output.FORMATS, default="table")
    runs_parser.set_defaults(handler=cmd_runs, reads_warehouse=True)

    doctor_parser = commands.add_parser(
        "doctor", parents=[common], help="test live what each collector assumes of its hub (the first command to run)",
        description="A handful of live requests per hub, testing each assumption a collector relies on (see "
                    "docs/api-contracts.md): the listing's parameters and page size, rate-limit headers and "
                    "budgets, whether the token is accepted, search semantics. Prints a table (assumption, "
                    "observed, what the collector will do); exit code 1 when an assumption fails.")
    doctor_parser.add_argument("source", nargs="?", choices=[*sources.SOURCE_NAMES, "all"], default="all")
    doctor_parser.add_argument("--format", choices=output.FORMATS, default="table")
    doctor_parser.set_defaults(handler=cmd_doctor)

    backfill_parser = commands.add_parser(
        "backfill", parents=[common], help="load past snapshots of a hub's catalogue from public snapshot files",
        description="Load public snapshots of the Hugging Face catalogue as the snapshots of their dates, oldest "
                    "first: a folder of <YYYY-MM-DD>/models.parquet, or a dataset repository on the Hub whose "
                    "commits rewrite models.parquet (the file at the last commit of each period, downloaded at "
                    "that revision). A day the tracker collected itself keeps its own snapshot; a file already "
                    "loaded is not loaded again; an interrupted backfill resumes where it stopped.")
    backfill_parser.add_argument("source", choices=["huggingface"])
    backfill_parser.add_argument("--from", dest="origin", metavar="SOURCE", default=None,
                                 help="a folder, or a dataset repository (default: cfahlgren1/hub-stats on the "
                                      "configured endpoint)")
    backfill_parser.add_argument("--since", metavar="DATE", type=_iso_date, help="the first date to load")
    backfill_parser.add_argument("--until", metavar="DATE", type=_iso_date, help="the last date to load")
    backfill_parser.add_argument("--every", choices=["day", "week", "month"], default="day",
                                 help="the last snapshot of each day (default; every file of a folder), ISO week "
                                      "or month")
    backfill_parser.set_defaults(handler=cmd_backfill)

    config_parser = commands.add_parser(
        "config", parents=[common], help="print the effective configuration, and where each value came from",
        description="Print the configuration as the commands will use it: the warehouse path, every key "
                    "(tokens masked), and under \"from\" whether each came from the default, the file or the "
                    "environment.")
    config_parser.set_defaults(handler=cmd_config)
    return parser


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, got {text!r}")
    return value


def db_path(args) -> Path:
    """--db, else the config file's `db`, else TRACKER_DB, else ./tracker.duckdb."""
    return db_path_and_origin(args)[0]


def db_path_and_origin(args) -> tuple[Path, str]:
    if args.db:
        return Path(args.db), "option --db"
    loaded = configuration.load_with_origins(args.config)
    if loaded.config.db:
        return Path(loaded.config.db), f"file {loaded.path}"
    if db.default_path() != Path(db.DEFAULT_DB):
        return db.default_path(), "environment TRACKER_DB"
    return db.default_path(), "default"


def load_config(args) -> configuration.Config:
    return configuration.load(args.config)


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


def cmd_sql(args) -> int:
    from tracker import query  # errors (bad SQL, refused, stopped) are WarehouseErrors: one line, exit 3

    query.run(db_path(args), args.query, args.format, timeout=args.timeout, max_rows=args.max_rows)
    return EXIT_OK


def cmd_check(args) -> int:
    con = db.connect(existing_warehouse(args))  # writable: a check resolves the families and stores its verdicts
    try:
        return claim_checks.check_command(con, args.claim, args.format, args.history, sys.stdout,
                                          checked_at=datetime.now(timezone.utc))
    finally:
        con.close()


def cmd_report(args) -> int:
    out = Path(args.out or load_config(args).report_dir)
    try:
        publish.check_target(out)  # before the checks store their verdicts
    except OutputError as error:
        print(f"tracker: {error}", file=sys.stderr)
        return EXIT_USAGE
    from tracker.reports import render  # matplotlib is loaded only by the commands that draw

    con = db.connect(db_path(args))  # writable: the report checks the claims first and stores the verdicts
    try:
        verdicts = claim_checks.run_checks(con, checked_at=datetime.now(timezone.utc))
        path = render.write_report(con, out, verdicts)
    except (claim_checks.CheckError, RegistryError, ReferenceDataError) as error:
        print(f"tracker: check could not run: {error}", file=sys.stderr)
        return EXIT_CHECK_FAILED
    except OutputError as error:
        print(f"tracker: {error}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        con.close()
    print(path)
    return EXIT_OK


def cmd_demo(args) -> int:
    from tracker import demo

    try:
        demo.demo(Path(args.out), demo.Size.scaled(args.scale), day=today(), now=datetime.now(timezone.utc))
    except demo.DemoError as error:
        print(f"tracker: {error}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


def cmd_export(args) -> int:
    try:
        written = export.export(db_path(args), Path(args.out), args.format)
    except OutputError as error:
        print(f"tracker: {error}", file=sys.stderr)
        return EXIT_USAGE
    output.write_rows([{"table": e.name, "rows": e.rows, "path": str(e.path), "partition_by": ", ".join(e.partition_by)}
                       for e in written], "table", sys.stdout)
    return EXIT_OK


def cmd_runs(args) -> int:
    con = db.connect(db_path(args), read_only=True)
    output.write(runs.ledger(con, args.limit), args.format, sys.stdout)
    return EXIT_OK


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


def _iso_date(text: str):
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def cmd_backfill(args) -> int:
    from tracker import backfill
    from tracker.collectors.huggingface_snapshots import DEFAULT_DATASET
    from tracker.collectors.records import CollectorError

    settings = sources.huggingface_settings(load_config(args))
    try:
        # found before the warehouse is opened: it is held only while snapshots are loaded
        found = backfill.find_snapshots(args.origin or DEFAULT_DATASET, settings.endpoint, settings.token,
                                        settings.deadline)
        con = db.connect(db_path(args))
        try:
            backfill.backfill(con, found, args.every, args.since, args.until, _print_outcome)
        finally:
            con.close()
    except (CollectorError, backfill.BackfillFailed) as error:  # a snapshot unavailable, a stop, a deadline
        print(f"tracker: backfill stopped: {error}", file=sys.stderr)
        return EXIT_SOURCE_FAILED
    return EXIT_OK


def _print_outcome(o) -> None:
    print(f"{o.day}  {o.status:<7}  {o.label}: {o.note}" + (f", {o.records:,} models" if o.status == "loaded" else ""),
          flush=True)


def cmd_config(args) -> int:
    path, origin = db_path_and_origin(args)
    shown = configuration.effective(configuration.load_with_origins(args.config), path.absolute(), origin)
    json.dump(shown, sys.stdout, indent=2)
    print()
    return EXIT_OK
