"""GitHub: search totals of AI repositories per creation window, every one above a star threshold, and its owner.

The counting (OR probe, inclusion-exclusion) is `github_counts`, the enumeration and owners `github_repos`,
the requests `github_http`; here are the settings, the run's order of phases, and `tracker doctor`'s checks.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Callable, Iterator

from tracker.collectors.github_counts import ai_query, count_pages, or_probe
from tracker.collectors.github_http import (
    DEADLINE_SECONDS, GITHUB_API, PAGE_SIZE, READ_SECONDS, SEARCH_CAP, SOURCE, Client, connect, get, json_of,
    message_of, rate_limit, search, search_body, search_params, search_url,
)
from tracker.collectors.github_repos import first_repos_cursor, repo_pages
from tracker.collectors.records import Check, CollectorError, Page, as_int, excerpt, public_url
from tracker.collectors.waiting import MAX_WAIT_SECONDS
from tracker.config import AI_TOPICS

log = logging.getLogger("tracker")

Resolver = Callable[[str | None], str | None]  # a country code from a profile's free-text location


def no_country(location: str | None) -> str | None:
    return None


@dataclass
class Settings:
    today: date                                   # the run's snapshot date: the last day counted and enumerated
    moment: datetime | None = None                # the run's time (naive UTC) for collected_at/fetched_at
    api_url: str = GITHUB_API
    token: str | None = None
    topics: tuple[str, ...] = tuple(AI_TOPICS)    # a repository is "AI" when it carries any of them
    first_year: int = 2011                        # search totals per year from here on
    min_stars: int = 100                          # repositories at or above are enumerated one by one
    fresh_owners: frozenset[str] = field(default_factory=frozenset)  # fetched recently: not fetched again
    retry_wait: float = 1.0
    max_wait: float = MAX_WAIT_SECONDS            # the longest single wait (rate limit, backoff) before failing
    read_timeout: float = READ_SECONDS            # between two reads of one answer
    deadline: float = DEADLINE_SECONDS            # for one whole answer
    country_of: Resolver = no_country             # handed in (tracker.sources): the gazetteer is data

    def __post_init__(self) -> None:
        if self.moment is None:  # no time of day handed in: the start of the snapshot day, never the wall clock
            self.moment = datetime.combine(self.today, time())

    def scope(self) -> dict:
        """What a run covers: recorded with it, never the token; a resume needs the same."""
        return {"api_url": public_url(self.api_url), "topics": list(self.topics), "first_year": self.first_year,
                "min_stars": self.min_stars}


def settings_from(c, day: date, token: str | None, moment: datetime | None = None,
                  fresh_owners: frozenset[str] = frozenset(),
                  country_of: Resolver = no_country) -> Settings:
    """Settings from the configuration's [github] table (tracker.config.GitHub) for the snapshot `day`;
    `country_of` reads an owner's country from its profile's location (none is read without it)."""
    return Settings(
        today=day, moment=moment, api_url=c.api_url or os.environ.get("GITHUB_API_URL") or GITHUB_API,
        token=token, topics=tuple(c.topics), first_year=c.first_year, min_stars=c.min_stars,
        fresh_owners=fresh_owners, retry_wait=c.retry_wait, max_wait=c.max_wait, read_timeout=c.timeout,
        deadline=c.request_deadline, country_of=country_of,
    )


def fetch_pages(settings: Settings, resume_from: str | None = None) -> Iterator[Page]:
    """Search totals page by page, then the repositories above the threshold with their new owners."""
    ai_query(settings.topics)  # refuses too many topics before any request
    client = _client(settings)
    cursor = json.loads(resume_from) if resume_from else {"phase": "counts", "next": 0}
    try:
        if "or" not in cursor:  # once per run: a resumed run keeps what its first part found
            cursor["or"] = or_probe(client, settings).honoured
        if cursor["phase"] == "counts":
            cursor, start = first_repos_cursor(settings, cursor["or"]), cursor["next"]
            yield from count_pages(client, settings, cursor["or"], start, cursor)
        yield from repo_pages(client, settings, cursor)
    finally:
        if client.waited:
            log.info("github: waited %.1f s for rate limits in all", client.waited)


def _client(settings: Settings) -> Client:
    return connect(settings.api_url, settings.token, retry_wait=settings.retry_wait, max_wait=settings.max_wait,
                   read_timeout=settings.read_timeout, deadline=settings.deadline)


# --- tracker doctor ------------------------------------------------------------------------------

def doctor_checks(settings: Settings) -> list[Check]:
    """A handful of live requests testing what the collector assumes of GitHub, one Check each."""
    client = _client(settings)
    token = _token_check(client, settings)
    if not token.ok:
        return [token]  # every further request would be refused the same way
    checks = [token]
    for assumption, check in ASSUMPTIONS:
        try:
            checks.append(check(client, settings))
        except CollectorError as error:
            checks.append(Check(SOURCE, assumption, f"failed: {error}", "the run will fail the same way", False))
    return checks


def _token_check(client: Client, settings: Settings) -> Check:
    assumption = "GITHUB_TOKEN is accepted"
    try:
        answer = rate_limit(client)
    except CollectorError as error:
        return Check(SOURCE, assumption, f"no answer: {error}", "the run will fail the same way", False)
    if answer.status_code == 401:
        return Check(SOURCE, assumption, f"HTTP 401 {message_of(answer)}",
                     "every request is refused: set a valid GITHUB_TOKEN, or unset it", False)
    if not settings.token:
        return Check(SOURCE, assumption, "no token set: anonymous limits (10 searches a minute)",
                     "collects anonymously, waiting out the lower limits", True)
    return Check(SOURCE, assumption, "accepted", "searches with the token's limits", True)


def _budget_check(client: Client, settings: Settings) -> Check:
    """The search rate limit and what is left of it, from /rate_limit (which spends none of it)."""
    assumption = BUDGET
    body = json_of(rate_limit(client))
    resources = body.get("resources") if isinstance(body, dict) else None
    budget = resources.get("search") if isinstance(resources, dict) else None
    if not isinstance(budget, dict) or as_int(budget.get("limit")) is None:
        return Check(SOURCE, assumption, f"no resources.search in the answer: {excerpt(body)}",
                     "waits only when a search is refused", False)
    return Check(SOURCE, assumption, f"limit {budget['limit']} a minute, {budget.get('remaining')} remaining",
                 "waits for the reset whenever the budget is spent", True)


def _or_check(client: Client, settings: Settings) -> Check:
    probe = or_probe(client, settings)
    action = ("one OR query per window, enumerated as one query" if probe.honoured else
              "counts by inclusion-exclusion over AND queries, enumerates topic by topic without duplicates")
    return Check(SOURCE, OR_HONOURED,
                 f"{'honoured' if probe.honoured else 'not honoured'}: {probe.observed}", action, True)


def _cap_check(client: Client, settings: Settings) -> Check:
    assumption = CAP
    query = f"topic:{settings.topics[0]}"
    total = search(client, query, 1, 1)["total_count"]
    if total <= SEARCH_CAP:
        return Check(SOURCE, assumption, f"not testable: {query} holds only {total:,}",
                     "splits any window over the cap, as if it held", True)
    beyond = SEARCH_CAP // PAGE_SIZE + 1
    answer = get(client, search_url(client), search_params(query, beyond, PAGE_SIZE), "search", ok=(200, 422))
    served = answer.status_code == 200 and bool(search_body(answer)["items"])
    observed = (f"page {beyond} of {query} ({total:,} results) answered "
                + ("with results: the cap is higher" if served else f"HTTP {answer.status_code} {message_of(answer)}"))
    return Check(SOURCE, assumption, observed, "splits creation windows until each holds at most the cap", True)


BUDGET = "/rate_limit gives the search budget"
OR_HONOURED = "OR between topic qualifiers is honoured (either way is handled)"
CAP = f"a search serves at most its first {SEARCH_CAP:,} results"
ASSUMPTIONS = ((BUDGET, _budget_check), (OR_HONOURED, _or_check), (CAP, _cap_check))
