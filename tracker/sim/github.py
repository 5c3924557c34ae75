"""A stand-in for GitHub's REST API: repository search with its 1,000-result cap, users, orgs, enforced rate limits.

The search's semantics (its data and query language) are `github_search`, the answers' shapes `github_wire`;
here are the server, its rate limits, and a generated ecosystem to serve.
"""

from __future__ import annotations

import bisect
import math
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Sequence
from urllib.parse import urlencode

from tracker.config import AI_TOPICS
from tracker.sim.github_search import OR_MODES, QueryError, SimOwner, SimRepo, parse_moment, parse_query
from tracker.sim.github_wire import fixture, stable_id, wire_org, wire_repo, wire_user
from tracker.sim.server import Reply, Request, StandIn

SEARCH_CAP = 1000
MAX_PAGE = 100
DEFAULT_PAGE = 30
LIMITS = {"search": (30, 10), "core": (5000, 60)}        # (with a token, without)
WINDOWS = {"search": 60.0, "core": 3600.0}
DOCS = "https://docs.github.com/rest"
GITHUB_HEADERS = {"X-GitHub-Media-Type": "github.v3; format=json", "x-github-api-version-selected": "2022-11-28"}


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
        return wire_repo(repo, self.owners.get(repo.owner.lower()) or SimOwner(repo.owner), base_url)


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
    item = fixture("octokit-get-repository.raw-fixture.json")[0]["response"]
    return SimRepo(item["id"], item["full_name"], parse_moment(item["created_at"]), item["stargazers_count"],
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
    return SimOwner(login, "Organization", name, company, location, datetime(2016, 5, 1), stable_id(login))


def _known_repo(index: int, full_name: str, created: datetime, stars: int, topics: tuple[str, ...]) -> SimRepo:
    return SimRepo(90_000_000 + index, full_name, created, stars, stars // 8, 300, topics, "Python", "apache-2.0",
                   f"{full_name.split('/')[1]}: open models")
