"""Collecting GitHub: the real collector over requests against the GitHub stand-in on 127.0.0.1, into DuckDB."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
import requests
from conftest import rows
from tracker.collectors import github
from tracker.collectors.github_repos import repo_record
from tracker.collectors.records import CollectorError
from tracker.warehouse import db, sql

from tracker.config import AI_TOPICS, Config
from tracker.pipeline import CollectionFailed, collect
from tracker.sim.github import GitHubStandIn, SimOwner, SimRepo, generate
from tracker.sources import github_source

TOKEN = "ghp_test-token"
REPOS = ("SELECT repo_id, full_name, owner_login, owner_type, created_at, pushed_at, language, license, topics, "
         "description, fork, archived, first_seen, last_seen FROM repos ORDER BY repo_id")
SNAPSHOTS = "SELECT repo_id, snapshot_date, stars, forks, open_issues FROM repo_snapshots ORDER BY ALL"
OWNERS = "SELECT login, type, name, company, location, country_code, created_at, fetched_at FROM owners ORDER BY login"
COUNTS = "SELECT query, window_start, window_end, total_count, snapshot_date FROM search_counts ORDER BY ALL"
DAY = date(2026, 11, 20)  # the runs' snapshot date: set here, never read from the clock


@pytest.fixture(autouse=True)
def token(monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)


def run(db_file, hub: GitHubStandIn | None, snapshot_date: date = DAY, **settings):
    """One collection through the pipeline, with a Source built from a Config as the CLI builds it."""
    config = Config()
    config.github.api_url = hub.url if hub else ""
    config.github.retry_wait = 0.01
    for key, value in settings.items():
        setattr(config.github, key, value)
    con = db.connect(db_file)
    try:
        return collect(con, github_source(config, con, snapshot_date), snapshot_date=snapshot_date)
    finally:
        con.close()


def is_ai(repo: SimRepo, topics=AI_TOPICS) -> bool:
    return not repo.fork and any(topic in repo.topics for topic in topics)


def enumerable(repos, min_stars: int = 100) -> list[SimRepo]:
    return sorted((r for r in repos if is_ai(r) and r.stars >= min_stars), key=lambda r: r.id)


def expected_counts(repos, first_year: int, day: date = DAY, topics=AI_TOPICS) -> list[tuple[date, date, int]]:
    """Whole years from `first_year` to the year before `day`, then each month of `day`'s year up to its own."""
    windows = [(date(y, 1, 1), date(y, 12, 31)) for y in range(first_year, day.year)]
    next_month = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    month_starts = [date(day.year, m, 1) for m in range(1, day.month + 1)] + [next_month]
    windows += [(first, following - timedelta(days=1)) for first, following in zip(month_starts, month_starts[1:])]
    return [(first, last, sum(is_ai(r, topics) and first <= r.created_at.date() <= last for r in repos))
            for first, last in windows]


def searches(hub: GitHubStandIn) -> list:
    return hub.requests_to("/search/repositories")


def test_loads_exactly_what_the_stand_in_serves(db_file):
    ecosystem = generate(3000, seed=11)
    with GitHubStandIn(ecosystem.repos, ecosystem.owners, search_limit=10_000) as hub:
        summary = run(db_file, hub)
    wanted = enumerable(ecosystem.repos)
    assert summary.status == "succeeded" and len(wanted) > 150
    assert [r[:2] for r in rows(db_file, REPOS)] == [(r.id, r.full_name) for r in wanted]
    assert rows(db_file, SNAPSHOTS) == [(r.id, DAY, r.stars, r.forks, r.open_issues) for r in wanted]
    definition = "(" + " OR ".join(f"topic:{t}" for t in AI_TOPICS) + ")"
    assert rows(db_file, COUNTS) == [(definition, first, last, total, DAY)
                                     for first, last, total in expected_counts(ecosystem.repos, 2011, DAY)]
    by_name = {row[1]: row for row in rows(db_file, REPOS)}
    assert by_name["deepseek-ai/DeepSeek-R1"] == (90_000_006, "deepseek-ai/DeepSeek-R1", "deepseek-ai", "Organization", datetime(2025, 1, 20, 12, 8),
                  datetime(2025, 2, 19, 17, 8), "Python", "apache-2.0", ["llm", "artificial-intelligence"],
                  "DeepSeek-R1: open models", False, False, DAY, DAY)
    owners = rows(db_file, OWNERS)
    assert [o[0] for o in owners] == sorted({r.owner for r in wanted})
    qwen = next(o for o in owners if o[0] == "QwenLM")
    assert qwen[:7] == ("QwenLM", "Organization", "Qwen", "Alibaba Cloud", "Hangzhou, China", "CN",
                        datetime(2016, 5, 1))
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" and r.headers["x-github-api-version"] == "2022-11-28"
               for r in hub.log)


def test_5000_repositories_of_one_year_are_all_enumerated_by_splitting_windows(db_file):
    generated = generate(5000, seed=5, start=datetime(2025, 1, 1), end=datetime(2025, 12, 31, 23, 59, 59),
                         owner_count=40, known=False)
    repos = [replace(r, stars=r.stars + 100, fork=False, topics=r.topics + ("llm",)) for r in generated.repos]
    with GitHubStandIn(repos, generated.owners, search_limit=10_000) as hub:
        summary = run(db_file, hub, first_year=2025)
    assert rows(db_file, "SELECT count(*), count(DISTINCT repo_id), min(created_at) >= '2025-01-01' FROM repos") == [
        (5000, 5000, True)]
    assert summary.records == 5000 + 12  # repositories, plus one search total per count window: 2025, then 11 months
    pages = [int(r.arg("page")) for r in searches(hub) if "stars:>=" in r.arg("q")]
    assert max(pages) <= 10 and pages.count(1) > 5  # never past the cap: the year was split


def test_repositories_created_within_one_day_are_split_to_the_second(db_file):
    day = datetime(2024, 5, 1)
    repos = [SimRepo(500 + i, f"burst/repo-{i}", day + timedelta(seconds=i * 61), 150, topics=("llm",))
             for i in range(1200)]
    with GitHubStandIn(repos, [SimOwner("burst", "Organization")], search_limit=10_000) as hub:
        run(db_file, hub, first_year=2026)
    assert rows(db_file, "SELECT count(DISTINCT repo_id) FROM repos") == [(1200,)]
    assert any("T" in r.arg("q") for r in searches(hub))  # e.g. created:2024-05-01T00:00:00Z..2024-05-01T11:59:59Z


def test_github_s_30_searches_per_window_are_waited_out_without_a_refusal_and_the_wait_is_reported(db_file, caplog):
    """The real limit (30 searches with a token) over a window shortened from GitHub's minute to 6 s,
    most of it already spent by another process with the same token, so the collector meets the limit
    after a few searches however slow the machine is."""
    caplog.set_level(logging.INFO, logger="tracker")
    repos = [SimRepo(i, f"lab/r{i}", datetime(2012, 3, 1) + timedelta(days=5 * i), 200 + i, topics=("llm",))
             for i in range(1_000)]
    with GitHubStandIn(repos, [SimOwner("lab", "Organization", location="Berlin")], search_limit=30,
                       search_window=6.0) as hub:
        already_spent = 23
        for _ in range(already_spent):
            requests.get(f"{hub.url}/search/repositories", params={"q": "llm"},
                         headers={"Authorization": f"Bearer {TOKEN}"})
        summary = run(db_file, hub, first_year=2011)
    assert summary.status == "succeeded" and hub.refusals == 0
    assert len(searches(hub)) - already_spent > 30  # the collector's own searches span two windows
    assert "github: search rate limit reached, waiting" in caplog.text
    waited = [r.getMessage() for r in caplog.records if "for rate limits in all" in r.getMessage()]
    assert len(waited) == 1
    assert rows(db_file, "SELECT count(*) FROM repos") == [(1_000,)]


def test_403_and_429_rate_limit_answers_are_waited_out(db_file, caplog):
    caplog.set_level(logging.INFO, logger="tracker")
    repos = [SimRepo(i, f"lab{i % 3}/r{i}", datetime(2026, 2, 1) + timedelta(hours=i), 300, topics=("llm",))
             for i in range(30)]
    with GitHubStandIn(repos, [SimOwner("lab0"), SimOwner("lab1")], search_limit=10_000) as hub:
        # GitHub's secondary limits answer 403 or 429, with Retry-After; a fault, so no race with the clock
        searches_refused = hub.add_fault("status", path="/search/repositories", status=403, times=2, after=3,
                                         headers={"Retry-After": "1", "X-RateLimit-Resource": "search"},
                                         body={"message": "You have exceeded a secondary rate limit."})
        hub.add_fault("status", path="/users/", status=429, headers={"Retry-After": "1"},
                      body={"message": "You have exceeded a secondary rate limit."})
        summary = run(db_file, hub, first_year=2026)
    assert summary.status == "succeeded" and searches_refused.times == 0
    assert "search rate limit answered 403, waiting 1.0 s" in caplog.text
    assert "core rate limit answered 429, waiting 1.0 s" in caplog.text
    assert rows(db_file, "SELECT count(*), count(DISTINCT owner_login) FROM repos") == [(30, 3)]
    assert rows(db_file, "SELECT login, type FROM owners ORDER BY login") == [
        ("lab0", "User"), ("lab1", "User"), ("lab2", "User")]  # lab2 answers 404: its type is the listing's


def test_owners_are_fetched_once_and_refreshed_only_when_stale(db_file):
    ecosystem = generate(1500, seed=3)
    with GitHubStandIn(ecosystem.repos, ecosystem.owners, search_limit=10_000) as hub:
        run(db_file, hub)
        first = {name: rows(db_file, query) for name, query in
                 (("repos", REPOS), ("snapshots", SNAPSHOTS), ("owners", OWNERS), ("counts", COUNTS))}
        owner_logins = [o[0] for o in first["owners"]]
        assert len(hub.requests_to("/users/")) == len(owner_logins) > 20

        run(db_file, hub)  # the same day again: nothing new, nothing doubled, no owner fetched
        assert len(hub.requests_to("/users/")) == len(owner_logins)
        assert {name: rows(db_file, query) for name, query in
                (("repos", REPOS), ("snapshots", SNAPSHOTS), ("owners", OWNERS), ("counts", COUNTS))} == first

        stale = owner_logins[:2]
        con = db.connect(db_file)
        con.execute("UPDATE owners SET fetched_at = fetched_at - INTERVAL 91 DAY WHERE login IN (?, ?)", stale)
        con.close()
        run(db_file, hub, snapshot_date=DAY + timedelta(days=1))  # a later day: new snapshot rows
    assert sorted(r.path.rsplit("/", 1)[1] for r in hub.requests_to("/users/")[len(owner_logins):]) == sorted(stale)
    assert rows(db_file, "SELECT count(*), count(DISTINCT snapshot_date) FROM repo_snapshots") == [
        (2 * len(first["snapshots"]), 2)]
    assert rows(db_file, "SELECT count(*) FROM repos") == [(len(first["repos"]),)]
    assert rows(db_file, "SELECT count(*) FROM search_counts") == [(2 * len(first["counts"]),)]


def test_a_location_in_any_script_never_breaks_the_run_and_the_share_resolved_is_queryable(db_file):
    locations = ["北京", "SF Bay Area", "Москва", "القاهرة، مصر", "🇯🇵", "🦄✨🚀", "", "   ", "\u202eesrever",
                 "x" * 5000, "null\x00byte", "Paris, France", "Earth", None]
    owners = [SimOwner(f"o{i}", "User", location=text) for i, text in enumerate(locations)]
    repos = [SimRepo(i, f"o{i}/model", datetime(2025, 6, 1) + timedelta(days=i), 500, topics=("llm",))
             for i in range(len(locations) + 1)]  # the last owner is unknown: /users answers 404
    with GitHubStandIn(repos, owners, search_limit=10_000) as hub:
        assert run(db_file, hub, first_year=2026).status == "succeeded"
    stored = {login: (location, country) for login, _, _, _, location, country, _, _ in rows(db_file, OWNERS)}
    assert {login: location for login, (location, _) in stored.items()} == {
        **{f"o{i}": text or None for i, text in enumerate(locations)}, f"o{len(locations)}": None}
    assert [stored[login][1] for login in ("o0", "o1", "o11")] == ["CN", "US", "FR"]
    assert [stored[login][1] for login in ("o5", "o6", "o13", f"o{len(locations)}")] == [None] * 4
    resolved = sum(country is not None for _, country in stored.values())
    located = sum(bool((location or "").strip()) for location, _ in stored.values())
    con = db.connect(db_file)
    coverage = sql.run(con, "owner_country_coverage").fetchall()
    con.close()
    assert coverage == [("all", 15, located, resolved, round(resolved / 15, 4), round(resolved / located, 4)),
                        ("User", 15, located, resolved, round(resolved / 15, 4), round(resolved / located, 4))]


def test_5xx_bursts_and_dropped_connections_are_retried(db_file, monkeypatch):
    ecosystem = generate(800, seed=8)
    with GitHubStandIn(ecosystem.repos, ecosystem.owners, search_limit=10_000) as hub:
        monkeypatch.setenv("GITHUB_API_URL", hub.url)  # no api_url configured: the environment's is used
        hub.add_fault("status", path="/search/repositories", status=500, times=3, after=2)
        hub.add_fault("status", path="/search/repositories", status=502, times=2, after=20)
        hub.add_fault("status", path="/users/", status=503, times=2)
        hub.add_fault("reset", path="/users/", times=1, after=5)
        summary = run(db_file, None)
    assert summary.status == "succeeded"
    assert [r[0] for r in rows(db_file, REPOS)] == [r.id for r in enumerable(ecosystem.repos)]
    assert rows(db_file, "SELECT count(*) FROM owners") == [(len({r.owner for r in enumerable(ecosystem.repos)}),)]


def test_a_truncated_page_fails_the_run_naming_the_request_and_the_rerun_resumes(db_file):
    repos = [SimRepo(i, f"u{i % 40}/r{i}", datetime(2025, 1, 1) + timedelta(hours=7 * i), 100 + i, topics=("llm",))
             for i in range(450)]
    owners = [SimOwner(f"u{i}", location="Shanghai") for i in range(40)]
    counted = 1 + DAY.month  # 2025, then each month of the snapshot's year
    with GitHubStandIn(repos, owners, search_limit=10_000) as hub:
        hub.add_fault("truncate", path="/search/repositories", after=counted + 2)
        with pytest.raises(CollectionFailed) as failure:
            run(db_file, hub, first_year=2025, topics=["llm"])
        message = str(failure.value)
        assert "GET /search/repositories?q=topic:llm stars:>=100" in message and "page=3" in message
        assert "not valid JSON" in message
        assert rows(db_file, "SELECT status, pages FROM runs") == [("failed", counted + 2)]
        assert rows(db_file, "SELECT count(*) FROM repos") == [(200,)]  # the two pages before the failure
        assert rows(db_file, "SELECT count(*) FROM search_counts") == [(counted,)]
        before = len(searches(hub))

        summary = run(db_file, hub, first_year=2025, topics=["llm"])
    assert summary.resumed and summary.status == "succeeded"
    again = searches(hub)[before:]
    assert all("stars:>=" in r.arg("q") for r in again) and again[0].arg("page") == "3"
    assert [r[0] for r in rows(db_file, REPOS)] == sorted(r.id for r in repos)
    assert rows(db_file, SNAPSHOTS) == [(r.id, DAY, r.stars, 0, 0) for r in repos]
    assert len(hub.requests_to("/users/")) == 40  # owners fetched before the failure were not fetched again


def test_topics_beyond_the_search_operator_limit_are_refused_up_front():
    with pytest.raises(CollectorError, match="at most 6 topics"):
        github.ai_query([f"t{i}" for i in range(7)])
    assert github.ai_query(["llm"]) == "topic:llm"


def test_the_stand_in_answers_like_github():
    repos = [SimRepo(i, f"o/r{i}", datetime(2024, 1, 1) + timedelta(hours=i), 1000 - i, topics=("llm",))
             for i in range(1500)]
    with GitHubStandIn(repos, [SimOwner("o", "Organization", location="Paris")], search_limit=2) as hub:
        search = f"{hub.url}/search/repositories"
        page = requests.get(search, params={"q": "topic:llm", "per_page": 100, "page": 2})
        assert page.json()["total_count"] == 1500 and len(page.json()["items"]) == 100
        assert [page.links[rel]["url"].rsplit("page=", 1)[1] for rel in ("prev", "next", "last", "first")] == [
            "1", "3", "10", "1"]
        assert page.links["next"]["url"].startswith(hub.url)
        assert page.headers["X-RateLimit-Resource"] == "search" and page.headers["X-RateLimit-Remaining"] == "1"
        beyond = requests.get(search, params={"q": "topic:llm", "per_page": 100, "page": 11})
        assert (beyond.status_code, beyond.json()["message"]) == (
            422, "Only the first 1000 search results are available")
        refused = requests.get(search, params={"q": "topic:llm"})
        assert refused.status_code == 403 and refused.headers["X-RateLimit-Remaining"] == "0"
        assert refused.json()["message"].startswith("API rate limit exceeded for")
        limits = requests.get(f"{hub.url}/rate_limit").json()["resources"]
        assert (limits["search"]["limit"], limits["search"]["remaining"], limits["core"]["limit"]) == (2, 0, 60)
        assert requests.get(f"{hub.url}/users/nobody").json()["message"] == "Not Found"
        assert requests.get(f"{hub.url}/orgs/o").json()["location"] == "Paris"


def test_a_lone_surrogate_in_a_description_is_kept_as_the_replacement_character(db_file):
    # `"\ud800"` is legal JSON; Python's json reads it into text no UTF-8 file can hold
    repos = [SimRepo(0, "u0/r0", datetime(2025, 3, 1), 150, topics=("llm",), description="odd \ud800 one")]
    with GitHubStandIn(repos, [SimOwner("u0")], search_limit=10_000) as hub:
        summary = run(db_file, hub, first_year=2025, topics=["llm"])
    assert summary.status == "succeeded"
    assert rows(db_file, "SELECT description FROM repos") == [("odd \ufffd one",)]
    # an owner known only from the full name is asked for by its repaired login, which `quote` can encode
    assert repo_record({"id": 1, "full_name": "caf\ud800e/repo"})["owner_login"] == "caf\ufffde"


def test_counts_beyond_the_warehouse_types_are_unknown_and_the_run_succeeds(db_file):
    created = datetime(2025, 3, 1)
    repos = [SimRepo(i, f"u{i}/r{i}", created + timedelta(days=i), stars, topics=("llm",))
             for i, stars in enumerate([150, 2**40, 2**70])]  # past INTEGER, past BIGINT
    with GitHubStandIn(repos, [SimOwner(f"u{i}") for i in range(3)], search_limit=10_000) as hub:
        summary = run(db_file, hub, first_year=2025, topics=["llm"])
    assert summary.status == "succeeded"
    assert [(repo, stars) for repo, _, stars, _, _ in rows(db_file, SNAPSHOTS)] == [(0, 150), (1, None), (2, None)]
