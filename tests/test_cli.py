"""The `tracker` command as users meet it: help, queries, the ledger, and one-line errors."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from conftest import rows, tracker


def collected(db_file, hub) -> None:
    tracker("--db", str(db_file), "collect", "huggingface", env={"HF_ENDPOINT": hub.url}, check=True)


def test_help_teaches_the_commands_the_environment_and_the_exit_codes():
    result = tracker("--help", check=True)
    for expected in ("collect", "sql", "runs", "config", "HF_TOKEN", "GITHUB_TOKEN", "TRACKER_DB", "exit codes"):
        assert expected in result.stdout


def test_sql_answers_as_a_table_csv_or_json(small_hub, db_file):
    collected(db_file, small_hub)
    query = "SELECT hub, count(*) AS models FROM models GROUP BY hub"
    table = tracker("--db", str(db_file), "sql", query, check=True).stdout
    as_csv = tracker("--db", str(db_file), "sql", "--format", "csv", query, check=True).stdout
    as_json = tracker("--db", str(db_file), "sql", "--format", "json", query, check=True).stdout
    assert table.split() == ["hub", "models", "huggingface", "3000"]
    assert list(csv.DictReader(io.StringIO(as_csv))) == [{"hub": "huggingface", "models": "3000"}]
    assert json.loads(as_json) == [{"hub": "huggingface", "models": 3000}]


def test_the_warehouse_path_comes_from_tracker_db_when_no_db_option_is_given(small_hub, db_file):
    tracker("collect", "huggingface", env={"HF_ENDPOINT": small_hub.url, "TRACKER_DB": str(db_file)}, check=True)
    assert rows(db_file, "SELECT count(*) FROM models") == [(3000,)]


def test_sql_refuses_to_write_and_says_so_in_one_line(small_hub, db_file):
    collected(db_file, small_hub)
    for statement in ("DELETE FROM models", "CREATE TABLE x AS SELECT 1", "COPY models TO 'out.csv'"):
        result = tracker("--db", str(db_file), "sql", statement)
        assert result.returncode == 3
        assert result.stderr.startswith("tracker: query refused") and result.stderr.count("\n") == 1
    assert rows(db_file, "SELECT count(*) FROM models") == [(3000,)]


def test_a_bad_query_is_a_one_line_error(small_hub, db_file):
    collected(db_file, small_hub)
    result = tracker("--db", str(db_file), "sql", "SELECT nonsense FROM nowhere")
    assert (result.returncode, result.stderr.count("\n")) == (3, 1)
    assert "SQL error" in result.stderr and "nowhere" in result.stderr


def test_a_file_that_is_not_duckdb_is_a_one_line_error_and_is_left_alone(tmp_path):
    bogus = tmp_path / "notes.duckdb"
    bogus.write_text("my notes, not a warehouse\n")
    result = tracker("--db", str(bogus), "collect", "huggingface")
    assert result.returncode == 3
    assert result.stderr == f"tracker: {bogus} is not a DuckDB warehouse; point --db at a new or existing tracker warehouse\n"
    assert bogus.read_text() == "my notes, not a warehouse\n"


def test_a_second_writer_exits_at_once_with_a_clear_message(small_hub, db_file):
    first_may_go_on = threading.Event()  # the first writer's second page is held until the second writer has exited
    small_hub.add_fault("kill", path="/api/models", times=1, after=1, on_hit=lambda: first_may_go_on.wait(120))
    first = subprocess.Popen([sys.executable, "-m", "tracker", "--db", str(db_file), "collect", "huggingface"],
                             env={**os.environ, "HF_ENDPOINT": small_hub.url}, stderr=subprocess.DEVNULL)
    try:
        while len(small_hub.requests_to("/api/models")) < 2:
            time.sleep(0.05)
        second = tracker("--db", str(db_file), "collect", "huggingface", env={"HF_ENDPOINT": small_hub.url})
        first_was_still_writing = first.poll() is None
    finally:
        first_may_go_on.set()
    assert first.wait(timeout=60) == 0
    assert second.returncode == 3 and "in use by another tracker process" in second.stderr
    assert first_was_still_writing  # so the second did not queue for the lock
    assert rows(db_file, "SELECT status, records FROM runs") == [("succeeded", 3000)]


def test_runs_lists_the_ledger_newest_first(small_hub, db_file, tmp_path):
    (tmp_path / "tracker.toml").write_text("[huggingface]\nretry_wait = 0.01\n")
    collected(db_file, small_hub)
    small_hub.add_fault("status", path="/api/models", status=500, times=99)
    tracker("--db", str(db_file), "-q", "collect", "huggingface", env={"HF_ENDPOINT": small_hub.url})
    ledger = json.loads(tracker("--db", str(db_file), "runs", "--format", "json", check=True).stdout)
    assert [(r["run_id"], r["source"], r["status"]) for r in ledger] == [
        (2, "huggingface", "failed"), (1, "huggingface", "succeeded")]
    assert "500" in ledger[0]["error"]


def test_config_prints_the_effective_configuration_with_tokens_masked(tmp_path):
    (tmp_path / "tracker.toml").write_text('[huggingface]\nauthor = "Qwen"\n')
    result = tracker("config", env={"HF_TOKEN": "hf_secret_value_123"}, check=True)
    shown = json.loads(result.stdout)
    assert shown["huggingface"]["author"] == "Qwen"
    assert shown["huggingface"]["token"] == "set in HF_TOKEN (hidden)"
    assert "hf_secret_value_123" not in result.stdout + result.stderr


def test_an_unknown_key_or_a_wrong_type_in_the_config_is_a_one_line_error_naming_it(tmp_path):
    (tmp_path / "tracker.toml").write_text('[huggingface]\nauthr = "Qwen"\n')
    unknown = tracker("config")
    (tmp_path / "tracker.toml").write_text('[huggingface]\npage_size = "big"\n')
    wrong_type = tracker("config")
    assert unknown.returncode == wrong_type.returncode == 2
    assert "unknown key 'huggingface.authr'" in unknown.stderr and unknown.stderr.count("\n") == 1
    assert "'huggingface.page_size' must be an integer" in wrong_type.stderr


def test_collect_all_runs_the_three_sources(small_hub, db_file):
    from datetime import datetime, timezone

    from tracker.sim.ecosystem import GeneratedEcosystem
    from tracker.sim.github import GitHubStandIn, generate
    from tracker.sim.modelscope import ModelScopeStandIn

    repos = generate(150, seed=1)
    modelscope_models = GeneratedEcosystem(1_500, seed=2, hub="modelscope", start=datetime(2024, 9, 17, tzinfo=timezone.utc))
    with ModelScopeStandIn(modelscope_models) as ms, GitHubStandIn(repos.repos, repos.owners, search_window=1) as gh:
        env = {"HF_ENDPOINT": small_hub.url, "MODELSCOPE_ENDPOINT": ms.url, "GITHUB_API_URL": gh.url}
        Path("tracker.toml").write_text("[modelscope]\nreadme_pause = 0.0\n")  # a local stand-in needs no pacing
        tracker("--db", str(db_file), "collect", "all", env=env, check=True)
    assert rows(db_file, "SELECT source, status FROM runs ORDER BY run_id") == [
        ("huggingface", "succeeded"), ("modelscope", "succeeded"), ("github", "succeeded")]
    assert rows(db_file, "SELECT hub, count(*) FROM models GROUP BY hub ORDER BY hub") == [
        ("huggingface", 3000), ("modelscope", 1500)]
    assert rows(db_file, "SELECT count(*) > 0 FROM repos") == [(True,)]


def test_check_judges_every_claim_and_shows_one_claims_history(small_hub, db_file):
    collected(db_file, small_hub)
    table = tracker("--db", str(db_file), "check", check=True).stdout
    one = json.loads(tracker("--db", str(db_file), "check", "--claim", "modelscope-scale", "--format", "json",
                             check=True).stdout)
    history = tracker("--db", str(db_file), "check", "--history", "modelscope-scale", "--format", "json", check=True)
    assert table.split()[:5] == ["claim", "verdict", "snapshot", "measured", "reported"]
    for claim in ("qwen-derivative-leadership", "modelscope-scale", "github-ai-growth", "china-avg-stars-first"):
        assert claim in table
    assert [(v["claim_id"], v["verdict"]) for v in one] == [("modelscope-scale", "insufficient data")]
    assert "modelscope" in one[0]["reason"]
    assert [h["verdict"] for h in json.loads(history.stdout)] == ["insufficient data", "insufficient data"]


def test_an_unknown_claim_is_a_usage_error(small_hub, db_file):
    collected(db_file, small_hub)
    result = tracker("--db", str(db_file), "check", "--claim", "qwen-is-best")
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "qwen-is-best" in result.stderr
