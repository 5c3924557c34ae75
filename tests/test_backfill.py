"""Backfilling history from public snapshot files: a folder of dated Parquet files, or a dataset's
revisions on the (stand-in) Hub through the real huggingface_hub client; the real CLI in a subprocess."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import hf_source, rows, tracker

from tracker.backfill import file_source, load_snapshot, sha256
from tracker.collectors.huggingface_snapshots import Snapshot, local_snapshots, pick
from tracker.pipeline import CollectionFailed, collect
from tracker.reports import trends
from tracker.sim.ecosystem import SimModel
from tracker.sim.huggingface import HubStandIn
from tracker.warehouse import db
from tracker.warehouse.attribution import resolve_families

D1, D2, D3 = date(2025, 1, 5), date(2025, 1, 12), date(2025, 1, 19)
CREATED = "2024-06-01T10:00:00.000Z"


def row(model_id, all_time, downloads=1, likes=0, tags=(), card=None, author=None):
    return {"id": model_id, "author": author or model_id.split("/")[0], "createdAt": CREATED,
            "lastModified": CREATED, "downloads": downloads, "downloadsAllTime": all_time, "likes": likes,
            "tags": list(tags), "pipeline_tag": "text-generation", "library_name": "transformers",
            "cardData": card}


# Three snapshots in which models arrive (d/new on D2, e/late on D3) and leave (c/old after D1), each file
# in another of the forms the public snapshots take: tags and cardData as lists/structs or as JSON text,
# a column missing. b/ft's all-time count goes down (D2) and then is unknown (D3).
SNAPSHOTS = {
    D1: [row("a/base", 100, downloads=10, likes=3, tags=["license:mit"]),
         row("b/ft", 50, tags=["base_model:a/base", "base_model:finetune:a/base"]),
         row("c/old", 30, tags=["base_model:x/root", "base_model:finetune:x/root"])],
    D2: [row("a/base", 160, downloads=12, likes=4, tags=["license:mit"]),
         row("b/ft", 40, tags=["base_model:a/base", "base_model:finetune:a/base"]),
         row("d/new", 5, card={"base_model": "a/base", "license": "apache-2.0"})],
    D3: [row("a/base", 200, downloads=15, likes=5, tags=["license:mit", "llama"], author="a-renamed"),
         row("b/ft", None, tags=["base_model:quantized:a/base"]),
         row("d/new", 25, card={"base_model": "a/base", "license": "apache-2.0"}),
         row("e/late", 7)],
}


def parquet(records: list[dict], day: date) -> bytes:
    """D1: tags a list, cardData JSON text; D2: tags JSON text, cardData a struct; D3: no likes column."""
    records = [dict(r) for r in records]
    for r in records:
        if day == D1:
            r["cardData"] = json.dumps(r["cardData"]) if r["cardData"] else None
        if day == D2:
            r["tags"] = json.dumps(r["tags"])
        if day == D3:
            del r["likes"]
    if day == D2:
        for r in records:  # a struct column needs the same keys in every row
            r["cardData"] = r["cardData"] or {"base_model": None, "license": None}
    sink = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(records), sink)
    return sink.getvalue()


def snapshot_folder(root: Path, days=(D1, D2, D3)) -> Path:
    for day in days:
        (root / day.isoformat()).mkdir(parents=True, exist_ok=True)
        (root / day.isoformat() / "models.parquet").write_bytes(parquet(SNAPSHOTS[day], day))
    return root


def warehouse(db_file: Path) -> dict:
    return {
        "dates": rows(db_file, "SELECT DISTINCT snapshot_date FROM model_snapshots ORDER BY 1"),
        "snapshots": rows(db_file, "SELECT model_id, snapshot_date, downloads, downloads_all_time, likes "
                                   "FROM model_snapshots ORDER BY ALL"),
        "models": rows(db_file, "SELECT hub, model_id, author, created_at, pipeline_tag, library_name, license, "
                                "tags, first_seen, last_seen, gone_since FROM models ORDER BY model_id"),
        "lineage": rows(db_file, "SELECT child_id, parent_id, relation, provenance FROM lineage ORDER BY ALL"),
        "periods": rows(db_file, "SELECT model_id, period_start, period_end, downloads, flag "
                                 "FROM model_period_downloads ORDER BY ALL"),
        "as_of": {day: rows(db_file, f"SELECT model_id FROM models_as_of(DATE '{day}') ORDER BY 1")
                  for day in (D1, D2, D3)},
    }


def backfill(db_file: Path, *args: str, env: dict | None = None, check: bool = True):
    return tracker("--db", str(db_file), "backfill", "huggingface", *args, env=env, check=check)


def test_a_folder_of_three_snapshots_becomes_exactly_those_snapshots(tmp_path, db_file):
    result = backfill(db_file, "--from", str(snapshot_folder(tmp_path / "snapshots")))
    assert [line.split()[:2] for line in result.stdout.splitlines()] == [
        [str(D1), "loaded"], [str(D2), "loaded"], [str(D3), "loaded"]]
    held = warehouse(db_file)
    assert held["dates"] == [(D1,), (D2,), (D3,)]
    assert held["snapshots"] == [
        ("a/base", D1, 10, 100, 3), ("a/base", D2, 12, 160, 4), ("a/base", D3, 15, 200, None),
        ("b/ft", D1, 1, 50, 0), ("b/ft", D2, 1, 40, 0), ("b/ft", D3, 1, None, None),
        ("c/old", D1, 1, 30, 0),
        ("d/new", D2, 1, 5, 0), ("d/new", D3, 1, 25, None),
        ("e/late", D3, 1, 7, None),
    ]
    assert held["as_of"] == {D1: [("a/base",), ("b/ft",), ("c/old",)],
                             D2: [("a/base",), ("b/ft",), ("d/new",)],
                             D3: [("a/base",), ("b/ft",), ("d/new",), ("e/late",)]}
    assert held["periods"] == [
        ("a/base", D1, D2, 60, None), ("a/base", D2, D3, 40, None),
        ("b/ft", D1, D2, -10, "negative"), ("b/ft", D2, D3, None, "missing"),
        ("d/new", D2, D3, 20, None),
    ]
    created = datetime(2024, 6, 1, 10)
    assert held["models"] == [  # metadata and lineage as the latest snapshot has them
        ("huggingface", "a/base", "a-renamed", created, "text-generation", "transformers", "mit",
         ["license:mit", "llama"], D1, D3, None),
        ("huggingface", "b/ft", "b", created, "text-generation", "transformers", None,
         ["base_model:quantized:a/base"], D1, D3, None),
        ("huggingface", "c/old", "c", created, "text-generation", "transformers", None,
         ["base_model:x/root", "base_model:finetune:x/root"], D1, D1, D2),
        ("huggingface", "d/new", "d", created, "text-generation", "transformers", "apache-2.0", [], D2, D3, None),
        ("huggingface", "e/late", "e", created, "text-generation", "transformers", None, [], D3, D3, None),
    ]
    assert held["lineage"] == [("b/ft", "a/base", "quantized", "tag"), ("c/old", "x/root", "finetune", "tag"),
                               ("d/new", "a/base", "unknown", "card")]
    ledger = rows(db_file, "SELECT snapshot_date, status, scope FROM runs ORDER BY run_id")
    assert [(day, status) for day, status, _ in ledger] == [(D1, "succeeded"), (D2, "succeeded"), (D3, "succeeded")]
    first_scope = json.loads(ledger[0][2])
    assert first_scope["backfill"] == str((tmp_path / "snapshots").resolve())
    assert first_scope["file"].endswith(f"{D1}/models.parquet") and len(first_scope["sha256"]) == 64


def test_an_older_snapshot_loaded_after_a_newer_one_changes_no_model_metadata_or_lineage(tmp_path, db_file):
    folder = snapshot_folder(tmp_path / "snapshots")
    backfill(db_file, "--from", str(folder), "--since", str(D3))
    backfill(db_file, "--from", str(folder))
    in_order = tmp_path / "in-order.duckdb"
    backfill(in_order, "--from", str(folder))
    assert warehouse(db_file) == warehouse(in_order)


def test_a_snapshot_backfilled_between_two_days_splits_the_period_that_spanned_it(tmp_path, db_file):
    backfill(db_file, "--from", str(snapshot_folder(tmp_path / "outer", days=(D1, D3))))
    assert warehouse(db_file)["periods"] == [
        ("a/base", D1, D3, 100, None), ("b/ft", D1, D3, None, "missing")]
    backfill(db_file, "--from", str(snapshot_folder(tmp_path / "middle", days=(D2,))))
    # The rows of D3 now start their periods on D2 (d/new's D3 row gains its first period).
    assert warehouse(db_file)["periods"] == [
        ("a/base", D1, D2, 60, None), ("a/base", D2, D3, 40, None),
        ("b/ft", D1, D2, -10, "negative"), ("b/ft", D2, D3, None, "missing"),
        ("d/new", D2, D3, 20, None),
    ]


def test_a_model_absent_from_the_snapshot_between_two_is_a_gap_counted_apart(tmp_path, db_file):
    child = ["base_model:a/base", "base_model:finetune:a/base"]
    listed = {D1: [row("a/base", 100), row("b/ft", 50, tags=child)], D2: [row("b/ft", 55, tags=child)],
              D3: [row("a/base", 130), row("b/ft", 70, tags=child)]}
    for day, records in listed.items():
        (tmp_path / day.isoformat()).mkdir()
        pq.write_table(pa.Table.from_pylist(records), tmp_path / day.isoformat() / "models.parquet")
    backfill(db_file, "--from", str(tmp_path))
    assert warehouse(db_file)["periods"] == [("a/base", D1, D3, 30, "gap"), ("b/ft", D1, D2, 5, None),
                                             ("b/ft", D2, D3, 15, None)]
    con = db.connect(db_file)
    resolve_families(con)
    periods = trends.query(con, "downloads_by_family_period").drop(columns="snapshot_date")
    con.close()
    family = {"family": "a", "hub": "huggingface", "negative_downloads": 0}
    assert periods.astype(object).where(periods.notna(), None).to_dict("records") == [
        {**family, "period_start": pd.Timestamp(D1), "period_end": pd.Timestamp(D2), "downloads": 5, "models": 1,
         "flagged_models": 0},
        {**family, "period_start": pd.Timestamp(D1), "period_end": pd.Timestamp(D3), "downloads": None, "models": 0,
         "flagged_models": 1},
        {**family, "period_start": pd.Timestamp(D2), "period_end": pd.Timestamp(D3), "downloads": 15, "models": 1,
         "flagged_models": 0},
    ]


def test_a_period_after_a_snapshot_without_the_all_time_count_is_missing_however_far_back_it_starts(
        tmp_path, db_file):
    d4 = date(2025, 1, 26)
    listed = {D1: [row("a/base", 100)], D2: [row("a/base", None)], D3: [row("b/other", 5)],
              d4: [row("a/base", 130), row("b/other", 9)]}
    for day, records in listed.items():
        (tmp_path / day.isoformat()).mkdir()
        pq.write_table(pa.Table.from_pylist(records), tmp_path / day.isoformat() / "models.parquet")
    backfill(db_file, "--from", str(tmp_path))
    assert [p for p in warehouse(db_file)["periods"] if p[0] == "a/base"] == [
        ("a/base", D1, D2, None, "missing"), ("a/base", D2, d4, None, "missing")]


def test_a_second_backfill_adds_nothing(tmp_path, db_file):
    folder = snapshot_folder(tmp_path / "snapshots")
    backfill(db_file, "--from", str(folder))
    before = warehouse(db_file), rows(db_file, "SELECT count(*) FROM runs")
    again = backfill(db_file, "--from", str(folder))
    assert [line.split()[1] for line in again.stdout.splitlines()] == ["skipped"] * 3
    assert "already backfilled from this file" in again.stdout
    assert (warehouse(db_file), rows(db_file, "SELECT count(*) FROM runs")) == before


def test_a_day_the_tracker_collected_itself_keeps_its_own_snapshot(tmp_path, db_file):
    own = SimModel("z/collected", datetime(2024, 1, 1), downloads=9, downloads_all_time=999, likes=1)
    with HubStandIn([own]) as hub:
        con = db.connect(db_file)
        collect(con, hf_source(hub), snapshot_date=D2)
        con.close()
    result = backfill(db_file, "--from", str(snapshot_folder(tmp_path / "snapshots")))
    assert f"kept the tracker's own snapshot of {D2}" in result.stdout
    assert rows(db_file, f"SELECT model_id FROM model_snapshots WHERE snapshot_date = DATE '{D2}'") == [("z/collected",)]
    assert rows(db_file, "SELECT DISTINCT snapshot_date FROM model_snapshots ORDER BY 1") == [(D1,), (D2,), (D3,)]


def test_history_gives_downloads_per_family_per_period_and_shares_as_each_snapshot_saw_them(tmp_path, db_file):
    backfill(db_file, "--from", str(snapshot_folder(tmp_path / "snapshots")))
    con = db.connect(db_file)
    resolve_families(con)
    periods = trends.query(con, "downloads_by_family_period").drop(columns="snapshot_date")
    assert periods.to_dict("records") == [  # a's family: a/base, b/ft, d/new; b/ft's differences are flagged
        {"family": "a", "hub": "huggingface", "period_start": pd.Timestamp(D1), "period_end": pd.Timestamp(D2),
         "downloads": 60, "models": 1, "flagged_models": 1, "negative_downloads": -10},
        {"family": "a", "hub": "huggingface", "period_start": pd.Timestamp(D2), "period_end": pd.Timestamp(D3),
         "downloads": 60, "models": 2, "flagged_models": 1, "negative_downloads": 0},
    ]
    shares = trends.query(con, "family_share_as_seen_then", definition="transitive", since="2024-01-01", family="a")
    # June 2024's derivatives: as D1 saw them, b/ft (a) and c/old (x, deleted since); today's survivors
    # are b/ft and d/new (a), so a count from survivors alone gives a all of them.
    assert shares[["month", "seen_on", "derivatives_then", "all_derivatives_then", "share_then",
                   "derivatives_surviving", "all_derivatives_surviving", "share_surviving"]].to_dict("records") == [
        {"month": pd.Timestamp(2024, 6, 1), "seen_on": pd.Timestamp(D1), "derivatives_then": 1,
         "all_derivatives_then": 2, "share_then": 0.5, "derivatives_surviving": 2, "all_derivatives_surviving": 2,
         "share_surviving": 1.0}]
    con.close()


def test_every_week_or_month_keeps_the_last_snapshot_of_each():
    days = [date(2025, 1, d) for d in (1, 3, 5, 6, 12, 31)] + [date(2025, 2, 2), date(2025, 2, 3)]
    found = [Snapshot(day, str(day), "folder", None, None, lambda: None) for day in days]
    picked = lambda every, **limits: [s.day for s in pick(found, every, **limits)]  # noqa: E731
    # ISO weeks run Monday to Sunday: Friday 31 January and Sunday 2 February share week 5.
    assert picked("week") == [date(2025, 1, 5), date(2025, 1, 12), date(2025, 2, 2), date(2025, 2, 3)]
    assert picked("month") == [date(2025, 1, 31), date(2025, 2, 3)]
    assert picked("day", since=date(2025, 1, 6), until=date(2025, 1, 31)) == [
        date(2025, 1, 6), date(2025, 1, 12), date(2025, 1, 31)]


# --- The Hub path: the same snapshots as the revisions of a dataset repository ---

REPO = "stats-org/hub-stats"


def dataset_hub(hub: HubStandIn) -> dict[date, str]:
    """The snapshots as commits after an initial commit without the file, with an earlier commit on D1
    (another file) that the day's last replaces;
    each day ends on a commit that changes another file only (models.parquet stays the day's). The commit
    list comes two to a page. Returns each day's last commit."""
    hub.commits_page = 2
    hub.commit_dataset(REPO, datetime(2025, 1, 1, 9), {".gitattributes": b"*.parquet filter=lfs"}, "initial commit")
    hub.commit_dataset(REPO, datetime(2025, 1, 5, 2), {"models.parquet": parquet(SNAPSHOTS[D3], D3)})
    last_of_day = {}
    for day in (D1, D2, D3):
        hub.commit_dataset(REPO, datetime(day.year, day.month, day.day, 12),
                           {"models.parquet": parquet(SNAPSHOTS[day], day)})
        last_of_day[day] = hub.commit_dataset(REPO, datetime(day.year, day.month, day.day, 13),
                                              {"spaces.parquet": b"other"})
    return last_of_day


def from_folder(tmp_path: Path) -> Path:
    """The warehouse a backfill of the three snapshots from a folder gives."""
    path = tmp_path / "from-folder.duckdb"
    backfill(path, "--from", str(snapshot_folder(tmp_path / "snapshots")))
    return path


def test_the_same_snapshots_through_the_hub_give_the_same_warehouse(tmp_path, db_file):
    with HubStandIn([]) as hub:
        dataset_hub(hub)
        result = backfill(db_file, "--from", REPO, env={"HF_ENDPOINT": hub.url})
        again = backfill(db_file, "--from", REPO, env={"HF_ENDPOINT": hub.url})
        assert len(hub.requests_to(f"/api/datasets/{REPO}/commits/")) == 2 * 4  # 8 commits, 2 a page: 4 pages, for each of the two backfills
    assert [line.split()[1] for line in result.stdout.splitlines()] == ["skipped", "loaded", "loaded", "loaded"]
    assert "no models.parquet at this revision" in result.stdout.splitlines()[0]
    assert warehouse(db_file) == warehouse(from_folder(tmp_path))
    assert [line.split()[1] for line in again.stdout.splitlines()] == ["skipped"] * 4
    assert rows(db_file, "SELECT count(*) FROM runs") == [(3,)]
    assert not list(Path("/tmp").glob("tracker-backfill-*/models.parquet"))  # each download was deleted


def test_the_warehouse_is_readable_while_a_backfill_downloads_its_next_snapshot(tmp_path, db_file):
    read = []
    with HubStandIn([]) as hub:
        revisions = dataset_hub(hub)
        hub.add_fault("kill", path=f"/datasets/{REPO}/resolve/{revisions[D2]}/", on_hit=lambda: read.append(
            tracker("--db", str(db_file), "sql", "--format", "json",
                    "SELECT DISTINCT snapshot_date::VARCHAR AS day FROM model_snapshots")))
        backfill(db_file, "--from", REPO, env={"HF_ENDPOINT": hub.url})
    [during] = read
    assert during.returncode == 0, during.stderr
    assert json.loads(during.stdout) == [{"day": str(D1)}]
    assert warehouse(db_file) == warehouse(from_folder(tmp_path))


def test_a_revision_that_disappears_mid_backfill_stops_with_one_line_and_the_rerun_goes_on(tmp_path, db_file):
    with HubStandIn([]) as hub:
        revisions = dataset_hub(hub)
        hub.add_fault("kill", path=f"/datasets/{REPO}/resolve/{revisions[D2]}/",
                      on_hit=lambda: hub.remove_revision(REPO, revisions[D2]))
        failed = backfill(db_file, "--from", REPO, env={"HF_ENDPOINT": hub.url}, check=False)
        assert failed.returncode == 1
        assert failed.stderr.strip().splitlines()[-1] == (
            f"tracker: backfill stopped: revision {revisions[D2]} of dataset {REPO} ({D2}) is no longer on "
            "the hub; rerun to go on with the revisions it still lists")
        assert "Traceback" not in failed.stderr
        assert rows(db_file, "SELECT DISTINCT snapshot_date FROM model_snapshots") == [(D1,)]
        rerun = backfill(db_file, "--from", REPO, env={"HF_ENDPOINT": hub.url})
    assert warehouse(db_file) == warehouse(from_folder(tmp_path))  # D2 from its earlier commit, same file
    assert [line.split()[:2] for line in rerun.stdout.splitlines()] == [
        ["2025-01-01", "skipped"], [str(D1), "skipped"], [str(D2), "loaded"], [str(D3), "loaded"]]


@pytest.mark.parametrize("bad_file, why", [
    (lambda: pq_bytes({"model": ["x/y"], "downloads": [1]}), "no 'id' column"),
    (lambda: b"PAR1 not really parquet", "not a readable Parquet file"),
    (lambda: pq_bytes({"id": pa.array([], pa.string())}), "no rows; an empty snapshot would mark every model gone"),
])
def test_a_bad_file_stops_with_one_line_naming_it_and_the_rerun_goes_on(tmp_path, db_file, bad_file, why):
    folder = snapshot_folder(tmp_path / "snapshots")
    bad = folder / D2.isoformat() / "models.parquet"
    bad.write_bytes(bad_file())
    failed = backfill(db_file, "--from", str(folder), check=False)
    assert failed.returncode == 1
    assert failed.stderr.strip().splitlines()[-1].startswith(f"tracker: backfill stopped: {bad}: {why}")
    assert "Traceback" not in failed.stderr
    assert rows(db_file, "SELECT DISTINCT snapshot_date FROM model_snapshots") == [(D1,)]
    bad.write_bytes(parquet(SNAPSHOTS[D2], D2))
    rerun = backfill(db_file, "--from", str(folder))
    assert [line.split()[1] for line in rerun.stdout.splitlines()] == ["skipped", "loaded", "loaded"]
    in_one_go = tmp_path / "in-one-go.duckdb"
    backfill(in_one_go, "--from", str(folder))
    assert warehouse(db_file) == warehouse(in_one_go)


def test_values_no_warehouse_can_hold_are_unknown_or_replaced_and_the_file_is_loaded(tmp_path, db_file):
    # a moment past Python's years (alone, and in a card), a decimal count, and JSON text naming a lone surrogate
    june = (datetime(2024, 6, 1) - datetime(1970, 1, 1)) // timedelta(microseconds=1)
    year_99999 = 98_029 * 31_556_952 * 10**6  # microseconds after 1970
    moments = pa.array([june, year_99999, june], pa.int64()).cast(pa.timestamp("us"))
    (tmp_path / D1.isoformat()).mkdir()
    (tmp_path / D1.isoformat() / "models.parquet").write_bytes(pq_bytes({
        "id": ["a/plain", "b/far-future", "c/odd-tag"],
        "downloads": pa.array([Decimal(1), Decimal(2), Decimal(3)], pa.decimal128(12, 0)),  # a type JSON lacks
        "createdAt": moments,
        "cardData": pa.StructArray.from_arrays([pa.array(["mit"] * 3), moments], names=["license", "date"]),
        "tags": ['["ok"]', '["ok"]', '["x\\ud800y", "\\\\ud800"]']}))
    result = backfill(db_file, "--from", str(tmp_path))
    assert [line.split()[1] for line in result.stdout.splitlines()] == ["loaded"], result.stderr
    assert rows(db_file, "SELECT model_id, created_at, license, tags, downloads FROM model_snapshots "
                         "JOIN models USING (hub, model_id) ORDER BY model_id") == [
        ("a/plain", datetime(2024, 6, 1), "mit", ["ok"], 1), ("b/far-future", None, "mit", ["ok"], 2),
        ("c/odd-tag", datetime(2024, 6, 1), "mit", ["x\ufffdy", "\\ud800"], 3)]


def pq_bytes(columns: dict) -> bytes:
    sink = io.BytesIO()
    pq.write_table(pa.table(columns), sink)
    return sink.getvalue()


def test_a_backfill_stopped_mid_file_resumes_from_its_last_committed_batch(tmp_path, db_file):
    snapshot = local_snapshots(snapshot_folder(tmp_path / "snapshots", days=(D1,)))[0]
    path = Path(snapshot.label)
    con = db.connect(db_file)

    def killed_after_two_batches(run, page):
        if run.pages == 2:
            raise RuntimeError("killed")

    with pytest.raises(CollectionFailed):
        collect(con, file_source(snapshot, path, sha256(path), batch_rows=1), killed_after_two_batches,
                snapshot_date=D1)
    assert con.execute("SELECT status, cursor FROM runs").fetchall() == [("failed", "2")]
    outcome = load_snapshot(con, snapshot, batch_rows=1)
    assert (outcome.status, outcome.records) == ("loaded", 3)
    assert con.execute("SELECT status, pages, records FROM runs").fetchall() == [("succeeded", 3, 3)]
    assert con.execute("SELECT model_id FROM model_snapshots ORDER BY 1").fetchall() == [
        ("a/base",), ("b/ft",), ("c/old",)]
    con.close()


def test_a_dataset_the_hub_does_not_have_stops_with_one_line(db_file):
    with HubStandIn([]) as hub:
        failed = backfill(db_file, "--from", "no-such/dataset", env={"HF_ENDPOINT": hub.url}, check=False)
    assert failed.returncode == 1
    assert failed.stderr.strip().splitlines() == [
        f"tracker: backfill stopped: dataset no-such/dataset on {hub.url}: cannot list its commits (404 Client Error.)"]


def test_a_mistyped_folder_is_one_line(tmp_path):
    result = tracker("--db", str(tmp_path / "w.duckdb"), "backfill", "huggingface", "--from", "no/such/folder/")
    assert (result.returncode, result.stderr.count("\n")) == (1, 1) and "no such folder" in result.stderr
    assert not (tmp_path / "w.duckdb").exists()


def test_a_silent_hub_fails_the_commit_list_at_its_deadline(tmp_path):
    (tmp_path / "tracker.toml").write_text("[huggingface]\ndeadline = 1\n", encoding="utf-8")
    with HubStandIn([]) as hub:
        hub.add_fault("delay", path="/api/datasets/", seconds=30, times=5)
        result = tracker("--db", str(tmp_path / "w.duckdb"), "backfill", "huggingface", "--from", "org/stats",
                         env={"HF_ENDPOINT": hub.url})
    assert result.returncode == 1 and "no complete answer within 1 s" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "w.duckdb").exists()


def test_sigterm_while_the_hub_is_silent_ends_the_backfill_at_once(tmp_path):
    victim: list[subprocess.Popen] = []
    with HubStandIn([]) as hub:
        hub.add_fault("delay", path="/api/datasets/", seconds=30, on_hit=lambda: victim[0].send_signal(signal.SIGTERM))
        victim.append(subprocess.Popen(
            [sys.executable, "-m", "tracker", "--db", str(tmp_path / "w.duckdb"), "backfill", "huggingface",
             "--from", "org/stats"], env={**os.environ, "HF_ENDPOINT": hub.url}, stderr=subprocess.PIPE, text=True))
        code = victim[0].wait(timeout=25)  # the hub itself would answer after 30 s
    log = victim[0].stderr.read()
    assert code == 1 and "Traceback" not in log and "stopped by a signal" in log


def test_a_day_is_stored_grouped_by_the_size_of_its_downloads_then_by_model(db_file):
    # storage only (migration 014): counts of one bit width share DuckDB's bit-packing runs
    counts = {"a/big": 5000, "b/none": 0, "c/three": 3, "d/none": 0, "e/huge": 2**40, "f/one": 1, "g/two": 2}
    catalogue = [SimModel(name, datetime(2024, 1, 1), downloads=n) for name, n in counts.items()]
    with HubStandIn(catalogue) as hub:
        con = db.connect(db_file)
        collect(con, hf_source(hub), snapshot_date=D1)
        con.close()
    stored = rows(db_file, "SELECT m.model_id FROM (SELECT rowid AS position, model_key FROM model_snapshot_facts) f "
                           "JOIN models m USING (model_key) ORDER BY f.position")
    assert [model_id for (model_id,) in stored] == ["b/none", "d/none", "f/one", "c/three", "g/two", "a/big", "e/huge"]
