"""`tracker doctor`: live checks of each collector's assumptions, against stand-ins in each of their modes."""

from __future__ import annotations

import json

from conftest import tracker

from tracker.sim.ecosystem import GeneratedEcosystem
from tracker.sim.huggingface import HubStandIn


def doctor(source: str, env: dict) -> tuple[int, list[dict]]:
    result = tracker("doctor", source, "--format", "json", env=env)
    assert "Traceback" not in result.stderr
    return result.returncode, json.loads(result.stdout)


def by_assumption(found: list[dict], words: str) -> dict:
    [row] = [row for row in found if words in row["assumption"]]
    return row


def test_a_hub_that_keeps_the_documented_contract_passes_every_check():
    with HubStandIn(GeneratedEcosystem(2_500, seed=1)) as hub:
        code, found = doctor("huggingface", {"HF_ENDPOINT": hub.url, "HF_TOKEN": "hf_good"})
    assert code == 0 and all(row["ok"] == "yes" for row in found)
    assert by_assumption(found, "page holds up to 1000")["observed"] == "1000 models, a next link"
    assert by_assumption(found, "refuses it")["observed"] == "HTTP 400"
    assert by_assumption(found, "X-Total-Count")["observed"] == "2,500"
    assert by_assumption(found, "HF_TOKEN")["observed"] == "accepted (tracker-stand-in)"
    assert "q=1000;w=300" in by_assumption(found, "RateLimit")["observed"]


def test_a_hub_without_a_stated_total_is_compared_with_the_last_complete_listing():
    with HubStandIn(GeneratedEcosystem(500, seed=1), total_count=False) as hub:
        code, found = doctor("huggingface", {"HF_ENDPOINT": hub.url})
    row = by_assumption(found, "X-Total-Count")
    assert code == 0 and row["observed"] == "absent" and "last complete listing" in row["collector will"]
    assert by_assumption(found, "HF_TOKEN")["observed"] == "not set: anonymous"


def test_a_refused_token_and_a_refused_expand_value_fail_the_doctor():
    with HubStandIn(GeneratedEcosystem(500, seed=1), tokens={"hf_good"}) as hub:
        hub.add_fault("status", path="/api/models", status=400, times=1,
                      body={"error": "\"expand\" must be one of [...], got ['downloadsAllTime']"})
        code, found = doctor("huggingface", {"HF_ENDPOINT": hub.url, "HF_TOKEN": "hf_wrong"})
    assert code == 1
    expand = by_assumption(found, "accepts expand")
    assert expand["ok"] == "NO" and "downloadsAllTime" in expand["collector will"]
    assert by_assumption(found, "HF_TOKEN")["ok"] == "NO"


def test_an_unreachable_hub_is_one_failed_check():
    code, found = doctor("huggingface", {"HF_ENDPOINT": "http://127.0.0.1:9"})
    assert code == 1 and [row["ok"] for row in found] == ["NO"]


def test_a_sample_page_the_collector_could_not_read_fails_the_lineage_check_in_one_line():
    with HubStandIn(GeneratedEcosystem(500, seed=1)) as hub:
        hub.add_fault("status", path="/api/models", status=200, times=1, body=[{"id": 5, "tags": []}])
        code, found = doctor("huggingface", {"HF_ENDPOINT": hub.url})
    lineage = by_assumption(found, "lineage shows as")
    assert code == 1 and lineage["ok"] == "NO"
    assert lineage["observed"].startswith("page 1 could not be read: Hugging Face page 1, model 1: record has no 'id'")
