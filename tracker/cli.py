"""The `tracker` command: collect, query and inspect the open-source AI ecosystem warehouse."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from tracker import config as configuration
from tracker import output, sources
from tracker.pipeline import CollectionFailed, collect
from tracker.warehouse import db, runs
from tracker.warehouse.db import WarehouseError

COMMON_DEFAULTS = {"db": None, "config": None, "quiet": False}
EXIT_OK, EXIT_SOURCE_FAILED, EXIT_USAGE, EXIT_WAREHOUSE = 0, 1, 2, 3
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
  tracker collect huggingface               collect the whole Hugging Face catalogue
  tracker runs                              what ran, when, and how it ended
  tracker sql "SELECT count(*) FROM models"
  tracker sql --format csv "SELECT * FROM model_snapshots LIMIT 10" > snap.csv

exit codes: 0 all went well; 1 a source failed (its loaded pages are kept; rerun to resume);
            2 bad usage or configuration; 3 the warehouse is unusable (locked, not DuckDB, bad SQL)
"""


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    for name, default in COMMON_DEFAULTS.items():  # options given before or after the command
        if not hasattr(args, name):
            setattr(args, name, default)
    logging.basicConfig(level=logging.INFO if not args.quiet else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr)
    logging.getLogger("httpx2").setLevel(logging.WARNING)  # one line per request drowns the page lines
    try:
        return args.handler(args)
    except configuration.ConfigError as error:
        print(f"tracker: configuration error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except WarehouseError as error:
        print(f"tracker: {error}", file=sys.stderr)
        return EXIT_WAREHOUSE


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS,
                        help="the warehouse file (default: $TRACKER_DB, else ./tracker.duckdb)")
    common.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS,
                        help="TOML configuration (default: $TRACKER_CONFIG, else ./tracker.toml if present)")
    common.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="only warnings and errors")
    parser = argparse.ArgumentParser(prog="tracker", description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter, parents=[common])
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
        description="Run one SQL query against the warehouse, opened read-only. Tables: runs, models, "
                    "model_snapshots, lineage (see the README for the rest).")
    sql_parser.add_argument("query")
    sql_parser.add_argument("--format", choices=output.FORMATS, default="table")
    sql_parser.set_defaults(handler=cmd_sql)

    runs_parser = commands.add_parser("runs", parents=[common], help="the run ledger, newest first")
    runs_parser.add_argument("--limit", type=int, default=20)
    runs_parser.add_argument("--format", choices=output.FORMATS, default="table")
    runs_parser.set_defaults(handler=cmd_runs)

    config_parser = commands.add_parser("config", parents=[common],
                                        help="print the effective configuration (tokens masked)")
    config_parser.set_defaults(handler=cmd_config)
    return parser


def db_path(args) -> Path:
    """--db, else the config file's `db`, else TRACKER_DB, else ./tracker.duckdb."""
    if args.db:
        return Path(args.db)
    configured = load_config(args).db
    return Path(configured) if configured else db.default_path()


def load_config(args) -> configuration.Config:
    return configuration.load(args.config)


def cmd_collect(args) -> int:
    config = load_config(args)
    names = sources.enabled(config) if args.source == "all" else [args.source]
    con = db.connect(db_path(args))
    failed = False
    for name in names:
        source = sources.build(name, config, con)
        with output.page_progress(name) as on_page:
            try:
                summary = collect(con, source, on_page)
                log.info("%s: %s pages, %s records in %.1fs (run %s)", name, summary.pages, summary.records,
                         summary.seconds, summary.run_id)
            except CollectionFailed as error:
                print(f"tracker: {error}", file=sys.stderr)
                failed = True
    con.close()
    return EXIT_SOURCE_FAILED if failed else EXIT_OK


def cmd_sql(args) -> int:
    con = db.connect(db_path(args), read_only=True)
    try:
        result = db.query(con, args.query)
    except WarehouseError as error:
        print(f"tracker: {error}", file=sys.stderr)
        return EXIT_WAREHOUSE
    output.write(result, args.format, sys.stdout)
    return EXIT_OK


def cmd_runs(args) -> int:
    con = db.connect(db_path(args), read_only=True)
    output.write(runs.ledger(con, args.limit), args.format, sys.stdout)
    return EXIT_OK


def cmd_config(args) -> int:
    json.dump(configuration.effective(load_config(args)), sys.stdout, indent=2)
    print()
    return EXIT_OK
