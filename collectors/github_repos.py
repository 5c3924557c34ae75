"""GitHub's repositories above the star threshold, one by one, and their owners.

A search serves only its first 1,000 results, so the span of creation times is split until each window
holds at most that many; where OR is not honoured, the topics are enumerated one after another, each
repository listed with the first topic it carries.
"""

from __future__ import annotations

import json
import logging
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Iterator

from tracker.collectors.github_counts import ai_query
from tracker.collectors.github_http import PAGE_SIZE, SEARCH_CAP, Client, get_user, json_of, search
from tracker.collectors.records import (CollectorError, Page, as_bool, as_count, as_int, as_text, as_texts,
                                        as_timestamp, excerpt)

if TYPE_CHECKING:
    from tracker.collectors.github import Settings

GITHUB_EPOCH = datetime(2008, 1, 1)  # no repository is older: the enumeration starts here, whatever first_year says
END_OF_DAY = time(23, 59, 59)
ONE_SECOND = timedelta(seconds=1)

log = logging.getLogger("tracker")

Window = tuple[datetime, datetime]   # creation times, UTC, both ends included


def repo_pages(client: Client, settings: Settings, cursor: dict) -> Iterator[Page]:
    """Each window of the stack page by page (a window holding more than the cap is split in two first),
    for the OR query, or topic by topic where OR is not honoured."""
    known = set(settings.fresh_owners)
    stack, page, topic = [_window_from(text) for text in cursor["windows"]], cursor["page"], cursor.get("topic")
    while stack:
        window = stack[0]
        query = f"{_topic_query(settings, topic)} stars:>={settings.min_stars} {created_qualifier(window)}"
        body = search(client, query, page, PAGE_SIZE)
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


def first_repos_cursor(settings: Settings, or_honoured: bool) -> dict:
    """The whole span of creation times, for the OR query, or for the first topic where OR is not honoured."""
    return _repos_cursor([root_window(settings.today)], 1, None if or_honoured else 0, or_honoured)


def _window_from(text: list[str]) -> Window:
    return datetime.fromisoformat(text[0]), datetime.fromisoformat(text[1])


def repo_record(item: Any, query: str = "", position: int = 0) -> dict:
    """A repository row from one search item; a field of an unexpected type becomes NULL, not a crash."""
    full_name = as_text(item.get("full_name")) if isinstance(item, dict) else None
    if full_name is None or as_int(item.get("id")) is None:
        raise CollectorError(f"GitHub search {query!r}, item {position}: no 'id' or 'full_name': {excerpt(item)}")
    owner = item.get("owner") if isinstance(item.get("owner"), dict) else {}
    license_ = item.get("license") if isinstance(item.get("license"), dict) else {}
    return {
        "repo_id": as_int(item["id"]), "full_name": full_name,
        "owner_login": as_text(owner.get("login")) or full_name.split("/")[0],
        "owner_type": as_text(owner.get("type")), "created_at": as_timestamp(item.get("created_at")),
        "pushed_at": as_timestamp(item.get("pushed_at")), "language": as_text(item.get("language")),
        "license": as_text(license_.get("key")), "topics": as_texts(item.get("topics")),
        "description": as_text(item.get("description")), "fork": as_bool(item.get("fork")),
        "archived": as_bool(item.get("archived")), "stars": as_count(item.get("stargazers_count")),
        "forks": as_count(item.get("forks_count")), "open_issues": as_count(item.get("open_issues_count")),
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
    answer = get_user(client, login)
    if answer.status_code == 404:  # renamed or deleted since the search: kept, so not asked again until stale
        return owner_record({"login": login, "type": listed_type}, settings)
    return owner_record(json_of(answer), settings)


def owner_record(user: Any, settings: Settings) -> dict:
    """An owner row from a GET /users answer, its country read from the free-text location."""
    login = as_text(user.get("login")) if isinstance(user, dict) else None
    if login is None:
        raise CollectorError(f"GitHub user answer has no 'login': {excerpt(user)}")
    location = as_text(user.get("location"))
    return {
        "login": login, "type": as_text(user.get("type")), "name": as_text(user.get("name")),
        "company": as_text(user.get("company")), "location": location, "country_code": _country(location, settings),
        "created_at": as_timestamp(user.get("created_at")), "fetched_at": settings.moment,
    }


def _country(location: str | None, settings: Settings) -> str | None:
    try:
        return settings.country_of(location)
    except Exception as error:  # a resolver bug must not cost the night's collection; the location is kept
        log.warning("github: no country for location %r: %s", location, error)
        return None
