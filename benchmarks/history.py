"""Issue 15, years of history: a warehouse of N models x D daily snapshots (default 1,000,000 x 365),
its size, every trend query and claim query, and `tracker check` / `tracker report` through the real CLI.

    .venv/bin/python -m benchmarks.history --models 1000000 --days 365

The warehouse is a real one, made by tracker.warehouse.db.connect (the project's migrations); its
content is synthesised, not collected: the models and lineage of the stand-ins' GeneratedEcosystem
(Hugging Face, plus a ModelScope share), one day of snapshot facts from it, then D-1 more days in
SQL (benchmarks/history.sql), one INSERT and one CHECKPOINT per day as the nightly runs leave them,
and a succeeded run per hub per day. Every model is listed on every day: the row count is the upper
bound N x D. The synthesis runs under `nice -n 19` in a child process (the machine is shared); the
measurements run at normal priority. Scratch files live in benchmarks/.work/ (or --work-dir) and the
warehouse is deleted at the end unless --keep.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pyarrow

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LAST_DAY = date(2026, 10, 31)   # the generated ecosystem's last creation day
GB = 10**9
TARGETS = {"warehouse_bytes": 2.5 * GB, "trend_query_seconds": 15.0, "claim_query_seconds": 15.0,
           "check_cli_seconds": 15.0, "report_cli_seconds": 60.0}
# A query or command still running this many times past its target is stopped and recorded as such:
# the figure is then a lower bound (one such query holds ~12 GB and runs for many minutes at 1M x 365).
STOP_AFTER_TARGETS = 5


def statements() -> dict[str, str]:
    """The named sections of history.sql."""
    text = (HERE / "history.sql").read_text(encoding="utf-8")
    parts = re.split(r"^-- name: (\w+)\n", text, flags=re.M)
    return {name: body.strip() for name, body in zip(parts[1::2], parts[2::2])}


# ---- synthesis (the child process, under nice) ----------------------------------------------------

def generated(size: int, hub: str, seed: int) -> tuple[dict, dict]:
    """Column lists of the models (with their first day's counts) and the lineage edges of one hub."""
    from tracker.sim.ecosystem import GeneratedEcosystem

    eco = GeneratedEcosystem(size, seed=seed, hub=hub)
    models = {k: [] for k in ("hub", "model_id", "author", "created_at", "last_modified", "pipeline_tag",
                              "library_name", "tags", "downloads", "downloads_all_time", "likes")}
    edges = {k: [] for k in ("hub", "child_id", "parent_id", "relation", "provenance")}
    for model in eco:
        for key, value in (("hub", hub), ("model_id", model.model_id), ("author", model.author),
                           ("created_at", model.created_at.replace(tzinfo=None)),
                           ("last_modified", model.last_modified.replace(tzinfo=None)),
                           ("pipeline_tag", model.pipeline_tag), ("library_name", model.library_name),
                           ("tags", [model.library_name, *model.extra_tags] if model.library_name else []),
                           ("downloads", model.downloads), ("downloads_all_time", model.downloads_all_time),
                           ("likes", model.likes)):
            models[key].append(value)
        provenance = "card" if model.lineage_form == "card" else "tag"
        for child, parent, relation in model.edges():
            for key, value in (("hub", hub), ("child_id", child), ("parent_id", parent),
                               ("relation", relation), ("provenance", provenance)):
                edges[key].append(value)
    return models, edges


def build(db: Path, models: int, days: int, modelscope_share: float, seed: int) -> dict:
    """Make the warehouse at `db`: catalogue, lineage, runs and `days` snapshot days."""
    from tracker.warehouse import db as warehouse_db

    for path in (db, Path(str(db) + ".wal")):
        path.unlink(missing_ok=True)
    sql, first = statements(), LAST_DAY - timedelta(days=days - 1)
    timings, started = {}, time.perf_counter()
    hubs = {"huggingface": models, "modelscope": int(models * modelscope_share)}
    tables = {hub: generated(size, hub, seed) for hub, size in hubs.items() if size}
    timings["generate_seconds"] = time.perf_counter() - started
    con = warehouse_db.connect(db)
    try:
        con.execute("SET enable_progress_bar = false")
        t = time.perf_counter()
        load_catalogue(con, tables, first, days)
        con.execute(sql["runs"], {"first": first, "days": days})
        con.execute("CHECKPOINT")
        timings["catalogue_seconds"] = time.perf_counter() - t
        t, per_day = time.perf_counter(), []
        for day in range(1, days):
            d = time.perf_counter()
            con.execute(sql["day"], {"day": day, "first": first})
            con.execute(sql["day_counts"], {"day": day, "first": first})
            con.execute("CHECKPOINT")
            per_day.append(time.perf_counter() - d)
        timings["days_seconds"] = time.perf_counter() - t
        timings["seconds_per_day"] = sum(per_day) / max(1, len(per_day))
        shape = dict(zip([d[0] for d in con.execute(sql["shape"]).description],
                         con.execute(sql["shape"]).fetchone()))
    finally:
        con.close()
    return {"shape": {k: (v.isoformat() if isinstance(v, date) else v) for k, v in shape.items()},
            "synthesis": {k: round(v, 2) for k, v in timings.items()}}


def load_catalogue(con: duckdb.DuckDBPyConnection, tables: dict, first: date, days: int) -> None:
    """Models in (hub, model_id) order, as the merge inserts them; the first day's facts in the merge's order."""
    model_frames = [pyarrow.table(m) for m, _ in tables.values()]
    edge_frames = [pyarrow.table(e) for _, e in tables.values() if e["hub"]]
    con.register("generated_models", pyarrow.concat_tables(model_frames))
    con.register("generated_edges", pyarrow.concat_tables(edge_frames))
    sql, last = statements(), first + timedelta(days=days - 1)
    con.execute(sql["models"], {"first": first, "last": last})
    con.execute(sql["first_day"], {"first": first})
    con.execute(sql["day_counts"], {"day": 0, "first": first})
    con.execute(sql["lineage"])
    con.unregister("generated_models")
    con.unregister("generated_edges")


# ---- measurement (normal priority) ----------------------------------------------------------------

def size(db: Path) -> dict:
    """The file after the last CHECKPOINT, the blocks in use, and how the facts are compressed."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        block_size, used = con.execute(statements()["blocks"]).fetchone()
        rows = con.execute(statements()["fact_rows"]).fetchone()[0]
        storage = [list(r) for r in con.execute(statements()["storage"]).fetchall()]
    finally:
        con.close()
    wal = Path(str(db) + ".wal")
    file_bytes = db.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
    return {"file_bytes": file_bytes, "used_bytes": block_size * used, "snapshot_rows": rows,
            "file_bytes_per_snapshot_row": round(file_bytes / rows, 3), "compression": storage}


def timed(action) -> tuple[float, object]:
    t = time.perf_counter()
    result = action()
    return round(time.perf_counter() - t, 3), result


def stopped_after(con: duckdb.DuckDBPyConnection, seconds: float, action) -> dict:
    """{"seconds", "rows"} of `action`, or {"seconds": seconds, "stopped": True} when it ran longer."""
    timer = threading.Timer(seconds, con.interrupt)
    timer.start()
    try:
        took, frame = timed(action)
        return {"seconds": took, "rows": len(frame)}
    except duckdb.InterruptException:
        return {"seconds": seconds, "stopped": True}
    finally:
        timer.cancel()


def trend_queries(db: Path) -> dict:
    """Every reports/queries/*.sql through the report's own loader, with the parameters its chart binds."""
    from tracker.reports import trends

    params = {chart.name: dict(chart.params) for section in trends.SECTIONS for chart in section.charts}
    names = sorted(p.stem for p in (ROOT / "reports" / "queries").glob("*.sql"))
    con = duckdb.connect(str(db), read_only=True)
    try:
        limit = STOP_AFTER_TARGETS * TARGETS["trend_query_seconds"]
        return {name: stopped_after(con, limit, lambda: trends.query(con, name, **params.get(name, {})))
                for name in names}
    finally:
        con.close()


def claim_queries(db: Path) -> dict:
    """Every registered claim's evidence query, as `tracker check` runs it (after check has resolved families)."""
    from tracker.reports import registry

    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        for claim_id, claim in sorted(registry.load().items()):
            seconds, rows = timed(lambda: registry.evidence(con, claim))
            out[claim_id] = {"seconds": seconds, "rows": len(rows)}
        return out
    finally:
        con.close()


def diagnose(db: Path) -> dict:
    """Each diagnose_* statement of history.sql, timed (see the comments there for the query each stands for)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        limit = STOP_AFTER_TARGETS * TARGETS["trend_query_seconds"]
        return {name.removeprefix("diagnose_"): stopped_after(con, limit, lambda: con.execute(text).fetchall())
                for name, text in statements().items() if name.startswith("diagnose_")}
    finally:
        con.close()


def cli(args: list[str], work: Path, name: str, limit: float) -> dict:
    """The command through coreutils' `timeout`: exit 124 means stopped after `limit` seconds."""
    from benchmarks import measure

    m = measure.run(["timeout", str(limit), sys.executable, "-m", "tracker", *args], env=clean_env(), cwd=work,
                    stderr_path=work / f"{name}.stderr")
    out = {"command": "tracker " + " ".join(args[2:]), "seconds": round(m.wall, 2), "cpu_seconds": round(m.cpu, 2),
           "exit": m.returncode, "peak_rss_mb": round(m.peak_rss_mb, 1)}
    if m.returncode == 124:
        return {**out, "stopped": True}
    return out if m.returncode == 0 else {**out, "stderr_tail": m.stderr_tail[-800:]}


def clean_env() -> dict:
    from benchmarks.warehouse_bench import env_without_secrets

    return env_without_secrets({"PYTHONPATH": str(ROOT)})


def measure_all(db: Path, work: Path) -> dict:
    out = {"size": size(db)}
    out["check_cli"] = cli(["--db", str(db), "check"], work, "check",
                           STOP_AFTER_TARGETS * TARGETS["check_cli_seconds"])
    out["trend_queries"] = trend_queries(db)
    out["claim_queries"] = claim_queries(db)
    out["report_cli"] = cli(["--db", str(db), "report", "--out", str(work / "report")], work, "report",
                            STOP_AFTER_TARGETS * TARGETS["report_cli_seconds"])
    return out


# ---- the table ------------------------------------------------------------------------------------

def rows(result: dict) -> list[tuple[str, str, str, float]]:
    """(what, measured, target, measured / target) for every figure with a target."""
    m, t = result["measured"], TARGETS
    table = [("warehouse file after CHECKPOINT", f"{m['size']['file_bytes'] / GB:.2f} GB "
              f"({m['size']['file_bytes_per_snapshot_row']:.2f} B/row)", f"{t['warehouse_bytes'] / GB:.1f} GB",
              m["size"]["file_bytes"] / t["warehouse_bytes"])]
    for name, q in m["trend_queries"].items():
        table.append((f"trend {name}", seconds(q), f"{t['trend_query_seconds']:.0f} s",
                      q["seconds"] / t["trend_query_seconds"]))
    for name, q in m["claim_queries"].items():
        table.append((f"claim {name}", seconds(q), f"{t['claim_query_seconds']:.0f} s",
                      q["seconds"] / t["claim_query_seconds"]))
    for key, label, target in (("check_cli", "tracker check (CLI)", "check_cli_seconds"),
                               ("report_cli", "tracker report --out (CLI)", "report_cli_seconds")):
        c = m[key]
        failed = f" exit {c['exit']}" if c["exit"] and not c.get("stopped") else ""
        table.append((label + failed, seconds(c), f"{t[target]:.0f} s", c["seconds"] / t[target]))
    return table


def seconds(figure: dict) -> str:
    return f"> {figure['seconds']:.0f} s (stopped)" if figure.get("stopped") else f"{figure['seconds']:.2f} s"


def table_text(result: dict) -> str:
    lines = [f"{'figure':48} {'measured':>24} {'target':>8} {'ratio':>6}", "-" * 89]
    for what, measured, target, ratio in rows(result):
        flag = "" if ratio <= 1 else "  MISSES"
        lines.append(f"{what:48} {measured:>24} {target:>8} {ratio:6.2f}{flag}")
    return "\n".join(lines)


# ---- entry point ----------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks.history", description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=1_000_000, help="Hugging Face models")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--modelscope-share", type=float, default=0.05,
                        help="ModelScope models as a share of --models (default 0.05)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", action="store_true", help="keep the warehouse in benchmarks/.work/")
    parser.add_argument("--only", choices=("build", "measure", "diagnose"),
                        help="only synthesise; only measure a kept warehouse; only time the diagnosis on a kept one")
    parser.add_argument("--results-dir", type=Path, default=HERE / "results")
    parser.add_argument("--work-dir", type=Path, default=HERE / ".work",
                        help="where the warehouse is built (default benchmarks/.work/)")
    args = parser.parse_args(argv)
    work = args.work_dir / f"history-{args.models}x{args.days}"
    work.mkdir(parents=True, exist_ok=True)
    db = work / "history.duckdb"
    if args.only == "build":
        print(json.dumps(build(db, args.models, args.days, args.modelscope_share, args.seed)))
        return 0
    result_path = args.results_dir / f"history-{args.models}x{args.days}.json"
    result = json.loads(result_path.read_text()) if args.only in ("measure", "diagnose") and result_path.exists() else {}
    if args.only == "diagnose":
        result["diagnosis"] = diagnose(db)
        result_path.write_text(json.dumps(result, indent=1, default=str) + "\n")
        print("\n".join(f"{k:28} {v['seconds']:8.2f} s" for k, v in result["diagnosis"].items()))
        return 0
    if args.only != "measure":
        result = {"models": args.models, "days": args.days, "modelscope_share": args.modelscope_share,
                  "seed": args.seed, **synthesise(args, work)}
    result.update(machine=machine(), measured_on=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                  targets=TARGETS, measured=measure_all(db, work))
    result["diagnosis"] = diagnose(db)
    result_path.parent.mkdir(parents=True, exist_ok=True)
    result_path.write_text(json.dumps(result, indent=1, default=str) + "\n")
    print(table_text(result))
    print(f"\nfigures: {result_path}")
    if not args.keep:
        shutil.rmtree(work)
    return 0


def synthesise(args, work: Path) -> dict:
    """The build, as a child process under `nice -n 19`."""
    argv = ["nice", "-n", "19", sys.executable, "-m", "benchmarks.history", "--only", "build",
            "--models", str(args.models), "--days", str(args.days),
            "--modelscope-share", str(args.modelscope_share), "--seed", str(args.seed),
            "--work-dir", str(args.work_dir)]
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, env=clean_env(), stdout=subprocess.PIPE, text=True, check=True)
    built = json.loads(done.stdout.strip().splitlines()[-1])
    built["synthesis"]["wall_seconds_under_nice"] = round(time.perf_counter() - started, 1)
    return built


def machine() -> dict:
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "duckdb": duckdb.__version__,
            "load_average": [round(x, 2) for x in os.getloadavg()]}


if __name__ == "__main__":
    sys.exit(main())
