"""The claim commands: `check` (judge the claims, or show one's history), `report` and `demo`."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import IO

import duckdb

from tracker import output
from tracker.cli_args import EXIT_OK, EXIT_USAGE, command, db_path, existing_warehouse, load_config
from tracker.pipeline import today
from tracker.reports import check as claim_checks
from tracker.reports.check import Verdict
from tracker.warehouse import db, provenance, publish

CLAIMS_HELP = ("TRACKER_CLAIMS_DIR names a folder of further claims (<id>.toml and <id>.sql, as in reports/claims/); "
               "TRACKER_DATA_DIR one whose families.csv, organisations.csv or countries.csv replace the shipped ones.")


def add_commands(commands, common) -> None:
    check_parser = command(
        commands, common, "check", cmd_check, "check the report's claims against the warehouse",
        "Judge every registered claim (or one) on the warehouse as it stands: supported, contradicted or "
        "insufficient data, with the reason. Each verdict is stored with its evidence; --history CLAIM shows how "
        "its verdict and figures changed across checks. " + CLAIMS_HELP, reads_warehouse=True)
    check_parser.add_argument("--claim", metavar="ID", help="check only this claim (default: every claim)")
    check_parser.add_argument("--format", choices=output.FORMATS, default="table")
    check_parser.add_argument("--history", metavar="CLAIM", help="the stored verdicts of CLAIM, oldest first")

    report_parser = command(
        commands, common, "report", cmd_report,
        "check the claims and write the trend report (HTML, Markdown, PNG, CSV)",
        "Check every registered claim on the warehouse as it stands (the verdicts are stored), then write the "
        "report into --out: report.html (self-contained: opens from disk, no network), report.md, and every "
        "chart as PNG beside its data as CSV. " + CLAIMS_HELP, reads_warehouse=True)
    report_parser.add_argument("--out", metavar="DIR", default=None,
                               help="folder for the report (default: the config's report_dir, ./report)")

    demo_parser = command(
        commands, common, "demo", cmd_demo,
        "collect, check and report a SIMULATED ecosystem from local stand-ins (offline)",
        "Start local stand-ins of Hugging Face, ModelScope and GitHub on 127.0.0.1 serving a generated "
        "ecosystem, collect several snapshot days from them with the real pipeline, check the claims and write "
        "the report, all into --out (its own warehouse: --db is not used). No network and no token needed; "
        "everything it makes is marked SIMULATED.")
    demo_parser.add_argument("--out", metavar="DIR", default="tracker-demo",
                             help="folder for the demo's warehouse and report (default: ./tracker-demo)")
    demo_parser.add_argument("--scale", type=float, default=1.0,
                             help="size of the generated ecosystem (default 1.0, about a minute; 0.1 is quicker)")


def cmd_check(args) -> int:
    con = db.connect(existing_warehouse(args))  # writable: a check resolves the families and stores its verdicts
    try:
        return check_command(con, args.claim, args.format, args.history, sys.stdout,
                             checked_at=datetime.now(timezone.utc))
    finally:
        con.close()


def check_command(con: duckdb.DuckDBPyConnection, claim: str | None, fmt: str, history: str | None,
                  stream: IO[str], *, checked_at: datetime) -> int:
    """`tracker check [--claim ID] [--format table|csv|json] [--history CLAIM]`; a check that cannot run
    raises CheckError (UnknownClaim for an id not registered)."""
    if history:
        return show_history(con, history, fmt, stream)
    verdicts = claim_checks.run_checks(con, [claim] if claim else None, checked_at=checked_at)
    write_verdicts(verdicts, fmt, stream, simulated=provenance.simulated(con))
    return EXIT_OK


def show_history(con: duckdb.DuckDBPyConnection, claim_id: str, fmt: str, stream: IO[str]) -> int:
    claim_checks.chosen([claim_id])
    rows = claim_checks.history(con, claim_id)
    if fmt == "json":
        stream.write(json.dumps(rows, ensure_ascii=False, default=str) + "\n")
        return EXIT_OK
    columns = ["checked_at", "verdict", "snapshot_date", "measured"]
    output.write_rows([{c: str(row[c] or "") for c in columns} for row in rows], fmt, stream, columns)
    if not rows and fmt != "csv":
        stream.write(f"(no check of {claim_id} stored yet: run tracker check)\n")
    return EXIT_OK


def write_verdicts(verdicts: list[Verdict], fmt: str, stream: IO[str], simulated: str | None = None) -> None:
    """The verdicts as JSON (with evidence), CSV, or a table followed by each verdict's reason; from a
    simulated warehouse each says SIMULATED (JSON: "simulated", CSV: a column, the table: a first line)."""
    if fmt == "json":
        shown = [v.as_dict() | ({"simulated": simulated} if simulated else {}) for v in verdicts]
        stream.write(json.dumps(shown, ensure_ascii=False, default=str) + "\n")
        return
    rows = [{"claim": v.claim.id, "verdict": v.verdict, "snapshot": str(v.snapshot_date or "n/a"),
             "measured": v.measured, "reported": v.reported} for v in verdicts]
    if simulated and fmt == "csv":
        rows = [{"simulated": "SIMULATED", **row} for row in rows]
    elif simulated:
        stream.write(f"SIMULATED DATA ({simulated}): these verdicts say nothing about the real hubs\n\n")
    output.write_rows(rows, fmt, stream)
    if fmt != "csv":
        stream.write("\n" + "".join(f"{v.claim.id}: {v.verdict}. {v.reason}\n" for v in verdicts))


def cmd_report(args) -> int:
    out = Path(args.out or load_config(args).report_dir)
    publish.check_target(out)  # before the checks store their verdicts
    con = db.connect(db_path(args))  # writable: the report checks the claims first and stores the verdicts
    try:
        _, path = claim_checks.check_then_report(con, out, checked_at=datetime.now(timezone.utc))
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
