"""A hub is never lost silently: a whole-catalogue listing short of the catalogue ends `incomplete`,
keeps what it listed, marks no model gone, and every verdict resting on it says so."""

from __future__ import annotations

from datetime import date, datetime, timezone

from conftest import hf_source

from tracker.pipeline import collect
from tracker.reports.check import run_checks
from tracker.sim.ecosystem import GeneratedEcosystem
from tracker.sim.huggingface import HubStandIn
from tracker.warehouse import db

FIRST, SECOND = date(2025, 6, 1), date(2025, 6, 2)


def gone(con) -> int:
    return con.execute("SELECT count(*) FROM models WHERE gone_since IS NOT NULL").fetchone()[0]


def test_a_listing_shorter_than_the_hubs_own_total_is_incomplete_and_marks_nothing_gone(db_file):
    ecosystem = list(GeneratedEcosystem(3_000, seed=4))
    con = db.connect(db_file)
    with HubStandIn(ecosystem) as hub:
        assert collect(con, hf_source(hub), snapshot_date=FIRST).status == "succeeded"
    with HubStandIn(ecosystem[:2_000]) as hub:
        hub.add_fault("headers", path="/api/models", times=100, headers={"X-Total-Count": "3000"})
        summary = collect(con, hf_source(hub), snapshot_date=SECOND)
    assert summary.status == "incomplete" and "listed 2,000 models where the hub reports 3,000" in summary.error
    assert gone(con) == 0
    assert con.execute("SELECT status, coalesce(error, '') LIKE '%no model was marked gone%' FROM runs ORDER BY run_id").fetchall() \
        == [("succeeded", False), ("incomplete", True)]
    assert con.execute("SELECT count(*) FROM model_snapshots WHERE snapshot_date = $d", {"d": SECOND}).fetchone() \
        == (2_000,)


def test_a_listing_far_shorter_than_the_last_complete_one_is_incomplete_even_without_a_stated_total(db_file):
    ecosystem = list(GeneratedEcosystem(3_000, seed=4))
    con = db.connect(db_file)
    with HubStandIn(ecosystem, total_count=False) as hub:
        collect(con, hf_source(hub), snapshot_date=FIRST)
        port = int(hub.url.rsplit(":", 1)[1])
    with HubStandIn(ecosystem[:1_000], port=port, total_count=False) as hub:  # the same endpoint, a third of it
        summary = collect(con, hf_source(hub), snapshot_date=SECOND)
    assert summary.status == "incomplete" and "the last complete listing had 3,000" in summary.error
    assert gone(con) == 0


def test_models_removed_within_the_tolerance_are_gone_as_usual(db_file):
    ecosystem = list(GeneratedEcosystem(3_000, seed=4))
    con = db.connect(db_file)
    with HubStandIn(ecosystem) as hub:
        collect(con, hf_source(hub), snapshot_date=FIRST)
    with HubStandIn(ecosystem[:2_950]) as hub:
        assert collect(con, hf_source(hub), snapshot_date=SECOND).status == "succeeded"
    assert gone(con) == 50


def test_a_verdict_resting_on_an_incomplete_listing_says_so(db_file):
    ecosystem = list(GeneratedEcosystem(3_000, seed=4))
    con = db.connect(db_file)
    with HubStandIn(ecosystem) as hub:
        collect(con, hf_source(hub), snapshot_date=FIRST)
    with HubStandIn(ecosystem[:2_000]) as hub:
        hub.add_fault("headers", path="/api/models", times=100, headers={"X-Total-Count": "3000"})
        collect(con, hf_source(hub), snapshot_date=SECOND)
    checked_at = datetime(2025, 6, 2, 6, 0, tzinfo=timezone.utc)
    [qwen] = [v for v in run_checks(con, checked_at=checked_at) if v.claim.id == "qwen-derivative-leadership"]
    assert f"huggingface's listing of {SECOND} was incomplete (incomplete: listed 2,000 models" in qwen.reason
