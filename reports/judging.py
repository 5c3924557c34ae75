"""What every claim's judgement shares: the verdicts, the registered rules, what each source's runs left,
and small formatters."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Callable

import duckdb

from tracker.reports.registry import Claim
from tracker.warehouse import sql

SUPPORTED, CONTRADICTED, INSUFFICIENT = "supported", "contradicted", "insufficient data"
VERDICTS = (SUPPORTED, CONTRADICTED, INSUFFICIENT)
RULES: dict[str, Callable] = {}  # a rule's name, as a claim's .toml gives it, to rule(claim, rows, sources)


@dataclass
class Judgement:
    """A verdict with its reason, the measured figure in words, and the figures by name."""

    verdict: str
    reason: str
    measured: str = "n/a"
    figures: dict = field(default_factory=dict)


@dataclass
class Verdict:
    """One claim's verdict at one check, with everything a report shows beside it: what the check stores,
    prints and the page shows."""

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


@dataclass
class SourceStatus:
    """What the run ledger says of one source."""

    source: str
    runs: int = 0
    succeeded: int = 0
    snapshot_date: date | None = None         # the latest succeeded run's
    full_snapshot_date: date | None = None    # the latest succeeded run that listed the whole catalogue
    catalog_total: int | None = None
    last_error: str | None = None
    incomplete_date: date | None = None       # the latest run that listed less than the catalogue
    incomplete_error: str | None = None

    @property
    def collected(self) -> bool:
        return self.succeeded > 0

    @property
    def whole(self) -> bool:
        return self.full_snapshot_date is not None

    def missing(self) -> str:
        """Why the source gives nothing to judge by, in words."""
        if not self.runs:
            return f"{self.source} was never collected (no run in the ledger)"
        error = f"; last error: {self.last_error}" if self.last_error else ""
        return f"{self.source} has no succeeded run ({self.runs} run(s){error})"

    def caveat(self) -> str | None:
        """What a verdict resting on this source must say when its latest listing came out short."""
        if self.incomplete_date is None or (self.snapshot_date and self.snapshot_date > self.incomplete_date):
            return None
        return (f"{self.source}'s listing of {self.incomplete_date} was incomplete ({self.incomplete_error}); "
                f"figures from that day's snapshot hold only what it listed")

    def shown(self) -> dict:
        return {"collected": self.collected, "snapshot_date": _iso(self.snapshot_date),
                "whole_catalogue_snapshot": _iso(self.full_snapshot_date), "catalog_total": self.catalog_total,
                "note": self.caveat() if self.collected else self.missing()}


def rule(name: str):
    """Registers a verdict rule under `name`: (claim, evidence rows, source statuses) -> Judgement."""
    def register(judge: Callable) -> Callable:
        RULES[name] = judge
        return judge
    return register


def source_status(con: duckdb.DuckDBPyConnection) -> dict[str, SourceStatus]:
    """Each source's runs, from the ledger."""
    rows = sql.run(con, "claim_source_runs").fetchall()
    return {row[0]: SourceStatus(*row) for row in rows}


def insufficient(reason: str, **figures) -> Judgement:
    return Judgement(INSUFFICIENT, reason, "n/a", figures)


def count(value) -> str:
    """A count with thousands separators; n/a for none."""
    return "n/a" if value is None else f"{value:,.0f}"


def percent(value, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value * 100:.{digits}f}%"


def listed(items) -> str:
    items = list(items)
    return ", ".join(items) if items else "none"


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
