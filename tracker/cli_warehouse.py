"""The commands that read the warehouse as it is: `sql`, `export`, `runs`, and `config` (where it is)."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

from tracker import config as configuration
from tracker import output
from tracker.cli_args import EXIT_OK, command, db_path, db_path_and_origin, positive_int
from tracker.warehouse import db, export, runs, sql

EXAMPLE_QUERIES = ("example_models_per_snapshot", "example_largest_families", "example_claim_verdicts")


def example_commands(warehouse: Path | str) -> list[str]:
    """The `tracker sql` command lines of the example queries (warehouse/queries/example_*.sql)."""
    return [sql_command(warehouse, sql.statement(name)) for name in EXAMPLE_QUERIES]


def sql_command(warehouse: Path | str, query: str) -> str:
    """The command line asking `query` of `warehouse`, quoted for a POSIX shell."""
    return shlex.join(["tracker", "--db", str(warehouse), "sql", query])


def add_commands(commands, common) -> None:
    sql_parser = command(
        commands, common, "sql", cmd_sql, "run a read-only SQL query on the warehouse",
        "Run one SQL query against the warehouse, opened read-only: it writes no file (not even temporary ones: "
        "a query needing more than 1GB of memory is refused) and reads none but the warehouse. Tables: runs, "
        "models, model_snapshots, lineage (see the README for the rest).", reads_warehouse=True)
    sql_parser.add_argument("query")
    sql_parser.add_argument("--format", choices=output.FORMATS, default="table",
                            help="table (the first --max-rows rows), or csv / json (every row, streamed)")
    sql_parser.add_argument("--timeout", metavar="SECONDS", type=float, default=None,
                            help="stop the query after this long (SIGTERM and Ctrl-C stop it too)")
    sql_parser.add_argument("--max-rows", metavar="N", type=int, default=output.TABLE_ROWS,
                            help=f"rows the table view shows (default {output.TABLE_ROWS}); it counts the rest")

    export_parser = command(
        commands, common, "export", cmd_export, "export every table as Parquet (or CSV), snapshots Hive-partitioned",
        "Write every table of the warehouse into --out, one folder per table. model_snapshots, repo_snapshots "
        "and search_counts are partitioned Hive-style by hub or source and snapshot_date "
        "(model_snapshots/hub=huggingface/snapshot_date=2025-01-01/data_0.parquet), read as they are by DuckDB, "
        "Spark, pandas and pyarrow. Staging tables are left out; an earlier export in the same folder is "
        "replaced table by table.", reads_warehouse=True)
    export_parser.add_argument("--out", metavar="DIR", required=True)
    export_parser.add_argument("--format", choices=export.FORMATS, default="parquet")

    runs_parser = command(commands, common, "runs", cmd_runs, "the run ledger, newest first", reads_warehouse=True)
    runs_parser.add_argument("--limit", type=positive_int, default=20, help="how many runs to show (default 20)")
    runs_parser.add_argument("--format", choices=output.FORMATS, default="table")

    command(commands, common, "config", cmd_config,
            "print the effective configuration, and where each value came from",
            "Print the configuration as the commands will use it: the warehouse path, every key (tokens "
            "masked), and under \"from\" whether each came from the default, the file or the environment.")


def cmd_sql(args) -> int:
    from tracker import query  # errors (bad SQL, refused, stopped) are WarehouseErrors: one line, exit 3

    query.run(db_path(args), args.query, args.format, timeout=args.timeout, max_rows=args.max_rows)
    return EXIT_OK


def cmd_export(args) -> int:
    written = export.export(db_path(args), Path(args.out), args.format)  # an OutputError is one line, exit 2
    output.write_rows([{"table": e.name, "rows": e.rows, "path": str(e.path), "partition_by": ", ".join(e.partition_by)}
                       for e in written], "table", sys.stdout)
    return EXIT_OK


def cmd_runs(args) -> int:
    con = db.connect(db_path(args), read_only=True)
    output.write(runs.ledger(con, args.limit), args.format, sys.stdout)
    return EXIT_OK


def cmd_config(args) -> int:
    path, origin = db_path_and_origin(args)
    shown = configuration.effective(configuration.load_with_origins(args.config), path.absolute(), origin)
    json.dump(shown, sys.stdout, indent=2)
    print()
    return EXIT_OK
