"""The `tracker` command: collect, query and inspect the open-source AI ecosystem warehouse."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys

import duckdb

from tracker import cli_claims, cli_collect, cli_warehouse
from tracker import config as configuration
from tracker.collectors.records import first_line
from tracker.cli_args import (EXIT_CHECK_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, EXIT_WAREHOUSE, db_path,
                              existing_warehouse)
from tracker.pipeline import request_stop
from tracker.reports.check import CheckError, UnknownClaim
from tracker.warehouse import provenance
from tracker.warehouse.db import WarehouseError
from tracker.warehouse.publish import OutputError

COMMON_DEFAULTS = {"db": None, "config": None, "quiet": False}
GROUPS = (cli_collect, cli_claims, cli_warehouse)  # each adds its commands to the parser

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
{sql_examples}
  tracker sql --format csv QUERY > out.csv  one read-only query, every row streamed as CSV (or json)
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
    except UnknownClaim as error:
        print(f"tracker: {error}", file=sys.stderr)
        return EXIT_USAGE
    except CheckError as error:  # a malformed claim or data file, a failing rule: nothing stored or written
        print(f"tracker: check could not run: {error}", file=sys.stderr)
        return EXIT_CHECK_FAILED
    except OutputError as error:  # an --out that cannot be the report's or export's folder
        print(f"tracker: {error}", file=sys.stderr)
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


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", metavar="PATH", default=argparse.SUPPRESS,
                        help="the warehouse file (default: $TRACKER_DB, else ./tracker.duckdb)")
    common.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS,
                        help="TOML configuration (default: $TRACKER_CONFIG, else ./tracker.toml if present)")
    common.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="only warnings and errors")
    sql_examples = "\n".join(f"  {line}" for line in cli_warehouse.example_commands("demo/warehouse.duckdb"))
    parser = OneLineParser(prog="tracker", description=DESCRIPTION, epilog=EPILOG.format(sql_examples=sql_examples),
                           formatter_class=argparse.RawDescriptionHelpFormatter, parents=[common])
    parser.set_defaults(reads_warehouse=False)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for group in GROUPS:
        group.add_commands(commands, common)
    return parser
