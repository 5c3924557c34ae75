"""Renders benchmarks/results/*.json as the markdown tables of benchmarks/results.md."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path


def _n(n: int) -> str:
    return f"{n / 1e6:g}M" if n >= 1_000_000 else f"{n / 1e3:g}k"


def _s(run: dict | None) -> str:
    return f"{run['wall']:.2f} s ({run['cpu']:.2f})" if run else "–"


def _ok(value, target, below=True) -> str:
    if value is None:
        return ""
    return " ✅" if (value <= target if below else value >= target) else " ❌"


def markdown(results_dir: Path, targets: dict) -> str:
    data = []
    for path in sorted(results_dir.glob("*.json"), key=lambda p: int(p.stem) if p.stem.isdigit() else 0):
        if path.stem.isdigit():
            data.append(json.loads(path.read_text()))
    out = ["# Benchmark results — issue 7 (\"the whole Hugging Face catalogue every night, measured\")", ""]
    out.append(f"Rendered {datetime.now(UTC):%Y-%m-%d %H:%M} UTC from `benchmarks/results/*.json` "
               "by `.venv/bin/python -m benchmarks.run` (see benchmarks/README.md).")
    if data:
        m = data[-1]["machine"]
        out.append(f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB RAM, Linux {m['kernel']}; "
                   f"Python {m['python']}, DuckDB {m['duckdb']}, pyarrow {m['pyarrow']}, "
                   f"huggingface_hub {m['huggingface_hub']}. Other jobs share the machine: wall times are noisy; "
                   "ratios are taken within one run, and CPU seconds (in parentheses) are the steadier figure.")
    out.append("")

    rows = [d for d in data if "collect" in d]
    if rows:
        out += ["## 1. Collection overhead", "",
                "(a) = every page fetched raw with `requests` (same query, Link headers followed, bodies discarded); "
                "(b) = `tracker collect huggingface` (the real CLI in a subprocess) into a fresh warehouse. "
                "Wall seconds, child CPU seconds in parentheses; both include interpreter start-up. "
                f"Target: (b)/(a) ≤ {targets['overhead_ratio_1m']} at 1M.", "",
                "| N | date | pages (MiB) | (a) raw requests | raw httpx2 | raw requests + json.loads | (b) tracker collect "
                "| **(b)/(a) wall** | (b)/(a) CPU | (b)/(raw+json) | re-collect same day | stand-in CPU during (b) |",
                "|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for d in rows:
            c, best = d["collect"], d["collect"]["best"]
            target = targets["overhead_ratio_1m"] if d["models"] >= 1_000_000 else None
            out.append(
                f"| {_n(d['models'])} | {d['dates'].get('collect', '')[:10]} | {d['stand_in']['pages']} "
                f"({d['stand_in']['cache_bytes'] / 2**20:,.0f}) | {_s(best['raw_requests'])} | {_s(best['raw_httpx2'])} "
                f"| {_s(best['raw_requests_json'])} | {_s(best['collect'])} | **{c['ratio_wall']}**"
                f"{_ok(c['ratio_wall'], target) if target else ''} | {c['ratio_cpu']} | {c['ratio_wall_vs_json']} "
                f"| {_s(c['recollect'])} | {best['collect']['server_cpu']:.2f} s |")
        out.append("")
        out += ["## 2. Memory (peak RSS of the collection subprocess: GNU time %M, see measure.py)", "",
                f"Target: the same within {targets['rss_spread']:.0%} across N, and under {targets['rss_mb']} MB.", "",
                "| N | tracker collect | of which while paging | re-collect same day | raw fetch | vs smallest N |",
                "|---|---|---|---|---|---|"]
        smallest = rows[0]["memory"]["collect_peak_rss_mb"]
        for d in rows:
            mem = d["memory"]
            paging = d["collect"]["best"]["collect"].get("rss_timeline_max_before_merge_mb")
            spread = mem["collect_peak_rss_mb"] / smallest - 1
            out.append(f"| {_n(d['models'])} | {mem['collect_peak_rss_mb']:.0f} MB{_ok(mem['collect_peak_rss_mb'], targets['rss_mb'])} "
                       f"| {paging or '–'} MB | {mem['recollect_peak_rss_mb']:.0f} MB | {mem['raw_peak_rss_mb']:.0f} MB "
                       f"| {spread:+.0%}{_ok(abs(spread), targets['rss_spread'])} |")
        out.append("")

    rows = [d for d in data if "size" in d]
    if rows:
        out += ["## 3. Warehouse size", "",
                "Day 1 collected by the tracker; days 2–30 added by SQL (one INSERT … SELECT + CHECKPOINT per day, "
                f"see warehouse_bench.py). Target ≤ {targets['bytes_per_row']} bytes per snapshot row.", "",
                "Bytes per row = growth of the blocks in use (`pragma_database_size`), not of the file, which can "
                "reuse blocks freed by the staging tables.", "",
                "| N | days | snapshot rows | used (file) before → after | **bytes per snapshot row** | file growth per row | per-day INSERT+CHECKPOINT | compression chosen |",
                "|---|---|---|---|---|---|---|---|"]
        for d in rows:
            s = d["size"]
            comp = {}
            for column, method, _segments, values in s["compression"]:
                comp.setdefault(column, []).append((values, method))
            comp_text = "; ".join(f"{c}: {max(v)[1]}" for c, v in comp.items())
            out.append(f"| {_n(d['models'])} | {s['snapshot_days']} | {s['snapshot_rows']:,} "
                       f"| {s.get('used_bytes_before', 0) / 2**20:,.0f} ({s['file_bytes_before'] / 2**20:,.0f}) → "
                       f"{s.get('used_bytes_after', 0) / 2**20:,.0f} ({s['file_bytes_after'] / 2**20:,.0f}) MiB "
                       f"| **{s['bytes_per_snapshot_row']:.2f}**{_ok(s['bytes_per_snapshot_row'], targets['bytes_per_row'])} "
                       f"| {s.get('file_growth_per_snapshot_row', s['bytes_per_snapshot_row']):.2f} "
                       f"| {s['insert_checkpoint_seconds_per_day']:.2f} s | {comp_text} |")
        out.append("")

    rows = [d for d in data if "queries" in d]
    if rows:
        out += ["## 4. Queries (30 snapshot days)", "",
                f"Targets: family resolution ≤ {targets['family_seconds']} s, full `tracker check` ≤ "
                f"{targets['check_seconds']} s. Project = the project's own code, run in a subprocess on a copy of "
                "the 30-day warehouse (benchmarks/families.py): `attribution.resolve_families`, every family view, "
                "and, in a fresh process on a fresh copy (cold, as `tracker check` would be), `reports.check.run_checks` "
                "(reference reload, family resolution, every claim's query and judgement, verdicts stored). "
                "Reference = the benchmark's own recursive CTE (warehouse_bench.py), for scale.", "",
                "| N | derivatives (edges) | depth histogram | **project family resolution** | project views | "
                "**project checks (run_checks)** | `tracker check` CLI | reference CTE resolution | peak RSS resolve / check |",
                "|---|---|---|---|---|---|---|---|---|"]
        for d in rows:
            q = d["queries"]
            lin, ref, project = q["lineage"], q["reference"], q.get("project", {})
            hist = ", ".join(f"{k}:{v:,}" for k, v in ref["depth_histogram"].items())
            out.append(f"| {_n(d['models'])} | {lin['derivatives']:,} of {lin['models']:,} "
                       f"({lin['derivative_share']:.1%}; {lin['edges']:,}) | {hist} "
                       f"| {_timing(project.get('family_resolution'), targets['family_seconds'])} "
                       f"| {_views(project.get('views'))} "
                       f"| {_timing(q.get('project_check', {}).get('check'), targets['check_seconds'])} "
                       f"| {_timing(q.get('check_cli'), targets['check_seconds'])} "
                       f"| {ref['family_resolution_seconds']:.2f} s ({ref['families']} families) "
                       f"| {project.get('process', {}).get('peak_rss_mb', '–')} / "
                       f"{q.get('project_check', {}).get('process', {}).get('peak_rss_mb', '–')} MB |")
        for d in rows:
            statements = d["queries"].get("project", {}).get("family_resolution_statements")
            if statements:
                out.append("")
                out.append(f"Slowest statements of family resolution at N = {_n(d['models'])}: " + "; ".join(
                    f"`{k.split(':')[0]}` {v:.2f} s" for k, v in statements[:5]))
        for d in rows:
            reports = d["queries"].get("project", {}).get("report_queries")
            if isinstance(reports, dict):
                out.append("")
                out.append(f"Report chart queries at N = {_n(d['models'])}: " + "; ".join(
                    f"{k} {v['seconds']:.2f} s" if "error" not in v else f"{k} error" for k, v in reports.items()))
        out.append("")

    rows = [d for d in data if "peer" in d]
    if rows:
        out += ["## 5. Peer comparison", "",
                "Peer = `HfApi(endpoint).list_models(expand=[the same 13 fields])` → list of dicts → pandas DataFrame → "
                "one `CREATE TABLE AS` in DuckDB at the end (benchmarks/peer.py). Same stand-in, same pages; "
                "run back to back with a fresh `tracker collect`.", "",
                "| N | peer wall (CPU) | peer peak RSS | tracker wall (CPU) | tracker peak RSS | time tracker/peer | memory tracker/peer |",
                "|---|---|---|---|---|---|---|"]
        for d in rows:
            p = d["peer"]
            out.append(f"| {_n(d['models'])} | {_s(p['peer'])} | {p['peer']['peak_rss_mb']:.0f} MB | {_s(p['tracker'])} "
                       f"| {p['tracker']['peak_rss_mb']:.0f} MB | {p['time_ratio_tracker_over_peer']} "
                       f"| {p['memory_ratio_tracker_over_peer']} |")
        out.append("")

    rows = [d for d in data if d.get("merge")]
    if rows:
        out += ["## The end-of-run merge, statement by statement (benchmarks/merge_breakdown.py)", "",
                "A collect with the merge skipped (`experiments nomerge`) leaves the run's pages staged; the merge is "
                "then run alone in a subprocess, each statement timed, with the process RSS and DuckDB's own "
                "`duckdb_memory()` after it. \"Populated\" = into the warehouse that already holds the day "
                "(the nightly steady state: UPDATE of every model, snapshot and lineage replaced).", "",
                "| N | case | merge wall | merge peak RSS | paging-only collect (wall, peak RSS) | slowest steps | biggest RSS step |",
                "|---|---|---|---|---|---|---|"]
        for d in rows:
            for label, r in d["merge"].items():
                steps = r["steps"]
                slow = sorted(steps, key=lambda x: -x["seconds"])[:3]
                jumps = [(b["peak_rss_mb"] - a["peak_rss_mb"], b["step"]) for a, b in zip(steps, steps[1:])]
                jump = max(jumps) if jumps else (0, "")
                out.append(f"| {_n(d['models'])} | {label} | {r['merge_process']['wall']:.1f} s | "
                           f"{r['peak_rss_mb']:.0f} MB | {r['paging_only_collect']['wall']:.1f} s, "
                           f"{r['paging_only_collect']['peak_rss_mb']:.0f} MB | "
                           + "; ".join(f"`{x['step'][:48]}` {x['seconds']:.1f} s" for x in slow)
                           + f" | +{jump[0]:.0f} MB at `{jump[1][:48]}` |")
        out.append("")

    for d in (d for d in data if "profile" in d):
        p = d["profile"]
        out += [f"## Profile of `tracker collect huggingface` at N = {_n(d['models'])} "
                f"(py-spy --idle, {p['samples']:,} samples, {p['wall']:.1f} s under the profiler)", "",
                f"Raw collapsed stacks: `{p['raw_file']}`.", "",
                "| phase | share of samples (py-spy samples every thread: the storing thread and the read-ahead worker) |", "|---|---|"]
        out += [f"| {k} | {v}% |" for k, v in p["phases"]]
        out += ["", "| top self time (frame with line) | % |", "|---|---|"]
        out += [f"| `{k}` | {v}% |" for k, v in p["self"][:12]]
        out.append("")

    latency = [d for d in data if d.get("latency")]
    if latency:
        out += ["## Collection overhead over a slower network (`--only latency`)", "",
                "The same (a) and (b) with the stand-in sleeping before each page, as a network farther than "
                "loopback would; \"without read-ahead\" is (b) with the Hugging Face collector's `read_ahead` replaced by the "
                "identity (experiments `noreadahead`): each page requested only once the last is stored.", "",
                "| N | delay per page | (a) raw requests | (b) tracker collect | **(b)/(a)** | (b) without read-ahead | its /(a) |",
                "|---|---|---|---|---|---|---|"]
        for d in latency:
            for row in d["latency"]:
                out.append(f"| {_n(d['models'])} | {row['page_latency_ms']} ms | {_s(row['raw'])} | {_s(row['collect'])} "
                           f"| **{row['ratio_wall']}** {_ok(row['ratio_wall'], 1.3)} | "
                           f"{_s(row['collect_without_read_ahead'])} | {row['ratio_wall_without_read_ahead']} |")
        out.append("")

    for d in (d for d in data if "experiments" in d):
        e = d["experiments"]
        out += [f"## Experiments at N = {_n(d['models'])} (monkeypatched in benchmarks/experiments.py; NOT shipped)", ""]
        out += e.get("notes", [])
        out += ["", "| variant | wall (CPU) | peak RSS | vs baseline wall | vs baseline CPU | (variant)/(a) wall |",
                "|---|---|---|---|---|---|"]
        for row in e["rows"]:
            if row.get("wall") is None:
                out.append(f"| {row['name']} | – | – | – | – | – |")
                continue
            out.append(f"| {row['name']} | {_s(row)} | {row['peak_rss_mb']:.0f} MB | {row.get('vs_baseline_wall', '–')} "
                       f"| {row.get('vs_baseline_cpu', '–')} | {row.get('vs_raw_wall', '–')} |")
        if e.get("micro"):
            out += ["", "Per-page stage costs measured in-process over every page (seconds for the whole listing):", "",
                    "| stage | seconds | µs per model |", "|---|---|---|"]
            out += [f"| {k} | {v:g} | |" if k.startswith("[check]") else
                    f"| {k} | {v:.2f} | {1e6 * v / d['models']:.1f} |" for k, v in e["micro"].items()]
        out.append("")
    return "\n".join(out) + "\n"


def _timing(value, target) -> str:
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    if "error" in value:
        return f"error after {value['seconds']:.2f} s: {value['error'][:120]}"
    seconds = value.get("seconds")
    return f"{seconds:.2f} s{_ok(seconds, target)}"


def _views(views) -> str:
    if not isinstance(views, dict):
        return views or "–"
    return "; ".join(f"{k} {v['seconds']:.2f} s" if "error" not in v else f"{k}: {v['error'][:60]}"
                     for k, v in views.items())
