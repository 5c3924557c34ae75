"""`tracker check`: run the registered claim checks, judge and store each verdict, show them or their history."""

from __future__ import annotations

import csv
import json
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import IO

import duckdb

from tracker.collectors.records import first_line
from tracker.reports import judge_github, judge_models
from tracker.reports.judging import Judgement, SourceStatus, insufficient, source_status
from tracker.reports.registry import Claim, RegistryError, evidence, load
from tracker.warehouse import attribution, provenance, reference, sql
from tracker.warehouse.attribution import ReferenceDataError

EXIT_OK, EXIT_USAGE, EXIT_CHECK_FAILED = 0, 2, 4
JUDGES = {
    "qwen-derivative-leadership": judge_models.leadership,
    "modelscope-scale": judge_models.scale,
    "modelscope-first-release": judge_models.first_release,
    "chinese-families-footprint": judge_models.footprint,
    "github-ai-growth": judge_github.growth,
    "china-ai-project-rank": judge_github.project_rank,
    "china-avg-stars-first": judge_github.average_stars,
    "china-developer-rank": judge_github.developer_rank,
}


class CheckError(Exception):
    """A check could not run; the message is one line for the user."""


class UnknownClaim(CheckError):
    """A claim id that is not registered."""


@dataclass
class Verdict:
    """One claim's verdict at one check, with everything a report shows beside it."""

    claim: Claim
    verdict: str
    reason: str
    measured: str
    reported: str
    snapshot_date: date | None
    evidence: list[dict]                       # the evidence table: rows keyed by column name
    figures: dict = field(default_factory=dict)
    sources: dict = field(default_factory=dict)
    checked_at: datetime | None = None
    check_id: int | None = None

    def as_dict(self, with_evidence: bool = True) -> dict:
        shown = {"claim_id": self.claim.id, "section": self.claim.section, "statement": self.claim.statement,
                 "statement_zh": self.claim.statement_zh, "verdict": self.verdict, "reason": self.reason,
                 "measured": self.measured, "reported": self.reported,
                 "snapshot_date": self.snapshot_date.isoformat() if self.snapshot_date else None,
                 "checked_at": self.checked_at.isoformat() if self.checked_at else None, "check_id": self.check_id,
                 "method": self.claim.method, "figures": self.figures, "sources": self.sources}
        return {**shown, "evidence": self.evidence} if with_evidence else shown


def run_checks(con: duckdb.DuckDBPyConnection, claim_ids: list[str] | None = None, *,
               claims: dict[str, Claim] | None = None, data_dir: str | Path | None = None,
               checked_at: datetime | None = None) -> list[Verdict]:
    """Judge the claims (all, or those named) on the warehouse as it stands, and store the verdicts.

    The curated data files are reloaded and the lineage families resolved first; `claims` replaces
    the registry and `data_dir` the data files' folder (else $TRACKER_DATA_DIR, else as shipped).
    `checked_at` is the check's time, read by the command that runs it (the clock only for a caller
    that gives none).
    """
    chosen = _chosen(claims or load(), claim_ids)
    reference.refresh_reference_data(con)
    attribution.refresh(con, data_dir)
    sources = source_status(con)
    at = (checked_at or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(tzinfo=None)
    verdicts = [judge(con, claim, sources, at) for claim in chosen]
    store(con, verdicts)
    return verdicts


def _chosen(registry: dict[str, Claim], claim_ids: list[str] | None) -> list[Claim]:
    unknown = [c for c in claim_ids or () if c not in registry]
    if unknown:
        raise UnknownClaim(f"unknown claim {unknown[0]!r} (registered: {', '.join(registry)})")
    return [registry[c] for c in claim_ids] if claim_ids else list(registry.values())


def judge(con: duckdb.DuckDBPyConnection, claim: Claim, sources: dict[str, SourceStatus],
          checked_at: datetime) -> Verdict:
    """Run one claim's query and judge its evidence; a required source never collected is insufficient data."""
    if claim.id not in JUDGES:
        raise CheckError(f"claim {claim.id} has no verdict rule (reports/check.py JUDGES)")
    rows = _evidence(con, claim)
    missing = [sources[name].missing() for name in claim.sources if not sources[name].collected]
    judgement = insufficient("; ".join(missing)) if missing else _judged(claim, rows, sources)
    used = [name for name in claim.sources + claim.optional_sources if sources[name].collected]
    return _verdict(claim, judgement, rows, sources, used, checked_at)


def _evidence(con: duckdb.DuckDBPyConnection, claim: Claim) -> list[dict]:
    try:
        return evidence(con, claim)
    except KeyError as error:
        raise CheckError(f"claim {claim.id}: its query uses ${error.args[0]}, which its .toml [params] lacks") from None
    except duckdb.Error as error:
        raise CheckError(f"claim {claim.id}: query failed: {first_line(error)}") from None


def _judged(claim: Claim, rows: list[dict], sources: dict[str, SourceStatus]) -> Judgement:
    try:
        return JUDGES[claim.id](claim, rows, sources)
    except (KeyError, TypeError, ValueError, ZeroDivisionError) as error:  # a rule or its [params] is wrong
        raise CheckError(f"claim {claim.id}: its verdict rule failed: {type(error).__name__}: {error}") from None


def _verdict(claim: Claim, judgement: Judgement, rows: list[dict], sources: dict[str, SourceStatus],
             used: list[str], checked_at: datetime) -> Verdict:
    days = [sources[name].snapshot_date for name in used]
    shown = {name: sources[name].shown() for name in claim.sources + claim.optional_sources}
    caveats = [c for c in (sources[name].caveat() for name in used) if c]
    reason = " ".join([judgement.reason, *(f"Note: {c}." for c in caveats)])
    return Verdict(claim, judgement.verdict, reason, judgement.measured, claim.reported,
                   max(days) if days else None, rows, judgement.figures, shown, checked_at)


def store(con: duckdb.DuckDBPyConnection, verdicts: list[Verdict]) -> None:
    """Append the verdicts of one check, under one check id, in one transaction."""
    con.begin()
    try:
        check_id = sql.run(con, "claim_check_id").fetchone()[0]
        for v in verdicts:
            v.check_id = check_id
            sql.run(con, "claim_verdict_store", check_id=check_id, claim_id=v.claim.id, checked_at=v.checked_at,
                    verdict=v.verdict, measured=v.measured, reported=v.reported, snapshot_date=v.snapshot_date,
                    reason=v.reason, figures=_json(v.figures), evidence=_json(v.evidence), method=v.claim.method,
                    sources=_json(v.sources))
        con.commit()
    except BaseException:
        con.rollback()
        raise


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def history(con: duckdb.DuckDBPyConnection, claim_id: str) -> list[dict]:
    """Every stored verdict of one claim, oldest first, with its figures."""
    result = sql.run(con, "claim_verdict_history", claim_id=claim_id)
    columns = [d[0] for d in result.description]
    rows = [dict(zip(columns, row)) for row in result.fetchall()]
    for row in rows:
        row["figures"] = json.loads(row["figures"]) if row["figures"] else {}
    return rows


# --- the command ----------------------------------------------------------------------------------

def check_command(con: duckdb.DuckDBPyConnection, claim: str | None, fmt: str, history: str | None,
                  stream: IO[str], checked_at: datetime | None = None) -> int:
    """`tracker check [CLAIM] [--format table|csv|json] [--history CLAIM]`; 4 when a check could not run."""
    try:
        if history:
            return _show_history(con, history, fmt, stream)
        verdicts = run_checks(con, [claim] if claim else None, checked_at=checked_at)
    except UnknownClaim as error:
        print(f"tracker: {error}", file=sys.stderr)
        return EXIT_USAGE
    except (CheckError, ReferenceDataError, RegistryError) as error:
        print(f"tracker: check could not run: {error}", file=sys.stderr)
        return EXIT_CHECK_FAILED
    except duckdb.Error as error:  # e.g. a warehouse opened read-only: checks store their verdicts
        print(f"tracker: check could not run: {first_line(error)}", file=sys.stderr)
        return EXIT_CHECK_FAILED
    write_verdicts(verdicts, fmt, stream, simulated=provenance.simulated(con))
    return EXIT_OK


def _show_history(con: duckdb.DuckDBPyConnection, claim_id: str, fmt: str, stream: IO[str]) -> int:
    _chosen(load(), [claim_id])
    rows = history(con, claim_id)
    if fmt == "json":
        stream.write(_json(rows) + "\n")
        return EXIT_OK
    columns = ("checked_at", "verdict", "snapshot_date", "measured")
    _write_rows([[str(row[c] or "") for c in columns] for row in rows], columns, fmt, stream)
    if not rows and fmt != "csv":
        stream.write(f"(no check of {claim_id} stored yet: run tracker check)\n")
    return EXIT_OK


def write_verdicts(verdicts: list[Verdict], fmt: str, stream: IO[str], simulated: str | None = None) -> None:
    """The verdicts as JSON (with evidence), CSV, or a table followed by each verdict's reason; from a
    simulated warehouse each says SIMULATED (JSON: "simulated", CSV: a column, the table: a first line)."""
    if fmt == "json":
        shown = [v.as_dict() | ({"simulated": simulated} if simulated else {}) for v in verdicts]
        stream.write(_json(shown) + "\n")
        return
    columns = ("claim", "verdict", "snapshot", "measured", "reported")
    rows = [[v.claim.id, v.verdict, str(v.snapshot_date or "n/a"), v.measured, v.reported] for v in verdicts]
    if simulated and fmt == "csv":
        columns, rows = ("simulated", *columns), [["SIMULATED", *row] for row in rows]
    elif simulated:
        stream.write(f"SIMULATED DATA ({simulated}): these verdicts say nothing about the real hubs\n\n")
    _write_rows(rows, columns, fmt, stream)
    if fmt != "csv":
        stream.write("\n" + "".join(f"{v.claim.id}: {v.verdict}. {v.reason}\n" for v in verdicts))


def _write_rows(rows: list[list[str]], columns: tuple[str, ...], fmt: str, stream: IO[str]) -> None:
    if fmt == "csv":
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerows([list(columns), *rows])
        return
    widths = [max(len(str(x)) for x in column) for column in zip(columns, *rows)]
    for line in [list(columns), *rows]:
        stream.write("  ".join(str(x).ljust(w) for x, w in zip(line, widths)).rstrip() + "\n")
