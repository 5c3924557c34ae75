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

The export is written into a folder beside `out` and swapped in whole (warehouse/publish.py), with
manifest.json (every file written, each table's row count) last: a kill leaves the previous export
or the new one. Files the previous manifest does not list are kept. DuckDB writes with its file
access switched off except for that one folder, so a crafted view cannot read other files.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from tracker.collectors.records import first_line
from tracker.warehouse import db, provenance, publish, sql

READ_BACK = {"parquet": "export_read_parquet", "csv": "export_read_csv"}  # the query the manifest gives
FORMATS = tuple(READ_BACK)
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
MANIFEST = publish.MANIFEST


@dataclass
class Exported:
    name: str
    rows: int
    path: Path
    partition_by: list[str]


def export(db_path: str | Path, out_dir: str | Path, fmt: str = "parquet") -> list[Exported]:
    """Write every table (and the model_snapshots view) of the warehouse at `db_path` under `out_dir` as
    `fmt`, in place of an earlier export. Raises publish.OutputError when `out_dir` cannot be the folder."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (known: {', '.join(FORMATS)})")
    with publish.replacing(out_dir, legacy_owned=_legacy_files) as staging:
        con = _connect(db_path, staging.path)
        try:
            done = [_export_one(con, name, staging.path, fmt) for name in relations(con)]
            simulated = provenance.simulated(con)
        except duckdb.Error as error:  # e.g. a view that reads a file: refused, and nothing is published
            raise db.WarehouseError(f"export failed, nothing was changed: {first_line(error)}") from None
        finally:
            con.close()
        staging.publish(_manifest(staging.target, fmt, done, simulated))
    return [Exported(e.name, e.rows, staging.target / e.path.name, e.partition_by) for e in done]


def _connect(db_path: str | Path, folder: Path) -> duckdb.DuckDBPyConnection:
    """The warehouse, read-only, with DuckDB allowed to touch no file but those under `folder`."""
    con = db.connect(db_path, read_only=True)
    try:
        sql.run(con, "export_sandbox", allowed=f"{folder}/")
    except BaseException:
        con.close()
        raise
    return con


def _legacy_files(out: Path) -> set[str]:
    """In an export from before manifests listed files: everything in the folders of the tables it names."""
    try:
        tables = json.loads((out / MANIFEST).read_text(encoding="utf-8")).get("tables") or {}
    except (OSError, ValueError, AttributeError):
        return set()
    owned = set()
    for entry in tables.values():
        folder = out / str(entry.get("path", "")) if isinstance(entry, dict) else None
        if folder and folder.is_dir() and folder != out:
            owned |= {p.relative_to(out).as_posix() for p in folder.rglob("*") if not p.is_dir()}
    return owned


def relations(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The tables to export, by name: base tables less staging, the facts table swapped for its view."""
    tables = [name for (name,) in sql.run(con, "export_tables").fetchall()]
    return [REPLACED_BY_VIEW.get(name, name) for name in tables if not name.startswith(STAGING_PREFIX)]


def _export_one(con: duckdb.DuckDBPyConnection, name: str, out: Path, fmt: str) -> Exported:
    relation = con.table(name)  # an identifier, not SQL text: a table or a view by its name
    folder = out / name
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


def _manifest(out: Path, fmt: str, done: list[Exported], simulated: str | None = None) -> dict:
    """What was written and how to read it back, and SIMULATED for the demo's data; publish adds the files."""
    return {
        **({"simulated": f"SIMULATED DATA: {simulated}"} if simulated else {}),
        "format": fmt,
        "tables": {e.name: {"rows": e.rows, "path": e.path.name, "partition_by": e.partition_by} for e in done},
        "read_with_duckdb": {"query": sql.statement(READ_BACK[fmt]), "files": f"{out.name}/<table>/**/*.{fmt}"},
    }
