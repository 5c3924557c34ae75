"""Benchmarks 3 and 4: warehouse bytes per snapshot row after 30 daily snapshots, and query times
(family resolution, derivatives_by_family_month, `tracker check`) on that warehouse.

The 29 extra days are made in SQL from the collected day, one INSERT ... SELECT per day followed by
a CHECKPOINT (each nightly run ends with one when the tracker closes the file), with a synthetic
but plausible evolution per model (deterministic, from a hash of (model_key, day)):

    downloads           (trailing 30 days)  the day-0 value +-10 %
    downloads_all_time  (cumulative)        day-0 value + day * downloads / 30
    likes                                   day-0 value, + 1 % per day (small counts stay put)

Rows are appended ordered by model_key, as merge_staged_models.sql does.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path

import duckdb

EXTRA_DAYS_SQL = """
INSERT INTO model_snapshot_facts
SELECT model_key, snapshot_date + INTERVAL ($day) DAY,
       greatest(0, downloads + ((hash(model_key, $day) % 21)::BIGINT - 10) * downloads // 100),
       downloads_all_time + $day * downloads // 30,
       likes + ($day * likes) // 100
FROM model_snapshot_facts
WHERE snapshot_date = $base
ORDER BY model_key
"""

# The benchmark's own reference implementations, to show what DuckDB does at this scale while the
# project's views are being written. A model's family is every root (a model with no parent) its
# parent edges lead to; merges can have several.
REFERENCE_FAMILIES_SQL = """
WITH RECURSIVE up(child_id, ancestor_id, depth) AS (
    SELECT child_id, parent_id, 1 FROM lineage WHERE hub = 'huggingface'
    UNION
    SELECT up.child_id, l.parent_id, up.depth + 1
    FROM up JOIN lineage l ON l.hub = 'huggingface' AND l.child_id = up.ancestor_id
    WHERE up.depth < 16
)
SELECT child_id AS model_id, ancestor_id AS family, max(depth) AS depth
FROM up
WHERE NOT EXISTS (SELECT 1 FROM lineage l WHERE l.hub = 'huggingface' AND l.child_id = up.ancestor_id)
GROUP BY ALL
"""

REFERENCE_BY_MONTH_SQL = """
SELECT f.family, date_trunc('month', m.created_at) AS month, count(DISTINCT f.model_id) AS derivatives
FROM reference_families f JOIN models m ON m.hub = 'huggingface' AND m.model_id = f.model_id
GROUP BY ALL
"""


def file_size(path: Path) -> int:
    wal = Path(str(path) + ".wal")
    return path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)


def used_bytes(con: duckdb.DuckDBPyConnection) -> int:
    """Bytes of the blocks in use: unlike the file size, not flattered by free blocks being reused
    (a collect that checkpointed its staged pages leaves their blocks free after the merge)."""
    block_size, used = con.execute("SELECT block_size, used_blocks FROM pragma_database_size()").fetchone()
    return block_size * used


def snapshot_growth(db: Path, days: int = 30) -> dict:
    """Add days-1 synthetic snapshot days; the used bytes' growth per added snapshot row."""
    con = duckdb.connect(str(db))
    try:
        con.execute("CHECKPOINT")
        used_before = used_bytes(con)
        base, rows = con.execute(
            "SELECT max(snapshot_date), count(*) FILTER (WHERE snapshot_date = (SELECT max(snapshot_date) "
            "FROM model_snapshot_facts)) FROM model_snapshot_facts").fetchone()
        existing = con.execute("SELECT count(DISTINCT snapshot_date) FROM model_snapshot_facts").fetchone()[0]
        size_before = file_size(db)
        per_day, started = [], time.perf_counter()
        for day in range(1, days - existing + 1):
            t = time.perf_counter()
            con.execute(EXTRA_DAYS_SQL, {"day": day, "base": base})
            con.execute("CHECKPOINT")
            per_day.append((time.perf_counter() - t, file_size(db)))
        seconds = time.perf_counter() - started
        total_rows = con.execute("SELECT count(*) FROM model_snapshot_facts").fetchone()[0]
        size_after, used_after = file_size(db), used_bytes(con)
        storage = con.execute("""
            SELECT column_name, compression, count(*) AS segments, sum(count) AS values
            FROM pragma_storage_info('model_snapshot_facts') WHERE segment_type <> 'VALIDITY' GROUP BY ALL ORDER BY column_name, values DESC
        """).fetchall()
    finally:
        con.close()
    added = total_rows - rows * existing
    return {
        "snapshot_days": days, "rows_per_day": rows, "snapshot_rows": total_rows, "added_rows": added,
        "file_bytes_before": size_before, "file_bytes_after": size_after,
        "used_bytes_before": used_before, "used_bytes_after": used_after,
        "bytes_per_snapshot_row": (used_after - used_before) / added if added else None,
        "file_growth_per_snapshot_row": (size_after - size_before) / added if added else None,
        "insert_checkpoint_seconds_per_day": seconds / max(1, len(per_day)),
        "compression": [list(r) for r in storage],
    }


def _timed(con: duckdb.DuckDBPyConnection, query: str, params=None) -> tuple[float, object]:
    t = time.perf_counter()
    result = con.execute(query, params or {}).fetchall()
    return time.perf_counter() - t, result


def lineage_stats(con: duckdb.DuckDBPyConnection) -> dict:
    models, with_parent, edges, merges = con.execute("""
        SELECT (SELECT count(*) FROM models WHERE hub = 'huggingface'),
               (SELECT count(DISTINCT child_id) FROM lineage WHERE hub = 'huggingface'),
               (SELECT count(*) FROM lineage WHERE hub = 'huggingface'),
               (SELECT count(*) FROM (SELECT child_id FROM lineage GROUP BY 1 HAVING count(*) > 1))
    """).fetchone()
    relations = dict(con.execute("SELECT relation, count(*) FROM lineage GROUP BY 1 ORDER BY 2 DESC").fetchall())
    return {"models": models, "derivatives": with_parent, "derivative_share": with_parent / models if models else None,
            "edges": edges, "multi_parent_children": merges, "relations": relations}


def check_command() -> tuple[bool, str]:
    """Whether the CLI has a `check` command yet."""
    try:
        from tracker import cli
        parser = cli.build_parser()
    except Exception as error:  # the CLI is being edited
        return False, f"tracker.cli does not load: {error}"
    commands = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction").choices
    return ("check" in commands), "" if "check" in commands else "no `tracker check` command in tracker/cli.py yet"


def reference_queries(db: Path) -> dict:
    """The benchmark's own recursive-CTE family resolution, and lineage statistics."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {"lineage": lineage_stats(con)}
        t = time.perf_counter()
        con.execute(f"CREATE OR REPLACE TEMP TABLE reference_families AS {REFERENCE_FAMILIES_SQL}")
        fam_seconds = time.perf_counter() - t
        fam_rows, families, max_depth = con.execute(
            "SELECT count(*), count(DISTINCT family), max(depth) FROM reference_families").fetchone()
        depth_hist = dict(con.execute(
            "SELECT depth, count(*) FROM (SELECT model_id, max(depth) AS depth FROM reference_families GROUP BY 1) "
            "GROUP BY 1 ORDER BY 1").fetchall())
        month_seconds, month_rows = _timed(con, REFERENCE_BY_MONTH_SQL)
        snap_seconds, _ = _timed(con, """
            SELECT f.family, s.snapshot_date, sum(s.downloads) FROM reference_families f
            JOIN model_snapshots s ON s.hub = 'huggingface' AND s.model_id = f.model_id GROUP BY ALL""")
        out["reference"] = {
            "family_resolution_seconds": fam_seconds, "family_rows": fam_rows, "families": families,
            "max_depth": max_depth, "depth_histogram": depth_hist,
            "by_family_month_seconds": month_seconds, "by_family_month_rows": len(month_rows),
            "family_downloads_per_day_seconds": snap_seconds,
        }
    finally:
        con.close()
    return out


def queries(db: Path, env: dict, cwd: Path) -> dict:
    """Reference queries, then the project's family resolution, views and checks (each on a fresh copy)."""
    from benchmarks import measure

    out = reference_queries(db)
    base = cwd / "queries-base.duckdb"
    out["fresh_schema_copy_seconds"] = round(fresh_schema_copy(db, base), 2)
    copy = cwd / "queries.duckdb"
    shutil.copy(base, copy)
    for mode in ("resolve", "check"):
        shutil.copy(base, copy)
        m = measure.run([sys.executable, "-m", "benchmarks.families", str(copy), mode], env=env, cwd=cwd,
                        stderr_path=cwd / f"families-{mode}.stderr")
        key = "project" if mode == "resolve" else "project_check"
        if m.returncode == 0:
            out[key] = json.loads(m.stdout.strip().splitlines()[-1])
            out[key]["process"] = {"wall": round(m.wall, 2), "peak_rss_mb": round(m.peak_rss_mb, 1)}
        else:
            out[key] = {"error": m.stderr_tail[-600:]}
    ok, why = check_command()
    if ok:
        shutil.copy(base, copy)
        m = measure.run([sys.executable, "-m", "tracker", "--db", str(copy), "check"], env=env, cwd=cwd,
                        stderr_path=cwd / "check.stderr")
        out["check_cli"] = {"seconds": round(m.wall, 2), "exit": m.returncode, "peak_rss_mb": round(m.peak_rss_mb, 1),
                            "stderr_tail": m.stderr_tail[-600:]}
    else:
        out["check_cli"] = f"not available yet ({why})"
    copy.unlink(missing_ok=True)
    base.unlink(missing_ok=True)
    return out


DATA_TABLES = ("runs", "models", "model_snapshot_facts", "lineage")


def fresh_schema_copy(src: Path, dst: Path) -> float:
    """A new warehouse with the migrations as they are now, holding src's collected data.

    Migrations still being written are edited in place (005 rewritten, not a new 006), so a file
    migrated earlier may not have today's family tables; a fresh file with the data copied in does.
    """
    from tracker.warehouse import db as warehouse_db

    started = time.perf_counter()
    for path in (dst, Path(str(dst) + ".wal")):
        path.unlink(missing_ok=True)
    con = warehouse_db.connect(dst)
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute(f"ATTACH '{src}' AS src (READ_ONLY)")
        for table in DATA_TABLES:
            con.execute(f"INSERT INTO main.{table} BY NAME SELECT * FROM src.{table}")
        con.execute("DETACH src")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return time.perf_counter() - started


def env_without_secrets(extra: dict | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_TOKEN")}
    for name in ("HF_ENDPOINT", "TRACKER_DB", "TRACKER_CONFIG", "MODELSCOPE_ENDPOINT", "GITHUB_API_URL"):
        env.pop(name, None)
    env.update(extra or {})
    return env
