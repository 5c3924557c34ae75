"""Exports the warehouse as files other engines read as they are: Parquet (or CSV), Hive-partitioned snapshots.

Layout under the output folder, one folder per table so that Spark, DuckDB or pyarrow read a table by
its folder and a table can grow to several files:

    models/models.parquet                      every base table except staging (stage_*)
    model_snapshots/hub=huggingface/snapshot_date=2025-01-01/data_0.parquet
    repo_snapshots/source=github/snapshot_date=2025-01-01/data_0.parquet
    search_counts/source=github/snapshot_date=2025-01-01/data_0.parquet

`model_snapshots` is written from the view (hub and model id beside each row) in place of its
compact table `model_snapshot_facts`, whose model_key means nothing outside this file. Partition
columns live in the folder names only, as Hive lays them out: read with hive_partitioning.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from tracker.warehouse import provenance

FORMATS = ("parquet", "csv")
# Internal forms left out: staging tables are emptied by each run's merge; the facts table is exported
# through its view. Both lists name tables, never build SQL.
STAGING_PREFIX = "stage_"
REPLACED_BY_VIEW = {"model_snapshot_facts": "model_snapshots"}
# Snapshot relations: (partition columns, a constant (column, value) folder for a relation without that column).
PARTITIONED = {
    "model_snapshots": (["hub", "snapshot_date"], None),
    "repo_snapshots": (["snapshot_date"], ("source", "github")),
    "search_counts": (["source", "snapshot_date"], None),
}
MANIFEST = "manifest.json"


@dataclass
class Exported:
    name: str
    rows: int
    path: Path
    partition_by: list[str]


def export(con: duckdb.DuckDBPyConnection, out_dir: str | Path, fmt: str = "parquet") -> list[Exported]:
    """Write every table (and the model_snapshots view) under `out_dir` as `fmt`, replacing an earlier export."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (known: {', '.join(FORMATS)})")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    done = [_export_one(con, name, out, fmt) for name in relations(con)]
    _write_manifest(out, fmt, done, provenance.simulated(con))
    return done


def relations(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The tables to export, by name: base tables less staging, the facts table swapped for its view."""
    tables = [name for (name,) in con.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = 'main' AND table_type = 'BASE TABLE' AND table_catalog = current_database() "
        "ORDER BY table_name").fetchall()]
    return [REPLACED_BY_VIEW.get(name, name) for name in tables if not name.startswith(STAGING_PREFIX)]


def _export_one(con: duckdb.DuckDBPyConnection, name: str, out: Path, fmt: str) -> Exported:
    relation = con.table(name)  # an identifier, not SQL text: a table or a view by its name
    folder = out / name
    if folder.exists():
        shutil.rmtree(folder)  # a re-export replaces the table's files rather than mixing with them
    partition_by, constant = PARTITIONED.get(name, ([], None))
    target = folder / f"{constant[0]}={constant[1]}" if constant else folder
    rows = relation.count("*").fetchall()[0][0]
    if partition_by and rows:
        # DuckDB's COPY ... TO (FORMAT ..., PARTITION_BY (...)): one folder level per column, Hive-style.
        target.mkdir(parents=True, exist_ok=True)
        _write(relation, fmt, str(target), partition_by=partition_by, overwrite=True)
    else:
        folder.mkdir(parents=True, exist_ok=True)
        _write(relation, fmt, str(folder / f"{name}.{fmt}"))
    return Exported(name, rows, folder, ([constant[0]] if constant else []) + partition_by)


def _write(relation: duckdb.DuckDBPyRelation, fmt: str, path: str, **options) -> None:
    if fmt == "parquet":
        relation.write_parquet(path, compression="zstd", **options)
    else:
        relation.write_csv(path, header=True, **options)


def _write_manifest(out: Path, fmt: str, done: list[Exported], simulated: str | None = None) -> None:
    """What was written and how to read it back, beside the files; and SIMULATED, for the demo's data."""
    manifest = {
        **({"simulated": f"SIMULATED DATA: {simulated}"} if simulated else {}),
        "format": fmt,
        "tables": {e.name: {"rows": e.rows, "path": e.path.name, "partition_by": e.partition_by} for e in done},
        "read_with_duckdb": f"SELECT * FROM read_{fmt}('{out.name}/<table>/**/*.{fmt}', hive_partitioning = true)",
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
