"""Benchmark 4, the project's side: family resolution, the family views and the claim checks, timed on
a warehouse of N models x 30 days. Run as a subprocess (so its peak RSS is its own):
`python -m benchmarks.families DB`; prints one JSON line. Whatever the project does not have yet
(the attribution module, the views, reports.check, the `tracker check` command) is reported as
"not available yet", and whatever fails is reported with its error, since these parts are being
written while the benchmark runs.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VIEW_WORDS = ("famil", "derivative", "lineage_coverage")


def _timed(work):
    started = time.perf_counter()
    try:
        result = work()
        return {"seconds": round(time.perf_counter() - started, 3), **({"result": result} if result is not None else {})}
    except Exception as error:  # the project is in flux: report, go on
        return {"seconds": round(time.perf_counter() - started, 3),
                "error": f"{type(error).__name__}: {str(error).strip().splitlines()[0] if str(error).strip() else ''}"}


def _optional(module: str):
    try:
        return importlib.import_module(module)
    except ImportError as error:
        return str(error)


STATEMENT_TIMES: dict[str, float] = {}


def time_statements() -> None:
    """Wrap tracker.warehouse.sql.run so that every statement of every .sql file is timed."""
    from tracker.warehouse import sql
    if not (hasattr(sql, "statements") and hasattr(sql, "PARAMETER")):
        return
    original = sql.run

    def run(con, name, folder="queries", **params):
        try:
            statements = sql.statements(name, folder)
        except Exception:  # a changed signature: fall back, untimed
            return original(con, name, folder, **params)
        for number, statement in enumerate(statements, 1):
            used = {key: params[key] for key in sql.PARAMETER.findall(statement) if key in params}
            started = time.perf_counter()
            con.execute(statement, used)
            key = f"{name}.sql #{number}: {' '.join(statement.split())[:70]}"
            STATEMENT_TIMES[key] = STATEMENT_TIMES.get(key, 0.0) + time.perf_counter() - started
        return con

    sql.run = run


def main(argv: list[str] | None = None) -> int:
    """`families DB [resolve|check]`: resolve = reference data, family resolution, views, report queries;
    check = reports.check.run_checks alone, in a fresh process on a fresh copy (cold, as `tracker check`)."""
    args = argv or sys.argv[1:]
    path, mode = args[0], (args[1] if len(args) > 1 else "resolve")
    from tracker.warehouse import db
    time_statements()
    if mode == "check":
        return check_only(path)

    out: dict = {}
    con = db.connect(path)  # applies the migrations the file has not seen (004, 005, ...)
    out["schema_version"] = db.schema_version(con)
    attribution = _optional("tracker.warehouse.attribution")
    if isinstance(attribution, str):
        out["family_resolution"] = f"not available yet ({attribution})"
    else:
        from tracker.warehouse import reference
        out["load_reference"] = _timed(lambda: reference.load_reference(con) and None)
        if hasattr(attribution, "resolve_families"):
            STATEMENT_TIMES.clear()
            out["family_resolution"] = _timed(lambda: attribution.resolve_families(con))
            out["family_resolution_statements"] = sorted(
                ([k, round(v, 3)] for k, v in STATEMENT_TIMES.items()), key=lambda kv: -kv[1])[:8]
        elif hasattr(attribution, "refresh"):
            out["family_resolution"] = _timed(lambda: attribution.refresh(con))
        else:
            out["family_resolution"] = "not available yet (no resolve_families in tracker.warehouse.attribution)"

    views = [r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY 1").fetchall()
             if any(w in r[0].lower() for w in VIEW_WORDS)]
    out["views"] = {v: _timed(lambda v=v: con.execute(f"SELECT count(*) FROM {v}").fetchone()[0]) for v in views} \
        or "not available yet (no family views)"

    trends = _optional("tracker.reports.trends")
    if not isinstance(trends, str) and hasattr(trends, "SECTIONS"):  # the report's charts, with their parameters
        charts = [c for section in trends.SECTIONS for c in section.charts]
        out["report_queries"] = {c.name: _timed(lambda c=c: len(trends.query(con, c.name, **dict(c.params))))
                                 for c in charts}

    con.close()
    print(json.dumps(out, default=str))
    return 0


def check_only(path: str) -> int:
    from tracker.warehouse import db

    started = time.perf_counter()
    out: dict = {}
    check = _optional("tracker.reports.check")
    if isinstance(check, str) or not hasattr(check, "run_checks"):
        out["check"] = f"not available yet ({check if isinstance(check, str) else 'no run_checks'})"
    else:
        con = db.connect(path)
        out["open_seconds"] = round(time.perf_counter() - started, 3)

        def run():
            verdicts = check.run_checks(con)
            return {v.claim.id: v.verdict for v in verdicts}
        out["check"] = _timed(run)
        out["check"]["with_open_seconds"] = round(time.perf_counter() - started, 3)
        out["check_statements"] = sorted(
            ([k, round(v, 3)] for k, v in STATEMENT_TIMES.items()), key=lambda kv: -kv[1])[:8]
        con.close()
    print(json.dumps(out, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
