"""What every `tracker` command shares: exit codes, declaring a command, and finding the warehouse and config."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from tracker import config as configuration
from tracker.warehouse import db
from tracker.warehouse.db import WarehouseError

EXIT_OK, EXIT_SOURCE_FAILED, EXIT_USAGE, EXIT_WAREHOUSE, EXIT_CHECK_FAILED = 0, 1, 2, 3, 4
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report it (128 + SIGINT)


def command(commands, common: argparse.ArgumentParser, name: str, handler, help: str, description: str = "",
            reads_warehouse: bool = False) -> argparse.ArgumentParser:
    """A subcommand taking the common options; `reads_warehouse`: it needs an existing warehouse."""
    parser = commands.add_parser(name, parents=[common], help=help, description=description or None)
    parser.set_defaults(handler=handler, reads_warehouse=reads_warehouse)
    return parser


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of at least 1, got {text!r}")
    return value


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


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


def existing_warehouse(args) -> Path:
    """The warehouse a reading command uses; one that is not there is an error, never a new empty file."""
    path = db_path(args)
    if not path.is_file():
        demo_hint = " (after tracker demo: --db DEMO_FOLDER/warehouse.duckdb)" if not args.db else ""
        raise WarehouseError(f"no warehouse at {path}: collect something first (tracker collect ...), "
                             f"or name one with --db or TRACKER_DB{demo_hint}")
    return path


def load_config(args) -> configuration.Config:
    return configuration.load(args.config)
