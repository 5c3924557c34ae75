"""ModelScope's catalogue listed whole through partitions of listModels (see `collectors.modelscope`).

A listing reaches at most LISTING_DEPTH models, so over-full searches are split into narrower ones, authors
first, until every model is listed; the count against the unfiltered total is the proof.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from typing import TYPE_CHECKING, Any, Iterator, NamedTuple

from modelscope_hub._openapi import OpenAPIClient
from tracker.collectors.modelscope_transport import call, get_model
from tracker.collectors.records import CatalogueIncomplete, CollectorError, as_int, excerpt

if TYPE_CHECKING:
    from tracker.collectors.modelscope import Settings

PAGE_SIZE = 50            # listModels: page_size maximum 50
LISTING_DEPTH = 3000      # listModels: page_number * page_size <= 3000
MAX_SEARCH = 100          # listModels: search maxLength 100
# Characters of ModelScope owner and model names as a case-insensitive search sees them (assumed; a
# name outside them is caught by the count at the end).
ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789-_."
# A search no model name or author contains: a service whose search narrows the listing finds (nearly) none.
PROBE = "zqxj-no-model-is-named-this-0"
LARGEST_OWNERS = 3        # known authors an over-full search matches, listed whole by owner= in its next round


class Query(NamedTuple):
    """One listing: `owner=` and/or `search=`; with `name`, one model read by getModel."""

    owner: str | None = None
    search: str | None = None
    name: str | None = None

    def matches(self, author: str, name: str) -> bool:
        """Whether a model (lower-cased author and name) is one this query lists, as the spec defines search."""
        if self.owner is not None and author != self.owner.lower():
            return False
        if self.name is not None:
            return name == self.name.lower()
        search = (self.search or "").lower()
        return search in name or search in author

    def children(self) -> list["Query"]:
        """Queries that together list all this one does, each one character narrower (or exact)."""
        if self.owner is None and self.search is None:
            return [Query(search=c) for c in ALPHABET]
        if self.search is None:
            return [Query(self.owner, c) for c in ALPHABET]
        s = self.search
        exact = Query(owner=s) if self.owner is None else Query(self.owner, name=s)
        return [exact] + [Query(self.owner, w) for c in ALPHABET for w in (s + c, c + s)]

    def describe(self) -> str:
        if self.name is not None:
            return f"model {self.owner}/{self.name}"
        parts = [f"{key}={value}" for key, value in (("owner", self.owner), ("search", self.search)) if value]
        return ", ".join(parts) or "the whole catalogue"


class Listed:
    """The distinct models a run has listed: their ids, and (author, name) to count a query's matches."""

    def __init__(self):
        self.ids: set[str] = set()
        self.names: list[tuple[str, str]] = []
        self.authors: Counter[str] = Counter()
        self.counts: dict[Query, tuple[int, int]] = {}  # query -> (models counted, how many it matched)

    def add(self, model_id: str) -> bool:
        key = model_id.lower()
        if key in self.ids:
            return False
        self.ids.add(key)
        self.names.append(tuple(key.split("/", 1)))
        self.authors[self.names[-1][0]] += 1
        return True

    def count(self, query: Query) -> int:
        """How many listed models the query matches; counted on from where its last count stopped."""
        counted, number = self.counts.get(query, (0, 0))
        number += sum(1 for author, name in self.names[counted:] if query.matches(author, name))
        self.counts[query] = (len(self.names), number)
        return number


class Run:
    """One listing of the catalogue by partitions, and what it found short."""

    def __init__(self, client: OpenAPIClient, settings: Settings):
        self.client, self.settings = client, settings
        self.reach = LISTING_DEPTH // settings.page_size * settings.page_size
        self.listed = Listed()
        self.requests = 0
        self.parents: dict[Query, tuple[Query, int]] = {}  # a query split from an over-full one, and its total
        self.root_total: int | None = None
        self.shortfalls: list[str] = []

    def cursor(self) -> str:
        return json.dumps({"listed": len(self.listed.ids), "requests": self.requests})

    def listing(self) -> Iterator[list[dict]]:
        """The new models of each listing page, round by round of query length."""
        root = Query(owner=self.settings.owner)
        yield from self._rounds([root], {root})

    def _rounds(self, rounds: list[Query], seen: set[Query]) -> Iterator[list[dict]]:
        while rounds:
            deferred = []
            # Authors first: once listed, many of the searches after them are settled before being asked.
            for query in sorted(rounds, key=lambda q: q.search is not None):
                if self._parent_settled(query):
                    continue
                found = yield from self._list(query)
                if found is None:
                    continue
                if query.owner is not None and query.search is None:
                    # One author's names, split at once: until its models are listed, every search its
                    # name contains stays over-full.
                    yield from self._rounds(self._split([(query, found)], seen), seen)
                else:
                    deferred.append((query, found))
            rounds = self._split(deferred, seen)

    def _list(self, query: Query) -> Iterator[list[dict]]:
        """List one query whole if it fits; else (nothing to list beyond page 1) its total, for later."""
        if query.name is not None:
            item = self._call(lambda: get_model(self.client, query.owner, query.name), query.describe())
            yield self._new(item and [item], query)
            return None
        items, total = self._page(query, 1)
        if query == Query(owner=self.settings.owner):
            self.root_total = total
            if total > self.reach and self._search_narrows_nothing(total):
                yield from self._windows(query)
                return None
        yield self._new(items, query)
        if total > self.reach:
            return total
        if self.listed.count(query) >= total:
            return None  # every model it matches is listed already: its other pages would add none
        for number in range(2, math.ceil(total / self.settings.page_size) + 1):
            items, _ = self._page(query, number)
            yield self._new(items, query)
        return None

    def _split(self, deferred: list[tuple[Query, int]], seen: set[Query]) -> list[Query]:
        """The next round: the children of each over-full query not settled by what has been listed since."""
        following = []
        unsettled = [(query, total) for query, total in deferred if self.listed.count(query) < total]
        if unsettled and self.requests >= self.settings.max_requests:
            self.shortfalls.append(f"stopped partitioning after {self.requests} listing requests (max_requests), "
                                   f"{len(unsettled)} listings still over-full")
            return []
        for query, total in unsettled:
            if len(query.search or "") >= MAX_SEARCH:
                self.shortfalls.append(f"{query.describe()} still matches {total} models, more than one listing "
                                       f"reaches ({self.reach}), and cannot be narrowed further")
                continue
            for child in query.children() + self._largest_owners(query):
                if child not in seen and len(child.search or "") <= MAX_SEARCH:
                    seen.add(child)
                    self.parents[child] = (query, total)
                    following.append(child)
        return following

    def _parent_settled(self, query: Query) -> bool:
        """Whether the over-full query this one was split from has since had every model it matches listed."""
        parent = self.parents.get(query)
        return parent is not None and self.listed.count(parent[0]) >= parent[1]

    def _largest_owners(self, query: Query) -> list[Query]:
        """The known authors with most models that an over-full search matches: an author too large for any
        of its own substrings to fit one window is listed by owner= (and split by names) at once."""
        if query.owner is not None or query.search is None:
            return []
        search = query.search.lower()
        return [Query(owner=author) for author, _ in self.listed.authors.most_common()
                if search in author][:LARGEST_OWNERS]

    def _search_narrows_nothing(self, total: int) -> bool:
        _, probed = self._page(Query(owner=self.settings.owner, search=PROBE), 1, size=1)
        if probed < total:
            return False
        self.shortfalls.append(f"search does not narrow the listing: '{PROBE}' matched {probed} of {total} "
                               "models, so nothing past the first window can be reached")
        return True

    def _windows(self, query: Query) -> Iterator[list[dict]]:
        """What the window reaches under each sort order, for a listing that cannot be partitioned."""
        for sort in ("default", "downloads", "likes", "last_modified"):
            for number in range(1, self.reach // self.settings.page_size + 1):
                items, _ = self._page(query, number, sort=sort)
                yield self._new(items, query)
                if len(items) < self.settings.page_size:
                    break

    def _page(self, query: Query, number: int, size: int | None = None, sort: str | None = None) -> tuple[list, int]:
        size = size or self.settings.page_size
        where = f"page {number} ({query.describe()})"
        self.requests += 1
        data = self._call(lambda: self.client.list_models(owner=query.owner, search=query.search, sort=sort,
                                                          page_number=number, page_size=size), where) or {}
        items, total = data.get("models"), as_int(data.get("total_count"))
        if not isinstance(items, list) or total is None:
            raise CollectorError(f"ModelScope {where}: no model list and total_count in the reply: {excerpt(data)}")
        return items, total

    def _new(self, items: list | None, query: Query) -> list[dict]:
        """The items this query truly lists that no earlier listing of the run gave."""
        new = []
        for item in items or []:
            model_id = _model_id(item, query)
            author, name = model_id.lower().split("/", 1)
            if query.matches(author, name) and self.listed.add(model_id):
                new.append(item)
        return new

    def total(self, query: Query) -> int:
        return self._page(query, 1, size=1)[1]

    def _call(self, request, where: str) -> Any:
        return call(request, where, self.settings)

    def check_complete(self) -> None:
        """The count is the proof: however the partitions fared, enough distinct models listed is the whole."""
        listed, total = len(self.listed.ids), self.root_total or 0
        allowed = math.ceil(total * self.settings.tolerance)
        if listed + allowed < total:
            why = "; ".join([f"listed {listed} of the {total} models the listing reports "
                             f"(tolerance {allowed})"] + self.shortfalls)
            raise CatalogueIncomplete(f"ModelScope: {why}")


def _model_id(item: Any, query: Query) -> str:
    model_id = item.get("id") if isinstance(item, dict) else None
    if not isinstance(model_id, str) or model_id.count("/") != 1 or model_id.startswith("/") or model_id.endswith("/"):
        raise CollectorError(f"ModelScope {query.describe()}: a listed model has no 'owner/name' id: {excerpt(item)}")
    return model_id
