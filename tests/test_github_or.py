"""OR between topic qualifiers, honoured or not: the collector finds out, and counts and lists the same either way."""

from __future__ import annotations

import itertools
import logging
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
import requests
from conftest import rows
from test_github import COUNTS, DAY, TOKEN, enumerable, expected_counts, run, searches
from tracker.collectors import github, github_counts

from tracker.config import AI_TOPICS
from tracker.sim.github import OR_MODES, GitHubStandIn, SimOwner, SimRepo, generate

REPO_IDS = "SELECT repo_id FROM repos ORDER BY repo_id"


@pytest.fixture(autouse=True)
def token(monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)


@pytest.fixture(scope="module")
def ecosystem():
    """Over 2,500 AI repositories above the threshold created in 2025 alone, and a smaller ecosystem around it."""
    year = generate(4500, seed=21, start=datetime(2025, 1, 1), end=datetime(2025, 12, 31, 23, 59, 59),
                    owner_count=60, known=False, ai_share=0.9)
    busy = [replace(r, stars=r.stars + 100) if i % 4 else r for i, r in enumerate(year.repos)]
    around = generate(2500, seed=22, start=datetime(2019, 1, 1), end=datetime(2026, 10, 31, 23, 59, 59),
                      owner_count=40, known=True)
    repos = busy + [replace(r, id=r.id + 50_000_000) for r in around.repos]
    return repos, year.owners + around.owners


@pytest.mark.parametrize("or_mode", OR_MODES)
def test_every_or_mode_gives_the_same_repositories_and_exact_yearly_totals(db_file, ecosystem, or_mode):
    repos, owners = ecosystem
    with GitHubStandIn(repos, owners, search_limit=100_000, or_mode=or_mode) as hub:
        summary = run(db_file, hub, first_year=2019)
    wanted = enumerable(repos)
    in_2025 = [r for r in wanted if r.created_at.year == 2025]
    assert summary.status == "succeeded" and len(in_2025) >= 2500
    assert rows(db_file, REPO_IDS) == [(r.id,) for r in wanted]
    counts = expected_counts(repos, 2019)
    assert [row[1:4] for row in rows(db_file, COUNTS)] == counts and sum(total for *_, total in counts) > 6000
    assert summary.records == len(wanted) + len(counts)  # not one repository staged twice
    asked = [r.arg("q") for r in searches(hub)]
    intersections = [q for q in asked if q.count("topic:") > 1 and " OR " not in q]
    if or_mode == "honoured":
        assert not intersections  # one OR query per window and for the listing
    else:
        assert len([q for q in asked if " OR " in q]) == 1  # the probe, once; then AND queries and single topics
        assert intersections


@pytest.mark.parametrize("or_mode", ["and", "refused"])
def test_counting_without_or_stays_within_the_search_rate_limit(db_file, caplog, or_mode):
    """GitHub's 30 searches per window (shortened to 2 s): inclusion-exclusion waits them out, never refused."""
    caplog.set_level(logging.INFO, logger="tracker")
    topics = ["llm", "deep-learning", "rag"]
    repos = [SimRepo(i, f"lab/r{i}", datetime(2026, 1, 1) + timedelta(hours=7 * i), 150 + i % 7,
                     topics=tuple(t for n, t in enumerate(topics) if (i >> n) & 1)) for i in range(1, 1100)]
    with GitHubStandIn(repos, [SimOwner("lab", "Organization")], search_limit=30, search_window=2.0,
                       or_mode=or_mode) as hub:
        summary = run(db_file, hub, first_year=2026, topics=topics)
    assert summary.status == "succeeded" and hub.refusals == 0
    assert len(searches(hub)) > 60 and "github: search rate limit reached, waiting" in caplog.text
    assert rows(db_file, REPO_IDS) == [(r.id,) for r in repos if set(r.topics) & set(topics)]
    assert [row[1:4] for row in rows(db_file, COUNTS)] == expected_counts(repos, 2026, topics=topics)


def test_inclusion_exclusion_asks_for_no_intersection_holding_an_empty_one():
    sets = [set(range(0, 60)), set(range(50, 90)), set(range(200, 210)), set(range(55, 58)) | {205}]
    asked = []

    def size(subset):
        return len(set.intersection(*(sets[i] for i in subset)))

    def count(subset):
        asked.append(subset)
        return size(subset)

    assert github_counts.union_size(len(sets), count) == len(set.union(*sets))
    empty = [s for s in asked if size(s) == 0]
    assert empty and not any(set(e) < set(s) for e in empty for s in asked)
    assert len(set(asked)) == len(asked) < 2 ** len(sets) - 1


def test_inclusion_exclusion_is_exact_for_every_overlap_of_three_sets():
    universe = range(7)  # each element's membership pattern: a bit per set
    for chosen in itertools.product([0, 1], repeat=7):
        sets = [{e for e in universe if chosen[e] and (e + 1) >> n & 1} for n in range(3)]
        got = github_counts.union_size(3, lambda s: len(set.intersection(*(sets[i] for i in s))))
        assert got == len(set.union(*sets))


def test_a_resumed_run_keeps_what_the_first_part_found_about_or(db_file):
    repos = [SimRepo(i, f"u{i % 9}/r{i}", datetime(2025, 3, 1) + timedelta(hours=9 * i), 120 + i,
                     topics=(("llm",), ("rag",), ("llm", "rag"))[i % 3]) for i in range(600)]
    owners = [SimOwner(f"u{i}") for i in range(9)]
    with GitHubStandIn(repos, owners, search_limit=100_000, or_mode="nothing") as hub:
        hub.add_fault("truncate", path="/search/repositories", after=30)
        with pytest.raises(Exception, match="not valid JSON"):
            run(db_file, hub, first_year=2025, topics=["llm", "rag"])
        before = len(searches(hub))
        summary = run(db_file, hub, first_year=2025, topics=["llm", "rag"])
    assert summary.resumed and summary.status == "succeeded"
    assert not any(" OR " in r.arg("q") for r in searches(hub)[before:])  # not probed again
    assert rows(db_file, REPO_IDS) == [(r.id,) for r in sorted(repos, key=lambda r: r.id)]
    assert [row[1:4] for row in rows(db_file, COUNTS)] == expected_counts(repos, 2025, topics=["llm", "rag"])


# --- tracker doctor ------------------------------------------------------------------------------

def doctor(hub: GitHubStandIn, token: str | None = TOKEN, topics=tuple(AI_TOPICS)):
    settings = github.Settings(today=DAY, api_url=hub.url, token=token, topics=tuple(topics), retry_wait=0.01)
    return {check.assumption.split(" (")[0]: check for check in github.doctor_checks(settings)}


@pytest.mark.parametrize("or_mode", OR_MODES)
def test_doctor_reports_whether_or_is_honoured_and_what_the_collector_does(or_mode):
    ecosystem = generate(6000, seed=4)
    with GitHubStandIn(ecosystem.repos, ecosystem.owners, search_limit=30, or_mode=or_mode) as hub:
        checks = doctor(hub)
    assert all(check.source == "github" and check.ok for check in checks.values())
    assert checks["GITHUB_TOKEN is accepted"].observed == "accepted"
    assert checks["/rate_limit gives the search budget"].observed.startswith("limit 30 a minute, ")
    cap = checks["a search serves at most its first 1,000 results"]
    assert "answered HTTP 422 Only the first 1000 search results are available" in cap.observed
    or_check = checks["OR between topic qualifiers is honoured"]
    honoured = or_mode == "honoured"
    assert or_check.observed.startswith("honoured: " if honoured else "not honoured: ")
    assert ("one OR query" in or_check.action) == honoured
    assert ("refused: HTTP 422" in or_check.observed) == (or_mode == "refused")


def test_doctor_fails_on_a_refused_token_and_says_what_to_do():
    with GitHubStandIn([], [], tokens=["ghp_the-right-one"]) as hub:
        checks = doctor(hub, token="ghp_revoked")
        anonymous = doctor(hub, token=None, topics=["llm"])
        assert requests.get(f"{hub.url}/rate_limit", headers={"Authorization": "Bearer ghp_revoked"}).status_code == 401
    assert list(checks) == ["GITHUB_TOKEN is accepted"]
    refused = checks["GITHUB_TOKEN is accepted"]
    assert not refused.ok and refused.observed.startswith("HTTP 401") and "Bad credentials" in refused.observed
    assert "GITHUB_TOKEN" in refused.action
    assert anonymous["GITHUB_TOKEN is accepted"].ok and "anonymous" in anonymous["GITHUB_TOKEN is accepted"].observed
    assert anonymous["/rate_limit gives the search budget"].observed.startswith("limit 10 a minute")
    assert anonymous["a search serves at most its first 1,000 results"].observed.startswith("not testable")


def test_a_refusal_that_is_not_json_is_named_by_its_first_line():
    with GitHubStandIn([], []) as hub:
        hub.add_fault("status", path="/rate_limit", status=401, body="Proxy authentication failed\n<html>...</html>")
        checks = doctor(hub)
    assert checks["GITHUB_TOKEN is accepted"].observed == "HTTP 401 Proxy authentication failed"


def test_doctor_reports_a_search_that_fails_as_a_failed_assumption_not_a_crash():
    with GitHubStandIn([], [], search_limit=30) as hub:
        hub.add_fault("status", path="/search/repositories", status=400, times=100,
                      body={"message": "Problems parsing JSON"})
        checks = doctor(hub)
    assert checks["GITHUB_TOKEN is accepted"].ok and checks["/rate_limit gives the search budget"].ok
    for name in ("OR between topic qualifiers is honoured", "a search serves at most its first 1,000 results"):
        assert not checks[name].ok and "HTTP 400 Problems parsing JSON" in checks[name].observed
