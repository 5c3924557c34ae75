"""The `tracker` command as users meet it: help, queries, the ledger, and one-line errors."""

from __future__ import annotations

import csv
import io
import json
import os
import shlex
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import rows, tracker

from tracker import config as configuration
from tracker.cli import build_parser
from tracker.cli_warehouse import EXAMPLE_QUERIES, sql_command
from tracker.warehouse import sql


def collected(db_file, hub) -> None:
    tracker("--db", str(db_file), "collect", "huggingface", env={"HF_ENDPOINT": hub.url}, check=True)


def test_help_teaches_the_commands_the_environment_and_the_exit_codes():
    result = tracker("--help", check=True)
    for expected in ("collect", "sql", "runs", "config", "HF_TOKEN", "GITHUB_TOKEN", "TRACKER_DB", "exit codes"):
        assert expected in result.stdout


def test_the_help_suggests_the_example_queries_of_their_sql_files_as_shell_lines():
    suggested = [line.strip() for line in build_parser().epilog.splitlines() if " sql " in line]
    assert [shlex.split(line) for line in suggested if line.startswith("tracker --db")] == [
        ["tracker", "--db", "demo/warehouse.duckdb", "sql", sql.statement(name)] for name in EXAMPLE_QUERIES]


def test_a_suggested_query_stays_one_argument_whatever_it_and_the_warehouses_path_hold():
    warehouse, query = "my demo/it's $HOME.duckdb", 'SELECT \'$HOME `x`\' AS "a ""b"""'
    assert shlex.split(sql_command(warehouse, query)) == ["tracker", "--db", warehouse, "sql", query]


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
    second_page_asked, first_may_go_on = threading.Event(), threading.Event()
    # the first writer's second page is held until the second writer has exited
    small_hub.add_fault("kill", path="/api/models", times=1, after=1,
                        on_hit=lambda: (second_page_asked.set(), first_may_go_on.wait(120)))
    first = subprocess.Popen([sys.executable, "-m", "tracker", "--db", str(db_file), "collect", "huggingface"],
                             env={**os.environ, "HF_ENDPOINT": small_hub.url}, stderr=subprocess.DEVNULL)
    try:
        assert second_page_asked.wait(120), "the first writer never asked for its second page"
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


# --- reading commands never create a warehouse; bad input is one line with its exit code ---------

READING = [["sql", "SELECT 1"], ["check"], ["report", "--out", "r"], ["export", "--out", "e"], ["runs"]]


@pytest.mark.parametrize("command", READING, ids=lambda c: c[0])
def test_a_reading_command_on_a_missing_warehouse_is_one_line_naming_it_and_creates_nothing(tmp_path, command):
    missing = tmp_path / "typo.duckdb"
    result = tracker("--db", str(missing), *command)
    assert (result.returncode, result.stderr.count("\n")) == (3, 1)
    assert result.stderr.startswith(f"tracker: no warehouse at {missing}")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_without_db_the_missing_default_warehouse_is_named_and_the_demos_is_suggested(tmp_path):
    result = tracker("check")
    assert (result.returncode, result.stderr.count("\n")) == (3, 1)
    assert "no warehouse at tracker.duckdb" in result.stderr and "--db" in result.stderr
    assert not (tmp_path / "tracker.duckdb").exists()


@pytest.mark.parametrize("query", ["", "-- only a comment"])
def test_an_empty_query_is_a_one_line_error(small_hub, db_file, query):
    collected(db_file, small_hub)
    result = tracker("--db", str(db_file), "sql", query)
    assert (result.returncode, result.stderr.count("\n")) == (3, 1)
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("limit", ["-1", "0", "ten"])
def test_runs_with_a_limit_below_one_is_a_one_line_usage_error(limit):
    result = tracker("runs", "--limit", limit)
    assert (result.returncode, result.stderr.count("\n")) == (2, 1)
    assert f"--limit: must be a whole number of at least 1, got '{limit}'" in result.stderr


@pytest.mark.parametrize("command", [["report"], ["export"]], ids=lambda c: c[0])
def test_an_out_that_names_an_existing_file_is_one_line_and_the_file_is_kept(small_hub, db_file, tmp_path, command):
    collected(db_file, small_hub)
    mine = tmp_path / "mine.txt"
    mine.write_text("keep me")
    result = tracker("--db", str(db_file), "-q", *command, "--out", str(mine))
    assert (result.returncode, result.stderr.count("\n")) == (2, 1)
    assert str(mine) in result.stderr and "Traceback" not in result.stderr
    assert mine.read_text() == "keep me"


@pytest.mark.parametrize("command", [["runs"], ["collect", "huggingface"], ["export", "--out", "e"],
                                     ["report", "--out", "r"]], ids=lambda c: c[0])
def test_a_truncated_warehouse_is_one_line_and_is_left_as_it_was(small_hub, db_file, tmp_path, command):
    collected(db_file, small_hub)
    cut = tmp_path / "cut.duckdb"
    cut.write_bytes(db_file.read_bytes()[: db_file.stat().st_size // 3])
    before = cut.read_bytes()
    result = tracker("--db", str(cut), "-q", *command, env={"HF_ENDPOINT": small_hub.url})
    assert (result.returncode, result.stderr.count("\n")) == (3, 1)
    assert str(cut) in result.stderr
    assert cut.read_bytes() == before


def test_a_usage_error_is_one_line_pointing_at_help():
    result = tracker("collect", "everything")
    assert (result.returncode, result.stderr.count("\n")) == (2, 1)
    assert "invalid choice: 'everything'" in result.stderr and "tracker collect --help" in result.stderr


def test_help_lists_every_exit_code_the_commands_use():
    shown = " ".join(tracker("--help", check=True).stdout.split())
    for code in ("0 all went well", "1 a source failed", "2 bad usage", "3 the warehouse is unusable",
                 "4 a claim check could not run", "130 interrupted"):
        assert code in shown


# --- configuration: every value checked where it is read, and shown with where it came from ------

@pytest.mark.parametrize("toml, key, problem", [
    ("[huggingface]\npage_size = 0", "huggingface.page_size", "must be between 1 and 1000, got 0"),
    ("[huggingface]\npage_size = -5", "huggingface.page_size", "must be between 1 and 1000, got -5"),
    ("[modelscope]\npage_size = 0", "modelscope.page_size", "must be between 1 and 50, got 0"),
    ("[modelscope]\npage_size = 500", "modelscope.page_size", "must be between 1 and 50, got 500"),
    ('report_schedule = "every night"', "report_schedule", "must have 5 cron fields"),
    ('[github]\nschedule = "61 * * * *"', "github.schedule", "is not a valid cron expression"),
    ("[huggingface]\ntimeout = 0", "huggingface.timeout", "must be a positive number of seconds, got 0.0"),
    ("[modelscope]\ntimeout = -1", "modelscope.timeout", "must be a positive number of seconds, got -1.0"),
    ('[huggingface]\nendpoint = "huggingface.co"', "huggingface.endpoint", "must be an http(s) URL"),
    ("[github]\ntopics = []", "github.topics", "must be 1 to 6 GitHub topics"),
    ("[github]\nfirst_year = 1999", "github.first_year", "must be at least 2008, got 1999"),
    ('report_dir = ""', "report_dir", "must name a folder"),
])
def test_a_value_out_of_its_range_or_format_is_one_line_naming_the_key(tmp_path, toml, key, problem):
    (tmp_path / "tracker.toml").write_text(toml + "\n")
    for command in (["config"], ["collect", "huggingface"], ["schedule", "--once-now"]):
        result = tracker(*command)
        assert (result.returncode, result.stderr.count("\n")) == (2, 1), command
        assert f"'{key}' {problem}" in result.stderr
    assert not (tmp_path / "tracker.duckdb").exists()


def test_every_key_has_a_rule_and_every_default_keeps_it():
    keys = configuration.flattened(configuration.Config())
    assert sorted(set(keys) - set(configuration.RULES)) == []
    assert {key: problem for key, value in keys.items() if (problem := configuration.RULES[key](value))} == {}


def test_config_shows_the_warehouse_path_it_will_use_and_where_each_value_came_from(tmp_path):
    (tmp_path / "tracker.toml").write_text('[huggingface]\nauthor = "Qwen"\n')
    by_default = json.loads(tracker("config", env={"MODELSCOPE_ENDPOINT": "http://127.0.0.1:9"}, check=True).stdout)
    from_env = json.loads(tracker("config", env={"TRACKER_DB": "elsewhere.duckdb"}, check=True).stdout)
    from_option = json.loads(tracker("--db", "demo/warehouse.duckdb", "config", check=True).stdout)

    assert (by_default["db"], by_default["from"]["db"]) == (str(tmp_path / "tracker.duckdb"), "default")
    assert (from_env["db"], from_env["from"]["db"]) == (str(tmp_path / "elsewhere.duckdb"), "environment TRACKER_DB")
    assert (from_option["db"], from_option["from"]["db"]) == (str(tmp_path / "demo" / "warehouse.duckdb"), "option --db")
    assert by_default["from"]["huggingface.author"] == "file tracker.toml"
    assert by_default["from"]["huggingface.page_size"] == "default"
    assert (by_default["modelscope"]["endpoint"], by_default["from"]["modelscope.endpoint"]) == (
        "http://127.0.0.1:9", "environment MODELSCOPE_ENDPOINT")
