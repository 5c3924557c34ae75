"""A stand-in for ModelScope's model API (`/openapi/v1/models`, legacy `/api/v1/models/...`), serving a catalogue.

No ModelScope response has ever been recorded (fixtures/modelscope/README.md): every wire shape here
is synthesised from the SDK's source (`modelscope_hub` 0.5.1: `_openapi.py`, `api.py: _extract_paged`,
`types.py: RepoInfo`) and its test mocks, as section 2 of api-reference.md sets out. Lineage is served
in the card's front matter (`base_model`, inside the legacy `ReadMeContent`) for every derivative and,
for the "full" and "tags" lineage forms, also as Hugging Face-style `base_model:` tags on the item:
whether the real service lists such tags is unconfirmed.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from functools import cached_property
from typing import Sequence

from tracker.sim.ecosystem import SimModel
from tracker.sim.server import Reply, Request, StandIn

DEFAULT_PAGE = 10        # the SDK's default page_size
MAX_PAGE = 50            # the SDK's compat layer caps pages here; the service is assumed to refuse more
LISTING_DEPTH = 3000     # the SDK refuses page_number * page_size beyond this; so does this service
SORTS = ("default", "downloads", "likes", "last_modified")
FILTERS = ("task", "library", "model_type", "custom_tag", "license", "deploy")
LICENSE = "apache-2.0"
PUBLIC = 5               # the legacy Visibility code of a public model
CACHED_QUERIES = 512


class ModelScopeStandIn(StandIn):
    """Serves `catalog` (any sequence of SimModel, e.g. a GeneratedEcosystem) as ModelScope would."""

    def __init__(self, catalog: Sequence[SimModel], port: int = 0):
        self.catalog = catalog
        self._queries: dict[tuple, list[int]] = {}
        super().__init__([
            ("GET", r"/openapi/v1/models", self.list_models),
            ("GET", r"/openapi/v1/models/([^/]+)/([^/]+)", self.get_model),
            ("GET", r"/api/v1/models/([^/]+)/([^/]+)", self.legacy_get_model),
        ], port)

    def list_models(self, request: Request) -> Reply:
        problem = _invalid(request)
        if problem:
            return _failure(400, "InputParameterError", problem)
        number, size = int(request.arg("page_number") or 1), int(request.arg("page_size") or DEFAULT_PAGE)
        matching = self._matching(request)
        page = [wire_item(self.catalog[i]) for i in matching[(number - 1) * size: number * size]]
        return _success({"models": page, "total_count": len(matching), "page_number": number, "page_size": size})

    def get_model(self, request: Request, owner: str, name: str) -> Reply:
        model = self._by_id.get(f"{owner}/{name}".lower())
        if model is None:
            return _failure(404, "ResourceNotFound", f"model {owner}/{name} not found")
        return _success(wire_item(model))

    def legacy_get_model(self, request: Request, owner: str, name: str) -> Reply:
        model = self._by_id.get(f"{owner}/{name}".lower())
        if model is None:
            return Reply(404, {"Code": 404, "Data": None, "Message": f"model {owner}/{name} not found",
                               "RequestId": _request_id(), "Success": False})
        return Reply(200, {"Code": 200, "Data": legacy_item(model), "Message": "success",
                           "RequestId": _request_id(), "Success": True})

    def _matching(self, request: Request) -> list[int]:
        """Indexes of the models a listing selects, in its order; repeated page requests reuse them."""
        filters = tuple(sorted((key[len("filter."):], values[0]) for key, values in request.query.items()
                               if key.startswith("filter.")))
        key = (request.arg("owner"), request.arg("search"), filters, request.arg("sort") or "default")
        if key not in self._queries:
            if len(self._queries) > CACHED_QUERIES:
                self._queries.clear()
            self._queries[key] = self._select(*key)
        return self._queries[key]

    def _select(self, owner: str | None, search: str | None, filters: tuple, sort: str) -> list[int]:
        owner, search = (owner or "").lower(), (search or "").lower()
        picked = [i for i, model_id in enumerate(self._ids)
                  if (not owner or model_id.partition("/")[0] == owner) and search in model_id]
        picked = [i for i in picked if all(_has(self.catalog[i], name, value) for name, value in filters)]
        if sort != "default":
            picked.sort(key=lambda i: _sort_key(self.catalog[i], sort), reverse=True)
        return picked

    @cached_property
    def _ids(self) -> list[str]:
        """Lower-cased ids: owners and searches match case-insensitively, as ModelScope's paths do."""
        return [model.model_id.lower() for model in self.catalog]

    @cached_property
    def _by_id(self) -> dict[str, SimModel]:
        return {model.model_id.lower(): model for model in self.catalog}


def _invalid(request: Request) -> str | None:
    """Why the service would refuse this listing request, or None."""
    number, size = request.arg("page_number") or "1", request.arg("page_size") or str(DEFAULT_PAGE)
    unknown = sorted(k[len("filter."):] for k in request.query if k.startswith("filter.")
                     and k[len("filter."):] not in FILTERS)
    if not (number.isdigit() and size.isdigit()) or int(number) < 1 or int(size) < 1:
        return "page_number and page_size must be positive integers"
    if int(size) > MAX_PAGE:
        return f"page_size must be <= {MAX_PAGE}"
    if int(number) * int(size) > LISTING_DEPTH:
        return f"page_number * page_size must be <= {LISTING_DEPTH}"
    if (request.arg("sort") or "default") not in SORTS:
        return f"sort must be one of {', '.join(SORTS)}"
    return f"unknown filter: {', '.join(unknown)}" if unknown else None


def _has(model: SimModel, name: str, value: str) -> bool:
    if name == "task":
        return model.pipeline_tag == value
    if name == "library":
        return model.library_name == value
    if name == "license":
        return value == LICENSE
    return value in model.extra_tags  # custom_tag, model_type, deploy: the simulated models carry them as tags


def _sort_key(model: SimModel, sort: str):
    return {"downloads": model.downloads_all_time, "likes": model.likes, "last_modified": model.last_modified}[sort]


def ms_tags(model: SimModel) -> list[str]:
    """The item's tags: library and extra tags, plus `base_model:` forms for the "full" and "tags" lineage forms."""
    tags = [t for t in (model.library_name,) if t] + list(model.extra_tags)
    if model.lineage_form in ("full", "tags"):
        for parent in model.parents:
            tags += [f"base_model:{parent}", f"base_model:{model.relation}:{parent}"]
    return tags


def wire_item(model: SimModel) -> dict:
    """One model as `/openapi/v1/models` lists it (keys of the SDK's RepoInfo "OpenAPI native fields")."""
    name = model.model_id.split("/", 1)[1]
    return {
        "id": model.model_id, "display_name": name, "description": f"{name} on ModelScope",
        "downloads": model.downloads_all_time, "likes": model.likes,
        "created_at": _iso(model.created_at), "last_modified": _iso(model.last_modified),
        "license": LICENSE, "tags": ms_tags(model), "tasks": [model.pipeline_tag] if model.pipeline_tag else [],
        "private": False, "gated": False, "file_size": _file_size(model),
    }


def legacy_item(model: SimModel) -> dict:
    """One model as legacy `/api/v1/models/{owner}/{name}` returns it: PascalCase, epoch seconds, the card."""
    owner, name = model.model_id.split("/", 1)
    return {
        "Id": int(hashlib.md5(model.model_id.encode()).hexdigest()[:8], 16), "Name": name, "Path": owner,
        "ChineseName": "", "Visibility": PUBLIC, "IsPublished": 1, "IsOnline": 1,
        "Description": f"{name} on ModelScope", "License": LICENSE,
        "Downloads": model.downloads_all_time, "Stars": model.likes,
        "CreatedTime": int(model.created_at.timestamp()), "LastUpdatedTime": int(model.last_modified.timestamp()),
        "Architectures": [], "ModelType": [], "Tasks": [{"Name": model.pipeline_tag}] if model.pipeline_tag else [],
        "ReadMeContent": card(model), "Organization": {"Name": owner}, "CreatedBy": owner,
        "Tags": ms_tags(model), "Revision": "master",
    }


def card(model: SimModel) -> str:
    """The model's README: YAML front matter with `base_model` when it has parents, then a heading."""
    lines = ["---", f"license: {LICENSE}"]
    if model.pipeline_tag:
        lines += ["tasks:", f"- {model.pipeline_tag}"]
    if len(model.parents) == 1:
        lines.append(f"base_model: {model.parents[0]}")
    elif model.parents:
        lines += ["base_model:"] + [f"- {parent}" for parent in model.parents]
    return "\n".join(lines + ["---", "", f"# {model.model_id.split('/', 1)[1]}", ""])


def _file_size(model: SimModel) -> int:
    return int(hashlib.md5(model.model_id.encode()).hexdigest()[:6], 16) * 4096


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _request_id() -> str:
    return uuid.uuid4().hex


def _success(data) -> Reply:
    return Reply(200, {"success": True, "request_id": _request_id(), "data": data})


def _failure(status: int, code: str, message: str) -> Reply:
    return Reply(status, {"success": False, "code": code, "message": message, "request_id": _request_id()})
