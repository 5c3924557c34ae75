"""Collection at the top tier's pace (issue 15): `tracker collect huggingface` against a raw fetch of the
same pages on loopback, and its peak memory, at each catalogue size; then the paced listing.

    .venv/bin/python -m benchmarks.run --models 100000 --models 500000 --models 1000000 [--pacing]

Each size N gets a stand-in Hub of N generated models in this process (pages rendered once to disk,
cached_hub.py) and the clients in subprocesses (measure.py): (a) `rawfetch` (a requests.Session loop
sending the collector's query, bodies discarded), then (b) `tracker collect huggingface` into a fresh
warehouse, checked afterwards (succeeded, N models, the generated lineage's edge count). Figures go to
benchmarks/results/<N>.json (and pacing.json); benchmarks/results.md is rebuilt from them with the
history figures (results/history-*.json, benchmarks/history.py) and printed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from benchmarks import measure, report
from benchmarks.cached_hub import CachedHubStandIn, _cursor
from benchmarks.warehouse_bench import env_without_secrets
from tracker.collectors.huggingface import EXPAND
from tracker.sim.server import Request

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
VERIFY_SQL = (HERE / "collected_run.sql").read_text(encoding="utf-8")


def log(message: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "duckdb": duckdb.__version__}


def measured(m: measure.Measured) -> dict:
    return {"wall": round(m.wall, 3), "cpu": round(m.cpu, 3), "peak_rss_mb": round(m.peak_rss_mb, 1),
            "server_cpu": round(m.server_cpu, 3), "load_avg": round(os.getloadavg()[0], 2)}


def start_hub(n: int, args) -> tuple[CachedHubStandIn, dict]:
    """The stand-in with every page rendered; three cached pages compared byte for byte with a fresh rendering."""
    hub = CachedHubStandIn(n, args.seed, Path(args.cache_dir)).start()
    query = {"limit": ["1000"], "expand": list(EXPAND)}
    started = time.perf_counter()
    cache = hub.prefill(query)
    starts = sorted(cache.index)
    for start in {starts[0], starts[len(starts) // 2], starts[-1]}:
        request = Request("GET", "/api/models", dict(query, **({"cursor": [_cursor(start)]} if start else {})),
                          {}, b"", hub.url)
        assert hub._render(request).encoded() == cache.get(start)[0], f"cached page at {start} differs"
    log(f"N={n:,}: stand-in at {hub.url}, {len(starts)} pages, {cache.bytes / 2**20:,.0f} MiB "
        f"(ready in {time.perf_counter() - started:.0f}s)")
    return hub, {"pages": len(starts), "bytes_per_model": round(cache.bytes / n, 1)}


def bench_collect(n: int, args) -> dict:
    work = Path(args.workdir) / str(n)
    work.mkdir(parents=True, exist_ok=True)
    hub, stand_in = start_hub(n, args)
    env = env_without_secrets({"HF_ENDPOINT": hub.url, "HF_HOME": str(work / "hf-home"),
                               "HF_HUB_DISABLE_TELEMETRY": "1", "PYTHONPATH": str(ROOT)})
    db = work / "tracker.duckdb"
    try:
        raw = measure.run([sys.executable, "-m", "benchmarks.rawfetch", hub.url], env=env, cwd=work).check()
        loop = json.loads(raw.stdout.strip().splitlines()[-1])
        assert loop["pages"] == stand_in["pages"], loop
        for path in (db, Path(f"{db}.wal")):
            path.unlink(missing_ok=True)
        collect = measure.run([sys.executable, "-m", "tracker", "--db", str(db), "collect", "huggingface"],
                              env=env, cwd=work, stderr_path=work / "collect.stderr").check()
    finally:
        hub.stop()
    con = duckdb.connect(str(db), read_only=True)
    status, pages, records, models, edges = con.execute(VERIFY_SQL).fetchone()
    con.close()
    assert (status, models) == ("succeeded", n), (status, models)
    a, b = measured(raw), measured(collect)
    log(f"N={n:,}: raw {a['wall']:.2f}s, collect {b['wall']:.2f}s ({b['wall'] / a['wall']:.2f}x), "
        f"peak RSS {b['peak_rss_mb']:.0f} MB")
    return {"models": n, "stand_in": stand_in, "raw": a, "collect": b, "ratio_wall": round(b["wall"] / a["wall"], 2),
            "ratio_cpu": round(b["cpu"] / a["cpu"], 2), "warehouse": {"status": status, "pages": pages,
            "records": records, "models": models, "lineage_edges": edges}}


def bench_pacing() -> dict:
    """benchmarks/pacing.py as a subprocess; its two printed lines, as figures."""
    started = time.perf_counter()
    text = subprocess.run([sys.executable, "-m", "benchmarks.pacing"], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout
    policy, listing = text.strip().splitlines()[-2:]
    seconds, floor, ratio, refused = re.search(
        r"listing ([\d.]+) s, floor ([\d.]+) s, ratio ([\d.]+), 429s met (\d+)", listing).groups()
    return {"policy": policy, "seconds": float(seconds), "floor": float(floor), "ratio": float(ratio),
            "refused": int(refused), "wall": round(time.perf_counter() - started, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=int, action="append", help="catalogue size N (repeatable)")
    parser.add_argument("--pacing", action="store_true", help="also the paced listing (benchmarks/pacing.py)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", default=str(HERE / ".work"))
    parser.add_argument("--cache-dir", default=str(HERE / ".cache"))
    parser.add_argument("--results-dir", default=str(HERE / "results"))
    args = parser.parse_args(argv)
    results = Path(args.results_dir)
    results.mkdir(parents=True, exist_ok=True)
    stamp = {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine()}
    for n in args.models or []:
        (results / f"{n}.json").write_text(json.dumps({**stamp, **bench_collect(n, args)}, indent=1))
    if args.pacing:
        (results / "pacing.json").write_text(json.dumps({**stamp, **bench_pacing()}, indent=1))
    text = report.markdown(results)
    (results.parent / "results.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
