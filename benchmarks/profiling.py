"""Profile of `tracker collect huggingface` with py-spy (sampling, wall clock incl. waits), summarised
as phases (import, HTTP, JSON decode, parse, Arrow, INSERT, commit, merge) and top functions."""

from __future__ import annotations

import re
import shutil
import sys
from collections import Counter
from pathlib import Path

from benchmarks import measure

ROOT = Path(__file__).resolve().parent.parent


def _line_of(path: Path, needle: str) -> int | None:
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if needle in line:
            return number
    return None


def _phase_rules() -> list[tuple[str, re.Pattern]]:
    """(phase, frame pattern), most specific first; lines are looked up in the current sources."""
    load = ROOT / "warehouse" / "load.py"
    lines = {name: _line_of(load, needle) for name, needle in (
        ("arrow", "pa.Table.from_pylist"), ("insert", 'con.execute(f"INSERT INTO'),
        ("checkpoint", 'sql.run(con, "checkpoint_run"'), ("commit", "con.commit()"), ("begin", "con.begin()"))}
    # With the read-ahead there are two threads: each one's waiting for the other is its own phase.
    rules = [("read-ahead worker idle: page ready, storing thread busy", re.compile(r"\.hand_over \(collectors/paging\.py")),
             ("storing thread idle: waiting for the next page", re.compile(r"^Queue\.get \(")),
             ("startup: imports", re.compile(r"^_find_and_load ")),
             ("merge at run end", re.compile(r"^merge_run \(warehouse/load\.py")),
             ("HTTP (http_backoff, httpx2)", re.compile(r"^_get \(collectors/huggingface\.py")),
             ("JSON decode (response.json)", re.compile(r"^_json \(collectors/huggingface\.py")),
             ("parse_page (records from items)", re.compile(r"^parse_page \(collectors/huggingface\.py"))]
    if lines["arrow"]:
        rules.append(("Arrow Table.from_pylist", re.compile(rf"^_stage \(warehouse/load\.py:{lines['arrow']}\)")))
    if lines["insert"]:
        rules.append(("staging INSERT (DuckDB)", re.compile(rf"^_stage \(warehouse/load\.py:{lines['insert']}\)")))
    rules.append(("staging: register/unregister", re.compile(r"^_stage \(warehouse/load\.py")))
    for key, label in (("checkpoint", "checkpoint_run UPDATE"), ("commit", "COMMIT per page"),
                       ("begin", "BEGIN per page")):
        if lines[key]:
            rules.append((label, re.compile(rf"^save_page \(warehouse/load\.py:{lines[key]}\)")))
    close = _line_of(ROOT / "tracker" / "nightly.py", "con.close()")
    if close:
        rules.append(("close: final CHECKPOINT of the WAL",
                      re.compile(rf"^collect_sources \(tracker/nightly\.py:{close}\)")))
    rules.append(("migrations / run ledger", re.compile(r"^(connect|migrate|_resume_or_begin|mark) \(")))
    return rules


def record(argv: list[str], out: Path, env: dict, cwd: Path, rate: int = 250) -> measure.Measured:
    spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if not spy:
        raise RuntimeError("py-spy not installed (.venv/bin/pip install py-spy)")
    return measure.run([spy, "record", "--idle", "-r", str(rate), "--format", "raw", "-o", str(out), "--", *argv],
                       env=env, cwd=cwd)


def summarise(raw: Path, top: int = 15) -> dict:
    rules = _phase_rules()
    phases, self_time, inclusive = Counter(), Counter(), Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = [f for f in stack.split(";") if f]
        phase = "other (CLI, logging, runs ledger)"
        for label, pattern in rules:
            if any(pattern.search(f) for f in frames):
                phase = label
                break
        phases[phase] += n
        if frames:
            self_time[frames[-1].strip()] += n  # with its line: which call inside a function
        for name in {_function(f) for f in frames}:
            inclusive[name] += n
    pct = (lambda c: [(k, round(100 * v / total, 1)) for k, v in c.most_common(top)]) if total else (lambda c: [])
    return {"samples": total, "phases": [(k, round(100 * v / total, 1)) for k, v in phases.most_common()] if total else [],
            "self": pct(self_time), "inclusive": pct(inclusive)}


def _function(frame: str) -> str:
    """`name (path:line)` -> `name (path)`; py-spy's paths are relative to sys.path entries."""
    return re.sub(r":\d+\)$", ")", frame.strip())
