"""Collecting Hugging Face: the real huggingface_hub client against the stand-in Hub on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import sys
import time
from datetime import date, datetime

import pytest
from conftest import hf_source, rows, tracker
from huggingface_hub import HfApi
from tracker.collectors.records import CollectorError
from tracker.collectors.huggingface_records import PAGE_KIND, TYPED_PAGE_KIND, check_page, encode_page
from tracker.warehouse.hub_pages import read_pages
from tracker.warehouse import db, staging

from tracker.pipeline import CollectionFailed, collect
from tracker.sim.ecosystem import GeneratedEcosystem, SimModel
from tracker.sim.huggingface import HubStandIn

EDGES = "SELECT child_id, parent_id, relation FROM lineage"
SNAPSHOTS = "SELECT hub, model_id, snapshot_date, downloads, downloads_all_time, likes FROM model_snapshots ORDER BY ALL"
MODELS = ("SELECT hub, model_id, author, created_at, last_modified, pipeline_tag, library_name, license, tags, "
          "gated, private, first_seen, last_seen, gone_since FROM models ORDER BY ALL")



def test_a_50000_model_hub_loads_every_model_and_exactly_the_generated_lineage(tmp_path, db_file):
    ecosystem = GeneratedEcosystem(50_000, seed=2024)
    with HubStandIn(ecosystem) as hub:
        tracker("--db", str(db_file), "collect", "huggingface", env={"HF_ENDPOINT": hub.url}, check=True)
    assert rows(db_file, "SELECT count(*), count(DISTINCT model_id) FROM models") == [(50_000, 50_000)]
    assert set(rows(db_file, EDGES)) == ecosystem.expected_edges()
    assert rows(db_file, "SELECT count(*) FROM model_snapshots") == [(50_000,)]


def test_the_next_page_is_requested_while_a_page_is_being_stored(small_hub, db_file):
    requests_seen_while_storing_page_1: list[int] = []

    def store_page_slowly(run, page) -> None:  # runs after a page's commit, before the next page is taken
        if run.pages == 1:
            give_up = time.monotonic() + 30  # without the read-ahead, page 2 is never asked for meanwhile
            while len(small_hub.requests_to("/api/models")) < 2 and time.monotonic() < give_up:
                time.sleep(0.05)
            requests_seen_while_storing_page_1.append(len(small_hub.requests_to("/api/models")))

    summary = collect(db.connect(db_file), hf_source(small_hub), on_page=store_page_slowly)
    assert (summary.status, summary.pages) == ("succeeded", 3)
    assert requests_seen_while_storing_page_1[0] >= 2


def test_every_field_the_warehouse_keeps_is_read_from_the_listing(db_file):
    model = SimModel("Qwen/Qwen2.5-7B-Instruct", datetime(2024, 9, 16, 11, 55, 40), downloads=23384870,
                     downloads_all_time=99_000_000, likes=1134, parents=("Qwen/Qwen2.5-7B",), relation="finetune")
    with HubStandIn([model]) as hub:
        collect(db.connect(db_file), hf_source(hub), snapshot_date=date(2025, 1, 2))
    assert rows(db_file, MODELS) == [(
        "huggingface", "Qwen/Qwen2.5-7B-Instruct", "Qwen", datetime(2024, 9, 16, 11, 55, 40),
        datetime(2024, 9, 19, 11, 55, 40), "text-generation", "transformers", "apache-2.0",
        ["transformers", "text-generation", "license:apache-2.0", "base_model:Qwen/Qwen2.5-7B",
         "base_model:finetune:Qwen/Qwen2.5-7B", "region:us"], "false", False,
        date(2025, 1, 2), date(2025, 1, 2), None)]
    assert rows(db_file, SNAPSHOTS) == [
        ("huggingface", "Qwen/Qwen2.5-7B-Instruct", date(2025, 1, 2), 23384870, 99_000_000, 1134)]
    assert rows(db_file, "SELECT * FROM lineage") == [
        ("huggingface", "Qwen/Qwen2.5-7B-Instruct", "Qwen/Qwen2.5-7B", "finetune", "tag")]


def test_lineage_is_read_from_base_models_tags_and_card_and_deduplicated():
    page = read_pages([encode_page([
        {"id": "u/merged", "baseModels": {"relation": "merge", "models": [{"id": "a/x"}, {"id": "b/y"}]},
         "tags": ["base_model:a/x", "base_model:merge:a/x", "base_model:merge:b/y"],
         "cardData": {"base_model": ["a/x", "b/y"]}},
        {"id": "u/quant-of-ft", "tags": ["base_model:finetune:Qwen/Qwen2.5-7B",
                                         "base_model:quantized:Qwen/Qwen2.5-7B-Instruct"]},
        {"id": "u/card-only", "cardData": {"base_model": "https://huggingface.co/meta-llama/Llama-3.1-8B "}},
        {"id": "u/plain-tag", "tags": ["base_model:mistralai/Mistral-7B-v0.1"]},
        {"id": "u/base", "tags": ["text-generation"], "cardData": {"license": "mit"}},
    ])])
    assert {(e["child_id"], e["parent_id"], e["relation"], e["provenance"]) for e in page["lineage"]} == {
        ("u/merged", "a/x", "merge", "baseModels"),
        ("u/merged", "b/y", "merge", "baseModels"),
        ("u/quant-of-ft", "Qwen/Qwen2.5-7B", "finetune", "tag"),
        ("u/quant-of-ft", "Qwen/Qwen2.5-7B-Instruct", "quantized", "tag"),
        ("u/card-only", "meta-llama/Llama-3.1-8B", "unknown", "card"),
        ("u/plain-tag", "mistralai/Mistral-7B-v0.1", "unknown", "tag"),
    }
    assert len(page["models"]) == 5


def test_fields_of_an_unexpected_type_become_null_and_unknown_fields_are_ignored():
    [record] = read_pages([encode_page([{"id": "o/m", "downloads": "12", "likes": "many", "createdAt": 17,
                            "tags": "gguf", "brandNewField": {"x": 1}}])])["models"]
    assert (record["downloads"], record["likes"], record["created_at"], record["tags"]) == (12, None, None, [])


DOCUMENTED_TYPES = [  # every field the warehouse keeps, in each form the Hub documents for it
    {"id": "o/full", "author": "o", "createdAt": "2024-09-16T11:55:40.000Z", "lastModified": "2024-09-19T11:55:40",
     "pipeline_tag": "text-generation", "library_name": "transformers", "gated": "auto", "private": False,
     "downloads": 12, "downloadsAllTime": 2**40, "likes": 3,
     "tags": ["license:mit", "base_model:a/x", "base_model:finetune:a/x", "base_model:quantized:b/y"],
     "cardData": {"license": "apache-2.0", "base_model": ["a/x", " https://huggingface.co/c/z "],
                  "base_model_relation": "merge", "datasets": ["d"]}},
    {"id": "o/card", "author": "", "gated": True, "private": None, "tags": None,
     "cardData": {"license": "", "base_model": "hf.co/a/x", "base_model_relation": "adapter"}},
    {"id": "bare", "gated": False, "cardData": None, "createdAt": "2024-02-30T00:00:00Z"},
]


def test_a_model_reads_the_same_whether_or_not_every_field_of_its_page_has_its_documented_type():
    typed = encode_page(DOCUMENTED_TYPES)
    mixed = encode_page(DOCUMENTED_TYPES + [{"id": "o/odd", "downloads": "12"}])
    assert [check_page(page, 1).kind for page in (typed, mixed)] == [TYPED_PAGE_KIND, PAGE_KIND]
    natively, as_json = read_pages([typed]), read_pages([mixed])
    assert natively["models"] == [row for row in as_json["models"] if row["model_id"] != "o/odd"]
    assert sorted(natively["lineage"], key=str) == sorted(as_json["lineage"], key=str)
    assert len(natively["lineage"]) == 4


def test_a_card_naming_a_key_twice_reads_as_its_first_and_a_page_nested_without_end_is_one_error():
    twice = b'[{"id": "u/q", "cardData": {"base_model": "a/x", "base_model": ["b/y"]}}]'
    assert check_page(twice, 1).kind == TYPED_PAGE_KIND
    assert [(e["parent_id"], e["provenance"]) for e in read_pages([twice])["lineage"]] == [("a/x", "card")]
    deep = b'[{"id": "u/q", "cardData": ' + b'{"x": ' * 5000 + b'1' + b'}' * 5000 + b'}]'
    with pytest.raises(CollectorError, match="^Hugging Face page 3 is nested too deeply to read$"):
        check_page(deep, 3)


def test_collecting_twice_on_the_same_day_gives_the_same_rows_as_once(small_hub, db_file):
    con = db.connect(db_file)
    collect(con, hf_source(small_hub), snapshot_date=date(2025, 3, 1))
    once = [con.execute(q).fetchall() for q in (MODELS, SNAPSHOTS, EDGES + " ORDER BY ALL")]
    collect(con, hf_source(small_hub), snapshot_date=date(2025, 3, 1))
    assert [con.execute(q).fetchall() for q in (MODELS, SNAPSHOTS, EDGES + " ORDER BY ALL")] == once


def test_a_new_day_adds_one_snapshot_row_per_model(small_hub, db_file):
    con = db.connect(db_file)
    collect(con, hf_source(small_hub), snapshot_date=date(2025, 3, 1))
    collect(con, hf_source(small_hub), snapshot_date=date(2025, 3, 2))
    assert con.execute("SELECT snapshot_date, count(*) FROM model_snapshots GROUP BY 1 ORDER BY 1").fetchall() == [
        (date(2025, 3, 1), 3000), (date(2025, 3, 2), 3000)]
    assert con.execute("SELECT count(*) FROM models").fetchone() == (3000,)


def test_models_that_disappear_are_kept_and_marked_gone_and_counts_as_of_a_past_date_include_them(db_file):
    ecosystem = GeneratedEcosystem(1_200, seed=3)
    con = db.connect(db_file)
    with HubStandIn(list(ecosystem)) as hub:
        collect(con, hf_source(hub), snapshot_date=date(2025, 5, 1))
    survivors = [m for i, m in enumerate(ecosystem) if i % 10]
    with HubStandIn(survivors) as hub:
        collect(con, hf_source(hub), snapshot_date=date(2025, 5, 2))
    assert con.execute("SELECT gone_since, count(*) FROM models GROUP BY 1 ORDER BY 1 NULLS FIRST").fetchall() == [
        (None, len(survivors)), (date(2025, 5, 2), 1_200 - len(survivors))]
    assert con.execute("SELECT count(*) FROM models_as_of(DATE '2025-05-01')").fetchone() == (1_200,)
    assert con.execute("SELECT count(*) FROM models_as_of(DATE '2025-05-02')").fetchone() == (len(survivors),)


def test_a_narrowed_listing_loads_only_its_scope_and_marks_nothing_gone(small_hub, db_file):
    con = db.connect(db_file)
    collect(con, hf_source(small_hub), snapshot_date=date(2025, 5, 1))
    collect(con, hf_source(small_hub, author="Qwen"), snapshot_date=date(2025, 5, 2))
    qwen = [m.model_id for m in small_hub.catalog if m.author == "Qwen"]
    assert con.execute("SELECT count(*) FROM models WHERE gone_since IS NOT NULL").fetchone() == (0,)
    assert sorted(r[0] for r in con.execute(
        "SELECT model_id FROM model_snapshots WHERE snapshot_date = DATE '2025-05-02'").fetchall()) == sorted(qwen)
    assert {r.arg("author") for r in small_hub.requests_to("/api/models")} == {None, "Qwen"}


def test_rate_limits_and_server_errors_are_waited_out_and_retried(small_hub, db_file):
    small_hub.add_fault("status", path="/api/models", status=429, times=2, after=1,
                        headers={"Retry-After": "0", "RateLimit": '"api";r=0;t=0'})
    small_hub.add_fault("status", path="/api/models", status=503, times=2, after=2)
    summary = collect(db.connect(db_file), hf_source(small_hub))
    assert (summary.status, summary.records) == ("succeeded", 3000)
    assert rows(db_file, "SELECT count(*) FROM models") == [(3000,)]


def test_a_page_that_is_not_json_fails_the_run_naming_the_page_and_keeps_earlier_pages(small_hub, db_file):
    small_hub.add_fault("truncate", path="/api/models", after=2)
    result = tracker("--db", str(db_file), "collect", "huggingface", env={"HF_ENDPOINT": small_hub.url})
    assert result.returncode == 1
    assert "page 3" in result.stderr and "not valid JSON" in result.stderr
    assert rows(db_file, "SELECT status, pages, records, error LIKE '%page 3%' FROM runs") == [("failed", 2, 2000, True)]
    assert rows(db_file, "SELECT count(*) FROM model_snapshots") == [(2000,)]
    tracker("--db", str(db_file), "collect", "huggingface", env={"HF_ENDPOINT": small_hub.url}, check=True)
    assert rows(db_file, "SELECT status, pages, records FROM runs") == [("succeeded", 3, 3000)]
    assert rows(db_file, "SELECT count(*), count(DISTINCT model_id) FROM model_snapshots") == [(3000, 3000)]


def test_a_record_without_an_id_fails_the_run_naming_the_page_and_record(small_hub, db_file):
    small_hub.add_fault("mutate", path="/api/models", after=1, mutate=lambda items: items[:5] + [{"likes": 3}])
    with pytest.raises(CollectionFailed, match=r"page 2, model 6: record has no 'id'"):
        collect(db.connect(db_file), hf_source(small_hub))
    assert rows(db_file, "SELECT status, pages FROM runs") == [("failed", 1)]


def test_a_kill_9_mid_collection_then_a_rerun_leaves_the_warehouse_as_a_clean_run_would(tmp_path):
    ecosystem = GeneratedEcosystem(6_000, seed=11)
    clean, crashed = tmp_path / "clean.duckdb", tmp_path / "crashed.duckdb"
    with HubStandIn(ecosystem) as hub:
        env = {**os.environ, "HF_ENDPOINT": hub.url}
        tracker("--db", str(clean), "collect", "huggingface", env={"HF_ENDPOINT": hub.url}, check=True)
        victim: list[subprocess.Popen] = []
        hub.add_fault("kill", path="/api/models", after=3, on_hit=lambda: victim[0].send_signal(signal.SIGKILL))
        victim.append(subprocess.Popen([sys.executable, "-m", "tracker", "--db", str(crashed), "collect",
                                        "huggingface"], env=env, stderr=subprocess.DEVNULL))
        assert victim[0].wait(timeout=120) == -signal.SIGKILL
        [(run_id, status)] = rows(crashed, "SELECT run_id, status FROM runs")
        committed = staging.Staged(crashed, run_id).checkpoint().pages  # staged beside the warehouse
        assert status == "running" and 1 <= committed <= 3  # the next page is read while one is stored
        tracker("--db", str(crashed), "collect", "huggingface", env={"HF_ENDPOINT": hub.url}, check=True)
    for query in (MODELS, SNAPSHOTS, EDGES + " ORDER BY ALL"):
        assert rows(crashed, query) == rows(clean, query)
    assert rows(crashed, "SELECT status, pages, records FROM runs") == [("succeeded", 6, 6000)]
    assert rows(crashed, "SELECT count(*) FROM stage_models") == [(0,)]
    assert not staging.Staged(crashed, run_id).folder.exists()


def test_sigterm_mid_collection_stops_after_a_committed_page_and_the_rerun_resumes(tmp_path):
    ecosystem = GeneratedEcosystem(6_000, seed=11)
    clean, stopped = tmp_path / "clean.duckdb", tmp_path / "stopped.duckdb"
    with HubStandIn(ecosystem) as hub:
        tracker("--db", str(clean), "collect", "huggingface", env={"HF_ENDPOINT": hub.url}, check=True)
        victim: list[subprocess.Popen] = []
        hub.add_fault("kill", path="/api/models", after=2, on_hit=lambda: victim[0].send_signal(signal.SIGTERM))
        victim.append(subprocess.Popen([sys.executable, "-m", "tracker", "--db", str(stopped), "collect", "huggingface"],
                                       env={**os.environ, "HF_ENDPOINT": hub.url}, stderr=subprocess.PIPE, text=True))
        assert victim[0].wait(timeout=120) == 1
        log = victim[0].stderr.read()
        [(status, committed, error)] = rows(stopped, "SELECT status, pages, error FROM runs")
        assert status == "failed" and 1 <= committed < 6 and "stopped by a signal" in error
        assert "received SIGTERM" in log and "Traceback" not in log
        tracker("--db", str(stopped), "collect", "huggingface", env={"HF_ENDPOINT": hub.url}, check=True)
    for query in (MODELS, SNAPSHOTS, EDGES + " ORDER BY ALL"):
        assert rows(stopped, query) == rows(clean, query)
    assert rows(stopped, "SELECT status, pages, records FROM runs") == [("succeeded", 6, 6000)]


def test_the_recorded_hub_answers_are_served_as_recorded(small_hub):
    info = HfApi(endpoint=small_hub.url).model_info("bert-base-uncased")
    assert (info.id, info.library_name, info.pipeline_tag) == ("google-bert/bert-base-uncased", "transformers",
                                                               "fill-mask")


def test_a_card_that_names_its_relation_gives_that_relation():
    page = read_pages([encode_page([{"id": "u/q", "cardData": {"base_model": "Qwen/Qwen2.5-7B", "base_model_relation": "quantized"}},
                       {"id": "u/r", "cardData": {"base_model": ["a/x"], "base_model_relation": "sideways"}}])])
    assert {(e["child_id"], e["parent_id"], e["relation"], e["provenance"]) for e in page["lineage"]} == {
        ("u/q", "Qwen/Qwen2.5-7B", "quantized", "card"), ("u/r", "a/x", "unknown", "card")}


def test_a_stop_ends_a_collection_waiting_on_a_stalled_hub_at_once_even_outside_the_main_thread(db_file):
    from tracker.collectors.waiting import STOP

    asked, staged, release, finished, outcome = (threading.Event(), threading.Event(), threading.Event(),
                                                 threading.Event(), {})
    with HubStandIn(GeneratedEcosystem(3_000, seed=7)) as hub:
        hub.add_fault("delay", path="/api/models", after=1, seconds=0, times=1,
                      on_hit=lambda: (asked.set(), release.wait(120)))

        def scheduled_job():  # as under `tracker schedule`: no signal handler can interrupt this thread
            try:
                collect(db_file, hf_source(hub, timeout=600), lambda run, page: staged.set(),
                        snapshot_date=date(2025, 3, 1))
            except CollectionFailed as error:
                outcome["error"] = str(error)
            finally:
                finished.set()

        threading.Thread(target=scheduled_job, daemon=True).start()
        try:
            assert asked.wait(120) and staged.wait(120)  # page 1 is staged, page 2 stalls on the hub
            STOP.set()  # what the service's SIGTERM handler does
            assert finished.wait(120) and not release.is_set()  # the hub is still stalled: the stop ended it
        finally:
            release.set()
            STOP.clear()
    assert "stopped by a signal" in outcome["error"]
    assert rows(db_file, "SELECT status, pages FROM runs") == [("failed", 1)]
