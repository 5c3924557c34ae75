"""Exports: every table as Parquet or CSV, snapshots Hive-partitioned, read back equal to the warehouse."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import duckdb
import pandas
import pyarrow.dataset as ds
import pytest

from tracker.config import Config
from tracker.pipeline import collect
from tracker.sim.ecosystem import GeneratedEcosystem
from tracker.sim.github import GitHubStandIn, generate
from tracker.sim.huggingface import HubStandIn
from tracker.sources import github_source, huggingface_source
from tracker.warehouse import db, export

DAYS = (date(2026, 3, 1), date(2026, 3, 2))
PARTITIONS = {"model_snapshots": ["hub", "snapshot_date"], "repo_snapshots": ["source", "snapshot_date"],
              "search_counts": ["source", "snapshot_date"]}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    """Two snapshot days of a generated Hugging Face and GitHub, collected by the real pipeline."""
    path = tmp_path_factory.mktemp("export") / "warehouse.duckdb"
    models, world = list(GeneratedEcosystem(1_500, seed=5)), generate(600, seed=5)
    con = db.connect(path)
    for number, day in enumerate(DAYS):
        grown = [replace(m, downloads=m.downloads + number, likes=m.likes + number) for m in models]
        with HubStandIn(grown) as hub:
            config = Config()
            config.huggingface.endpoint = hub.url
            collect(con, huggingface_source(config), snapshot_date=day)
        repos = [replace(r, stars=r.stars + 10 * number) for r in world.repos]
        with GitHubStandIn(repos, world.owners, search_limit=10_000, core_limit=10_000) as stand_in:
            config = Config()
            config.github.api_url, config.github.retry_wait = stand_in.url, 0.01
            collect(con, github_source(config, con, day), snapshot_date=day)
    con.close()
    return path


@pytest.fixture
def reading(warehouse):
    """Opens the warehouse to compare with, after the export: export opens (and locks) its own connection."""
    opened = []

    def open_warehouse():
        opened.append(duckdb.connect(str(warehouse), read_only=True))
        return opened[-1]
    yield open_warehouse
    for con in opened:
        con.close()


def warehouse_rows(con, name: str, columns: list[str]) -> list[tuple]:
    quoted = ", ".join(f'"{c}"' for c in columns)
    return con.execute(f"SELECT {quoted} FROM {name} ORDER BY ALL").fetchall()


def exported_rows(con, folder, name: str, columns: list[str], fmt: str) -> list[tuple]:
    reader = "read_parquet" if fmt == "parquet" else "read_csv"
    quoted = ", ".join(f'"{c}"' for c in columns)
    return con.execute(f"SELECT {quoted} FROM {reader}(?, hive_partitioning = true) ORDER BY ALL",
                       [str(folder / name / "**" / f"*.{fmt}")]).fetchall()


def columns_of(con, name: str) -> list[str]:
    return [row[0] for row in con.execute(f"DESCRIBE {name}").fetchall()]


def test_every_table_but_staging_is_exported_and_reads_back_equal(warehouse, reading, tmp_path):
    written = export.export(warehouse, tmp_path / "out", "parquet")
    warehouse = reading()
    names = {e.name for e in written}
    tables = {r[0] for r in warehouse.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'").fetchall()}
    assert names == (tables - {t for t in tables if t.startswith("stage_")} - {"model_snapshot_facts"}) | {
        "model_snapshots"}
    reader = duckdb.connect()
    for name in sorted(names):
        columns = columns_of(warehouse, name)
        assert exported_rows(reader, tmp_path / "out", name, columns, "parquet") == \
            warehouse_rows(warehouse, name, columns), name
    assert {e.name: e.rows for e in written}["model_snapshots"] == 3_000


def test_snapshots_are_partitioned_hive_style_by_source_and_day(warehouse, tmp_path):
    export.export(warehouse, tmp_path / "out", "parquet")
    out = tmp_path / "out"
    assert sorted(p.relative_to(out).as_posix() for p in (out / "model_snapshots").rglob("*.parquet")) == [
        f"model_snapshots/hub=huggingface/snapshot_date={day}/data_0.parquet" for day in DAYS]
    assert sorted(p.parent.relative_to(out).as_posix() for p in (out / "repo_snapshots").rglob("*.parquet")) == [
        f"repo_snapshots/source=github/snapshot_date={day}" for day in DAYS]
    reader = duckdb.connect()
    typed = reader.execute("SELECT typeof(snapshot_date), typeof(hub), count(*) FROM read_parquet(?, "
                           "hive_partitioning = true) GROUP BY ALL",
                           [str(out / "model_snapshots" / "**" / "*.parquet")]).fetchall()
    assert typed == [("DATE", "VARCHAR", 3_000)]
    sources = reader.execute("SELECT DISTINCT source FROM read_parquet(?, hive_partitioning = true)",
                             [str(out / "repo_snapshots" / "**" / "*.parquet")]).fetchall()
    assert sources == [("github",)]
    for name, keys in PARTITIONS.items():
        manifest = json.loads((out / "manifest.json").read_text())["tables"][name]
        assert (manifest["path"], manifest["partition_by"]) == (name, keys)


def test_the_manifest_says_how_duckdb_reads_a_table_back(warehouse, tmp_path):
    export.export(warehouse, tmp_path / "out", "parquet")
    how = json.loads((tmp_path / "out" / "manifest.json").read_text())["read_with_duckdb"]
    files = str(tmp_path / how["files"].replace("<table>", "models"))
    assert len(duckdb.connect().execute(how["query"], {"files": files}).fetchall()) == 1_500


def test_pandas_and_pyarrow_read_the_folders_as_they_are(warehouse, reading, tmp_path):
    export.export(warehouse, tmp_path / "out", "parquet")
    warehouse = reading()
    snapshots = pandas.read_parquet(tmp_path / "out" / "model_snapshots")
    assert len(snapshots) == 3_000
    assert sorted(snapshots["snapshot_date"].astype(str).unique()) == [str(d) for d in DAYS]
    repos = ds.dataset(tmp_path / "out" / "repo_snapshots", format="parquet", partitioning="hive").to_table()
    assert set(repos.column_names) == {"repo_id", "stars", "forks", "open_issues", "source", "snapshot_date"}
    assert repos.num_rows == warehouse.execute("SELECT count(*) FROM repo_snapshots").fetchone()[0]
    models = pandas.read_parquet(tmp_path / "out" / "models")
    assert len(models) == 1_500 and list(models["tags"].iloc[0])  # lists stay lists


def test_csv_export_reads_back_equal_as_text(warehouse, reading, tmp_path):
    export.export(warehouse, tmp_path / "csv", "csv")
    warehouse = reading()
    reader = duckdb.connect()
    for name in ("models", "model_snapshots", "lineage", "repos", "repo_snapshots", "owners", "search_counts", "runs"):
        columns = columns_of(warehouse, name)
        quoted = ", ".join(f'"{c}"::VARCHAR' for c in columns)
        expected = warehouse.execute(f"SELECT {quoted} FROM {name} ORDER BY ALL").fetchall()
        found = reader.execute(
            f"SELECT {quoted} FROM read_csv(?, hive_partitioning = true, all_varchar = true) ORDER BY ALL", [str(tmp_path / "csv" / name / "**" / "*.csv")]).fetchall()
        assert found == expected, name


def test_exporting_again_replaces_the_files_rather_than_adding_to_them(warehouse, tmp_path):
    export.export(warehouse, tmp_path / "out", "parquet")
    export.export(warehouse, tmp_path / "out", "parquet")
    reader = duckdb.connect()
    assert reader.execute("SELECT count(*) FROM read_parquet(?, hive_partitioning = true)",
                          [str(tmp_path / "out" / "model_snapshots" / "**" / "*.parquet")]).fetchone() == (3_000,)


def test_an_empty_warehouse_exports_empty_tables_with_their_columns(tmp_path):
    db.connect(tmp_path / "empty.duckdb").close()
    written = export.export(tmp_path / "empty.duckdb", tmp_path / "out", "parquet")
    assert {e.rows for e in written if e.name in PARTITIONS} == {0}
    reader = duckdb.connect()
    assert [r[0] for r in reader.execute("DESCRIBE SELECT * FROM read_parquet(?)", [
        str(tmp_path / "out" / "model_snapshots" / "model_snapshots.parquet")]).fetchall()] == [
        "hub", "model_id", "snapshot_date", "downloads", "downloads_all_time", "likes"]


def test_an_unknown_format_is_refused(warehouse, tmp_path):
    with pytest.raises(ValueError, match="unknown export format 'xlsx'"):
        export.export(warehouse, tmp_path / "out", "xlsx")
