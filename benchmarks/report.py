"""benchmarks/results/*.json -> the tables of benchmarks/results.md."""

from __future__ import annotations

import json
from pathlib import Path

RATIO_TARGET = 4.0        # collect ÷ raw fetch, at 500k and 1M
RSS_TARGET_MB = 400
RSS_SPREAD = 0.20         # between 100k and 1M


def markdown(results: Path) -> str:
    sizes = sorted((json.loads(p.read_text()) for p in results.glob("[0-9]*.json")), key=lambda r: r["models"])
    lines = ["# Benchmark results", "", "Rebuilt by `python -m benchmarks.run`; see benchmarks/README.md.", ""]
    if sizes:
        lines += _collection(sizes)
    pacing = results / "pacing.json"
    if pacing.exists():
        lines += _pacing(json.loads(pacing.read_text()))
    for path in sorted(results.glob("history-*.json")):
        lines += _history(json.loads(path.read_text()), path.name)
    return "\n".join(lines) + "\n"


def _collection(sizes: list[dict]) -> list[str]:
    first = sizes[0]
    lines = [f"## Collection on loopback ({first['date']}; {first['machine']['cpu']}, {first['machine']['cores']} "
             f"cores; DuckDB {first['machine']['duckdb']})", "",
             "(a) raw fetch: a requests.Session loop over every page with the collector's query, bodies discarded. "
             "(b) `tracker collect huggingface` into a fresh warehouse (succeeded, N models checked). Wall "
             "seconds (CPU seconds of the child); peak RSS of (b) by GNU time; load = 1-minute load average "
             f"when (b) ended. Targets: (b)/(a) ≤ {RATIO_TARGET:g} at 500k and 1M, peak RSS < {RSS_TARGET_MB} MB "
             f"and within {RSS_SPREAD:.0%} from 100k to 1M.", "",
             "| N | (a) raw fetch | (b) collect | **(b)/(a)** | (b)/(a) CPU | models/s | peak RSS (b) | lineage edges | load |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in sizes:
        a, b = r["raw"], r["collect"]
        lines.append(f"| {r['models']:,} | {a['wall']:.2f} s ({a['cpu']:.2f}) | {b['wall']:.2f} s ({b['cpu']:.2f}) "
                     f"| **{r['ratio_wall']:.2f}** | {r['ratio_cpu']:.2f} | {r['models'] / b['wall']:,.0f} "
                     f"| {b['peak_rss_mb']:.0f} MB | {r['warehouse']['lineage_edges']:,} | {b['load_avg']:.1f} |")
    peaks = [r["collect"]["peak_rss_mb"] for r in sizes]
    lines += ["", f"Peak RSS from {sizes[0]['models']:,} to {sizes[-1]['models']:,} models: {min(peaks):.0f}–"
              f"{max(peaks):.0f} MB, a spread of {max(peaks) / min(peaks) - 1:.0%}.", ""]
    return lines


def _pacing(p: dict) -> list[str]:
    return [f"## Paced listing ({p['date']}; benchmarks/pacing.py)", "",
            "| policy | listing | floor (requests ÷ allowed rate) | listing ÷ floor | 429s met |", "|---|---|---|---|---|",
            f"| {p['policy']} | {p['seconds']:.1f} s | {p['floor']:.1f} s | {p['ratio']:.3f} | {p['refused']} |", ""]


def _history(h: dict, name: str) -> list[str]:
    shape, measured, targets = h["shape"], h["measured"], h["targets"]
    lines = [f"## {h['days']} days of history ({name}, measured {h['measured_on']} by benchmarks/history.py)", "",
             f"{shape['models']:,} models, {shape['snapshot_rows']:,} snapshot rows.", "",
             "| figure | target | measured |", "|---|---|---|",
             f"| warehouse file | {targets['warehouse_bytes'] / 1e9:.1f} GB | {measured['size']['file_bytes'] / 1e9:.2f} GB "
             f"({measured['size']['file_bytes_per_snapshot_row']:.2f} B/row) |"]
    for query, figure in sorted(measured["trend_queries"].items()):
        lines.append(f"| trend {query} | {targets['trend_query_seconds']:g} s | {figure['seconds']:.2f} s |")
    slowest = max(measured["claim_queries"].items(), key=lambda item: item[1]["seconds"])
    lines.append(f"| slowest claim query ({slowest[0]}) | {targets['claim_query_seconds']:g} s "
                 f"| {slowest[1]['seconds']:.2f} s |")
    for key, target in (("check_cli", "check_cli_seconds"), ("report_cli", "report_cli_seconds")):
        run = measured[key]
        lines.append(f"| `{run['command'].split(' --out')[0]}` | {targets[target]:g} s | {run['seconds']:.1f} s "
                     f"(peak RSS {run['peak_rss_mb']:.0f} MB) |")
    return lines + [""]
