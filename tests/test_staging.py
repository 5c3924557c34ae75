"""Readable while collecting: pages are staged beside the warehouse, which a run holds only for its
short final merge. Real CLI, real DuckDB files, a real reader process; the stand-in Hub on 127.0.0.1."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
from datetime import date

import pytest
from conftest import hf_source, rows, tracker

from tracker.pipeline import CollectionFailed, collect
from tracker.sim.ecosystem import GeneratedEcosystem
from tracker.sim.huggingface import HubStandIn
from tracker.warehouse import staging

FIRST, SECOND = date(2025, 7, 1), date(2025, 7, 2)
SNAPSHOT_DAYS = "SELECT snapshot_date, count(*) FROM model_snapshots GROUP BY ALL ORDER BY ALL"
SNAPSHOT_DAYS_TEXT = "SELECT snapshot_date::VARCHAR AS day, count(*) AS models FROM model_snapshots GROUP BY ALL ORDER BY ALL"
DUPLICATES = "SELECT count(*) FROM model_snapshots GROUP BY model_id, snapshot_date HAVING count(*) > 1"


def test_tracker_sql_reads_the_last_complete_snapshot_while_a_collection_runs_then_the_new_one(small_hub, db_file):
    collect(db_file, hf_source(small_hub), snapshot_date=FIRST)
    with HubStandIn(GeneratedEcosystem(4_000, seed=8)) as bigger:
        second_page_asked, may_go_on = threading.Event(), threading.Event()
        bigger.add_fault("kill", path="/api/models", after=1,
                         on_hit=lambda: (second_page_asked.set(), may_go_on.wait(120)))
        collector = subprocess.Popen([sys.executable, "-m", "tracker", "--db", str(db_file), "collect", "huggingface"],
                                     env={**os.environ, "HF_ENDPOINT": bigger.url}, stderr=subprocess.DEVNULL)
        try:
            assert second_page_asked.wait(120), "the collection never asked for its second page"
            during = tracker("--db", str(db_file), "sql", "--format", "json", SNAPSHOT_DAYS_TEXT)
            ledger = tracker("--db", str(db_file), "sql", "--format", "json", "SELECT status FROM runs ORDER BY run_id")
            still_collecting = collector.poll() is None
        finally:
            may_go_on.set()
        assert collector.wait(timeout=120) == 0
    assert during.returncode == 0, during.stderr
    assert json.loads(during.stdout) == [{"day": str(FIRST), "models": 3000}]
    assert json.loads(ledger.stdout) == [{"status": "succeeded"}, {"status": "running"}]
    assert still_collecting
    [(today,)] = rows(db_file, "SELECT snapshot_date FROM runs WHERE run_id = 2")
    after = tracker("--db", str(db_file), "sql", "--format", "json", SNAPSHOT_DAYS_TEXT, check=True)
    assert json.loads(after.stdout) == [{"day": str(FIRST), "models": 3000},
                                        {"day": str(today), "models": 4000}]
    assert not staging.Staged(db_file, 2).folder.exists()


class Reader:
    """Another process with the warehouse open read-only (as `tracker sql` has it while it answers)."""

    def __init__(self, path):
        self.path, self.process = path, None

    def open(self) -> None:
        code = "import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True); print('open', flush=True); " \
               "sys.stdin.read()"
        self.process = subprocess.Popen([sys.executable, "-c", code, str(self.path)], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)
        assert self.process.stdout.readline() == "open\n"

    def close(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.stdin.close()
            self.process.wait(timeout=60)


@pytest.fixture
def reader(db_file):
    held = Reader(db_file)
    yield held
    held.close()


class OnLog(logging.Handler):
    """Calls `then` once, when the tracker logs a line containing `text`."""

    def __init__(self, text: str, then):
        super().__init__()
        self.text, self.then, self.seen = text, then, threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if self.text in record.getMessage() and not self.seen.is_set():
            self.seen.set()
            self.then()


@pytest.fixture
def on_log():
    handlers = []

    logger = logging.getLogger("tracker")
    level = logger.level

    def attach(text: str, then=lambda: None) -> OnLog:
        handlers.append(OnLog(text, then))
        logger.addHandler(handlers[-1])
        logger.setLevel(logging.INFO)
        return handlers[-1]

    yield attach
    for handler in handlers:
        logger.removeHandler(handler)
    logger.setLevel(level)


def open_after_the_last_page(reader: Reader):
    """An on_page callback: the reader opens the file once the listing has ended, before the merge."""
    return lambda run, page: reader.open() if page.cursor is None else None


def test_a_reader_holding_the_file_at_the_runs_end_delays_the_merge_and_loses_nothing(small_hub, db_file, reader,
                                                                                       on_log):
    waited = on_log("is open in another process", then=reader.close)  # the reader lets go once the merge waits
    summary = collect(db_file, hf_source(small_hub), open_after_the_last_page(reader), snapshot_date=FIRST,
                      merge_wait=120)  # a guard against hanging: the reader lets go as soon as the merge waits
    assert waited.seen.is_set()
    assert summary.status == "succeeded" and summary.records == 3000
    assert rows(db_file, SNAPSHOT_DAYS) == [(FIRST, 3000)]
    assert rows(db_file, "SELECT count(*) FROM stage_models") == [(0,)]


def test_a_reader_holding_the_file_past_merge_wait_fails_the_run_in_one_line_and_the_rerun_merges_it(
        small_hub, db_file, reader):
    with pytest.raises(CollectionFailed) as failed:
        collect(db_file, hf_source(small_hub), open_after_the_last_page(reader), snapshot_date=FIRST, merge_wait=0.2)
    message = str(failed.value)
    assert "stayed in use by another process" in message and "staged pages are kept" in message
    assert "\n" not in message
    assert rows(db_file, "SELECT status FROM runs") == [("running",)]  # resumable: the ledger could not be written
    reader.close()
    listed = len(small_hub.requests_to("/api/models"))
    rerun = collect(db_file, hf_source(small_hub), snapshot_date=FIRST)
    assert rerun.resumed and rerun.status == "succeeded"
    assert len(small_hub.requests_to("/api/models")) == listed  # the listing had ended: only the merge was left
    assert rows(db_file, SNAPSHOT_DAYS) == [(FIRST, 3000)]
    assert rows(db_file, DUPLICATES) == []
    assert rows(db_file, "SELECT status, pages, records FROM runs") == [("succeeded", 3, 3000)]


def stopped_after_two_pages(hub, db_file) -> staging.Staged:
    """Run 1 on FIRST, killed after its second page: its staged pages, as the crash left them."""
    def stop_after_two(run, page):
        if run.pages == 2:
            raise KeyboardInterrupt

    with pytest.raises(CollectionFailed):
        collect(db_file, hf_source(hub), stop_after_two, snapshot_date=FIRST)
    return staging.Staged(db_file, 1)


def test_a_page_file_beyond_the_checkpoint_is_never_merged(small_hub, db_file):
    """A crash between a page's file and its checkpoint leaves a file no checkpoint counts: never merged."""
    staged = stopped_after_two_pages(small_hub, db_file)
    (staged.folder / "page-000004.huggingface_typed_pages.json").write_text('[{"id": "stray/uncounted"}]')
    assert [os.path.basename(f) for f in staged.files()["huggingface_typed_pages"]] == [
        "page-000001.huggingface_typed_pages.json", "page-000002.huggingface_typed_pages.json"]
    assert collect(db_file, hf_source(small_hub), snapshot_date=FIRST).resumed
    assert rows(db_file, SNAPSHOT_DAYS) == [(FIRST, 3000)]
    assert rows(db_file, "SELECT count(*) FROM models WHERE model_id = 'stray/uncounted'") == [(0,)]
    assert rows(db_file, "SELECT status, pages, records FROM runs") == [("succeeded", 3, 3000)]


def test_a_second_collector_is_refused_at_once_while_the_first_holds_only_its_lock(small_hub, db_file):
    def second_collector(run, page):
        if run.pages == 1:
            result = tracker("--db", str(db_file), "collect", "huggingface", env={"HF_ENDPOINT": small_hub.url})
            outcomes.append(result)

    outcomes: list[subprocess.CompletedProcess] = []
    assert collect(db_file, hf_source(small_hub), second_collector, snapshot_date=FIRST).status == "succeeded"
    [second] = outcomes
    assert second.returncode == 3 and second.stderr.count("\n") == 1
    assert f"warehouse {db_file} is in use by another tracker process (process {os.getpid()})" in second.stderr
    assert rows(db_file, "SELECT status, records FROM runs") == [("succeeded", 3000)]


def test_a_day_whose_staged_pages_cannot_be_merged_is_kept_and_the_next_day_is_collected(small_hub, db_file,
                                                                                         on_log):
    staged = stopped_after_two_pages(small_hub, db_file)
    (staged.folder / "page-000002.huggingface_typed_pages.json").write_bytes(b"[{")  # damaged on disk since
    kept = on_log("run 1 of 2025-07-01 could not be merged; its staged pages are kept for the next run")
    summary = collect(db_file, hf_source(small_hub), snapshot_date=SECOND)
    assert kept.seen.is_set()
    assert (summary.status, summary.records) == ("succeeded", 3000)
    assert rows(db_file, SNAPSHOT_DAYS) == [(FIRST, 2000), (SECOND, 3000)]  # the first day as its failure left it
    assert rows(db_file, "SELECT run_id, status FROM runs ORDER BY run_id") == [(1, "failed"), (2, "succeeded")]
    assert staged.folder.exists()
