"""GitHub: search totals of AI repositories per creation window, every one above a star threshold, and its owner."""

from __future__ import annotations

import calendar
import json
import logging
import os
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Callable, Iterator
from urllib.parse import quote

from tracker.collectors.records import (
    Check,
    CollectorError,
    Page,
    as_bool,
    as_int,
    as_text,
    as_texts,
    as_timestamp,
    excerpt,
    public_url,
)
from tracker.collectors.waiting import MAX_WAIT_SECONDS
from tracker.config import AI_TOPICS
from tracker.http import DEADLINE_SECONDS, READ_SECONDS, Answer, Client, HttpError, describe, new_session
from tracker.locations import country_of

SOURCE = "github"
GITHUB_API = "https://api.github.com"
API_VERSION = "2022-11-28"
PAGE_SIZE = 100                      # the search API's largest page
SEARCH_CAP = 1000                    # a search serves only its first 1,000 results, whatever its total_count
MAX_BOOLEAN_OPERATORS = 5            # GitHub refuses a query with more AND/OR/NOT operators ("Validation Failed")
GITHUB_EPOCH = datetime(2008, 1, 1)  # no repository is older: the enumeration starts here, whatever first_year says
END_OF_DAY = time(23, 59, 59)
ONE_SECOND = timedelta(seconds=1)

log = logging.getLogger("tracker")

Window = tuple[datetime, datetime]   # creation times, UTC, both ends included


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

    def __post_init__(self) -> None:
        if self.moment is None:  # no time of day handed in: the start of the snapshot day, never the wall clock
            self.moment = datetime.combine(self.today, time())

    def scope(self) -> dict:
        """What a run covers: recorded with it, never the token; a resume needs the same."""
        return {"api_url": public_url(self.api_url), "topics": list(self.topics), "first_year": self.first_year,
                "min_stars": self.min_stars}


def settings_from(c, day: date, token: str | None, moment: datetime | None = None,
                  fresh_owners: frozenset[str] = frozenset()) -> Settings:
    """Settings from the configuration's [github] table (tracker.config.GitHub) for the snapshot `day`."""
    return Settings(
        today=day, moment=moment, api_url=c.api_url or os.environ.get("GITHUB_API_URL") or GITHUB_API,
        token=token, topics=tuple(c.topics), first_year=c.first_year, min_stars=c.min_stars,
        fresh_owners=fresh_owners, retry_wait=c.retry_wait, max_wait=c.max_wait, read_timeout=c.timeout,
        deadline=c.request_deadline,
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
            yield from _count_pages(client, settings, cursor["or"], cursor["next"])
            cursor = _first_repos_cursor(settings, cursor["or"])
        yield from _repo_pages(client, settings, cursor)
    finally:
        if client.waited:
            log.info("github: waited %.1f s for rate limits in all", client.waited)


def ai_query(topics: tuple[str, ...] | list[str]) -> str:
    """`topic:a` or `(topic:a OR topic:b ...)`: what "AI" means, as one query where GitHub honours OR."""
    if not topics:
        raise CollectorError("GitHub: no topics configured, so no repository counts as AI")
    if len(topics) - 1 > MAX_BOOLEAN_OPERATORS:
        raise CollectorError(f"GitHub: {len(topics)} topics need {len(topics) - 1} OR operators; "
                             f"the search API allows {MAX_BOOLEAN_OPERATORS}, so at most "
                             f"{MAX_BOOLEAN_OPERATORS + 1} topics")
    terms = [f"topic:{topic}" for topic in topics]
    return terms[0] if len(terms) == 1 else "(" + " OR ".join(terms) + ")"


def _client(settings: Settings) -> Client:
    headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": API_VERSION}
    if settings.token:
        headers["Authorization"] = f"Bearer {settings.token}"
    return Client("github", new_session(headers), settings.api_url, retry_wait=settings.retry_wait,
                  max_wait=settings.max_wait, read_timeout=settings.read_timeout, deadline=settings.deadline)


# --- is OR between qualifiers honoured? ----------------------------------------------------------

@dataclass
class OrProbe:
    honoured: bool
    observed: str


def or_probe(client: Client, settings: Settings) -> OrProbe:
    """The OR query's total against each topic's own: honoured when it is at least the largest of them.

    Not honoured (read as AND, as a keyword, matching nothing, or refused with 422), its total falls short of
    the largest single-topic total; the collector then counts and enumerates the union itself.
    """
    if len(settings.topics) == 1:
        return OrProbe(True, "one topic: no OR needed")
    singles = [_search(client, settings, f"topic:{topic}", 1, 1)["total_count"] for topic in settings.topics]
    answer = _get(client, _search_url(settings), _search_params(ai_query(settings.topics), 1, 1), "search",
                  ok=(200, 422))
    if answer.status_code == 422:
        return OrProbe(False, f"the OR query was refused: HTTP 422 {_message_of(answer)}")
    combined = _search_body(answer)["total_count"]
    honoured = 0 < max(singles) <= combined <= sum(singles)
    return OrProbe(honoured, f"OR query total {combined:,}; single topics {', '.join(f'{n:,}' for n in singles)}")


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


def _rate_limit(client: Client, settings: Settings) -> Answer:
    return _get(client, f"{settings.api_url.rstrip('/')}/rate_limit", None, "core", ok=(200, 401))


def _token_check(client: Client, settings: Settings) -> Check:
    assumption = "GITHUB_TOKEN is accepted"
    try:
        answer = _rate_limit(client, settings)
    except CollectorError as error:
        return Check(SOURCE, assumption, f"no answer: {error}", "the run will fail the same way", False)
    if answer.status_code == 401:
        return Check(SOURCE, assumption, f"HTTP 401 {_message_of(answer)}",
                     "every request is refused: set a valid GITHUB_TOKEN, or unset it", False)
    if not settings.token:
        return Check(SOURCE, assumption, "no token set: anonymous limits (10 searches a minute)",
                     "collects anonymously, waiting out the lower limits", True)
    return Check(SOURCE, assumption, "accepted", "searches with the token's limits", True)


def _budget_check(client: Client, settings: Settings) -> Check:
    """The search rate limit and what is left of it, from /rate_limit (which spends none of it)."""
    assumption = BUDGET
    body = _json(_rate_limit(client, settings))
    resources = body.get("resources") if isinstance(body, dict) else None
    search = resources.get("search") if isinstance(resources, dict) else None
    if not isinstance(search, dict) or as_int(search.get("limit")) is None:
        return Check(SOURCE, assumption, f"no resources.search in the answer: {excerpt(body)}",
                     "waits only when a search is refused", False)
    return Check(SOURCE, assumption, f"limit {search['limit']} a minute, {search.get('remaining')} remaining",
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
    total = _search(client, settings, query, 1, 1)["total_count"]
    if total <= SEARCH_CAP:
        return Check(SOURCE, assumption, f"not testable: {query} holds only {total:,}",
                     "splits any window over the cap, as if it held", True)
    beyond = SEARCH_CAP // PAGE_SIZE + 1
    answer = _get(client, _search_url(settings), _search_params(query, beyond, PAGE_SIZE), "search", ok=(200, 422))
    served = answer.status_code == 200 and bool(_search_body(answer)["items"])
    observed = (f"page {beyond} of {query} ({total:,} results) answered "
                + ("with results: the cap is higher" if served else f"HTTP {answer.status_code} {_message_of(answer)}"))
    return Check(SOURCE, assumption, observed, "splits creation windows until each holds at most the cap", True)


BUDGET = "/rate_limit gives the search budget"
OR_HONOURED = "OR between topic qualifiers is honoured (either way is handled)"
CAP = f"a search serves at most its first {SEARCH_CAP:,} results"
ASSUMPTIONS = ((BUDGET, _budget_check), (OR_HONOURED, _or_check), (CAP, _cap_check))


# --- search totals -------------------------------------------------------------------------------

def count_windows(first_year: int, today: date) -> list[tuple[date, date]]:
    """Whole years from `first_year` to last year, then each month of this year so far."""
    years = [(date(year, 1, 1), date(year, 12, 31)) for year in range(first_year, today.year)]
    return years + [(date(today.year, month, 1), _month_end(today.year, month)) for month in range(1, today.month + 1)]


def _count_pages(client: Client, settings: Settings, or_honoured: bool, start: int) -> Iterator[Page]:
    windows = count_windows(settings.first_year, settings.today)
    definition = ai_query(settings.topics)
    for number in range(start, len(windows)):
        first, last = windows[number]
        total, incomplete = _window_total(client, settings, or_honoured, f"created:{first}..{last}")
        row = {"source": SOURCE, "query": definition, "window_start": first, "window_end": last,
               "total_count": total, "incomplete_results": incomplete, "collected_at": settings.moment}
        after = ({"phase": "counts", "next": number + 1, "or": or_honoured} if number + 1 < len(windows)
                 else _first_repos_cursor(settings, or_honoured))
        yield Page({"search_counts": [row]}, json.dumps(after))


def _window_total(client: Client, settings: Settings, or_honoured: bool, created: str) -> tuple[int, bool | None]:
    """AI repositories created in a window: one OR query, or inclusion-exclusion over AND queries."""
    if or_honoured:
        body = _search(client, settings, f"{ai_query(settings.topics)} {created}", 1, 1)
        return body["total_count"], as_bool(body.get("incomplete_results"))
    incomplete: list[bool | None] = []

    def count(subset: tuple[int, ...]) -> int:
        terms = " ".join(f"topic:{settings.topics[i]}" for i in subset)
        body = _search(client, settings, f"{terms} {created}", 1, 1)
        incomplete.append(as_bool(body.get("incomplete_results")))
        return body["total_count"]

    return union_size(len(settings.topics), count), _any_incomplete(incomplete)


def _any_incomplete(flags: list[bool | None]) -> bool | None:
    """True when any part may be incomplete, False when every part says it is complete, else unknown."""
    return True if True in flags else (False if flags and all(flag is False for flag in flags) else None)


def union_size(n: int, count: Callable[[tuple[int, ...]], int]) -> int:
    """|A0 ∪ ... ∪ An-1| by inclusion-exclusion, `count` giving the size of an intersection of some of them.

    An intersection is asked for only when every smaller one inside it is non-empty: once one is 0, so is
    every intersection that contains it.
    """
    total, level, size = 0, [(i,) for i in range(n)], 1
    while level:
        nonempty = set()
        for subset in level:
            found = count(subset)
            if found:
                nonempty.add(subset)
                total += found if size % 2 else -found
        level = [subset + (j,) for subset in sorted(nonempty) for j in range(subset[-1] + 1, n)
                 if all(subset[:k] + subset[k + 1:] + (j,) in nonempty for k in range(size))]
        size += 1
    return total


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


# --- repositories above the threshold ------------------------------------------------------------

def _repo_pages(client: Client, settings: Settings, cursor: dict) -> Iterator[Page]:
    """Each window of the stack page by page (a window holding more than the cap is split in two first),
    for the OR query, or topic by topic where OR is not honoured."""
    known = set(settings.fresh_owners)
    stack, page, topic = [_window_from(text) for text in cursor["windows"]], cursor["page"], cursor.get("topic")
    while stack:
        window = stack[0]
        query = f"{_topic_query(settings, topic)} stars:>={settings.min_stars} {created_qualifier(window)}"
        body = _search(client, settings, query, page, PAGE_SIZE)
        total = body["total_count"]
        if page == 1 and total > SEARCH_CAP and splittable(window):
            stack[:1] = split(window)
            continue
        _warn_about(query, page, body)
        items = body["items"]
        if page * PAGE_SIZE < min(total, SEARCH_CAP) and items:
            page += 1
        else:
            del stack[0]
            page = 1
        repos = [repo_record(item, query, position) for position, item in enumerate(items, 1)]
        repos = [repo for repo in repos if not _found_earlier(repo, settings, topic)]
        owners = _owner_records(client, settings, repos, known)
        if not stack and topic is not None and topic + 1 < len(settings.topics):
            stack, topic = [root_window(settings.today)], topic + 1
        after = _repos_cursor(stack, page, topic, cursor["or"]) if stack else None
        yield Page({"repos": repos, "owners": owners}, json.dumps(after) if after else None)


def _topic_query(settings: Settings, topic: int | None) -> str:
    return ai_query(settings.topics) if topic is None else f"topic:{settings.topics[topic]}"


def _found_earlier(repo: dict, settings: Settings, topic: int | None) -> bool:
    """Enumerating topic by topic, a repository also carrying an earlier topic was listed with that one."""
    if topic is None:
        return False
    carried = {t.lower() for t in repo["topics"]}
    return any(earlier.lower() in carried for earlier in settings.topics[:topic])


def root_window(today: date) -> Window:
    return GITHUB_EPOCH, datetime.combine(today, END_OF_DAY)


def created_qualifier(window: Window) -> str:
    """`created:` in whole days when the window is, else to the second (GitHub takes both)."""
    start, end = window
    if start.time() == time() and end.time() == END_OF_DAY:
        return f"created:{start.date()}..{end.date()}"
    return f"created:{start:%Y-%m-%dT%H:%M:%SZ}..{end:%Y-%m-%dT%H:%M:%SZ}"


def splittable(window: Window) -> bool:
    return window[1] > window[0]


def split(window: Window) -> list[Window]:
    """Two halves of a window: at a day's end while it spans days, else to the second."""
    start, end = window
    days = (end.date() - start.date()).days
    if days >= 1:
        middle = datetime.combine(start.date() + timedelta(days=(days + 1) // 2 - 1), END_OF_DAY)
    else:
        middle = start + timedelta(seconds=int((end - start).total_seconds()) // 2)
    return [(start, middle), (middle + ONE_SECOND, end)]


def _warn_about(query: str, page: int, body: dict) -> None:
    if body["total_count"] > SEARCH_CAP and page == 1:
        log.warning("github: %s holds %s repositories within one second; only the first %s are served",
                    query, body["total_count"], SEARCH_CAP)
    if body.get("incomplete_results") is True:
        log.warning("github: %s page %s: GitHub says the results may be incomplete (search timed out)", query, page)


def _repos_cursor(stack: list[Window], page: int, topic: int | None, or_honoured: bool) -> dict:
    return {"phase": "repos", "windows": [[start.isoformat(), end.isoformat()] for start, end in stack],
            "page": page, "topic": topic, "or": or_honoured}


def _first_repos_cursor(settings: Settings, or_honoured: bool) -> dict:
    """The whole span of creation times, for the OR query, or for the first topic where OR is not honoured."""
    return _repos_cursor([root_window(settings.today)], 1, None if or_honoured else 0, or_honoured)


def _window_from(text: list[str]) -> Window:
    return datetime.fromisoformat(text[0]), datetime.fromisoformat(text[1])


def repo_record(item: Any, query: str = "", position: int = 0) -> dict:
    """A repository row from one search item; a field of an unexpected type becomes NULL, not a crash."""
    if not isinstance(item, dict) or as_int(item.get("id")) is None or not as_text(item.get("full_name")):
        raise CollectorError(f"GitHub search {query!r}, item {position}: no 'id' or 'full_name': {excerpt(item)}")
    owner = item.get("owner") if isinstance(item.get("owner"), dict) else {}
    license_ = item.get("license") if isinstance(item.get("license"), dict) else {}
    return {
        "repo_id": as_int(item["id"]), "full_name": item["full_name"],
        "owner_login": as_text(owner.get("login")) or item["full_name"].split("/")[0],
        "owner_type": as_text(owner.get("type")), "created_at": as_timestamp(item.get("created_at")),
        "pushed_at": as_timestamp(item.get("pushed_at")), "language": as_text(item.get("language")),
        "license": as_text(license_.get("key")), "topics": as_texts(item.get("topics")),
        "description": as_text(item.get("description")), "fork": as_bool(item.get("fork")),
        "archived": as_bool(item.get("archived")), "stars": as_int(item.get("stargazers_count")),
        "forks": as_int(item.get("forks_count")), "open_issues": as_int(item.get("open_issues_count")),
    }


# --- owners --------------------------------------------------------------------------------------

def _owner_records(client: Client, settings: Settings, repos: list[dict], known: set[str]) -> list[dict]:
    """The page's owners not fetched recently nor earlier in this run, one GET /users each."""
    records = []
    for repo in repos:
        login = repo["owner_login"]
        if login not in known:
            known.add(login)
            records.append(_fetch_owner(client, settings, login, repo["owner_type"]))
    return records


def _fetch_owner(client: Client, settings: Settings, login: str, listed_type: str | None) -> dict:
    answer = _get(client, f"{settings.api_url.rstrip('/')}/users/{quote(login)}", None, "core", ok=(200, 404))
    if answer.status_code == 404:  # renamed or deleted since the search: kept, so not asked again until stale
        return owner_record({"login": login, "type": listed_type}, settings.moment)
    return owner_record(_json(answer), settings.moment)


def owner_record(user: Any, fetched_at: datetime) -> dict:
    """An owner row from a GET /users answer, its country read from the free-text location."""
    if not isinstance(user, dict) or not as_text(user.get("login")):
        raise CollectorError(f"GitHub user answer has no 'login': {excerpt(user)}")
    location = as_text(user.get("location"))
    return {
        "login": user["login"], "type": as_text(user.get("type")), "name": as_text(user.get("name")),
        "company": as_text(user.get("company")), "location": location, "country_code": _country(location),
        "created_at": as_timestamp(user.get("created_at")), "fetched_at": fetched_at,
    }


def _country(location: str | None) -> str | None:
    try:
        return country_of(location)
    except Exception as error:  # a resolver bug must not cost the night's collection; the location is kept
        log.warning("github: no country for location %r: %s", location, error)
        return None


# --- requests ------------------------------------------------------------------------------------

def _search(client: Client, settings: Settings, query: str, page: int, per_page: int) -> dict:
    return _search_body(_get(client, _search_url(settings), _search_params(query, page, per_page), "search"))


def _search_url(settings: Settings) -> str:
    return f"{settings.api_url.rstrip('/')}/search/repositories"


def _search_params(query: str, page: int, per_page: int) -> dict:
    return {"q": query, "sort": "stars", "order": "desc", "per_page": per_page, "page": page}


def _search_body(answer: Answer) -> dict:
    body = _json(answer)
    if not isinstance(body, dict) or as_int(body.get("total_count")) is None or not isinstance(body.get("items"), list):
        raise CollectorError(f"GitHub {describe(answer.url)}: not a search answer: {excerpt(body)}")
    return body


def _get(client: Client, url: str, params, resource: str, ok: tuple[int, ...] = (200,)) -> Answer:
    try:
        return client.get(url, params, resource, ok)
    except HttpError as error:
        raise CollectorError(f"GitHub {error}") from error


def _json(answer: Answer) -> Any:
    try:
        return answer.json()
    except ValueError as error:
        raise CollectorError(f"GitHub {describe(answer.url)}: the answer is not valid JSON ({error})") from None


def _message_of(answer: Answer) -> str:
    try:
        body = answer.json()
    except ValueError:
        return ""
    message = body.get("message") if isinstance(body, dict) else None
    return message[:200] if isinstance(message, str) else ""
