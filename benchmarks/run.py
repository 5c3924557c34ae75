"""Issue 7: the whole Hugging Face catalogue every night, measured.

    cd /work/main && .venv/bin/python -m benchmarks.run --models 100000
    .venv/bin/python -m benchmarks.run --models 100000 --models 1000000          # both sizes
    .venv/bin/python -m benchmarks.run --models 1000000 --only queries          # re-run one part

Each size N gets a stand-in Hub of N generated models (pages pre-rendered once to disk, see
cached_hub.py) in this process, and the clients in subprocesses. Results go to
benchmarks/results/<N>.json (a part re-run replaces only its section) and benchmarks/results.md
(rebuilt from every JSON there); the same tables are printed. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from tracker.collectors.huggingface import EXPAND

from benchmarks import measure, profiling, report, warehouse_bench
from benchmarks.cached_hub import CachedHubStandIn

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PARTS = ("collect", "size", "queries", "peer", "profile", "merge", "experiments", "latency")
OPTIONAL = ("merge", "experiments", "latency")  # run only when named in --only
TARGETS = {"overhead_ratio_1m": 1.3, "rss_mb": 500, "rss_spread": 0.20, "bytes_per_row": 16,
           "family_seconds": 5, "check_seconds": 15}


def log(message: str) -> None:
    print(f"[{datetime.now().strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = next(int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
               if line.startswith("MemTotal"))
    import huggingface_hub
    import pyarrow
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem / 2**20, 1),
            "python": platform.python_version(), "duckdb": duckdb.__version__, "pyarrow": pyarrow.__version__,
            "huggingface_hub": huggingface_hub.__version__, "kernel": platform.release()}


def measured(m: measure.Measured) -> dict:
    return {"wall": round(m.wall, 3), "cpu": round(m.cpu, 3), "peak_rss_mb": round(m.peak_rss_mb, 1),
            "server_cpu": round(m.server_cpu, 3), "load_avg": round(os.getloadavg()[0], 2)}


class Bench:
    def __init__(self, n: int, args):
        self.n, self.args = n, args
        self.work = Path(args.workdir) / str(n)
        self.work.mkdir(parents=True, exist_ok=True)
        self.py = sys.executable
        self.hub: CachedHubStandIn | None = None
        self.env = warehouse_bench.env_without_secrets({
            "HF_HOME": str(self.work / "hf-home"), "HF_HUB_DISABLE_TELEMETRY": "1",
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        })

    # --- the stand-in -------------------------------------------------------------------------
    def start_hub(self, out: dict) -> None:
        self.hub = CachedHubStandIn(self.n, self.args.seed, Path(self.args.cache_dir)).start()
        query = {"limit": ["1000"], "expand": list(EXPAND)}
        started, last = time.perf_counter(), [0.0]

        def progress(done, total):
            if time.perf_counter() - last[0] > 30:
                last[0] = time.perf_counter()
                log(f"  stand-in pages rendered: {done:,}/{total:,}")

        cache = self.hub.prefill(query, progress)
        build = time.perf_counter() - started
        # the cache must serve exactly what the stand-in would: compare three pages byte for byte
        starts = sorted(cache.index)
        checked = []
        for start in {starts[0], starts[len(starts) // 2], starts[-1]}:
            from tracker.sim.server import Request
            request = Request("GET", "/api/models", dict(query), {}, b"", self.hub.url)
            if start:
                from benchmarks.cached_hub import _cursor
                request.query["cursor"] = [_cursor(start)]
            fresh = self.hub._render(request).encoded()
            assert fresh == cache.get(start)[0], f"cached page at {start} differs from the stand-in's"
            checked.append(start)
        self.env["HF_ENDPOINT"] = self.hub.url
        out["stand_in"] = {"pages": len(cache.index), "cache_bytes": cache.bytes,
                           "bytes_per_model": round(cache.bytes / self.n, 1),
                           "cache_build_seconds": round(build, 1), "verified_pages": checked}
        log(f"N={self.n:,}: stand-in ready at {self.hub.url}, {len(cache.index)} pages, "
            f"{cache.bytes / 2**20:,.0f} MiB cached (build {build:.0f}s)")

    def stop_hub(self) -> None:
        if self.hub:
            self.hub.stop()

    # --- runs ----------------------------------------------------------------------------------
    def run(self, argv: list[str], name: str) -> measure.Measured:
        m = measure.run(argv, env=self.env, cwd=self.work, stderr_path=self.work / f"{name}.stderr")
        return m.check()

    def rawfetch(self, client: str, decode: bool = False) -> tuple[measure.Measured, dict]:
        argv = [self.py, "-m", "benchmarks.rawfetch", self.hub.url, "--client", client] + (["--decode"] if decode else [])
        m = self.run(argv, f"raw-{client}{'-decode' if decode else ''}")
        return m, json.loads(m.stdout.strip().splitlines()[-1])

    def collect(self, db: Path, name: str = "collect", fresh: bool = True) -> measure.Measured:
        if fresh:
            for path in (db, Path(str(db) + ".wal")):
                path.unlink(missing_ok=True)
        return self.run([self.py, "-m", "tracker", "--db", str(db), "collect", "huggingface"], name)

    def verify(self, db: Path) -> dict:
        con = duckdb.connect(str(db), read_only=True)
        try:
            status, pages, records = con.execute(
                "SELECT status, pages, records FROM runs ORDER BY run_id DESC LIMIT 1").fetchone()
            models, facts, edges = con.execute(
                "SELECT (SELECT count(*) FROM models), (SELECT count(*) FROM model_snapshot_facts), "
                "(SELECT count(*) FROM lineage)").fetchone()
        finally:
            con.close()
        assert status == "succeeded" and models == self.n, (status, models)
        return {"status": status, "pages": pages, "records": records, "models": models,
                "snapshot_rows": facts, "lineage_edges": edges, "file_bytes": warehouse_bench.file_size(db)}

    # --- benchmark 1 + 2: collection overhead and memory ---------------------------------------
    def bench_collect(self, out: dict) -> None:
        db = self.work / "tracker.duckdb"
        runs: dict[str, list] = {k: [] for k in ("raw_requests", "raw_httpx2", "raw_requests_json", "collect")}
        loops = {}
        for attempt in range(self.args.repeat):
            log(f"N={self.n:,}: collection round {attempt + 1}/{self.args.repeat}")
            for key, client, decode in (("raw_requests", "requests", False), ("raw_httpx2", "httpx2", False),
                                        ("raw_requests_json", "requests", True)):
                m, info = self.rawfetch(client, decode)
                assert info["pages"] == out["stand_in"]["pages"], info
                runs[key].append(measured(m))
                loops[key] = info
                log(f"  {key}: {m.wall:.2f}s wall, {m.cpu:.2f}s cpu, {m.peak_rss_mb:.0f} MB")
            m = self.collect(db)
            runs["collect"].append({**measured(m), "rss_timeline_max_before_merge_mb": _rss_before_merge(m, self.work)})
            log(f"  collect: {m.wall:.2f}s wall, {m.cpu:.2f}s cpu, {m.peak_rss_mb:.0f} MB peak RSS")
        best = {k: min(v, key=lambda r: r["wall"]) for k, v in runs.items()}
        warehouse = self.verify(db)
        shutil.copy(db, self.work / "day1.duckdb")  # the size and query benchmarks start from this
        m = self.collect(db, "recollect", fresh=False)
        recollect = measured(m)
        log(f"  re-collect same day into the populated warehouse: {m.wall:.2f}s, {m.peak_rss_mb:.0f} MB")
        a, b = best["raw_requests"], best["collect"]
        out["collect"] = {
            "runs": runs, "best": best, "loops": loops, "warehouse": warehouse, "recollect": recollect,
            "ratio_wall": round(b["wall"] / a["wall"], 2), "ratio_cpu": round(b["cpu"] / a["cpu"], 2),
            "ratio_wall_vs_httpx2": round(b["wall"] / best["raw_httpx2"]["wall"], 2),
            "ratio_wall_vs_json": round(b["wall"] / best["raw_requests_json"]["wall"], 2),
            "recollect_ratio_wall": round(recollect["wall"] / a["wall"], 2),
        }
        out["memory"] = {"collect_peak_rss_mb": max(r["peak_rss_mb"] for r in runs["collect"]),
                         "recollect_peak_rss_mb": recollect["peak_rss_mb"],
                         "raw_peak_rss_mb": best["raw_requests"]["peak_rss_mb"]}

    # --- benchmark 3 + 4: warehouse size, queries -----------------------------------------------
    def bench_size(self, out: dict) -> None:
        src = self.work / "day1.duckdb"
        if not src.exists():
            raise RuntimeError("run the collect part first (it leaves day1.duckdb)")
        db = self.work / "days30.duckdb"
        shutil.copy(src, db)
        log(f"N={self.n:,}: adding {self.args.days - 1} synthetic snapshot days")
        out["size"] = warehouse_bench.snapshot_growth(db, self.args.days)
        log(f"  {out['size']['bytes_per_snapshot_row']:.2f} bytes per snapshot row")

    def bench_queries(self, out: dict) -> None:
        db = self.work / "days30.duckdb"
        if not db.exists():
            raise RuntimeError("run the size part first (it leaves days30.duckdb)")
        log(f"N={self.n:,}: queries")
        out["queries"] = warehouse_bench.queries(db, self.env, self.work)
        q = out["queries"]
        log(f"  reference family resolution {q['reference']['family_resolution_seconds']:.2f}s; "
            f"project: {json.dumps(q['project'], default=str)[:600]}; check CLI: {q['check_cli']}")

    # --- benchmark 5: the peer ------------------------------------------------------------------
    def bench_peer(self, out: dict) -> None:
        db = self.work / "peer.duckdb"
        db.unlink(missing_ok=True)
        log(f"N={self.n:,}: peer (HfApi.list_models -> pandas -> DuckDB)")
        m = self.run([self.py, "-m", "benchmarks.peer", self.hub.url, str(db)], "peer")
        info = json.loads(m.stdout.strip().splitlines()[-1])
        assert info["models"] == self.n, info
        tracker_run = self.collect(self.work / "tracker-vs-peer.duckdb", "collect-vs-peer")
        peer, ours = measured(m), measured(tracker_run)
        out["peer"] = {"peer": {**peer, **{k: round(v, 2) for k, v in info.items() if k.endswith("seconds")}},
                       "tracker": ours,
                       "time_ratio_tracker_over_peer": round(ours["wall"] / peer["wall"], 2),
                       "memory_ratio_tracker_over_peer": round(ours["peak_rss_mb"] / peer["peak_rss_mb"], 2)}
        log(f"  peer {peer['wall']:.1f}s {peer['peak_rss_mb']:.0f} MB; tracker {ours['wall']:.1f}s "
            f"{ours['peak_rss_mb']:.0f} MB")

    # --- profile ------------------------------------------------------------------------------------
    def bench_profile(self, out: dict) -> None:
        db = self.work / "profile.duckdb"
        for path in (db, Path(str(db) + ".wal")):
            path.unlink(missing_ok=True)
        raw = Path(self.args.results_dir) / f"profile-{self.n}.txt"
        log(f"N={self.n:,}: py-spy profile of tracker collect")
        m = profiling.record([self.py, "-m", "tracker", "--db", str(db), "collect", "huggingface"], raw,
                             self.env, self.work).check()
        out["profile"] = {"wall": round(m.wall, 2), "raw_file": str(raw.relative_to(ROOT)),
                          **profiling.summarise(raw)}

    # --- the end-of-run merge, statement by statement (memory) ------------------------------------
    def bench_merge(self, out: dict) -> None:
        out["merge"] = {}
        cases = [("fresh warehouse", None, None), ("fresh warehouse, memory_limit 256MB", None, "256MB"),
                 ("populated warehouse (same-day re-collect)", self.work / "day1.duckdb", None),
                 ("populated warehouse, memory_limit 256MB", self.work / "day1.duckdb", "256MB")]
        staged: dict = {}
        for label, start_from, limit in cases:
            key = str(start_from)
            if key not in staged:
                db = self.work / f"staged-{'populated' if start_from else 'fresh'}.duckdb"
                for path in (db, Path(str(db) + ".wal")):
                    path.unlink(missing_ok=True)
                if start_from:
                    if not start_from.exists():
                        continue
                    shutil.copy(start_from, db)
                m = self.run([self.py, "-m", "benchmarks.experiments", "nomerge", "--", "--db", str(db),
                              "collect", "huggingface"], "staged")
                staged[key] = (db, measured(m))
            db, paging = staged[key]
            work = self.work / "merge-work.duckdb"
            shutil.copy(db, work)
            log(f"N={self.n:,}: merge breakdown, {label}")
            m = self.run([self.py, "-m", "benchmarks.merge_breakdown", str(work)] + ([limit] if limit else []),
                         "merge-breakdown")
            result = json.loads(m.stdout.strip().splitlines()[-1])
            out["merge"][label] = {"paging_only_collect": paging, "merge_process": measured(m), **result}
            log(f"  merge {m.wall:.1f}s, peak RSS {m.peak_rss_mb:.0f} MB (paging-only collect peak "
                f"{paging['peak_rss_mb']:.0f} MB)")
            work.unlink(missing_ok=True)

    # --- experiments (monkeypatched, not shipped) -----------------------------------------------
    def bench_latency(self, out: dict) -> None:
        """(a) and (b) again with the stand-in answering each page after a delay, as a real network
        would; and (b) without the read-ahead, to show what overlapping the wait with storing gives."""
        rows = []
        for latency_ms in self.args.page_latency_ms:
            self.hub.page_latency = latency_ms / 1000
            try:
                raw, _ = self.rawfetch("requests")
                tracked = self.collect(self.work / "latency.duckdb", "latency-collect")
                serial = measure.run([self.py, "-m", "benchmarks.experiments", "noreadahead", "--",
                                      "--db", str(self.work / "latency-serial.duckdb"), "collect", "huggingface"],
                                     env=self.env, cwd=self.work, stderr_path=self.work / "latency-serial.stderr")
                for path in self.work.glob("latency*.duckdb*"):
                    path.unlink()
            finally:
                self.hub.page_latency = 0.0
            rows.append({"page_latency_ms": latency_ms, "raw": measured(raw), "collect": measured(tracked),
                         "collect_without_read_ahead": measured(serial.check()),
                         "ratio_wall": round(tracked.wall / raw.wall, 2),
                         "ratio_wall_without_read_ahead": round(serial.wall / raw.wall, 2)})
            log(f"  {latency_ms} ms per page: (a) {raw.wall:.2f}s, (b) {tracked.wall:.2f}s "
                f"({rows[-1]['ratio_wall']}), without read-ahead {serial.wall:.2f}s ({rows[-1]['ratio_wall_without_read_ahead']})")
        out["latency"] = rows

    def bench_experiments(self, out: dict) -> None:
        from benchmarks import experiments
        out["experiments"] = experiments.run_all(self, log)


def _rss_before_merge(m: measure.Measured, work: Path) -> float | None:
    """Peak RSS while paging, i.e. until the last page was committed (from the log's timestamps)."""
    try:
        lines = [line for line in (work / "collect.stderr").read_text().splitlines() if "committed" in line]
        if not lines or not m.rss_timeline:
            return None
        last = datetime.strptime(lines[-1][:23], "%Y-%m-%d %H:%M:%S,%f").timestamp()  # asctime: local time
        before = [rss for t, rss in m.rss_timeline if t <= last - m.started_at]
        return round(max(before) / 2**20, 1) if before else None
    except (OSError, ValueError):
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", type=int, action="append", help="catalogue size N (repeatable; default 100000)")
    parser.add_argument("--only", help=f"comma-separated parts of {','.join(PARTS)} (default: all but experiments "
                                       "and profile at N > 100000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=1, help="collection rounds (best wall time of each is kept)")
    parser.add_argument("--variants", help="experiments to run, as their patch lists separated by ';' "
                                           "(e.g. 'noreadahead;rawjson'); default: all (the baseline always runs)")
    parser.add_argument("--page-latency-ms", type=int, action="append",
                        help="for the latency part: delay before each page, in ms (repeatable; default 50 and 200)")
    parser.add_argument("--days", type=int, default=30, help="snapshot days for the size and query benchmarks")
    parser.add_argument("--workdir", default=str(HERE / ".work"))
    parser.add_argument("--cache-dir", default=str(HERE / ".cache"))
    parser.add_argument("--results-dir", default=str(HERE / "results"))
    args = parser.parse_args(argv)
    sizes = args.models or [100_000]
    args.page_latency_ms = args.page_latency_ms or [50, 200]
    Path(args.results_dir).mkdir(parents=True, exist_ok=True)
    for n in sizes:
        parts = args.only.split(",") if args.only else [p for p in PARTS if p not in OPTIONAL
                                                        and not (p == "profile" and n > 100_000)]
        unknown = set(parts) - set(PARTS)
        if unknown:
            parser.error(f"unknown part(s): {', '.join(sorted(unknown))}")
        path = Path(args.results_dir) / f"{n}.json"
        out = json.loads(path.read_text()) if path.exists() else {}
        out.update({"models": n, "seed": args.seed, "machine": machine()})
        bench = Bench(n, args)
        needs_hub = any(p in parts for p in ("collect", "peer", "profile", "merge", "experiments", "latency"))
        try:
            if needs_hub:
                bench.start_hub(out)
            for part in PARTS:
                if part in parts:
                    started = time.perf_counter()
                    getattr(bench, f"bench_{part}")(out)
                    out.setdefault("dates", {})[part] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
                    out.setdefault("part_seconds", {})[part] = round(time.perf_counter() - started, 1)
                    path.write_text(json.dumps(out, indent=1, default=str))
        finally:
            bench.stop_hub()
    text = report.markdown(Path(args.results_dir), TARGETS)
    (Path(args.results_dir).parent / "results.md").write_text(text)  # benchmarks/results.md by default
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
