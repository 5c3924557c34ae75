"""Backfilling a 1,000,000-model snapshot file, then the next weeks': time, peak memory and disk.

    .venv/bin/python -m benchmarks.backfill [--models 1000000] [--workdir benchmarks/.work/backfill]

Synthetic weekly snapshots (benchmarks/synthetic_snapshot.sql; each a week on, with 1,000 models gone
and 1,000 new) are backfilled through the real CLI (`tracker backfill huggingface --from FOLDER`), one
run each, measured by benchmarks/measure.py (GNU time's peak RSS of the child). The later runs are what
each of a year's weekly snapshots costs once the warehouse holds the catalogue. Disk is given as the
file's size and as the blocks DuckDB uses (a file keeps freed blocks for reuse, so it grows less later).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from datetime import date, timedelta
from pathlib import Path

import duckdb

from benchmarks import measure

HERE = Path(__file__).parent
WEEK_ONE = date(2025, 1, 5)


def synthesise(folder: Path, models: int, week: int) -> Path:
    path = folder / (WEEK_ONE + timedelta(weeks=week)).isoformat() / "models.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    query = (HERE / "synthetic_snapshot.sql").read_text(encoding="utf-8")
    con.sql(query, params={"models": models, "week": week}).write_parquet(str(path), compression="zstd")
    con.close()
    return path


def backfill(db: Path, folder: Path, since: date) -> measure.Measured:
    argv = [sys.executable, "-m", "tracker", "-q", "--db", str(db), "backfill", "huggingface",
            "--from", str(folder), "--since", since.isoformat(), "--until", since.isoformat()]
    return measure.run(argv, env={**os.environ}).check()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", type=int, default=1_000_000)
    parser.add_argument("--weeks", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=HERE / ".work" / "backfill")
    args = parser.parse_args()
    shutil.rmtree(args.workdir, ignore_errors=True)
    folder, db = args.workdir / "snapshots", args.workdir / "warehouse.duckdb"
    files = [synthesise(folder, args.models, week) for week in range(args.weeks)]
    print(f"snapshot file: {args.models:,} models, {files[0].stat().st_size / 2**20:.0f} MB (zstd Parquet)")
    used = []
    for week, path in enumerate(files):
        run = backfill(db, folder, WEEK_ONE + timedelta(weeks=week))
        used.append(used_bytes(db))
        print(f"week {week + 1}: {run.wall:.1f} s wall, {run.cpu:.1f} s CPU, peak RSS {run.peak_rss_mb:.0f} MB, "
              f"warehouse file {db.stat().st_size / 2**20:.0f} MB, used {used[-1] / 2**20:.0f} MB — "
              f"{run.stdout.strip()}")
    per_week = (used[-1] - used[0]) / (len(used) - 1)
    print(f"used blocks per further weekly snapshot: {per_week / 2**20:.0f} MB "
          f"({per_week / args.models:.1f} bytes per model); a year (52 weeks) ≈ "
          f"{(used[0] + 51 * per_week) / 2**30:.2f} GB")


def used_bytes(db: Path) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute((HERE / "database_used_bytes.sql").read_text(encoding="utf-8")).fetchone()[0]
    finally:
        con.close()


if __name__ == "__main__":
    main()
