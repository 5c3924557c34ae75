"""GitHub: search totals of AI repositories per creation window, every one above a star threshold, and its owner."""

from __future__ import annotations

import calendar
import json
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Iterator
from urllib.parse import quote

from tracker.collectors.records import (
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

from tracker.config import AI_TOPICS
from tracker.http import Client, HttpError, describe, new_session
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
    api_url: str = GITHUB_API
    token: str | None = None
    topics: tuple[str, ...] = tuple(AI_TOPICS)    # a repository is "AI" when it carries any of them
    first_year: int = 2011                        # search totals per year from here on
    min_stars: int = 100                          # repositories at or above are enumerated one by one
    fresh_owners: frozenset[str] = field(default_factory=frozenset)  # fetched recently: not fetched again
    retry_wait: float = 1.0
    today: date | None = None                     # None: today in UTC

    def scope(self) -> dict:
        """What a run covers: recorded with it, never the token; a resume needs the same."""
        return {"api_url": public_url(self.api_url), "topics": list(self.topics), "first_year": self.first_year,
                "min_stars": self.min_stars}


def fetch_pages(settings: Settings, resume_from: str | None = None) -> Iterator[Page]:
    """Search totals page by page, then the repositories above the threshold with their new owners."""
    definition = ai_query(settings.topics)
    client = _client(settings)
    today = settings.today or datetime.now(timezone.utc).date()
    cursor = json.loads(resume_from) if resume_from else {"phase": "counts", "next": 0}
    try:
        if cursor["phase"] == "counts":
            yield from _count_pages(client, settings, definition, today, cursor["next"])
            cursor = _first_repos_cursor(today)
        stack = [_window_from(text) for text in cursor["windows"]]
        yield from _repo_pages(client, settings, definition, stack, cursor["page"])
    finally:
        if client.waited:
            log.info("github: waited %.1f s for rate limits in all", client.waited)


def ai_query(topics: tuple[str, ...] | list[str]) -> str:
    """`topic:a` or `(topic:a OR topic:b ...)`: one query, so a repository with two topics counts once."""
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
    return Client("github", new_session(headers), retry_wait=settings.retry_wait)


# --- search totals -------------------------------------------------------------------------------

def count_windows(first_year: int, today: date) -> list[tuple[date, date]]:
    """Whole years from `first_year` to last year, then each month of this year so far."""
    years = [(date(year, 1, 1), date(year, 12, 31)) for year in range(first_year, today.year)]
    return years + [(date(today.year, month, 1), _month_end(today.year, month)) for month in range(1, today.month + 1)]


def _count_pages(client: Client, settings: Settings, definition: str, today: date, start: int) -> Iterator[Page]:
    windows = count_windows(settings.first_year, today)
    for number in range(start, len(windows)):
        first, last = windows[number]
        body = _search(client, settings, f"{definition} created:{first}..{last}", page=1, per_page=1)
        row = {"source": SOURCE, "query": definition, "window_start": first, "window_end": last,
               "total_count": body["total_count"], "incomplete_results": as_bool(body.get("incomplete_results")),
               "collected_at": _now()}
        after = {"phase": "counts", "next": number + 1} if number + 1 < len(windows) else _first_repos_cursor(today)
        yield Page({"search_counts": [row]}, json.dumps(after))


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


# --- repositories above the threshold ------------------------------------------------------------

def _repo_pages(client: Client, settings: Settings, definition: str, stack: list[Window], page: int) -> Iterator[Page]:
    """Each window of the stack page by page; a window holding more than the cap is split in two first."""
    known = set(settings.fresh_owners)
    while stack:
        window = stack[0]
        query = f"{definition} stars:>={settings.min_stars} {created_qualifier(window)}"
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
        owners = _owner_records(client, settings.api_url, repos, known)
        yield Page({"repos": repos, "owners": owners}, json.dumps(_repos_cursor(stack, page)) if stack else None)


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


def _repos_cursor(stack: list[Window], page: int) -> dict:
    return {"phase": "repos", "windows": [[start.isoformat(), end.isoformat()] for start, end in stack], "page": page}


def _first_repos_cursor(today: date) -> dict:
    return _repos_cursor([root_window(today)], 1)


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

def _owner_records(client: Client, api_url: str, repos: list[dict], known: set[str]) -> list[dict]:
    """The page's owners not fetched recently nor earlier in this run, one GET /users each."""
    records = []
    for repo in repos:
        login = repo["owner_login"]
        if login not in known:
            known.add(login)
            records.append(_fetch_owner(client, api_url, login, repo["owner_type"]))
    return records


def _fetch_owner(client: Client, api_url: str, login: str, listed_type: str | None) -> dict:
    response = _get(client, f"{api_url.rstrip('/')}/users/{quote(login)}", None, "core", ok=(200, 404))
    if response.status_code == 404:  # renamed or deleted since the search: kept, so not asked again until stale
        return owner_record({"login": login, "type": listed_type})
    return owner_record(_json(response))


def owner_record(user: Any) -> dict:
    """An owner row from a GET /users answer, its country read from the free-text location."""
    if not isinstance(user, dict) or not as_text(user.get("login")):
        raise CollectorError(f"GitHub user answer has no 'login': {excerpt(user)}")
    location = as_text(user.get("location"))
    return {
        "login": user["login"], "type": as_text(user.get("type")), "name": as_text(user.get("name")),
        "company": as_text(user.get("company")), "location": location, "country_code": _country(location),
        "created_at": as_timestamp(user.get("created_at")), "fetched_at": _now(),
    }


def _country(location: str | None) -> str | None:
    try:
        return country_of(location)
    except Exception as error:  # a resolver bug must not cost the night's collection; the location is kept
        log.warning("github: no country for location %r: %s", location, error)
        return None


# --- requests ------------------------------------------------------------------------------------

def _search(client: Client, settings: Settings, query: str, page: int, per_page: int) -> dict:
    params = {"q": query, "sort": "stars", "order": "desc", "per_page": per_page, "page": page}
    response = _get(client, f"{settings.api_url.rstrip('/')}/search/repositories", params, "search")
    body = _json(response)
    if not isinstance(body, dict) or as_int(body.get("total_count")) is None or not isinstance(body.get("items"), list):
        raise CollectorError(f"GitHub {describe(response.url)}: not a search answer: {excerpt(body)}")
    return body


def _get(client: Client, url: str, params, resource: str, ok: tuple[int, ...] = (200,)):
    try:
        return client.get(url, params, resource, ok)
    except HttpError as error:
        raise CollectorError(f"GitHub {error}") from error


def _json(response) -> Any:
    try:
        return response.json()
    except ValueError as error:
        raise CollectorError(f"GitHub {describe(response.url)}: the answer is not valid JSON ({error})") from None



def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)
