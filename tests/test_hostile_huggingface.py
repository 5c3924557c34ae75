"""A hostile or broken Hugging Face hub: the token stays on the configured hub, loops end, every wait is
bounded and a stop ends it. Each runs the real CLI against stand-ins on 127.0.0.1 and 127.0.0.2."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys

from datetime import date

import pytest
from conftest import hf_source, rows, tracker

from tracker.pipeline import collect as collect_into
from tracker.sim.ecosystem import GeneratedEcosystem
from tracker.sim.huggingface import HubStandIn, cursor_at
from tracker.warehouse import staging

TOKEN = "hf_hostiletest0123456789"
ANOTHER_HOST = "127.0.0.2"


def collect(db_file, hub, **popen):
    return tracker("--db", str(db_file), "collect", "huggingface", env={"HF_ENDPOINT": hub.url, "HF_TOKEN": TOKEN},
                   **popen)


def tokens_seen(stand_in) -> list[str]:
    return [r.headers.get("authorization", "") for r in stand_in.log]


def test_a_link_to_another_host_is_refused_and_the_token_never_reaches_it(small_hub, db_file):
    with HubStandIn(GeneratedEcosystem(1_000, seed=5), host=ANOTHER_HOST) as other:
        small_hub.add_fault("headers", path="/api/models", after=1,
                            headers={"Link": f'<{other.url}/api/models?cursor=abc>; rel="next"'})
        result = collect(db_file, small_hub)
        assert other.log == []
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"refusing to follow {other.url}/api/models?cursor=abc" in result.stderr
    [(status, pages, cursor)] = rows(db_file, "SELECT status, pages, cursor FROM runs")
    assert (status, pages) == ("failed", 1) and cursor.startswith(small_hub.url + "/api/models?")
    assert rows(db_file, "SELECT count(*) FROM model_snapshots") == [(1_000,)]  # nothing of the other host's
    assert f"Bearer {TOKEN}" in tokens_seen(small_hub)

    collect(db_file, small_hub, check=True)  # the rerun resumes on the configured hub
    assert rows(db_file, "SELECT status, records FROM runs ORDER BY run_id") == [("succeeded", 3_000)]


def test_a_saved_cursor_naming_another_host_is_never_asked(small_hub, db_file):
    small_hub.add_fault("status", path="/api/models", after=1, status=500, times=50)
    assert collect(db_file, small_hub).returncode == 1
    with HubStandIn(GeneratedEcosystem(1_000, seed=5), host=ANOTHER_HOST) as other:
        saved = staging.Staged(db_file, 1).folder / "checkpoint.json"  # where a run's cursor is kept
        saved.write_text(json.dumps({**json.loads(saved.read_text()), "cursor": f"{other.url}/api/models?cursor=abc"}))
        before = rows(db_file, "SELECT count(*) FROM model_snapshots")
        result = collect(db_file, small_hub)
        assert other.log == []
    assert result.returncode == 1 and "not on the configured endpoint" in result.stderr
    assert rows(db_file, "SELECT count(*) FROM model_snapshots") == before


def test_a_page_whose_link_names_itself_ends_the_run(small_hub, db_file):
    loop = f"{small_hub.url}/api/models?limit=1000&cursor={cursor_at(1_000)}"
    small_hub.add_fault("headers", path="/api/models", after=1, times=1_000, headers={"Link": f'<{loop}>; rel="next"'})
    result = collect(db_file, small_hub)
    assert result.returncode == 1 and "already served" in result.stderr
    assert len(small_hub.requests_to("/api/models")) == 3  # page 1, page 2, the looping page once
    assert rows(db_file, "SELECT status FROM runs") == [("failed",)]


def test_a_wait_longer_than_the_ceiling_fails_the_run_at_once_naming_it(small_hub, db_file):
    small_hub.add_fault("status", path="/api/models", after=1, status=429, headers={"Retry-After": "999999999"})
    result = collect(db_file, small_hub)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "asked to wait 999999999 s, more than the 900 s allowed" in result.stderr
    assert rows(db_file, "SELECT status, pages FROM runs") == [("failed", 1)]


@pytest.fixture
def six_page_hub():
    with HubStandIn(GeneratedEcosystem(6_000, seed=11)) as hub:
        yield hub


def stopped_run(db_file, hub, kind: str, **fault) -> tuple[int, str]:
    """A collection sent SIGTERM while the stand-in serves page 4 with the fault `kind`.

    Page 4 is asked for only once page 1 is stored (the read-ahead is at most two pages ahead)."""
    victim: list[subprocess.Popen] = []
    hub.add_fault(kind, path="/api/models", after=3, on_hit=lambda: victim[0].send_signal(signal.SIGTERM), **fault)
    victim.append(subprocess.Popen(
        [sys.executable, "-m", "tracker", "--db", str(db_file), "collect", "huggingface"],
        env={**os.environ, "HF_ENDPOINT": hub.url}, stderr=subprocess.PIPE, text=True))
    code = victim[0].wait(timeout=60)  # the wait itself would last 600 s, the trickle 20 s a byte
    return code, victim[0].stderr.read()


def assert_stopped_then_resumed(db_file, hub, code: int, log: str) -> None:
    assert code == 1 and "Traceback" not in log and "received SIGTERM" in log
    [(status, pages, error)] = rows(db_file, "SELECT status, pages, error FROM runs")
    assert status == "failed" and 1 <= pages <= 3 and "stopped by a signal" in error
    asked_before = len(hub.requests_to("/api/models"))
    collect(db_file, hub, check=True)
    assert rows(db_file, "SELECT status, pages, records FROM runs") == [("succeeded", 6, 6_000)]
    assert len(hub.requests_to("/api/models")) - asked_before == 6 - pages  # resumed, not started again
    assert rows(db_file, "SELECT count(*), count(DISTINCT model_id) FROM model_snapshots") == [(6_000, 6_000)]


def test_sigterm_during_a_long_rate_limit_wait_ends_the_run_at_once_and_the_rerun_resumes(six_page_hub, db_file):
    code, log = stopped_run(db_file, six_page_hub, "status", status=429, headers={"Retry-After": "600"})
    assert_stopped_then_resumed(db_file, six_page_hub, code, log)


def test_sigterm_during_a_trickling_body_ends_the_run_at_once_and_the_rerun_resumes(six_page_hub, db_file):
    code, log = stopped_run(db_file, six_page_hub, "trickle", seconds=20)
    assert_stopped_then_resumed(db_file, six_page_hub, code, log)


def test_a_trickling_body_fails_the_page_at_its_deadline(small_hub, db_file, tmp_path):
    (tmp_path / "tracker.toml").write_text("[huggingface]\ndeadline = 1\nretry_wait = 0.1\n")
    small_hub.add_fault("trickle", path="/api/models", after=1, seconds=0.2)
    result = collect(db_file, small_hub, timeout=120)
    assert result.returncode == 1 and "no complete answer within 1 s" in result.stderr
    assert rows(db_file, "SELECT status, pages FROM runs") == [("failed", 1)]


def test_a_refused_listing_parameter_is_named(small_hub, db_file):
    small_hub.add_fault("status", path="/api/models", status=400,
                        body={"error": '"expand" must be one of [...], got [\'baseModels\']'})
    result = collect(db_file, small_hub)
    assert result.returncode == 1 and "baseModels" in result.stderr and "400" in result.stderr


def test_the_listing_never_asks_for_a_field_only_model_info_serves(small_hub, db_file):
    collect(db_file, small_hub, check=True)
    asked = {value for request in small_hub.requests_to("/api/models") for value in request.args("expand")}
    assert asked and not asked & {"baseModels", "childrenModelCount", "usedStorage"}


def test_an_odd_answer_of_the_clients_own_requests_cannot_break_this_run_or_later_ones(small_hub, db_file, tmp_path):
    small_hub.add_fault("status", path="/api/agent-harnesses", status=200, times=10,
                        body={"standardEnvVars": ["AGENT"], "harnesses": {"x": {"envVars": 5}}})
    home = tmp_path / "users-hf-home"
    for _ in range(2):
        tracker("--db", str(db_file), "collect", "huggingface", check=True,
                env={"HF_ENDPOINT": small_hub.url, "HF_HOME": str(home), "AGENT": "x",
                     "HF_HUB_DISABLE_TELEMETRY": "0"})  # the client asks for the registry only with telemetry on
    assert rows(db_file, "SELECT status FROM runs ORDER BY run_id") == [("succeeded",), ("succeeded",)]
    assert small_hub.requests_to("/api/agent-harnesses") == [] and not home.exists()


def test_a_redirect_to_another_host_is_refused_and_that_host_is_never_asked(small_hub, db_file):
    with HubStandIn(GeneratedEcosystem(500, seed=5), host=ANOTHER_HOST) as other:
        small_hub.add_fault("status", path="/api/models", after=1, status=302, body="",
                            headers={"Location": f"{other.url}/api/models"})
        result = collect(db_file, small_hub)
        assert other.log == []
    assert result.returncode == 1 and f"refusing to follow a redirect to {other.url}/api/models" in result.stderr
    assert rows(db_file, "SELECT status, pages FROM runs") == [("failed", 1)]
    assert rows(db_file, "SELECT count(*) FROM model_snapshots") == [(1_000,)]


def test_a_model_naming_a_field_twice_is_read_as_the_hubs_own_client_reads_it_the_last_value(small_hub, db_file):
    # legal JSON that DuckDB refuses; huggingface_hub (Python's json) keeps the last value of each key
    small_hub.add_fault("rewrite", path="/api/models", after=1,
                        rewrite=lambda body: body.replace(b'[{', b'[{"id":"decoy/first","likes":99999,', 1))
    result = collect(db_file, small_hub)
    assert result.returncode == 0, result.stderr
    assert rows(db_file, "SELECT status, records FROM runs") == [("succeeded", 3000)]
    assert rows(db_file, "SELECT count(*), count(*) FILTER (model_id = 'decoy/first' OR likes = 99999) "
                         "FROM model_snapshots") == [(3000, 0)]


def with_escapes(*escapes: bytes):
    """A rewrite fault's function: the page's first models' library names begin with `escapes` in turn."""
    def rewrite(body: bytes) -> bytes:
        ahead = iter(escapes)
        return re.sub(rb'"library_name":"', lambda m: m[0] + next(ahead, b""), body)
    return rewrite


def test_a_lone_surrogate_escape_is_kept_as_the_replacement_character_and_the_day_is_kept(small_hub, db_file):
    # legal JSON that Python's json reads into a string UTF-8 cannot hold, and DuckDB refuses
    small_hub.add_fault("rewrite", path="/api/models", after=1,
                        rewrite=with_escapes(rb"\ud800", rb"\\ud800", rb"\ud83d\ude00", rb"\udc00\ud800"))
    result = collect(db_file, small_hub)
    assert result.returncode == 0, result.stderr
    assert rows(db_file, "SELECT status, records FROM runs") == [("succeeded", 3000)]
    prefixes = rows(db_file, "SELECT regexp_extract(library_name, '^(.*?)[a-z-]*$', 1) AS prefix FROM models "
                             "WHERE prefix <> '' ORDER BY model_id")
    assert sorted(prefixes) == sorted([("\ufffd",), ("\\ud800",), ("\U0001F600",), ("\ufffd\ufffd",)])


def replacing(changed: list[str], *fields: dict):
    """A mutate fault's function: the page's first models get `fields` in turn; their ids go to `changed`."""
    def mutate(items):
        for n, replaced in enumerate(fields):
            items[n] = {**items[n], **replaced}
            changed.append(items[n]["id"])
        return items
    return mutate


def test_counts_beyond_the_warehouse_types_are_unknown_and_the_day_is_kept(small_hub, db_file):
    first, second, changed = date(2025, 4, 1), date(2025, 4, 2), []
    small_hub.add_fault("mutate", path="/api/models", mutate=replacing(
        changed, {"likes": 1e300}, {"downloads": 2**64}, {"likes": 2**40}, {"downloadsAllTime": 2**63 - 1}))
    collect_into(db_file, hf_source(small_hub), snapshot_date=first)
    small_hub.add_fault("mutate", path="/api/models", mutate=replacing([], {}, {}, {}, {"downloadsAllTime": -2**63}))
    collect_into(db_file, hf_source(small_hub), snapshot_date=second)
    assert rows(db_file, "SELECT status, records FROM runs") == [("succeeded", 3000), ("succeeded", 3000)]
    stored = {(model_id, day): counts for model_id, day, *counts in rows(db_file, (
        "SELECT m.model_id, f.snapshot_date, f.likes IS NULL, f.downloads IS NULL, f.downloads_all_time, "
        "f.downloads_period FROM model_snapshot_facts f JOIN models m USING (model_key)"))}
    likes_1e300, downloads_2_64, likes_2_40, all_time = changed
    assert stored[likes_1e300, first][0] and stored[downloads_2_64, first][1] and stored[likes_2_40, first][0]
    assert stored[all_time, first][2:] == [2**63 - 1, None]
    assert stored[all_time, second][2:] == [-2**63, None]  # the difference is past BIGINT: unknown


class EndlessHub(HubStandIn):
    """States 3,000 models, but every page names a next page never seen before, forever."""

    def list_models(self, request):
        reply = super().list_models(request)
        self.pages_named = getattr(self, "pages_named", 0) + 1
        reply.headers.update({"X-Total-Count": "3000", "Link": f'<{self.url}/api/models?limit=1000&cursor='
                              f'{cursor_at(1_000)}&page={self.pages_named}>; rel="next"'})
        return reply


def test_more_pages_than_the_stated_total_allows_end_the_run(db_file):
    with EndlessHub(GeneratedEcosystem(3_000, seed=7)) as hub:
        result = collect(db_file, hub)
    assert result.returncode == 1 and "more pages than the catalogue can hold (5)" in result.stderr
    assert len(hub.requests_to("/api/models")) == 5


@pytest.mark.parametrize("fault, settings, problem", [
    ("mutate", {"mutate": lambda items: items[:41] + [{**items[41], "id": 41}] + items[42:]},
     r"Hugging Face page 3, model 42: record has no 'id' \(Expected `str`, got `int`\)"),
    ("truncate", {}, r"Hugging Face page 3 is not valid JSON: Input data was truncated"),
    ("rewrite", {"rewrite": lambda body: body.replace(b'"_id":"', b'"_id":"\xc3(', 1)},
     r"Hugging Face page 3 is not valid UTF-8 \(byte [\d,]+\)"),  # in a field the check does not read
], ids=["an id of the wrong type", "truncated JSON", "a byte that is not UTF-8"])
def test_a_malformed_page_fails_the_run_at_that_page_in_one_line_keeping_the_pages_before_it(
        small_hub, db_file, fault, settings, problem):
    small_hub.add_fault(fault, path="/api/models", after=2, **settings)
    run = tracker("--db", str(db_file), "collect", "huggingface", env={"HF_ENDPOINT": small_hub.url})
    assert run.returncode != 0
    assert "Traceback" not in run.stderr
    [line] = [line for line in run.stderr.splitlines() if " ERROR " in line]
    assert re.search(problem, line), line
    assert rows(db_file, "SELECT status, pages, records FROM runs") == [("failed", 2, 2000)]
    assert rows(db_file, "SELECT count(*) FROM model_snapshots") == [(2000,)]
