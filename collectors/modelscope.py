"""ModelScope: the whole model catalogue through the modelscope SDK's OpenAPI client, as flat records.

What the service does is as ModelScope's OpenAPI description says (docs/api-contracts.md, "ModelScope"):
one listing (listModels) reaches at most 3,000 models (page_number × page_size ≤ 3000), and `search`
matches a substring of the model's name or of its author, as separate fields. So the catalogue is
reached through the author: every author contains some search string whose listing fits in one
window. The searches grow from single characters; one still over-full is, at the end of its length's
round, either settled (every model it can match has been listed already, counted client-side) or
split into its one-character-longer extensions on both sides, plus the exact author (owner=). An
owner too large for one window is split the same way by substrings of the names (owner= with
search=), plus the exact name (getModel). A listing keeps only the models that truly match it.
Whatever the service's search does, the proof is the count: the distinct models listed against the
unfiltered listing's own total_count. Short of it (beyond a small tolerance for models added or
removed meanwhile), the run lists what it can and raises CatalogueIncomplete after its last page.

Lineage comes from getModel's `readme`, the card's YAML front matter `base_model` (one id or a list):
the spec's Model has no lineage field and its tags carry none. One request per model, so readmes are
read incrementally: only for models new or changed (last_modified) since their readme was last read
(`Settings.readmes`, handed in from the warehouse), at most `readme_budget` a run, paced.
"""

from __future__ import annotations

import json
import logging
import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterator, Mapping, NamedTuple
from urllib.parse import urljoin, urlsplit

import requests
import yaml
from modelscope_hub._openapi import OpenAPIClient
from modelscope_hub.config import HubConfig
from modelscope_hub.errors import (
    AuthenticationError,
    HubError,
    InvalidParameter,
    NetworkError,
    NotExistError,
    PermissionDeniedError,
    QuotaExceededError,
    RateLimitError,
    ServerError,
)
from tracker.collectors.records import (
    CatalogueIncomplete,
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
    same_origin,
)
from tracker.collectors.waiting import check_stop, pause, within_deadline

HUB = "modelscope"
PAGE_SIZE = 50            # listModels: page_size maximum 50
LISTING_DEPTH = 3000      # listModels: page_number * page_size <= 3000
MAX_SEARCH = 100          # listModels: search maxLength 100
MODELS_PER_PAGE = 1000    # listed models are handed on in pages of about this many: saving one has a fixed cost
# Characters of ModelScope owner and model names as a case-insensitive search sees them (assumed; a
# name outside them is caught by the count at the end).
ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789-_."
# A search no model name or author contains: a service whose search narrows the listing finds (nearly) none.
PROBE = "zqxj-no-model-is-named-this-0"
MAX_BACKOFF_SECONDS = 300.0  # the longest wait between two attempts, however the retries double it
LARGEST_OWNERS = 3        # known authors an over-full search matches, listed whole by owner= in its next round
TRANSIENT = (RateLimitError, QuotaExceededError, ServerError, NetworkError)

log = logging.getLogger("tracker")


class ReadmeRead(NamedTuple):
    """A model's readme as last read: the model's last_modified then, and the parents its front matter named."""

    last_modified: datetime | None
    parents: tuple[str, ...]


@dataclass
class Settings:
    endpoint: str | None = None  # None: MODELSCOPE_ENDPOINT, else https://modelscope.cn
    token: str | None = None     # None: MODELSCOPE_API_TOKEN, else the SDK's saved login, else anonymous
    owner: str | None = None
    page_size: int = PAGE_SIZE
    readme_lineage: bool = True
    readme_budget: int = 2000    # getModel requests a run may make for readmes
    readme_pause: float = 0.5    # seconds between two of them
    readmes: Mapping[str, ReadmeRead] = field(default_factory=dict)  # model id -> its last read readme
    retries: int = 3             # of one request refused as throttled or failed by the server or network
    timeout: float = 30.0        # seconds to connect, and for each read
    deadline: float = 60.0       # seconds for one whole answer, however slowly its bytes come
    retry_wait: float = 2.0      # seconds before the first retry; doubles after each
    tolerance: float = 0.001     # share of the total that may be added or removed during a run
    max_requests: int = 100_000  # listing requests of one run; past them, the run ends incomplete

    def config(self) -> HubConfig:
        # A config of the run's own: the SDK's process-wide default keeps the first endpoint it saw.
        return HubConfig(endpoint=self.endpoint, token=self.token)

    def scope(self) -> dict:
        """What the listing covers: recorded with the run, never the token."""
        valid = self.endpoint is None or _is_http(self.endpoint)
        endpoint = HubConfig(endpoint=self.endpoint, token="").endpoint if valid else self.endpoint
        return {"endpoint": public_url(endpoint), "owner": self.owner}

    def narrowed(self) -> bool:
        return bool(self.owner)


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


def fetch_model_pages(settings: Settings, resume_from: str | None = None) -> Iterator[Page]:
    """Every model of the catalogue in pages of about MODELS_PER_PAGE, then CatalogueIncomplete if short."""
    client = _client(settings)
    if resume_from:
        # The partitions depend on every model seen before; a cursor cannot carry them, so it starts over.
        log.info("modelscope: a listing cannot resume mid-way; listing again from the start")
    run = Run(client, settings)
    catalog_total = run.total(Query()) if settings.narrowed() else None
    models, edges, reads = [], [], []
    for items in run.listing():
        for item in items:
            lineage, read = run.readmes.lineage(item)
            models.append(model_record(item))
            edges += lineage
            reads += [read] if read else []
        if len(models) >= MODELS_PER_PAGE:
            yield Page(_records(models, edges, reads), run.cursor(), catalog_total or run.root_total)
            models, edges, reads = [], [], []
    yield Page(_records(models, edges, reads), None, catalog_total or run.root_total)
    log.info("modelscope: %s", run.readmes.coverage())
    run.check_complete()


def _records(models: list, edges: list, reads: list) -> dict[str, list[dict]]:
    return {"models": models, "lineage": edges, "readme_reads": reads}


class Run:
    """One listing of the catalogue by partitions, and what it found short."""

    def __init__(self, client: OpenAPIClient, settings: Settings):
        self.client, self.settings = client, settings
        self.reach = LISTING_DEPTH // settings.page_size * settings.page_size
        self.listed = Listed()
        self.readmes = Readmes(client, settings)
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
            item = self._call(lambda: _get_model(self.client, query.owner, query.name), query.describe())
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


def _client(settings: Settings) -> OpenAPIClient:
    if settings.endpoint is not None and not _is_http(settings.endpoint):
        raise CollectorError(f"ModelScope endpoint {settings.endpoint!r} is not an http(s) URL "
                             "(modelscope.endpoint in the configuration, or MODELSCOPE_ENDPOINT)")
    # One attempt per SDK call: the retries are the collector's, whose waits a stop request ends.
    return OpenAPIClient(settings.config(), session=_session_on(settings.config().endpoint), max_retries=1,
                         timeout=settings.timeout)


def _session_on(endpoint: str) -> requests.Session:
    """A session that never follows a redirect off `endpoint`: it could lead anywhere, token and all."""
    session = requests.Session()

    def refuse_elsewhere(response: requests.Response, **_) -> None:
        if response.is_redirect and not same_origin(urljoin(response.url, response.headers["Location"]), endpoint):
            raise CollectorError(f"ModelScope: refusing to follow a redirect to {response.headers['Location'][:160]}: "
                                 f"not on the configured endpoint {public_url(endpoint)}")

    session.hooks["response"].append(refuse_elsewhere)
    return session


def _is_http(endpoint: str | None) -> bool:
    parts = urlsplit(endpoint or "")
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def call(request, where: str, settings: Settings) -> Any:
    """An SDK call's unwrapped `data`, retried with backoff when throttled or failed in transit."""
    for attempt in range(settings.retries + 1):
        check_stop(f"ModelScope {where}")
        try:
            data = within_deadline(request, settings.deadline, f"ModelScope {where}", "modelscope.deadline")
            return None if data is None else _as_object(data, where)
        except TRANSIENT as error:
            if attempt == settings.retries:
                raise CollectorError(f"ModelScope {where}: still failing after {attempt} retries: "
                                     f"{_reason(error)}") from None
            pause(min(settings.retry_wait * 2 ** attempt, MAX_BACKOFF_SECONDS), f"ModelScope {where}: {_reason(error)}")
        except AuthenticationError as error:
            raise CollectorError(f"ModelScope {where}: the service refused the request as unauthenticated "
                                 f"({_reason(error)}); set MODELSCOPE_API_TOKEN to a valid ModelScope API token"
                                 ) from None
        except InvalidParameter as error:
            raise CollectorError(f"ModelScope {where}: the service refused a parameter: {_reason(error)}") from None
        except HubError as error:
            raise CollectorError(f"ModelScope {where}: {_reason(error)}") from None
    raise AssertionError("unreachable")


def _as_object(data: Any, where: str) -> dict:
    """The SDK hands back the body's text when it is not JSON."""
    if isinstance(data, str):
        raise CollectorError(f"ModelScope {where} is not valid JSON: {excerpt(data)}")
    if not isinstance(data, dict):
        raise CollectorError(f"ModelScope {where}: expected a JSON object, got {excerpt(data)}")
    return data


def _reason(error: HubError) -> str:
    """The service's code and message, from the ErrorResponse body when there is one."""
    body = getattr(error, "response_body", None)
    status = getattr(error, "status_code", None)
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return f"HTTP {status} {body.get('code')}: {body['message']}"
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]


def _get_model(client: OpenAPIClient, owner: str, name: str) -> dict | None:
    """getModel's `data`, or None for a model gone since it was listed (404) or not open to this token (403)."""
    try:
        return client.get_model(owner, name)
    except (NotExistError, PermissionDeniedError):  # QuotaLimitExceed is not one: it is retried
        return None


def _model_id(item: Any, query: Query) -> str:
    model_id = item.get("id") if isinstance(item, dict) else None
    if not isinstance(model_id, str) or model_id.count("/") != 1 or model_id.startswith("/") or model_id.endswith("/"):
        raise CollectorError(f"ModelScope {query.describe()}: a listed model has no 'owner/name' id: {excerpt(item)}")
    return model_id


class Readmes:
    """Lineage from readmes, read only where the last reading is out of date, within the run's budget."""

    def __init__(self, client: OpenAPIClient, settings: Settings):
        self.client, self.settings = client, settings
        self.read = self.current = self.pending = self.unreadable = 0

    def lineage(self, item: dict) -> tuple[list[dict], dict | None]:
        """The model's lineage records, and the record of a readme read now (None if none was)."""
        model_id, changed = item["id"], as_timestamp(item.get("last_modified"))
        known = self.settings.readmes.get(model_id)
        if known and known.last_modified == changed:
            self.current += 1
            return edges(model_id, known.parents), None
        if not self.settings.readme_lineage or self.read + self.unreadable >= self.settings.readme_budget:
            self.pending += 1
            return edges(model_id, known.parents if known else ()), None
        parents = self._parents(model_id)
        if parents is None:
            return edges(model_id, known.parents if known else ()), None
        self.read += 1
        return edges(model_id, parents), {"hub": HUB, "model_id": model_id, "last_modified": changed,
                                          "parents": list(parents)}

    def _parents(self, model_id: str) -> tuple[str, ...] | None:
        if self.read + self.unreadable:
            pause(self.settings.readme_pause, "ModelScope readme pacing")
        owner, name = model_id.split("/", 1)
        detail = call(lambda: _get_model(self.client, owner, name), f"readme of {model_id}", self.settings)
        if detail is None:
            self.unreadable += 1
            return None
        return tuple(front_matter_parents(detail.get("readme")))

    def coverage(self) -> str:
        total = self.read + self.current + self.pending + self.unreadable
        return (f"readme lineage: {self.read + self.current} of {total} listed models have an up-to-date readme "
                f"reading ({self.read} read this run), {self.pending} pending, {self.unreadable} unreadable "
                f"(budget {self.settings.readme_budget} a run)")


def edges(model_id: str, parents) -> list[dict]:
    # A card names no relation: the edge is `unknown`.
    return [{"hub": HUB, "child_id": model_id, "parent_id": parent, "relation": "unknown", "provenance": "card"}
            for parent in dict.fromkeys(parents) if parent != model_id]


def front_matter_parents(readme: Any) -> list[str]:
    """`base_model` of a README's YAML front matter (one id or a list); none when absent or unreadable."""
    if not isinstance(readme, str) or not readme.lstrip("\ufeff").startswith("---"):
        return []
    header = readme.lstrip("\ufeff")[3:].partition("\n---")[0]
    try:
        meta = yaml.safe_load(header)
    except yaml.YAMLError:
        return []
    declared = meta.get("base_model") if isinstance(meta, dict) else None
    declared = [declared] if isinstance(declared, str) else as_texts(declared)
    return [parent.strip().strip("/") for parent in declared if parent.strip().strip("/")]


def model_record(item: dict) -> dict:
    """A model row from one `Model` object; a field of an unexpected type becomes NULL, not a crash."""
    tasks, tags = as_texts(item.get("tasks")), as_texts(item.get("tags"))
    libraries = [tag[len("library:"):] for tag in tags if tag.startswith("library:")]
    return {
        "hub": HUB, "model_id": item["id"], "author": item["id"].split("/")[0],
        "created_at": as_timestamp(item.get("created_at")),
        "last_modified": as_timestamp(item.get("last_modified")),
        "pipeline_tag": tasks[0] if tasks else None,
        "library_name": libraries[0] if libraries else None,
        "license": as_text(item.get("license")), "tags": tags,
        "gated": _gated(item.get("gated")), "private": as_bool(item.get("private")),
        # ModelScope's count runs since the model's creation; `downloads` is a 30-day column.
        "downloads": None, "downloads_all_time": as_int(item.get("downloads")), "likes": as_int(item.get("likes")),
    }


def _gated(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    return as_text(value)


# --- tracker doctor: each assumption above, tested live with a handful of requests ---------------------------

def doctor_checks(settings: Settings) -> list[Check]:
    """The listing's assumptions as the service answers them now, one Check each."""
    if settings.endpoint is not None and not _is_http(settings.endpoint):
        return [_check("the endpoint is an http(s) URL", f"{settings.endpoint!r}",
                       "fix modelscope.endpoint or MODELSCOPE_ENDPOINT", False)]
    quick = Settings(endpoint=settings.endpoint, token=settings.token, retries=1, retry_wait=settings.retry_wait)
    checks = [_anonymous(quick), _token(quick)]
    listed = _try(lambda: _list(_client(quick), quick, page_size=PAGE_SIZE))
    if isinstance(listed, str):
        return checks + [_check("the listing answers with models and a total_count", listed,
                                "the collector cannot list ModelScope", False)]
    items, total = listed
    checks.append(_check("the listing reports its total_count", f"total_count {total}, {len(items)} models on page 1",
                         "completeness is proved against it", True))
    checks.append(_page_cap(quick))
    sample = next((item["id"] for item in reversed(items) if isinstance(item, dict) and isinstance(item.get("id"), str)
                   and item["id"].count("/") == 1), None)
    if sample is None:
        return checks + [_check("search matches name or author substrings", "no model to test it on",
                                "the search assumptions stay unchecked", total == 0)]
    return checks + _search_checks(quick, sample, total) + [_readme_check(quick, sample)]


def _check(assumption: str, observed: str, action: str, ok: bool) -> Check:
    return Check(source=HUB, assumption=assumption, observed=observed, action=action, ok=ok)


def _try(probe):
    """A probe's result, or the one-line reason it failed."""
    try:
        return probe()
    except CollectorError as error:
        return str(error)


def _list(client: OpenAPIClient, settings: Settings, **params) -> tuple[list, int]:
    data = call(lambda: client.list_models(**{"page_number": 1, "page_size": 1, **params}),
                f"doctor listing {params}", settings) or {}
    items, total = data.get("models"), as_int(data.get("total_count"))
    if not isinstance(items, list) or total is None:
        raise CollectorError(f"no model list and total_count in the reply: {excerpt(data)}")
    return items, total


def _anonymous(settings: Settings) -> Check:
    anonymous = Settings(endpoint=settings.endpoint, token="", retries=1, retry_wait=settings.retry_wait)
    result = _try(lambda: _list(_client(anonymous), anonymous))
    served = not isinstance(result, str)
    action = ("runs work without a token" if served else
              "runs need a token: set MODELSCOPE_API_TOKEN" + ("" if settings.token else " (it is not set)"))
    return _check("anonymous requests are served", "served" if served else result, action,
                  served or bool(settings.token))


def _token(settings: Settings) -> Check:
    if not settings.token:
        return _check("the token is accepted", "no token set (MODELSCOPE_API_TOKEN)", "runs go anonymous", True)
    result = _try(lambda: _list(_client(settings), settings))
    accepted = not isinstance(result, str)
    return _check("the token is accepted", "accepted" if accepted else result,
                  "runs send it" if accepted else "set MODELSCOPE_API_TOKEN to a valid token", accepted)


def _page_cap(settings: Settings) -> Check:
    client = _client(settings)
    over = _try(lambda: _list(client, settings, page_size=PAGE_SIZE + 1))
    deep = _try(lambda: _list(client, settings, page_number=LISTING_DEPTH // PAGE_SIZE + 1, page_size=PAGE_SIZE))
    observed = (f"page_size {PAGE_SIZE + 1}: " + ("refused" if isinstance(over, str) else f"served {len(over[0])}")
                + f"; page {LISTING_DEPTH // PAGE_SIZE + 1} of {PAGE_SIZE}: "
                + ("refused" if isinstance(deep, str) else "served"))
    return _check(f"pages of at most {PAGE_SIZE}, no deeper than {LISTING_DEPTH}", observed,
                  f"the collector asks for {PAGE_SIZE} a page and never past {LISTING_DEPTH}; a hub that allows "
                  "more is listed the same way", True)


def _search_checks(settings: Settings, model_id: str, total: int) -> list[Check]:
    client = _client(settings)
    owner, name = model_id.split("/", 1)
    probe = _try(lambda: _list(client, settings, search=PROBE))
    narrows = not isinstance(probe, str) and (probe[1] < total or total <= 1)
    checks = [_check("search narrows the listing", f"'{PROBE}' matched "
                     + (probe if isinstance(probe, str) else f"{probe[1]} of {total}"),
                     "partitions by author and name substrings" if narrows else
                     f"only the first {LISTING_DEPTH} of each sort order can be listed: runs end incomplete", narrows)]
    by_name = _try(lambda: _list(client, settings, owner=owner, search=name.lower(), page_size=PAGE_SIZE))
    by_author = _try(lambda: _list(client, settings, owner=owner, search=owner.lower()))
    whole_owner = _try(lambda: _list(client, settings, owner=owner))
    found = (not isinstance(by_name, str) and any(item.get("id") == model_id for item in by_name[0])
             and not isinstance(by_author, str) and not isinstance(whole_owner, str)
             and by_author[1] == whole_owner[1])
    checks.append(_check("search matches a substring of the name and of the author (owner= narrows to the author)",
                         f"name {name.lower()!r} finds {model_id}: {found}; search {owner.lower()!r} within "
                         f"owner={owner}: {_total(by_author)} of {_total(whole_owner)}",
                         "partitions by author and name substrings" if found else
                         "the partitions may miss models; the count at the end tells", found))
    joined = f"{owner[-2:]}/{name[:2]}".lower()
    across = _try(lambda: _list(client, settings, search=joined))
    observed = (across if isinstance(across, str) else f"'{joined}', spanning the '/', matched {across[1]}: "
                + ("only name and author are searched" if across[1] == 0 else "more than name and author is searched"))
    checks.append(_check("search matches name and author as separate fields, not the joined owner/name id",
                         observed, "never searches across the '/'; either way the partitions hold", True))
    return checks


def _total(result) -> str:
    return result if isinstance(result, str) else str(result[1])


def _readme_check(settings: Settings, model_id: str) -> Check:
    owner, name = model_id.split("/", 1)
    detail = _try(lambda: call(lambda: _client(settings).get_model(owner, name), f"getModel {model_id}", settings))
    if isinstance(detail, str) or detail is None:
        return _check("getModel serves the readme", detail or "no model", "lineage cannot be read", False)
    readme = detail.get("readme")
    observed = ("no readme" if not isinstance(readme, str) else
                f"readme of {model_id}: front matter {'yes' if readme.lstrip().startswith('---') else 'no'}, "
                f"base_model {front_matter_parents(readme) or 'none'}")
    return _check("getModel serves the readme (lineage from its front matter's base_model)", observed,
                  "lineage read incrementally from readmes", "readme" in detail)
