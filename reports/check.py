"""Checking the claims: judge each registered claim by its rule, store the verdicts, show their history; and
the one step `check, then report` that every command writing a report takes."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from tracker.collectors.records import first_line
from tracker.reports import judge_github, judge_models  # noqa: F401  (importing them registers their rules)
from tracker.reports.judging import RULES, VERDICTS, Judgement, SourceStatus, Verdict, insufficient, source_status
from tracker.reports.registry import Claim, RegistryError, evidence, load
from tracker.warehouse import attribution, reference, sql
from tracker.warehouse.attribution import ReferenceDataError

class CheckError(Exception):
    """A check could not run (a malformed claim or data file, a failing rule); the message is one line."""


class UnknownClaim(CheckError):
    """A claim id that is not registered."""


def check_then_report(con: duckdb.DuckDBPyConnection, out_dir: str | Path, *, checked_at: datetime,
                      simulated: bool = False) -> tuple[list[Verdict], Path]:
    """Judge every claim, store the verdicts, then write the report of them; returns the verdicts and
    report.html's path. Raises CheckError (then nothing is stored) or publish.OutputError."""
    verdicts = run_checks(con, checked_at=checked_at)
    from tracker.reports import render  # matplotlib is loaded only when a report is drawn

    return verdicts, render.write_report(con, out_dir, verdicts, simulated=simulated, generated_at=checked_at)


def run_checks(con: duckdb.DuckDBPyConnection, claim_ids: list[str] | None = None, *, checked_at: datetime,
               claims: dict[str, Claim] | None = None, data_dir: str | Path | None = None) -> list[Verdict]:
    """Judge the claims (all, or those named) on the warehouse as it stands, and store the verdicts.

    The curated data files are reloaded and the lineage families resolved first; `claims` replaces
    the registry and `data_dir` the data files' folder (else $TRACKER_DATA_DIR, else as shipped).
    `checked_at` is the check's time, read by the command that runs it: no clock is read here.
    """
    at = checked_at.astimezone(timezone.utc).replace(tzinfo=None)
    try:
        claimed = chosen(claim_ids, claims)
        reference.refresh_reference_data(con)
        attribution.refresh(con, data_dir)
        sources = source_status(con)
        verdicts = [judge(con, claim, sources, at) for claim in claimed]
        store(con, verdicts)
    except ReferenceDataError as error:
        raise CheckError(str(error)) from None
    except duckdb.Error as error:  # e.g. a warehouse opened read-only: a check writes the families and verdicts
        raise CheckError(first_line(error)) from None
    return verdicts


def chosen(claim_ids: list[str] | None, claims: dict[str, Claim] | None = None) -> list[Claim]:
    """The claims named (all when none is), each with a registered rule; raises CheckError (UnknownClaim
    for an id not registered)."""
    try:
        registry = claims or load()
    except RegistryError as error:
        raise CheckError(str(error)) from None
    unknown = [c for c in claim_ids or () if c not in registry]
    if unknown:
        raise UnknownClaim(f"unknown claim {unknown[0]!r} (registered: {', '.join(registry)})")
    picked = [registry[c] for c in claim_ids] if claim_ids else list(registry.values())
    for claim in picked:
        if claim.rule not in RULES:
            raise CheckError(f"{claim.folder}/{claim.id}.toml: rule {claim.rule!r} is not registered "
                                f"(registered: {', '.join(sorted(RULES))})")
    return picked


def judge(con: duckdb.DuckDBPyConnection, claim: Claim, sources: dict[str, SourceStatus],
          checked_at: datetime) -> Verdict:
    """Run one claim's query and judge its evidence; a required source never collected is insufficient data."""
    rows = _evidence(con, claim)
    missing = [sources[name].missing() for name in claim.sources if not sources[name].collected]
    judgement = insufficient("; ".join(missing)) if missing else _judged(claim, rows, sources)
    used = [name for name in claim.sources + claim.optional_sources if sources[name].collected]
    return _verdict(claim, judgement, rows, sources, used, checked_at)


def _evidence(con: duckdb.DuckDBPyConnection, claim: Claim) -> list[dict]:
    try:
        return evidence(con, claim)
    except KeyError as error:
        raise CheckError(f"{claim.folder}/{claim.id}.sql uses ${error.args[0]}, which its .toml [params] lacks") from None
    except duckdb.Error as error:
        raise CheckError(f"{claim.folder}/{claim.id}.sql failed: {first_line(error)}") from None


def _judged(claim: Claim, rows: list[dict], sources: dict[str, SourceStatus]) -> Judgement:
    try:
        judgement = RULES[claim.rule](claim, rows, sources)
    except (KeyError, TypeError, ValueError, ZeroDivisionError) as error:  # a rule, its [params] or evidence is wrong
        raise CheckError(f"{claim.folder}/{claim.id}.toml: its rule {claim.rule!r} failed: "
                         f"{type(error).__name__}: {error}") from None
    if judgement.verdict not in VERDICTS:
        raise CheckError(f"{claim.folder}/{claim.id}.toml: its rule {claim.rule!r} gave the verdict "
                         f"{judgement.verdict!r}, not one of: {', '.join(VERDICTS)}")
    return judgement


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
