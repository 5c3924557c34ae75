"""A stand-in for GitHub's REST API: repository search with its 1,000-result cap, users, orgs, enforced rate limits."""

from __future__ import annotations

import base64
import bisect
import json
import math
import random
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from importlib.resources import files
from typing import Callable, Sequence
from urllib.parse import urlencode

from tracker.config import AI_TOPICS
from tracker.sim.server import Reply, Request, StandIn

SEARCH_CAP = 1000
MAX_PAGE = 100
DEFAULT_PAGE = 30
MAX_OPERATORS = 5
LIMITS = {"search": (30, 10), "core": (5000, 60)}        # (with a token, without)
WINDOWS = {"search": 60.0, "core": 3600.0}
DOCS = "https://docs.github.com/rest"
GITHUB_HEADERS = {"X-GitHub-Media-Type": "github.v3; format=json", "x-github-api-version-selected": "2022-11-28"}
# Keys of the recorded repository object that a search item does not carry.
NOT_IN_SEARCH_ITEMS = {"permissions", "temp_clone_token", "organization", "network_count", "subscribers_count",
                       "allow_squash_merge", "allow_merge_commit", "allow_rebase_merge", "allow_auto_merge",
                       "delete_branch_on_merge", "allow_update_branch", "use_squash_pr_title_as_default"}


@dataclass(frozen=True)
class SimOwner:
    """A user or organisation as GitHub holds it; `location` is free text, as people write it."""

    login: str
    type: str = "User"
    name: str | None = None
    company: str | None = None
    location: str | None = None
    created_at: datetime = datetime(2015, 3, 1, 12, 0, 0)
    id: int = 0


@dataclass(frozen=True)
class SimRepo:
    """A repository as GitHub holds it; the stand-in renders it as a search item."""

    id: int
    full_name: str
    created_at: datetime
    stars: int = 0
    forks: int = 0
    open_issues: int = 0
    topics: tuple[str, ...] = ()
    language: str | None = "Python"
    license: str | None = "mit"
    description: str | None = None
    fork: bool = False
    archived: bool = False

    @property
    def owner(self) -> str:
        return self.full_name.split("/")[0]

    @property
    def pushed_at(self) -> datetime:
        return self.created_at + timedelta(days=30, hours=5)


@dataclass
class Budget:
    """A fixed window of `limit` requests that starts with the first request after the last one ended."""

    limit: int
    seconds: float
    started: float = 0.0
    used: int = 0

    def reset_at(self) -> float:
        return self.started + self.seconds

    def spend(self, now: float) -> bool:
        if now >= self.reset_at():
            self.started, self.used = now, 0
        if self.used >= self.limit:
            return False
        self.used += 1
        return True

    def headers(self, resource: str) -> dict[str, str]:
        return {"X-RateLimit-Limit": str(self.limit), "X-RateLimit-Remaining": str(max(self.limit - self.used, 0)),
                "X-RateLimit-Reset": str(math.ceil(self.reset_at())), "X-RateLimit-Used": str(self.used),
                "X-RateLimit-Resource": resource}


class GitHubStandIn(StandIn):
    """Serves `repos` and `owners` as GitHub's REST API would, rate limits enforced per token.

    `search_limit`/`core_limit` replace GitHub's limits (30/10 and 5,000/60 per window, with and
    without a token); `search_window`/`core_window` shorten the windows so tests stay fast.
    `or_mode` is how `OR` between qualifiers is read, which GitHub's documentation leaves open (see
    docs/api-contracts.md): one of OR_MODES. `tokens`, when given, are the only ones accepted: any other
    bearer token is answered 401 "Bad credentials", as GitHub answers a revoked or mistyped one.
    """

    def __init__(self, repos: Sequence[SimRepo] = (), owners: Sequence[SimOwner] = (), *,
                 search_limit: int | None = None, core_limit: int | None = None,
                 search_window: float = WINDOWS["search"], core_window: float = WINDOWS["core"],
                 refusal_status: int = 403, or_mode: str = "honoured", tokens: Sequence[str] | None = None,
                 port: int = 0):
        if or_mode not in OR_MODES:
            raise ValueError(f"or_mode must be one of {', '.join(OR_MODES)}, not {or_mode!r}")
        self.or_mode = or_mode
        self.tokens = None if tokens is None else {f"Bearer {token}" for token in tokens}
        self.repos = sorted(repos, key=lambda r: (r.created_at, r.id))
        self.created = [r.created_at for r in self.repos]
        self.owners = {o.login.lower(): o for o in owners}
        self.limits = {"search": search_limit, "core": core_limit}
        self.windows = {"search": search_window, "core": core_window}
        self.refusal_status = refusal_status
        self.refusals = 0
        self.budgets: dict[tuple[str, str], Budget] = {}
        self._budget_lock = threading.Lock()
        super().__init__([
            ("GET", r"/search/repositories", self.search),
            ("GET", r"/users/([^/]+)", self.user),
            ("GET", r"/orgs/([^/]+)", self.org),
            ("GET", r"/rate_limit", self.rate_limit),
        ], port)

    # --- endpoints -------------------------------------------------------------------------------

    def search(self, request: Request) -> Reply:
        refused, headers = self._spend("search", request)
        if refused:
            return refused
        try:
            test, bounds = parse_query(request.arg("q") or "", self.or_mode)
            per_page, page = min(int(request.arg("per_page") or DEFAULT_PAGE), MAX_PAGE), int(request.arg("page") or 1)
        except (QueryError, ValueError) as error:
            return Reply(422, {"message": "Validation Failed", "errors": [
                {"resource": "Search", "field": "q", "code": "invalid", "message": str(error)}],
                "documentation_url": f"{DOCS}/search/search#search-repositories", "status": "422"}, headers)
        if (page - 1) * per_page >= SEARCH_CAP or page < 1:
            return Reply(422, {"message": "Only the first 1000 search results are available",
                               "documentation_url": f"{DOCS}/search/search", "status": "422"}, headers)
        found = self._sorted([r for r in self._within(bounds) if test(r)], request)
        items = found[(page - 1) * per_page: min(page * per_page, SEARCH_CAP)]
        last = max(1, math.ceil(min(len(found), SEARCH_CAP) / per_page))
        if links := _links(request, page, last):
            headers["Link"] = links
        body = {"total_count": len(found), "incomplete_results": False,
                "items": [self.wire_repo(r, request.base_url) for r in items]}
        return Reply(200, body, headers)

    def user(self, request: Request, login: str) -> Reply:
        refused, headers = self._spend("core", request)
        owner = self.owners.get(login.lower())
        if refused or owner is None:
            return refused or _not_found(headers, "users/users#get-a-user")
        return Reply(200, wire_user(owner, request.base_url), headers)

    def org(self, request: Request, login: str) -> Reply:
        refused, headers = self._spend("core", request)
        owner = self.owners.get(login.lower())
        if refused or owner is None or owner.type != "Organization":
            return refused or _not_found(headers, "orgs/orgs#get-an-organization")
        return Reply(200, wire_org(owner, request.base_url), headers)

    def rate_limit(self, request: Request) -> Reply:
        """The budgets as they stand; asking does not spend any."""
        credentials = request.headers.get("authorization")
        if credentials and self.tokens is not None and credentials not in self.tokens:
            return Reply(401, {"message": "Bad credentials", "documentation_url": DOCS, "status": "401"},
                         dict(GITHUB_HEADERS))
        with self._budget_lock:
            resources = {name: self._budget(name, request).headers(name) for name in LIMITS}
        shown = {name: {"limit": int(h["X-RateLimit-Limit"]), "used": int(h["X-RateLimit-Used"]),
                        "remaining": int(h["X-RateLimit-Remaining"]), "reset": int(h["X-RateLimit-Reset"])}
                 for name, h in resources.items()}
        return Reply(200, {"resources": shown, "rate": shown["core"]}, {**GITHUB_HEADERS, **resources["core"]})

    # --- rate limits -----------------------------------------------------------------------------

    def _spend(self, resource: str, request: Request) -> tuple[Reply | None, dict[str, str]]:
        """One request from the caller's budget, or the refusal GitHub answers when it is spent."""
        credentials = request.headers.get("authorization")
        if credentials and self.tokens is not None and credentials not in self.tokens:
            return Reply(401, {"message": "Bad credentials", "documentation_url": DOCS, "status": "401"},
                         dict(GITHUB_HEADERS)), {}
        with self._budget_lock:
            budget = self._budget(resource, request)
            allowed = budget.spend(time.time())
            headers = {**GITHUB_HEADERS, **budget.headers(resource)}
            if allowed:
                return None, headers
            self.refusals += 1
        who = "user ID 1" if request.headers.get("authorization") else "127.0.0.1"
        body = {"message": f"API rate limit exceeded for {who}.",
                "documentation_url": f"{DOCS}/overview/rate-limits-for-the-rest-api"}
        return Reply(self.refusal_status, body, headers), headers

    def _budget(self, resource: str, request: Request) -> Budget:
        identity = request.headers.get("authorization") or "anonymous"
        key = (resource, identity)
        if key not in self.budgets:
            with_token, without = LIMITS[resource]
            limit = self.limits[resource] or (with_token if identity != "anonymous" else without)
            self.budgets[key] = Budget(limit, self.windows[resource])
        return self.budgets[key]

    # --- data ------------------------------------------------------------------------------------

    def _within(self, bounds: tuple[datetime, datetime] | None) -> Sequence[SimRepo]:
        if bounds is None:
            return self.repos
        return self.repos[bisect.bisect_left(self.created, bounds[0]): bisect.bisect_right(self.created, bounds[1])]

    def _sorted(self, found: list[SimRepo], request: Request) -> list[SimRepo]:
        key = {"forks": lambda r: (r.forks, r.id), "updated": lambda r: (r.pushed_at, r.id)}.get(
            request.arg("sort") or "", lambda r: (r.stars, r.id))
        return sorted(found, key=key, reverse=request.arg("order", "desc") != "asc")

    def wire_repo(self, repo: SimRepo, base_url: str) -> dict:
        """A search item: the recorded repository object's shape with this repository's values."""
        owner = self.owners.get(repo.owner.lower()) or SimOwner(repo.owner)
        item = _rehomed(_template_text("repo"), base_url, "octokit-fixture-org/hello-world", repo.full_name)
        item.update({
            "id": repo.id, "node_id": _node_id("010:Repository", repo.id), "name": repo.full_name.split("/")[1],
            "full_name": repo.full_name, "owner": _owner_stub(owner, base_url), "description": repo.description,
            "fork": repo.fork, "created_at": _iso(repo.created_at), "updated_at": _iso(repo.pushed_at),
            "pushed_at": _iso(repo.pushed_at), "size": 1024 + repo.id % 90_000, "stargazers_count": repo.stars,
            "watchers_count": repo.stars, "language": repo.language, "forks_count": repo.forks,
            "archived": repo.archived, "open_issues_count": repo.open_issues, "license": _license(repo.license),
            "topics": list(repo.topics), "forks": repo.forks, "open_issues": repo.open_issues,
            "watchers": repo.stars, "default_branch": "main", "score": 1.0,
        })
        return item


# --- query language ------------------------------------------------------------------------------

class QueryError(ValueError):
    """A query GitHub would refuse with 422 Validation Failed."""


Test = Callable[[SimRepo], bool]
TOKEN = re.compile(r'\(|\)|-?\w+:"[^"]*"|"[^"]*"|[^\s()]+')
# How `OR` between qualifiers may be read. GitHub documents OR as an operator (it counts towards the five
# allowed) but never shows it between qualifiers of a repository search, and reports disagree:
#   honoured  - a union, grouped by parentheses, as code search documents its boolean operations;
#   and       - the OR and the parentheses dropped: every term must match (OR read as whitespace);
#   keyword   - OR read as a plain search word (matched in name, description, topics), parentheses dropped;
#   nothing   - a query with OR between qualifiers matches no repository (total_count 0);
#   refused   - such a query is answered 422 Validation Failed, as reported for issue search.
OR_MODES = ("honoured", "and", "keyword", "nothing", "refused")
NOTHING: Test = lambda r: False  # noqa: E731


def parse_query(q: str, or_mode: str = "honoured") -> tuple[Test, tuple[datetime, datetime] | None]:
    """A test for `q` (OR below implicit AND, parentheses, -qualifier, NOT) and its top-level created: bounds."""
    tokens = TOKEN.findall(q)
    if not tokens:
        raise QueryError("q is empty")
    if sum(token in ("AND", "OR", "NOT") for token in tokens) > MAX_OPERATORS:
        raise QueryError(f"more than {MAX_OPERATORS} AND, OR or NOT operators")
    if "OR" in tokens and or_mode != "honoured":
        if or_mode == "refused":
            raise QueryError("OR between qualifiers is not supported")
        if or_mode == "nothing":
            return NOTHING, None
        tokens = [t for t in tokens if t not in ("(", ")") and not (t == "OR" and or_mode == "and")]
        tokens = ['"OR"' if t == "OR" else t for t in tokens]
    parser = _Parser(tokens)
    test = parser.disjunction()
    if parser.position != len(tokens):
        raise QueryError(f"unexpected {tokens[parser.position]!r}")
    if not any(t.startswith("fork:") for t in tokens):
        test = _and([test, lambda r: not r.fork])  # forks are left out unless fork:true or fork:only asks
    return test, _top_level_created(tokens)


@dataclass
class _Parser:
    tokens: list[str]
    position: int = 0

    def peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> str:
        if self.peek() is None:
            raise QueryError("the query ends in the middle of an expression")
        self.position += 1
        return self.tokens[self.position - 1]

    def disjunction(self) -> Test:
        terms = [self.conjunction()]
        while self.peek() == "OR":
            self.take()
            terms.append(self.conjunction())
        return terms[0] if len(terms) == 1 else (lambda r: any(t(r) for t in terms))

    def conjunction(self) -> Test:
        terms = []
        while self.peek() not in (None, ")", "OR"):
            if self.peek() == "AND":
                self.take()
            terms.append(self.unary())
        if not terms:
            raise QueryError("an operator without a term")
        return _and(terms)

    def unary(self) -> Test:
        token = self.take()
        if token == "NOT":
            inner = self.unary()
            return lambda r: not inner(r)
        if token == "(":
            inner = self.disjunction()
            if self.peek() != ")":
                raise QueryError("unbalanced parentheses")
            self.take()
            return inner
        if token.startswith("-") and ":" in token:
            inner = qualifier(token[1:])
            return lambda r: not inner(r)
        return qualifier(token)


def _and(tests: list[Test]) -> Test:
    return tests[0] if len(tests) == 1 else (lambda r: all(t(r) for t in tests))


def qualifier(token: str) -> Test:
    """One `name:value` qualifier, or a keyword matched in the name, description and topics."""
    name, _, value = token.partition(":")
    value = value.strip('"')
    tests: dict[str, Callable[[], Test]] = {
        "topic": lambda: lambda r: value.lower() in r.topics,
        "stars": lambda: _compare(value, int, int, lambda r: r.stars),
        "forks": lambda: _compare(value, int, int, lambda r: r.forks),
        "created": lambda: _compare(value, _lower_time, _upper_time, lambda r: r.created_at),
        "pushed": lambda: _compare(value, _lower_time, _upper_time, lambda r: r.pushed_at),
        "language": lambda: lambda r: (r.language or "").lower() == value.lower(),
        "license": lambda: lambda r: (r.license or "") == value.lower(),
        "user": lambda: lambda r: r.owner.lower() == value.lower(),
        "org": lambda: lambda r: r.owner.lower() == value.lower(),
        "fork": lambda: _fork(value),
        "archived": lambda: lambda r: r.archived == (value == "true"),
        "is": lambda: lambda r: value == "public",
        "in": lambda: lambda r: True,
    }
    if value and name in tests:
        return tests[name]()
    word = token.strip('"').lower()
    return lambda r: word in r.full_name.lower() or word in (r.description or "").lower() or word in r.topics


def _fork(value: str) -> Test:
    if value == "only":
        return lambda r: r.fork
    return lambda r: True if value == "true" else not r.fork


def _compare(spec: str, lower, upper, field_of: Callable[[SimRepo], object]) -> Test:
    """`>=x`, `>x`, `<=x`, `<x`, `x..y` (either side `*`) or `x`, with dates covering their whole day."""
    try:
        for operator, bound, check in ((">=", lower, "ge"), ("<=", upper, "le"), (">", upper, "gt"), ("<", lower, "lt")):
            if spec.startswith(operator):
                limit = bound(spec[len(operator):])
                return {"ge": lambda r: field_of(r) >= limit, "le": lambda r: field_of(r) <= limit,
                        "gt": lambda r: field_of(r) > limit, "lt": lambda r: field_of(r) < limit}[check]
        first, _, last = spec.partition("..") if ".." in spec else (spec, "", spec)
        low = None if first == "*" else lower(first)
        high = None if last == "*" else upper(last)
    except ValueError as error:
        raise QueryError(f"cannot read {spec!r}: {error}") from None
    return lambda r: (low is None or field_of(r) >= low) and (high is None or field_of(r) <= high)


def _lower_time(text: str) -> datetime:
    return _moment(text)


def _upper_time(text: str) -> datetime:
    moment = _moment(text)
    return moment + timedelta(days=1, microseconds=-1) if len(text) == 10 else moment  # a date: its whole day


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment


def _top_level_created(tokens: list[str]) -> tuple[datetime, datetime] | None:
    """The created: range every match lies in, when it is ANDed at the top level (lets search bisect)."""
    depth, found = 0, None
    for token in tokens:
        depth += {"(": 1, ")": -1}.get(token, 0)
        if depth == 0 and token in ("OR", "NOT"):
            return None
        if depth == 0 and token.startswith("created:") and ".." in token:
            first, last = token[len("created:"):].split("..", 1)
            found = (datetime.min if first == "*" else _lower_time(first),
                     datetime.max if last == "*" else _upper_time(last))
    return found


# --- wire shapes ---------------------------------------------------------------------------------

def _fixture(name: str) -> object:
    return json.loads((files("tracker.sim") / "fixtures" / "github" / name).read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def _template_text(name: str) -> str:
    """A recorded object as JSON text: the octokit `GET /repos` object less the keys search items lack,
    or the PyGithub `GET /users/{login}` answer."""
    if name == "repo":
        recorded = _fixture("octokit-get-repository.raw-fixture.json")[0]["response"]
        return json.dumps({k: v for k, v in recorded.items() if k not in NOT_IN_SEARCH_ITEMS})
    return json.dumps(_fixture("gh_user.json")[0]["response"]["body"])


@lru_cache(maxsize=1)
def _owner_keys() -> tuple[str, ...]:
    return tuple(json.loads(_template_text("repo"))["owner"])


def _rehomed(text: str, base_url: str, recorded_name: str, name: str):
    """A recorded object with its URLs pointing at this server and naming `name` instead."""
    return json.loads(text.replace("https://api.github.com", base_url).replace(recorded_name, name))


def _owner_stub(owner: SimOwner, base_url: str) -> dict:
    user = wire_user(owner, base_url)
    return {**{key: user[key] for key in _owner_keys() if key in user}, "site_admin": False}


def wire_user(owner: SimOwner, base_url: str) -> dict:
    """`GET /users/{login}`: the recorded user's shape (organisations answer it too)."""
    user = _rehomed(_template_text("user"), base_url, "theCapypara", owner.login)
    number = owner.id or _stable_id(owner.login)
    user.update({
        "id": number, "node_id": _node_id("04:User" if owner.type == "User" else "012:Organization", number),
        "avatar_url": f"https://avatars.githubusercontent.com/u/{number}?v=4", "type": owner.type,
        "name": owner.name, "company": owner.company, "blog": "", "location": owner.location, "email": None,
        "bio": None, "created_at": _iso(owner.created_at), "updated_at": _iso(owner.created_at + timedelta(days=900)),
        "user_view_type": "public",
    })
    return user


def wire_org(owner: SimOwner, base_url: str) -> dict:
    """`GET /orgs/{org}` as a non-member sees it (no billing or plan fields)."""
    number = owner.id or _stable_id(owner.login)
    api = f"{base_url}/orgs/{owner.login}"
    return {
        "login": owner.login, "id": number, "node_id": _node_id("012:Organization", number), "url": api,
        "repos_url": f"{api}/repos", "events_url": f"{api}/events", "hooks_url": f"{api}/hooks",
        "issues_url": f"{api}/issues", "members_url": f"{api}/members{{/member}}",
        "public_members_url": f"{api}/public_members{{/member}}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{number}?v=4", "description": None,
        "name": owner.name, "company": owner.company, "blog": "", "location": owner.location, "email": None,
        "twitter_username": None, "is_verified": False, "has_organization_projects": True,
        "has_repository_projects": True, "public_repos": 12, "public_gists": 0, "followers": 100, "following": 0,
        "html_url": f"https://github.com/{owner.login}", "created_at": _iso(owner.created_at),
        "updated_at": _iso(owner.created_at + timedelta(days=900)), "archived_at": None, "type": "Organization",
    }


def _license(key: str | None) -> dict | None:
    if key is None:
        return None
    spdx = {"mit": "MIT", "apache-2.0": "Apache-2.0", "gpl-3.0": "GPL-3.0", "bsd-3-clause": "BSD-3-Clause",
            "other": "NOASSERTION"}.get(key, key.upper())
    return {"key": key, "name": spdx, "spdx_id": spdx, "url": None if key == "other" else
            f"https://api.github.com/licenses/{key}", "node_id": _node_id("07:License", len(key))}


def _links(request: Request, page: int, last: int) -> str:
    """GitHub's Link header: prev, next, last, first, as absolute URLs on this server."""
    def url(number: int) -> str:
        params = [(k, v) for k, values in request.query.items() if k != "page" for v in values]
        return f"{request.base_url}{request.path}?{urlencode(params + [('page', number)])}"
    rels = ([("prev", page - 1)] if page > 1 else []) + ([("next", page + 1), ("last", last)] if page < last else [])
    rels += [("first", 1)] if page > 1 else []
    return ", ".join(f'<{url(number)}>; rel="{rel}"' for rel, number in rels)


def _not_found(headers: dict[str, str], doc: str) -> Reply:
    return Reply(404, {"message": "Not Found", "documentation_url": f"{DOCS}/{doc}", "status": "404"}, headers)


def _node_id(kind: str, number: int) -> str:
    return base64.b64encode(f"{kind}{number}".encode()).decode()


def _stable_id(login: str) -> int:
    return 1_000_000 + sum(ord(c) * 31 ** i for i, c in enumerate(login)) % 90_000_000


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# --- a generated ecosystem -----------------------------------------------------------------------

# Organisations behind well-known open models (some match the Hugging Face stand-in's authors).
KNOWN_ORGS = (
    ("QwenLM", "Qwen", "Alibaba Cloud", "Hangzhou, China"), ("deepseek-ai", "DeepSeek", None, "杭州"),
    ("meta-llama", "Meta Llama", "Meta", "Menlo Park, CA"), ("THUDM", "THUDM", "Tsinghua University", "北京市海淀区"),
    ("huggingface", "Hugging Face", None, "NYC + Paris"), ("mistralai", "Mistral AI", None, "Paris, France"),
    ("google-deepmind", "Google DeepMind", None, "London, UK"), ("01-ai", "01.AI", None, "Beijing"),
)
KNOWN_REPOS = (
    ("huggingface/transformers", datetime(2018, 10, 29, 13, 56), 150_000, ("deep-learning", "machine-learning", "nlp")),
    ("meta-llama/llama", datetime(2023, 2, 14, 9, 29), 58_000, ("llm", "large-language-models")),
    ("THUDM/ChatGLM-6B", datetime(2023, 3, 13, 10, 3), 41_000, ("llm", "chatglm")),
    ("QwenLM/Qwen", datetime(2023, 8, 3, 2, 45), 19_000, ("llm", "large-language-models", "chinese")),
    ("QwenLM/Qwen2.5", datetime(2024, 9, 18, 1, 12), 14_000, ("llm", "large-language-models")),
    ("deepseek-ai/DeepSeek-V3", datetime(2024, 12, 26, 5, 40), 98_000, ("llm",)),
    ("deepseek-ai/DeepSeek-R1", datetime(2025, 1, 20, 12, 8), 90_000, ("llm", "artificial-intelligence")),
    ("mistralai/mistral-inference", datetime(2023, 9, 27, 7, 0), 10_000, ("llm", "deep-learning")),
)
# Profile locations as people write them: cities in Chinese and English, nicknames, emoji, nonsense.
LOCATIONS = (
    "Beijing, China", "北京", "Hangzhou", "杭州市", "上海", "Shanghai, PRC", "Shenzhen 深圳", "Guangzhou",
    "SF Bay Area", "San Francisco, CA", "Seattle, WA", "New York", "Cambridge, MA", "Austin, TX",
    "London, UK", "Paris, France", "Berlin, Germany", "Zürich", "Amsterdam", "Москва", "東京都", "Seoul, Korea",
    "Bangalore, India", "Singapore", "Toronto, Canada", "São Paulo, Brasil", "Tel Aviv", "القاهرة، مصر",
    "🇩🇪", "🌍 Earth", "localhost", "Mars", "remote", "asdfgh", "/dev/null", "", None, None, None, None,
)
OTHER_TOPICS = ("python", "pytorch", "nlp", "computer-vision", "transformers", "rag", "agents", "chatbot", "gpu")
NAMES = ("vision", "chat", "agent", "bench", "diffusion", "tokenizer", "rag", "speech", "kernel", "eval", "lora")
LANGUAGES = ("Python", "Python", "Python", "Jupyter Notebook", "C++", "Rust", "TypeScript", "Go", None)
LICENSES = ("mit", "apache-2.0", "apache-2.0", "gpl-3.0", "bsd-3-clause", "other", None)


@dataclass
class Ecosystem:
    repos: list[SimRepo] = field(default_factory=list)
    owners: list[SimOwner] = field(default_factory=list)


def generate(size: int, seed: int = 0, start: datetime = datetime(2011, 1, 1),
             end: datetime = datetime(2026, 10, 31, 23, 59, 59), owner_count: int | None = None,
             known: bool = True, ai_share: float = 0.85) -> Ecosystem:
    """`size` repositories created in [start, end] (more of them lately), power-law stars, shared owners."""
    rng = random.Random(seed)
    owners = _owners(rng, owner_count or max(5, size // 3)) + ([_known_org(row) for row in KNOWN_ORGS] if known else [])
    moments = sorted(start + (end - start) * rng.random() ** 0.5 for _ in range(size))
    repos = [_repo(rng, index, moment.replace(microsecond=0), owners, ai_share) for index, moment in enumerate(moments)]
    if known:
        repos += [_known_repo(index, *row) for index, row in enumerate(KNOWN_REPOS)] + [recorded_repo()]
    return Ecosystem(repos, owners + [SimOwner("octokit-fixture-org", "Organization", id=31898100)])


def recorded_repo() -> SimRepo:
    """The repository of the octokit recording (no AI topic, no stars): a real item that must not match."""
    item = _fixture("octokit-get-repository.raw-fixture.json")[0]["response"]
    return SimRepo(item["id"], item["full_name"], _moment(item["created_at"]), item["stargazers_count"],
                   item["forks_count"], item["open_issues_count"], tuple(item["topics"]), item["language"], None,
                   item["description"], item["fork"], item["archived"])


def _owners(rng: random.Random, count: int) -> list[SimOwner]:
    owners = []
    for index in range(count):
        kind = "Organization" if rng.random() < 0.15 else "User"
        login = f"{rng.choice(NAMES)}-{'lab' if kind == 'Organization' else 'dev'}{index}"
        created = datetime(2009, 1, 1) + timedelta(days=rng.randrange(5_000), seconds=rng.randrange(86_400))
        owners.append(SimOwner(login, kind, login.replace("-", " ").title(), rng.choice((None, "@acme", "Tsinghua")),
                               rng.choice(LOCATIONS), created, 2_000_000 + index))
    return owners


def _repo(rng: random.Random, index: int, created: datetime, owners: list[SimOwner], ai_share: float) -> SimRepo:
    topics = rng.sample(AI_TOPICS, rng.randint(1, 3)) if rng.random() < ai_share else []
    topics += rng.sample(OTHER_TOPICS, rng.randint(0, 2))
    stars = int(rng.paretovariate(1.0) * 8) - 8  # P(stars >= 100) is about 7%
    owner = rng.choice(owners)
    return SimRepo(
        100_000_000 + index * 7, f"{owner.login}/{rng.choice(NAMES)}-{index}", created, stars,
        stars // rng.randint(5, 12), rng.randrange(40), tuple(topics), rng.choice(LANGUAGES), rng.choice(LICENSES),
        rng.choice((None, f"A {rng.choice(NAMES)} toolkit", "数据集与模型 🚀")), rng.random() < 0.03,
        rng.random() < 0.05,
    )


def _known_org(row: tuple) -> SimOwner:
    login, name, company, location = row
    return SimOwner(login, "Organization", name, company, location, datetime(2016, 5, 1), _stable_id(login))


def _known_repo(index: int, full_name: str, created: datetime, stars: int, topics: tuple[str, ...]) -> SimRepo:
    return SimRepo(90_000_000 + index, full_name, created, stars, stars // 8, 300, topics, "Python", "apache-2.0",
                   f"{full_name.split('/')[1]}: open models")
