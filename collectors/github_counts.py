"""GitHub's search totals of AI repositories per creation window: one OR query where GitHub honours OR
between topic qualifiers, else inclusion-exclusion over AND queries (the OR probe tells which)."""

from __future__ import annotations

import calendar
import json
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Callable, Iterator

from tracker.collectors.github_http import SOURCE, Client, get, message_of, search, search_body, search_params, search_url
from tracker.collectors.records import CollectorError, Page, as_bool

if TYPE_CHECKING:
    from tracker.collectors.github import Settings

MAX_BOOLEAN_OPERATORS = 5            # GitHub refuses a query with more AND/OR/NOT operators ("Validation Failed")


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
    singles = [search(client, f"topic:{topic}", 1, 1)["total_count"] for topic in settings.topics]
    answer = get(client, search_url(client), search_params(ai_query(settings.topics), 1, 1), "search", ok=(200, 422))
    if answer.status_code == 422:
        return OrProbe(False, f"the OR query was refused: HTTP 422 {message_of(answer)}")
    combined = search_body(answer)["total_count"]
    honoured = 0 < max(singles) <= combined <= sum(singles)
    return OrProbe(honoured, f"OR query total {combined:,}; single topics {', '.join(f'{n:,}' for n in singles)}")


# --- search totals -------------------------------------------------------------------------------

def count_windows(first_year: int, today: date) -> list[tuple[date, date]]:
    """Whole years from `first_year` to last year, then each month of this year so far."""
    years = [(date(year, 1, 1), date(year, 12, 31)) for year in range(first_year, today.year)]
    return years + [(date(today.year, month, 1), _month_end(today.year, month)) for month in range(1, today.month + 1)]


def count_pages(client: Client, settings: Settings, or_honoured: bool, start: int, then: dict) -> Iterator[Page]:
    """One page per window from `start`, each with the cursor after it; after the last, `then`."""
    windows = count_windows(settings.first_year, settings.today)
    definition = ai_query(settings.topics)
    for number in range(start, len(windows)):
        first, last = windows[number]
        total, incomplete = _window_total(client, settings, or_honoured, f"created:{first}..{last}")
        row = {"source": SOURCE, "query": definition, "window_start": first, "window_end": last,
               "total_count": total, "incomplete_results": incomplete, "collected_at": settings.moment}
        after = {"phase": "counts", "next": number + 1, "or": or_honoured} if number + 1 < len(windows) else then
        yield Page({"search_counts": [row]}, json.dumps(after))


def _window_total(client: Client, settings: Settings, or_honoured: bool, created: str) -> tuple[int, bool | None]:
    """AI repositories created in a window: one OR query, or inclusion-exclusion over AND queries."""
    if or_honoured:
        body = search(client, f"{ai_query(settings.topics)} {created}", 1, 1)
        return body["total_count"], as_bool(body.get("incomplete_results"))
    incomplete: list[bool | None] = []

    def count(subset: tuple[int, ...]) -> int:
        terms = " ".join(f"topic:{settings.topics[i]}" for i in subset)
        body = search(client, f"{terms} {created}", 1, 1)
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
