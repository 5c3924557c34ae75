"""A stand-in for ModelScope's model API, written from ModelScope's own OpenAPI description, not from our collector.

The description (modelscope-openapi.json beside this file; provenance in README-modelscope-openapi.md) gives:
`GET /openapi/v1/models` (listModels) with `search` (a substring of the model name or of the author,
as separate fields; maxLength 100), `owner`, `sort`, `page_number` (>= 1), `page_size` (1..50) and
page_number * page_size <= 3000, and `filter.task|library|model_type|custom_tag|license|deploy`;
`GET /openapi/v1/models/{owner}/{repo_name}` (getModel) whose `readme` holds the model card; the
`ErrorResponse` body {success: false, code, message, request_id}; bearer auth; tags prefixed
`license:`, `task:`, `library:`, `model_type:`, `deploy:` and nothing else (no `base_model:`).
What the description leaves open is a mode: `auth` ("anonymous": served without a token, a wrong token
refused; "token": a token required) and `search` ("spec": name or author substring; "joined": also
matches across the joined `owner/name` id; "ignored": narrows nothing, the whole catalogue whatever
the search). Throttling is served as the description's bodies (403 QuotaLimitExceed, 429
RateLimitExceed) with no Retry-After, through `throttle()`.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from functools import cached_property
from typing import Sequence

from tracker.sim.ecosystem import SimModel
from tracker.sim.server import Reply, Request, StandIn

LISTING = "/openapi/v1/models"
DEFAULT_PAGE = 10
MAX_PAGE = 50
LISTING_DEPTH = 3000
MAX_SEARCH = 100
SORTS = ("default", "downloads", "likes", "last_modified")
FILTERS = ("task", "library", "model_type", "custom_tag", "license", "deploy")
LICENSES = ("Apache License 2.0", "MIT License", "apache-2.0", "other")
CACHED_QUERIES = 512
AUTH_MODES = ("anonymous", "token")
SEARCH_MODES = ("spec", "joined", "ignored")
THROTTLES = {429: ("RateLimitExceed", "Rate limit exceeded: 100 requests per minute"),
             403: ("QuotaLimitExceed", "Quota limit exceeded: API calls per minute")}


class ModelScopeStandIn(StandIn):
    """Serves `catalog` (any sequence of SimModel) as ModelScope's OpenAPI description says the service does.

    `modified` overrides a model's last_modified (a model changed since an earlier run); every reply
    served is kept in `served` as (operation, status, body) so that tests can check it against the spec.
    """

    def __init__(self, catalog: Sequence[SimModel], port: int = 0, auth: str = "anonymous",
                 tokens: Sequence[str] = ("ms-valid-token",), search: str = "spec",
                 modified: dict[str, datetime] | None = None):
        if auth not in AUTH_MODES or search not in SEARCH_MODES:
            raise ValueError(f"auth must be one of {AUTH_MODES}, search one of {SEARCH_MODES}")
        self.catalog, self.auth, self.tokens, self.search_mode = catalog, auth, set(tokens), search
        self.modified = dict(modified or {})
        self.served: list[tuple[str, int, dict]] = []
        self._queries: dict[tuple, list[int]] = {}
        super().__init__([
            ("GET", LISTING, self._operation("listModels", self.list_models)),
            ("GET", LISTING + r"/([^/]+)/([^/]+)", self._operation("getModel", self.get_model)),
        ], port)

    def throttle(self, status: int = 429, times: int = 1, after: int = 0, path: str = LISTING) -> None:
        """The next `times` requests under `path` (after `after` more) are refused as over the limit."""
        code, message = THROTTLES[status]
        self.add_fault("status", path=path, times=times, after=after, status=status,
                       body=_error_body(code, message))

    def _operation(self, name: str, handler):
        def serve(request: Request, *path) -> Reply:
            reply = self._refused_credentials(request) or handler(request, *path)
            self.served.append((name, reply.status, reply.body))
            return reply
        return serve

    def _refused_credentials(self, request: Request) -> Reply | None:
        header = request.headers.get("authorization", "")
        token = header[len("Bearer "):] if header.startswith("Bearer ") else None
        if (header and token not in self.tokens) or (self.auth == "token" and not header):
            return _failure(401, "InvalidAuthentication",
                            "Invalid authentication, please check your Authorization header")
        return None

    def list_models(self, request: Request) -> Reply:
        problem = _invalid(request)
        if problem:
            return _failure(400, "InputParameterError", problem)
        number, size = int(request.arg("page_number") or 1), int(request.arg("page_size") or DEFAULT_PAGE)
        matching = self._matching(request)
        page = [self.wire_item(self.catalog[i]) for i in matching[(number - 1) * size: number * size]]
        return _success({"models": page, "total_count": len(matching), "page_number": number, "page_size": size})

    def get_model(self, request: Request, owner: str, name: str) -> Reply:
        model = self._by_id.get(f"{owner}/{name}".lower())
        if model is None:
            return _failure(404, "ResourceNotFound", f"Resource not found: model {owner}/{name}")
        return _success({**self.wire_item(model), "readme": card(model)})

    def last_modified(self, model: SimModel) -> datetime:
        return self.modified.get(model.model_id, model.last_modified)

    def wire_item(self, model: SimModel) -> dict:
        """One model as the description's `Model` schema gives it."""
        name = model.model_id.split("/", 1)[1]
        return {
            "id": model.model_id, "display_name": name, "description": "",
            "downloads": model.downloads_all_time, "likes": model.likes, "license": license_of(model),
            "tasks": [model.pipeline_tag] if model.pipeline_tag else [],
            "created_at": _iso(model.created_at), "last_modified": _iso(self.last_modified(model)),
            "file_size": _digest(model.model_id, 6) * 4096, "params": _digest(model.model_id, 5) * 1000,
            "tags": ms_tags(model), "private": False, "gated": False,
        }

    def _matching(self, request: Request) -> list[int]:
        """Indexes of the models a listing selects, in its order; repeated page requests reuse them."""
        filters = tuple(sorted((key[len("filter."):], values[0]) for key, values in request.query.items()
                               if key.startswith("filter.") and key[len("filter."):] in FILTERS))
        key = (request.arg("owner"), request.arg("search"), filters, request.arg("sort") or "default")
        if key not in self._queries:
            if len(self._queries) > CACHED_QUERIES:
                self._queries.clear()
            self._queries[key] = self._select(*key)
        return self._queries[key]

    def _select(self, owner: str | None, search: str | None, filters: tuple, sort: str) -> list[int]:
        owner, search = (owner or "").lower(), (search or "").lower()
        picked = [i for i, (author, name) in enumerate(self._names)
                  if (not owner or author == owner) and self._searched(search, author, name)]
        picked = [i for i in picked if all(value in tag_values(self.catalog[i], kind) for kind, value in filters)]
        if sort != "default":
            picked.sort(key=lambda i: self._sort_key(self.catalog[i], sort), reverse=True)
        return picked

    def _searched(self, search: str, author: str, name: str) -> bool:
        if not search or self.search_mode == "ignored":
            return True
        if self.search_mode == "joined" and search in f"{author}/{name}":
            return True
        return search in name or search in author

    def _sort_key(self, model: SimModel, sort: str):
        return {"downloads": model.downloads_all_time, "likes": model.likes,
                "last_modified": self.last_modified(model)}[sort]

    @cached_property
    def _names(self) -> list[tuple[str, str]]:
        """(author, name) of each model, lower-cased: ModelScope's paths and searches ignore case (assumed)."""
        return [tuple(model.model_id.lower().split("/", 1)) for model in self.catalog]

    @cached_property
    def _by_id(self) -> dict[str, SimModel]:
        return {model.model_id.lower(): model for model in self.catalog}


def _invalid(request: Request) -> str | None:
    """The description's limits on listModels' parameters: why a request breaks one, naming the parameter."""
    for name, low, high in (("page_number", 1, None), ("page_size", 1, MAX_PAGE)):
        value = request.arg(name)
        if value is None:
            continue
        if not value.isdigit() or int(value) < low:
            return f"Input parameter '{name}' is invalid: must be an integer >= {low}"
        if high is not None and int(value) > high:
            return f"Input parameter '{name}' is invalid: must be <= {high}"
    number, size = int(request.arg("page_number") or 1), int(request.arg("page_size") or DEFAULT_PAGE)
    if number * size > LISTING_DEPTH:
        return f"Input parameter 'page_number' is invalid: page_number * page_size must be <= {LISTING_DEPTH}"
    if (request.arg("sort") or "default") not in SORTS:
        return f"Input parameter 'sort' is invalid: must be one of {', '.join(SORTS)}"
    if len(request.arg("search") or "") > MAX_SEARCH:
        return f"Input parameter 'search' is invalid: longer than {MAX_SEARCH} characters"
    return None


def license_of(model: SimModel) -> str:
    return LICENSES[_digest(model.model_id, 2) % len(LICENSES)]


def tag_values(model: SimModel, kind: str) -> set[str]:
    """The model's values for one of the listing's filters (`filter.<kind>`), as its tags carry them."""
    return {tag.partition(":")[2] for tag in ms_tags(model) if tag.partition(":")[0] == kind}


def ms_tags(model: SimModel) -> list[str]:
    """The item's tags, with the description's prefixes only; lineage is never among them."""
    tags = [f"license:{license_of(model)}"]
    tags += [f"task:{model.pipeline_tag}"] if model.pipeline_tag else []
    tags += [f"library:{model.library_name}"] if model.library_name else []
    family = model.model_id.split("/", 1)[1].split("-")[0].lower().replace(".", "")
    tags += [f"model_type:{family}"]
    tags += ["deploy:swingdeploy"] if _digest(model.model_id, 2) % 5 == 0 else []
    return tags + [f"custom_tag:{tag}" for tag in model.extra_tags]


def card(model: SimModel) -> str:
    """The model's README: YAML front matter with `base_model` (one id, or a list for several), then text."""
    lines = ["---", f"license: {license_of(model)}"]
    if model.pipeline_tag:
        lines += ["tasks:", f"- {model.pipeline_tag}"]
    if len(model.parents) == 1:
        lines.append(f"base_model: {model.parents[0]}")
    elif model.parents:
        lines += ["base_model:"] + [f"- {parent}" for parent in model.parents]
    name = model.model_id.split("/", 1)[1]
    return "\n".join(lines + ["---", "", f"# {name}", "", "base_model: not-front-matter/ignored", ""])


def _digest(text: str, digits: int) -> int:
    return int(hashlib.md5(text.encode()).hexdigest()[:digits], 16)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _request_id() -> str:
    return str(uuid.uuid4())


def _success(data) -> Reply:
    return Reply(200, {"success": True, "data": data, "request_id": _request_id()})


def _error_body(code: str, message: str) -> dict:
    return {"success": False, "code": code, "message": message, "request_id": _request_id()}


def _failure(status: int, code: str, message: str) -> Reply:
    return Reply(status, _error_body(code, message))
