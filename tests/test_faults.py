"""The fault matrix: after each fault, a rerun leaves the warehouse exactly as a fault-free run would,
and the run ledger tells what happened. Real clients, real stand-ins on 127.0.0.1, real DuckDB files."""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import subprocess
import sys
import threading
from datetime import date

import pytest

from tracker.pipeline import CollectionFailed, collect
from tracker.sim.ecosystem import GeneratedEcosystem
from tracker.sim.huggingface import HubStandIn
from tracker.warehouse import db

from conftest import hf_source, rows, tracker

DAY = date(2025, 6, 1)
ECOSYSTEM = GeneratedEcosystem(3_000, seed=5)
TABLES = (
    "SELECT hub, model_id, author, created_at, last_modified, pipeline_tag, library_name, license, tags, gated, "
    "private, first_seen, last_seen, gone_since FROM models ORDER BY ALL",
    "SELECT * FROM model_snapshots ORDER BY ALL",
    "SELECT * FROM lineage ORDER BY ALL",
)


@pytest.fixture(scope="module")
def fault_free(tmp_path_factory):
    """The warehouse tables after a collection nothing went wrong in."""
    path = tmp_path_factory.mktemp("clean") / "clean.duckdb"
    with HubStandIn(ECOSYSTEM) as hub:
        collect(db.connect(path), hf_source(hub), snapshot_date=DAY)
    return [rows(path, query) for query in TABLES]


@pytest.fixture
def hub():
    with HubStandIn(ECOSYSTEM) as stand_in:
        yield stand_in



def tables(path) -> list[list[tuple]]:
    return [rows(path, query) for query in TABLES]


def ledger(path) -> list[tuple]:
    return rows(path, "SELECT status, pages, records FROM runs ORDER BY run_id")


def collect_once(path, hub, **settings):
    con = db.connect(path)
    try:
        return collect(con, hf_source(hub, **settings), snapshot_date=DAY)
    finally:
        con.close()


def fails_then_resumes(path, hub, fault_free, message: str, **settings) -> None:
    """The faulty run fails naming the problem; the rerun resumes and ends like a fault-free run."""
    with pytest.raises(CollectionFailed, match=message):
        collect_once(path, hub, **settings)
    assert rows(path, "SELECT status FROM runs") == [("failed",)]
    assert collect_once(path, hub, **settings).resumed
    assert tables(path) == fault_free
    assert rows(path, "SELECT status FROM runs") == [("succeeded",)]


def test_a_429_storm_with_retry_after_is_waited_out(hub, db_file, fault_free):
    hub.add_fault("status", path="/api/models", status=429, times=3, after=1,
                  headers={"Retry-After": "0", "RateLimit": '"api";r=0;t=0',
                           "RateLimit-Policy": '"fixed window";"api";q=500;w=300'})
    assert collect_once(db_file, hub).status == "succeeded"
    assert tables(db_file) == fault_free and ledger(db_file) == [("succeeded", 3, 3000)]
    assert len(hub.requests_to("/api/models")) == 3 + 3


def test_a_429_storm_without_retry_after_is_backed_off(hub, db_file, fault_free):
    hub.add_fault("status", path="/api/models", status=429, times=4, after=2)
    assert collect_once(db_file, hub).status == "succeeded"
    assert tables(db_file) == fault_free


def test_a_429_storm_longer_than_the_retries_fails_the_run_and_the_rerun_resumes(hub, db_file, fault_free):
    hub.add_fault("status", path="/api/models", status=429, times=6, after=1)
    fails_then_resumes(db_file, hub, fault_free, "page 2 .*429")


@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_burst_of_server_errors_is_retried(hub, db_file, fault_free, status):
    hub.add_fault("status", path="/api/models", status=status, times=3, after=1)
    assert collect_once(db_file, hub).status == "succeeded"
    assert tables(db_file) == fault_free and ledger(db_file) == [("succeeded", 3, 3000)]


def test_a_connection_reset_mid_page_is_retried(hub, db_file, fault_free):
    hub.add_fault("reset", path="/api/models", times=2, after=1)
    assert collect_once(db_file, hub).status == "succeeded"
    assert tables(db_file) == fault_free


def test_a_read_timeout_mid_page_is_retried(hub, db_file, fault_free):
    hub.add_fault("delay", path="/api/models", seconds=2.5, times=1, after=2)
    assert collect_once(db_file, hub, timeout=1.0).status == "succeeded"
    assert tables(db_file) == fault_free


def test_a_page_of_truncated_json_fails_the_run_and_the_rerun_resumes(hub, db_file, fault_free):
    hub.add_fault("truncate", path="/api/models", after=1)
    fails_then_resumes(db_file, hub, fault_free, "page 2 .*not valid JSON")
    assert rows(db_file, "SELECT pages FROM runs") == [(3,)]


def test_a_page_whose_records_miss_fields_add_fields_or_change_types_loads_what_it_can(hub, db_file, fault_free):
    def drift(items):
        for item in items[:10]:
            del item["downloads"]
            item["safetensorsV2"] = {"total": 1}
            item["likes"] = str(item["likes"])
            item["tags"] = None
        return items

    hub.add_fault("mutate", path="/api/models", mutate=drift)
    collect_once(db_file, hub)
    drifted = rows(db_file, "SELECT count(*) FILTER (downloads IS NULL), count(*) FROM model_snapshots")
    assert drifted == [(10, 3000)]
    collect_once(db_file, hub)  # the next fault-free run of the day replaces the day's snapshot
    assert tables(db_file) == fault_free


def test_a_kill_9_in_the_middle_of_page_loads_loses_nothing_on_rerun(hub, tmp_path, fault_free):
    """Killed at chosen events, then rerun each time: while its 1st request of a run is in flight (nothing
    loaded), while its 2nd is (the page before it loading), the same once resumed, and as it logs its last
    page committed (the run-end merge)."""
    path = tmp_path / "killed.duckdb"
    for let_through in (0, 1, 1):
        assert killed_in_request(path, hub, let_through) == -signal.SIGKILL
    killed_after_log_line(path, hub, "page 3 committed")
    tracker("--db", str(path), "collect", "huggingface", env={"HF_ENDPOINT": hub.url}, check=True)
    today = rows(path, "SELECT max(snapshot_date) FROM model_snapshots")[0][0]
    shifted = [[tuple(today if value == DAY else value for value in row) for row in table] for table in fault_free]
    assert tables(path) == [sorted(table) for table in shifted]
    assert rows(path, "SELECT count(*) FROM model_snapshots GROUP BY model_id HAVING count(*) > 1") == []
    assert rows(path, "SELECT count(*) FROM runs WHERE status = 'succeeded'")[0][0] >= 1


def collector(path, hub, **popen) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tracker", "--db", str(path), "collect", "huggingface"],
                            env={**os.environ, "HF_ENDPOINT": hub.url}, **popen)


def killed_in_request(path, hub, let_through: int) -> int:
    """Run a collection and kill -9 it while the stand-in holds its request number `let_through + 1`."""
    victim: list[subprocess.Popen] = []
    hub.add_fault("kill", path="/api/models", after=let_through, on_hit=lambda: victim[0].kill())
    victim.append(collector(path, hub, stderr=subprocess.DEVNULL))
    return victim[0].wait(timeout=120)  # a guard against hanging, not a speed requirement


def killed_after_log_line(path, hub, line: str) -> None:
    """Run a collection and kill -9 it as soon as it logs `line` (or let it end, if it never does)."""
    victim = collector(path, hub, stderr=subprocess.PIPE, text=True)
    watchdog = threading.Timer(120, victim.kill)  # bounds the reading below
    watchdog.start()
    try:
        for said in victim.stderr:
            if line in said:
                victim.kill()
                break
        victim.wait(timeout=120)
    finally:
        watchdog.cancel()
        victim.stderr.close()


def test_two_runs_started_at_once_one_runs_and_the_other_exits_at_once(hub, db_file, fault_free):
    second_page_asked, first_may_go_on = threading.Event(), threading.Event()
    hub.add_fault("kill", path="/api/models", after=1,
                  on_hit=lambda: (second_page_asked.set(), first_may_go_on.wait(120)))
    first = collector(db_file, hub, stderr=subprocess.DEVNULL)
    try:
        assert second_page_asked.wait(120), "the first run never asked for its second page"
        second = tracker("--db", str(db_file), "collect", "huggingface", env={"HF_ENDPOINT": hub.url}, timeout=60)
    finally:
        first_may_go_on.set()
    assert first.wait(timeout=120) == 0
    assert second.returncode == 3 and "in use by another tracker process" in second.stderr
    assert rows(db_file, "SELECT status, records FROM runs") == [("succeeded", 3000)]


def test_a_read_only_warehouse_file_is_a_one_line_error_and_stays_as_it_was(hub, tmp_path):
    path = tmp_path / "readonly.duckdb"
    tracker("--db", str(path), "collect", "huggingface", env={"HF_ENDPOINT": hub.url}, check=True)
    before = path.read_bytes()
    with read_only(path):
        result = tracker("--db", str(path), "collect", "huggingface", env={"HF_ENDPOINT": hub.url})
    assert result.returncode == 3 and result.stderr.count("\n") == 1
    assert f"cannot write warehouse {path}: permission denied" in result.stderr
    assert path.read_bytes() == before


def test_a_full_disk_while_writing_fails_cleanly_and_the_rerun_completes(hub, tmp_path, fault_free):
    path = tmp_path / "full.duckdb"
    env = {**os.environ, "HF_ENDPOINT": hub.url}
    limited = subprocess.run([sys.executable, "-m", "tracker", "--db", str(path), "collect", "huggingface"],
                             env=env, capture_output=True, text=True, timeout=120,
                             preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (600_000, 600_000)))
    assert limited.returncode != 0
    assert "Traceback" not in limited.stderr
    tracker("--db", str(path), "collect", "huggingface", env={"HF_ENDPOINT": hub.url}, check=True)
    today = rows(path, "SELECT max(snapshot_date) FROM model_snapshots")[0][0]
    shifted = [sorted(tuple(today if value == DAY else value for value in row) for row in table) for table in fault_free]
    assert tables(path) == shifted
    assert rows(path, "SELECT status FROM runs ORDER BY run_id")[-1] == ("succeeded",)


def test_a_source_down_for_the_whole_run_fails_it_and_keeps_everything_else(hub, db_file, fault_free):
    collect_once(db_file, hub)
    hub.stop()
    with pytest.raises(CollectionFailed, match="page 1"):
        collect(db.connect(db_file), hf_source(hub), snapshot_date=date(2025, 6, 2))
    assert tables(db_file) == fault_free
    assert ledger(db_file) == [("succeeded", 3, 3000), ("failed", 0, 0)]


@contextlib.contextmanager
def read_only(path):
    """A file this process cannot write: by its mode, or for root (whom modes do not stop) immutable."""
    if os.geteuid() != 0:
        path.chmod(0o444)
        yield
        return
    if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("running as root on a file system without chattr +i: no way to make a file read-only")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(path)], check=True)
