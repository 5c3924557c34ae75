"""The end-of-run merge, statement by statement: time, process RSS and DuckDB's own memory after each.

    python -m benchmarks.merge_breakdown DB [memory_limit]

DB holds a run whose pages are staged but not merged (made by `benchmarks.experiments nomerge`).
Runs what `load.merge_run` runs for a complete full-catalogue run (merge_staged_models,
mark_gone_models, the staging cleanup) in one transaction, each statement timed; prints one JSON line.
"""

from __future__ import annotations

import json
import resource
import sys
import time

import psutil


def main(argv: list[str] | None = None) -> int:
    args = argv or sys.argv[1:]
    from tracker.warehouse import db, load, sql

    con = db.connect(args[0])
    if len(args) > 1:
        con.execute(f"SET memory_limit = '{args[1]}'")
    run_id, snapshot_date = con.execute(
        "SELECT run_id, snapshot_date FROM runs ORDER BY run_id DESC LIMIT 1").fetchone()
    me = psutil.Process()
    steps = []

    def measure(label, work):
        started = time.perf_counter()
        work()
        used = con.execute("SELECT sum(memory_usage_bytes) FROM duckdb_memory()").fetchone()[0]
        steps.append({"step": label, "seconds": round(time.perf_counter() - started, 3),
                      "rss_mb": round(me.memory_info().rss / 2**20, 1),
                      "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                      "duckdb_mb": round((used or 0) / 2**20, 1)})

    params = {"run_id": run_id, "snapshot_date": snapshot_date}
    measure("open + first query", lambda: None)
    con.begin()
    for name in ("merge_staged_models", "mark_gone_models"):
        for number, statement in enumerate(sql.statements(name), 1):
            used = {k: params[k] for k in sql.PARAMETER.findall(statement) if k in params}
            measure(f"{name}.sql #{number}: {' '.join(statement.split())[:60]}",
                    lambda s=statement, u=used: con.execute(s, u))
    measure("clear staging (DELETE per staging table)", lambda: load.clear_staging(con, run_id))
    measure("COMMIT", con.commit)
    measure("CHECKPOINT (as at close)", lambda: con.execute("CHECKPOINT"))
    con.close()
    print(json.dumps({"steps": steps, "peak_rss_mb": max(s["peak_rss_mb"] for s in steps)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
