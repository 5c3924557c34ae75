"""`tracker demo`: the whole pipeline against the local stand-ins, end to end in a subprocess, offline."""

from __future__ import annotations

import re
import shlex

import pytest
from conftest import rows, tracker

from tracker import demo

# Any request that tried to leave the machine would go to this dead proxy and fail; 127.0.0.1 is exempt.
OFFLINE = {"HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9", "ALL_PROXY": "http://127.0.0.1:9",
           "NO_PROXY": "127.0.0.1,localhost", "HF_HUB_OFFLINE": "0"}


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """One small demo (--scale 0.1), run as a user runs it."""
    out = tmp_path_factory.mktemp("demo") / "demo"
    result = tracker("demo", "--out", str(out), "--scale", "0.1", env=OFFLINE, timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    return out, result.stdout


def test_the_demo_collects_checks_and_reports_a_simulated_ecosystem_offline(demo_run):
    out, said = demo_run
    assert said.startswith("SIMULATED DATA")
    assert f"report (SIMULATED):    {out / 'report' / 'report.html'}" in said
    assert f"warehouse (SIMULATED): {out / 'warehouse.duckdb'}" in said
    assert re.search(r"checked 8 claims: ", said)
    page = (out / "report" / "report.html").read_text(encoding="utf-8")
    assert "<title>[SIMULATED] " in page and 'class="simulated"' in page
    assert page.count('<img src="data:image/png;base64,') == 18
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
