"""A stand-in for the Hugging Face Hub API (`/api/models`), serving a catalogue in the Hub's wire shapes."""

from __future__ import annotations

import base64
import hashlib
import json
import math
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from importlib.resources import files
from typing import Sequence
from urllib.parse import urlencode

from tracker.sim.ecosystem import SimModel
from tracker.sim.server import LOOPBACK, Reply, Request, StandIn

MAX_PAGE = 1000
DEFAULT_PAGE = 1000
# The expand values the listing accepts: those of huggingface_hub's `list_models` documentation. The
# Hub answers any other with HTTP 400 (huggingface_hub's live test_list_models_expand_unexpected_value);
# baseModels, childrenModelCount and usedStorage are served by /api/models/{repo_id} alone (PR #3182).
LISTING_EXPANDABLE = {
    "author", "cardData", "config", "createdAt", "disabled", "downloads", "downloadsAllTime", "evalResults",
    "gated", "gguf", "inference", "inferenceProviderMapping", "lastModified", "library_name", "likes",
    "mask_token", "model-index", "pipeline_tag", "private", "resourceGroup", "safetensors", "sha", "siblings",
    "spaces", "tags", "transformersInfo", "trendingScore", "widgetData",
}
MODEL_INFO_EXPANDABLE = LISTING_EXPANDABLE | {"baseModels", "childrenModelCount", "usedStorage"}
SORTS = {"createdAt", "downloads", "lastModified", "likes", "trendingScore", "likes30d", "id"}
# The keys a list item carries when nothing is asked for, in the Hub's order.
DEFAULT_KEYS = ("_id", "id", "likes", "trendingScore", "private", "downloads", "tags", "pipeline_tag",
                "library_name", "createdAt", "modelId")
FULL_KEYS = DEFAULT_KEYS + ("author", "lastModified", "gated", "disabled", "sha", "siblings")
HUB_HEADERS = {"X-Powered-By": "huggingface-moon", "Vary": "Origin",
               "Access-Control-Expose-Headers": "X-Repo-Commit,X-Request-Id,X-Error-Code,X-Error-Message,X-Total-Count,ETag,Link"}


class HubStandIn(StandIn):
    """Serves `catalog` (any sequence of SimModel, e.g. a GeneratedEcosystem) as the Hub would."""

    def __init__(self, catalog: Sequence[SimModel], port: int = 0, host: str = LOOPBACK, total_count: bool = True,
                 tokens: set[str] | None = None, policy: tuple[int, float] = (1000, 300), enforce: bool = False):
        self.catalog = catalog
        self.total_count = total_count  # whether listings state X-Total-Count (assumed of the Hub, not documented)
        self.tokens = tokens            # the tokens whoami accepts; None: any
        self.policy = policy            # (requests, seconds) of the fixed window stated in RateLimit-Policy
        self.enforce = enforce          # answer 429 past the window's quota, as the Hub does
        self.refused = 0                # listing requests answered 429 by the policy
        self._window = (time.monotonic(), 0)
        self._window_lock = threading.Lock()
        super().__init__([
            ("GET", r"/api/agent-harnesses", lambda request: Reply(200, {"standardEnvVars": [], "harnesses": {}})),
            ("GET", r"/api/whoami-v2", self.whoami),
            ("GET", r"/api/models", self.list_models),
            ("GET", r"/api/models/(.+)", self.model_info),
            ("GET", r"/api/datasets/(.+)/commits/([^/]+)", self.dataset_commits),
            ("HEAD", r"/datasets/(.+?)/resolve/([^/]+)/(.+)", self.dataset_file),
            ("GET", r"/datasets/(.+?)/resolve/([^/]+)/(.+)", self.dataset_file),
        ], port, host)

    def list_models(self, request: Request) -> Reply:
        problem = _refused_expand(request, LISTING_EXPANDABLE)
        if not problem and request.arg("sort") and request.arg("sort") not in SORTS:
            problem = "Invalid sort parameter"
        if problem:
            return Reply(400, {"error": problem}, dict(HUB_HEADERS))
        within, limits = self._rate_limit()
        if not within:
            self.refused += 1
            return Reply(429, {"error": "You have exceeded our rate limit"}, {**HUB_HEADERS, **limits})
        limit = min(int(request.arg("limit") or DEFAULT_PAGE), MAX_PAGE)
        start = _decode_cursor(request.arg("cursor"))
        picked, position = self._matching(request, start, limit)
        headers = {**HUB_HEADERS, **limits}
        if self.total_count:
            headers["X-Total-Count"] = str(self._count(request))
        if position < len(self.catalog) and picked:
            headers["Link"] = f'<{_next_url(request, position)}>; rel="next"'
        return Reply(200, [wire_item(model, request) for model in picked], headers)

    def whoami(self, request: Request) -> Reply:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if not token or (self.tokens is not None and token not in self.tokens):
            return Reply(401, {"error": "Invalid credentials in Authorization header"}, dict(HUB_HEADERS))
        return Reply(200, {"type": "user", "name": "tracker-stand-in", "auth": {"type": "access_token"}})

    def _rate_limit(self) -> tuple[bool, dict[str, str]]:
        """Whether this request is within the window's quota, and the IETF-draft headers the Hub sends
        (huggingface_hub's parse_ratelimit_headers reads them); the reset is in whole seconds, rounded up."""
        quota, seconds = self.policy
        with self._window_lock:
            started, used = self._window
            now = time.monotonic()
            if now - started >= seconds:
                started, used = now, 0
            used += 1
            self._window = (started, used)
        left = math.ceil(seconds - (now - started))
        headers = {"RateLimit": f'"api";r={max(quota - used, 0)};t={left}',
                   "RateLimit-Policy": f'"fixed window";"api";q={quota};w={seconds:g}'}
        return not (self.enforce and used > quota), headers

    def _matching(self, request: Request, start: int, limit: int) -> tuple[list[SimModel], int]:
        picked, position = [], start
        while position < len(self.catalog) and len(picked) < limit:
            model = self.catalog[position]
            position += 1
            if _selected(model, request):
                picked.append(model)
        return picked, position

    def _count(self, request: Request) -> int:
        if not (request.arg("author") or request.arg("search") or request.args("filter")):
            return len(self.catalog)
        return sum(1 for model in self.catalog if _selected(model, request))

    def model_info(self, request: Request, model_id: str) -> Reply:
        recorded = self.recorded.get(model_id)
        if recorded:
            return Reply(recorded["status"], recorded["body"], recorded["headers"],
                         recorded["headers"].get("Content-Type", "application/json; charset=utf-8"))
        model = self._by_id.get(model_id)
        if model is None:
            return Reply(404, {"error": "Repository not found"},
                         {"X-Error-Code": "RepoNotFound", "X-Error-Message": "Repository not found"})
        problem = _refused_expand(request, MODEL_INFO_EXPANDABLE)
        if problem:
            return Reply(400, {"error": problem}, dict(HUB_HEADERS))
        request.query.setdefault("full", ["true"])
        request.query.setdefault("cardData", ["true"])
        return Reply(200, wire_item(model, request, listing=False), dict(HUB_HEADERS))

    @cached_property
    def _by_id(self) -> dict[str, SimModel]:
        return {model.model_id: model for model in self.catalog}

    @cached_property
    def recorded(self) -> dict[str, dict]:
        """The real responses recorded from the Hub (shared fixtures), keyed by requested id."""
        folder = files("tracker.sim") / "fixtures" / "huggingface"
        answers = {}
        for path in folder.iterdir():
            if path.name.endswith(".json"):
                for exchange in json.loads(path.read_text(encoding="utf-8")):
                    model_id = exchange["request"]["url"].split("/api/models/", 1)[1].split("?")[0]
                    response = exchange["response"]
                    headers = {k: v[0] for k, v in response["headers"].items()
                               if k.lower() in {"location", "content-type", "x-request-id", "etag"}}
                    answers[model_id] = {"status": response["status"], "body": response["body"], "headers": headers}
        return answers

    # --- Dataset repositories: the commit history and the files at each revision (for the backfill) ---

    commits_page = 50  # commits per page of a dataset's commit list (assumed: docs/api-contracts.md)

    @cached_property
    def datasets(self) -> dict[str, list[DatasetCommit]]:
        """Each dataset repository's commits, oldest first."""
        return {}

    def commit_dataset(self, repo_id: str, when: datetime, files: dict[str, bytes], title: str = "Update") -> str:
        """A new commit on the dataset's main branch changing `files`; returns its id."""
        history = self.datasets.setdefault(repo_id, [])
        commit_id = hashlib.sha1(f"{repo_id}|{len(history)}|{when.isoformat()}".encode()).hexdigest()
        history.append(DatasetCommit(commit_id, when, dict(files), title))
        return commit_id

    def remove_revision(self, repo_id: str, commit_id: str) -> None:
        """The commit disappears (a squashed or force-pushed history): no longer listed nor resolvable."""
        self.datasets[repo_id] = [c for c in self.datasets.get(repo_id, []) if c.commit_id != commit_id]

    def dataset_commits(self, request: Request, repo_id: str, revision: str) -> Reply:
        """`GET /api/datasets/{repo}/commits/{revision}`: newest first, paginated with `p` and a Link header."""
        history = self._history(repo_id, revision)
        if isinstance(history, Reply):
            return history
        page = int(request.arg("p") or 0)
        newest_first = list(reversed(history))
        picked = newest_first[page * self.commits_page:(page + 1) * self.commits_page]
        headers = dict(HUB_HEADERS)
        if (page + 1) * self.commits_page < len(newest_first):
            params = [(k, v) for k, values in request.query.items() if k != "p" for v in values]
            headers["Link"] = (f'<{request.base_url}/api/datasets/{repo_id}/commits/{revision}?'
                               f'{urlencode(params + [("p", page + 1)])}>; rel="next"')
        return Reply(200, [_commit_item(c) for c in picked], headers)

    def dataset_file(self, request: Request, repo_id: str, revision: str, filename: str) -> Reply:
        """`HEAD`/`GET /datasets/{repo}/resolve/{revision}/{filename}`: the file as of that revision, with
        the headers huggingface_hub's get_hf_file_metadata requires (X-Repo-Commit, ETag, Content-Length)."""
        history = self._history(repo_id, revision)
        if isinstance(history, Reply):
            return history
        commit = history[-1]
        content = next((c.files[filename] for c in reversed(history) if filename in c.files), None)
        if content is None:
            return Reply(404, {"error": "Entry not found"}, {**HUB_HEADERS, "X-Repo-Commit": commit.commit_id,
                         "X-Error-Code": "EntryNotFound", "X-Error-Message": "Entry not found"})
        etag = hashlib.sha256(content).hexdigest()  # an LFS file's ETag is its sha256
        headers = {**HUB_HEADERS, "X-Repo-Commit": commit.commit_id, "ETag": f'"{etag}"', "Accept-Ranges": "bytes"}
        start = _range_start(request.headers.get("range"))
        if start:
            headers["Content-Range"] = f"bytes {start}-{len(content) - 1}/{len(content)}"
            return Reply(206, content[start:], headers, "application/octet-stream")
        return Reply(200, content, headers, "application/octet-stream")

    def _history(self, repo_id: str, revision: str) -> list[DatasetCommit] | Reply:
        """The commits up to `revision` (a commit id or `main`), or the Hub's 404 for an unknown repo or revision."""
        history = self.datasets.get(repo_id)
        if history is None:
            return Reply(404, {"error": "Repository not found"},
                         {**HUB_HEADERS, "X-Error-Code": "RepoNotFound", "X-Error-Message": "Repository not found"})
        if revision == "main" and history:
            return history
        for position, commit in enumerate(history):
            if commit.commit_id == revision:
                return history[:position + 1]
        message = f"Invalid rev id: {revision}"
        return Reply(404, {"error": message},
                     {**HUB_HEADERS, "X-Error-Code": "RevisionNotFound", "X-Error-Message": message})


@dataclass
class DatasetCommit:
    commit_id: str
    when: datetime          # UTC
    files: dict[str, bytes]  # the files this commit adds or changes
    title: str


def _commit_item(commit: DatasetCommit) -> dict:
    """One commit as `/api/{type}s/{repo}/commits/{revision}` lists it (the keys list_repo_commits reads)."""
    return {"id": commit.commit_id, "title": commit.title, "message": "", "authors": [{"user": "hub-stats-bot"}],
            "date": _iso(commit.when)}


def _range_start(header: str | None) -> int:
    """The first byte of a `Range: bytes=N-` request (how huggingface_hub resumes a download), else 0."""
    if header and header.startswith("bytes=") and header[6:].split("-")[0].isdigit():
        return int(header[6:].split("-")[0])
    return 0


def _refused_expand(request: Request, allowed: set[str]) -> str | None:
    refused = sorted(set(request.args("expand")) - allowed)
    return f'"expand" must be one of {sorted(allowed)}, got {refused}' if refused else None


def _selected(model: SimModel, request: Request) -> bool:
    author, search = request.arg("author"), (request.arg("search") or "").lower()
    if author and model.author != author:
        return False
    if search and search not in model.model_id.lower():
        return False
    wanted_tags = set(request.args("filter"))
    return not wanted_tags or wanted_tags <= set(hub_tags(model))


def hub_tags(model: SimModel) -> list[str]:
    """Tags as the Hub computes them, `base_model:` forms included when the card declares parents."""
    tags = [t for t in (model.library_name, model.pipeline_tag) if t] + ["license:apache-2.0"]
    if model.lineage_form in ("full", "tags"):
        for parent in model.parents:
            tags += [f"base_model:{parent}", f"base_model:{model.relation}:{parent}"]
    return tags + list(model.extra_tags) + ["region:us"]


def wire_item(model: SimModel, request: Request, listing: bool = True) -> dict:
    """One model object, with the keys the request's expand/full/cardData selects."""
    item = _all_fields(model)
    if listing:
        item.pop("baseModels", None)
    expand = request.args("expand")
    if expand:
        keys = ["_id", "id", *expand]
    else:
        keys = list(FULL_KEYS if request.arg("full") == "true" else DEFAULT_KEYS)
        if request.arg("cardData") == "true":
            keys.append("cardData")
    return {key: item[key] for key in keys if key in item}


def _all_fields(model: SimModel) -> dict:
    item = {
        "_id": hashlib.md5(model.model_id.encode()).hexdigest()[:24], "id": model.model_id,
        "author": model.author, "likes": model.likes, "trendingScore": 0, "private": False,
        "downloads": model.downloads, "downloadsAllTime": model.downloads_all_time,
        "tags": hub_tags(model), "pipeline_tag": model.pipeline_tag, "library_name": model.library_name,
        "createdAt": _iso(model.created_at), "lastModified": _iso(model.last_modified),
        "modelId": model.model_id, "gated": False, "disabled": False,
        "sha": hashlib.sha1(model.model_id.encode()).hexdigest(),
        "siblings": [{"rfilename": ".gitattributes"}, {"rfilename": "README.md"}, {"rfilename": "config.json"}],
        "cardData": _card(model),
    }
    if model.parents and model.lineage_form == "full":
        item["baseModels"] = {"relation": model.relation, "models": [
            {"_id": hashlib.md5(p.encode()).hexdigest()[:24], "id": p} for p in model.parents]}
    return {key: value for key, value in item.items() if value is not None}


def _card(model: SimModel) -> dict:
    card: dict = {"license": "apache-2.0"}
    if model.parents:
        card["base_model"] = model.parents[0] if len(model.parents) == 1 else list(model.parents)
    return card


def _iso(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    return json.loads(base64.urlsafe_b64decode(cursor.encode()))["_id"]["$gt"]


def cursor_at(position: int) -> str:
    """The opaque cursor of the page that starts after `position` models."""
    return base64.urlsafe_b64encode(json.dumps({"_id": {"$gt": position}}).encode()).decode()


def _next_url(request: Request, position: int) -> str:
    """The next page's absolute URL on this server: every original parameter plus the cursor."""
    cursor = cursor_at(position)
    params = [(k, v) for k, values in request.query.items() if k != "cursor" for v in values]
    return f"{request.base_url}/api/models?{urlencode(params + [('cursor', cursor)])}"
