"""`tracker export` replaces its own files and nothing else, whole or not at all, and reads no file but the warehouse."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from conftest import rows, tracker
from tracker.config import Config
from tracker.pipeline import collect
from tracker.sim.ecosystem import GeneratedEcosystem
from tracker.sim.huggingface import HubStandIn
from tracker.sources import huggingface_source
from tracker.warehouse import db


@pytest.fixture(scope="module")
def collected(tmp_path_factory) -> Path:
    """A warehouse of 20,000 Hugging Face models, collected by the real pipeline from the stand-in."""
    path = tmp_path_factory.mktemp("export-safety") / "warehouse.duckdb"
    con = db.connect(path)
    with HubStandIn(GeneratedEcosystem(20_000, seed=11)) as hub:
        config = Config()
        config.huggingface.endpoint = hub.url
        collect(con, huggingface_source(config), snapshot_date=date(2026, 3, 1))
    con.close()
    return path


@pytest.fixture
def warehouse(collected, tmp_path) -> Path:
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(collected, copy)
    return copy


def grow(warehouse: Path) -> None:
    """A later state of the warehouse: one more model, so a new export differs from the previous one."""
    con = duckdb.connect(str(warehouse))
    con.execute("INSERT INTO models (hub, model_id, first_seen, last_seen) "
                "VALUES ('huggingface', 'late/arrival', DATE '2026-03-02', DATE '2026-03-02')")
    con.close()


def export(warehouse: Path, out: Path, *args: str) -> subprocess.CompletedProcess:
    return tracker("--db", str(warehouse), "export", "--out", str(out), *args)


def contents(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_complete(out: Path, user_files: dict[str, bytes]) -> dict:
    """The folder holds one whole export: the manifest's files, each table's rows as it says, and the user's files."""
    manifest = json.loads((out / "manifest.json").read_text())
    found = contents(out)
    assert set(found) == set(manifest["files"]) | {"manifest.json"} | set(user_files)
    for name, bytes_ in user_files.items():
        assert found[name] == bytes_, name
    reader = duckdb.connect()
    for table, entry in manifest["tables"].items():
        files = [str(out / f) for f in manifest["files"] if f.startswith(f"{entry['path']}/")]
        rows = reader.execute("SELECT count(*) FROM read_parquet(?, hive_partitioning = true)", [files]).fetchone()[0]
        assert rows == entry["rows"], table
    return manifest


USER_FILES = {"models/README.txt": b"my notes about this table\n", "notes.md": b"# mine\n",
              "analysis/plot.py": b"print('mine')\n"}


def with_user_files(out: Path) -> None:
    for name, data in USER_FILES.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(data)


def test_files_the_tracker_did_not_write_survive_a_re_export(warehouse, tmp_path):
    out = tmp_path / "out"
    assert export(warehouse, out).returncode == 0
    with_user_files(out)
    grow(warehouse)
    assert export(warehouse, out).returncode == 0
    manifest = assert_complete(out, USER_FILES)
    assert manifest["tables"]["models"]["rows"] == 20_001
    assert not list(tmp_path.glob(".out.tracker-*"))


def test_a_file_the_previous_manifest_lists_is_removed_and_nothing_else(warehouse, tmp_path):
    out = tmp_path / "out"
    export(warehouse, out)
    stale = out / "model_snapshots" / "hub=huggingface" / "snapshot_date=2020-01-01" / "data_0.parquet"
    stale.parent.mkdir(parents=True)
    shutil.copy(out / "models" / "models.parquet", stale)
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["files"].append(stale.relative_to(out).as_posix())  # as if an earlier export had written it
    (out / "manifest.json").write_text(json.dumps(manifest))
    with_user_files(out)
    assert export(warehouse, out).returncode == 0
    assert not stale.exists()
    assert_complete(out, USER_FILES)


def test_a_users_file_where_the_export_would_write_is_kept_and_the_export_refused(warehouse, tmp_path):
    out = tmp_path / "out"
    (out / "models").mkdir(parents=True)
    (out / "models" / "models.parquet").write_bytes(b"the user's own file\n")
    before = contents(out)
    result = export(warehouse, out)
    assert (result.returncode, result.stderr.count("\n")) == (2, 1), result.stderr
    assert "was not written by the tracker" in result.stderr
    assert contents(out) == before and not list(tmp_path.glob(".out.tracker-*"))


def test_out_naming_an_existing_file_is_one_line_and_the_file_is_untouched(warehouse, tmp_path):
    target = tmp_path / "export.parquet"
    target.write_bytes(b"precious")
    result = export(warehouse, target)
    assert (result.returncode, result.stderr) == (2, f"tracker: --out {target} is a file, not a folder: "
                                                      "name a folder (it is created if missing)\n")
    assert target.read_bytes() == b"precious"


def test_a_view_that_reads_a_file_outside_the_warehouse_is_refused(warehouse, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("hunter2")
    con = duckdb.connect(str(warehouse))
    con.execute(f"CREATE OR REPLACE VIEW model_snapshots AS SELECT content AS hub, content AS model_id, "
                f"DATE '2026-01-01' AS snapshot_date, 0::BIGINT AS downloads, 0::BIGINT AS downloads_all_time, "
                f"0 AS likes FROM read_text('{secret}')")
    con.close()
    out = tmp_path / "out"
    result = export(warehouse, out)
    assert (result.returncode, result.stderr.count("\n")) == (3, 1), result.stderr
    assert "export failed, nothing was changed" in result.stderr and "hunter2" not in result.stderr
    assert not out.exists() and not list(tmp_path.glob(".out.tracker-*"))


def staging_of(out: Path) -> list[Path]:
    return list(out.parent.glob(f".{out.name}.tracker-new-*"))


def staged_files(out: Path) -> int:
    return sum(1 for folder in staging_of(out) for p in folder.rglob("*") if p.is_file())


MOMENTS = {
    "the staging folder appears": lambda out, old: bool(staging_of(out)),
    "five files are staged": lambda out, old: staged_files(out) >= 5,
    "the new manifest is staged": lambda out, old: any((s / "manifest.json").exists() for s in staging_of(out)),
    "the new export is in place": lambda out, old: (out / "manifest.json").exists()
    and (out / "manifest.json").read_bytes() != old,
}


CAUGHT_MID_WAY = ("the staging folder appears", "five files are staged")


@pytest.mark.parametrize("moment", MOMENTS)
def test_kill_9_at_any_moment_leaves_the_previous_export_or_the_new_one(warehouse, tmp_path, moment):
    out = tmp_path / "out"
    assert export(warehouse, out).returncode == 0
    with_user_files(out)
    previous = contents(out)
    grow(warehouse)
    reached = MOMENTS[moment]
    process = subprocess.Popen([sys.executable, "-m", "tracker", "--db", str(warehouse), "export", "--out", str(out)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while process.poll() is None and not reached(out, previous["manifest.json"]):
        pass
    process.send_signal(signal.SIGKILL)
    process.wait()
    if moment in CAUGHT_MID_WAY:  # these moments last long enough that the kill always lands in them
        assert process.returncode == -signal.SIGKILL
    if contents(out) != previous:  # not the previous export: then the whole new one
        assert assert_complete(out, USER_FILES)["tables"]["models"]["rows"] == 20_001
    assert export(warehouse, out).returncode == 0  # and the next export clears what the killed one left
    assert assert_complete(out, USER_FILES)["tables"]["models"]["rows"] == 20_001
    assert not list(tmp_path.glob(".out.tracker-*"))


def test_a_killed_swap_of_the_fallback_is_put_back_on_the_next_run(warehouse, tmp_path):
    """Where the two folders cannot be exchanged in one step: killed between its two renames, the old export
    sits beside the missing target; the next run puts it back before anything else."""
    out = tmp_path / "out"
    export(warehouse, out)
    with_user_files(out)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    os.rename(out, tmp_path / f".out.tracker-old-{dead.pid}")
    grow(warehouse)
    result = export(warehouse, out)
    assert result.returncode == 0, result.stderr
    assert assert_complete(out, USER_FILES)["tables"]["models"]["rows"] == 20_001  # the user's files came back
    assert not list(tmp_path.glob(".out.tracker-*"))


def test_credentials_in_an_endpoint_url_are_never_stored_nor_exported(small_hub, tmp_path):
    warehouse, out = tmp_path / "secret-run.duckdb", tmp_path / "out"
    endpoint = small_hub.url.replace("http://", "http://operator:s3cr3t-pass@")
    result = tracker("--db", str(warehouse), "collect", "huggingface", env={"HF_ENDPOINT": endpoint})
    assert result.returncode == 0, result.stderr
    assert export(warehouse, out, "--format", "csv").returncode == 0
    shown = [tracker("--db", str(warehouse), "runs").stdout,
             tracker("--db", str(warehouse), "sql", "SELECT scope, cursor, error FROM runs").stdout]
    stored = rows(warehouse, "SELECT scope FROM runs")
    assert stored and all(small_hub.url.split("//")[1] in scope for (scope,) in stored)  # the host is kept
    for text in [*shown, *(scope for (scope,) in stored), *(p.read_text() for p in out.rglob("*.csv"))]:
        assert "s3cr3t-pass" not in text and "operator" not in text
    assert "s3cr3t-pass" not in warehouse.read_bytes().decode("latin-1")
