"""The Hugging Face collector paces itself by the hub's rate-limit headers: a listing under a policy meets no 429."""

from __future__ import annotations

from conftest import hf_source

from tracker.pipeline import collect
from tracker.sim.ecosystem import GeneratedEcosystem
from tracker.sim.huggingface import HubStandIn
from tracker.warehouse import db


def test_a_listing_under_an_enforced_policy_waits_for_each_reset_and_is_never_refused(db_file):
    # 30 pages under 10 requests per second: the listing needs three windows, and asks only within them.
    with HubStandIn(GeneratedEcosystem(3_000, seed=9), policy=(10, 1), enforce=True) as hub:
        summary = collect(db.connect(db_file), hf_source(hub, page_size=100))
    assert (summary.status, summary.pages, summary.records) == ("succeeded", 30, 3_000)
    assert hub.refused == 0
    assert len(hub.requests_to("/api/models")) == 30
