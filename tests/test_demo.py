"""`tracker demo`: the whole pipeline against the local stand-ins, end to end in a subprocess, offline."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import threading

import duckdb
import pytest
from conftest import rows, tracker

from tracker import demo

# Any request that tried to leave the machine would go to this dead proxy and fail; 127.0.0.1 is exempt.
OFFLINE = {"HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9", "ALL_PROXY": "http://127.0.0.1:9",
           "NO_PROXY": "127.0.0.1,localhost", "HF_HUB_OFFLINE": "0"}


def as_at_a_terminal() -> None:
    """In the child: Ctrl-C as a terminal delivers it (a shell's background job inherits SIGINT ignored)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture(scope="module")
def interrupted(tmp_path_factory):
    """A small demo stopped with Ctrl-C once it is collecting: what it said, and the folder it left."""
    out = tmp_path_factory.mktemp("demo") / "demo"
    demo_process = subprocess.Popen([sys.executable, "-m", "tracker", "demo", "--out", str(out), "--scale", "0.1"],
                                    env={**os.environ, **OFFLINE}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True, preexec_fn=as_at_a_terminal)
    watchdog = threading.Timer(240, demo_process.kill)  # bounds the wait below if the line never comes
    watchdog.start()
    try:
        said = next((line for line in iter(demo_process.stdout.readline, "") if line.startswith("collecting")), None)
        demo_process.send_signal(signal.SIGINT)
        _, errors = demo_process.communicate(timeout=120)
    finally:
        watchdog.cancel()
    assert said, "the demo never said it was collecting"
    return out, demo_process.returncode, errors


@pytest.fixture(scope="module")
def demo_run(interrupted):
    """One small demo (--scale 0.1), run as a user runs it, in the folder an interrupted demo left."""
    out = interrupted[0]
    result = tracker("demo", "--out", str(out), "--scale", "0.1", env=OFFLINE, timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    return out, result.stdout


def test_ctrl_c_during_the_demo_is_one_line_and_leaves_a_folder_the_next_demo_rebuilds(interrupted, demo_run):
    out, code, errors = interrupted
    assert code == 130 and "Traceback" not in errors
    assert errors.splitlines()[-1] == ("tracker: interrupted (Ctrl-C); committed pages are kept, "
                                       "a rerun goes on from there")
    assert demo_run[1].startswith("SIMULATED DATA")  # the rerun in the same folder was accepted, and finished


def test_it_says_what_it_is_doing_before_it_generates_or_collects_anything(demo_run):
    first = demo_run[1].splitlines()[:4]
    assert first[0].startswith("SIMULATED DATA") and first[2].startswith("generating the ecosystem: 2,400 Hugging Face")
    assert first[3].startswith("collecting 8 snapshot days")
    assert "day 1 of 8" in demo_run[1] and "day 8 of 8" in demo_run[1]


def test_everything_made_later_from_the_demos_warehouse_says_simulated(demo_run, tmp_path):
    out, _ = demo_run
    warehouse = str(out / "warehouse.duckdb")
    report = tracker("--db", warehouse, "-q", "report", "--out", str(tmp_path / "r"), check=True)
    check = tracker("--db", warehouse, "-q", "check", check=True)
    as_json = tracker("--db", warehouse, "-q", "check", "--format", "json", check=True)
    tracker("--db", warehouse, "-q", "export", "--out", str(tmp_path / "e"), check=True)
    query = tracker("--db", warehouse, "sql", "SELECT 1", check=True)

    page = (tmp_path / "r" / "report.html").read_text(encoding="utf-8")
    assert "<title>[SIMULATED] " in page and 'class="simulated"' in page
    assert (tmp_path / "r" / "report.md").read_text(encoding="utf-8").startswith("# [SIMULATED]")
    assert check.stdout.startswith("SIMULATED DATA (")
    assert all(v["simulated"] for v in json.loads(as_json.stdout))
    assert json.loads((tmp_path / "e" / "manifest.json").read_text())["simulated"].startswith("SIMULATED DATA")
    exported = tmp_path / "e" / "warehouse_meta" / "warehouse_meta.parquet"
    assert duckdb.connect().execute("SELECT key FROM read_parquet(?)", [str(exported)]).fetchall() == [("simulated",)]
    for said in (report, check, query):
        assert "tracker: SIMULATED DATA in " in said.stderr


def test_the_demo_collects_checks_and_reports_a_simulated_ecosystem_offline(demo_run):
    out, said = demo_run
    assert said.startswith("SIMULATED DATA")
    assert f"report (SIMULATED):    {out / 'report' / 'report.html'}" in said
    assert f"warehouse (SIMULATED): {out / 'warehouse.duckdb'}" in said
    assert re.search(r"checked 8 claims: ", said)
    page = (out / "report" / "report.html").read_text(encoding="utf-8")
    assert "<title>[SIMULATED] " in page and 'class="simulated"' in page
    charts = list((out / "report").rglob("*.png"))
    assert len(charts) >= 18 and page.count('<img src="data:image/png;base64,') == len(charts)  # every chart shown
    assert (out / "README.md").read_text(encoding="utf-8").startswith("# SIMULATED DATA")
    warehouse = out / "warehouse.duckdb"
    assert rows(warehouse, "SELECT count(DISTINCT snapshot_date), count(DISTINCT hub) FROM model_snapshots") == [(8, 2)]
    assert rows(warehouse, "SELECT count(DISTINCT snapshot_date) FROM repo_snapshots") == [(8,)]
    assert rows(warehouse, "SELECT DISTINCT source, status FROM runs ORDER BY ALL") == [
        ("github", "succeeded"), ("huggingface", "succeeded"), ("modelscope", "succeeded")]
    # the hubs grow from one snapshot day to the next, and downloads with them
    counts = rows(warehouse, "SELECT count(*), sum(downloads_all_time) FROM model_snapshots "
                             "WHERE hub = 'huggingface' GROUP BY snapshot_date ORDER BY snapshot_date")
    assert counts == sorted(counts) and counts[0] < counts[-1]


def test_the_queries_the_demo_suggests_run(demo_run):
    out, said = demo_run
    suggested = [line.strip() for line in said.splitlines() if line.strip().startswith("tracker --db")]
    assert len(suggested) == 3
    for line in suggested:
        answer = tracker(*shlex.split(line)[1:], check=True)
        assert re.search(r"\d", answer.stdout), line


def test_a_demo_folder_is_rebuilt_in_place_and_any_other_folder_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    result = tracker("demo", "--out", str(tmp_path))
    assert result.returncode == 2
    assert "is not empty and holds no earlier demo" in result.stderr
    assert (tmp_path / "notes.txt").read_text() == "mine"
    earlier = tmp_path / "earlier"
    (earlier / "report").mkdir(parents=True)
    (earlier / "README.md").write_text(demo.MARKER + "\n")
    (earlier / "warehouse.duckdb").write_text("old")
    assert demo.prepare(earlier) == earlier
    assert sorted(p.name for p in earlier.iterdir()) == ["README.md"]
