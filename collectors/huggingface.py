"""Hugging Face Hub: the model catalogue page by page, as flat model and lineage records."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any, Iterator

import httpx2
from huggingface_hub import HfApi
from huggingface_hub.errors import HfHubHTTPError
from huggingface_hub.utils import build_hf_headers, hf_raise_for_status, http_backoff
from tracker.collectors.paging import read_ahead
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

HUB = "huggingface"
PAGE_SIZE = 1000
TIMEOUT_SECONDS = 60
RETRIES = 5
# `expand` names exactly the fields the warehouse keeps, so pages stay small.
EXPAND = [
    "author", "baseModels", "cardData", "createdAt", "downloads", "downloadsAllTime", "gated",
    "lastModified", "library_name", "likes", "pipeline_tag", "private", "tags",
]
RELATIONS = ("finetune", "adapter", "quantized", "merge")
# Where an edge was read, most direct first; a later form never overrides an earlier one.
PROVENANCE_ORDER = ("baseModels", "tag", "card")


@dataclass
class Settings:
    endpoint: str | None = None  # None: the public Hub (or HF_ENDPOINT)
    token: str | None = None
    author: str | None = None
    search: str | None = None
    filter: tuple[str, ...] = ()
    page_size: int = PAGE_SIZE
    retry_wait: float = 1.0  # first backoff wait; doubles up to 8 s
    timeout: float = TIMEOUT_SECONDS  # per request; a slower answer is retried like a dropped one

    def scope(self) -> dict:
        """What the listing covers: recorded with the run, never the token."""
        return {"endpoint": public_url(self.api().endpoint), "author": self.author, "search": self.search,
                "filter": list(self.filter)}

    def narrowed(self) -> bool:
        return bool(self.author or self.search or self.filter)

    def api(self) -> HfApi:
        return HfApi(endpoint=self.endpoint, token=self.token)


def fetch_model_pages(settings: Settings, resume_from: str | None = None) -> Iterator[Page]:
    """Every page of the model listing, from the start or from a saved cursor (a next-page URL).

    The next page is downloaded while this one is parsed and stored: the Link header names it
    before the body is read, so the listing goes at the network's pace, not the network's plus ours.
    """
    with contextlib.closing(read_ahead(_responses(settings, resume_from))) as responses:
        for number, url, response, next_url in responses:
            yield Page(parse_page(_json(response, url, number), number), next_url)


def _responses(settings: Settings, resume_from: str | None) -> Iterator[tuple]:
    """(page number, URL, answer, next page's URL) for each page, following the Link headers."""
    api = settings.api()
    headers = build_hf_headers(token=api.token)
    url, params = resume_from or f"{api.endpoint}/api/models", None if resume_from else _params(settings)
    number = 0
    while url:
        number += 1
        response = _get(url, params, headers, settings, number)
        next_url = response.links.get("next", {}).get("url")
        yield number, url, response, next_url
        url, params = next_url, None


def _params(settings: Settings) -> list[tuple[str, Any]]:
    params: list[tuple[str, Any]] = [("limit", settings.page_size)]
    params += [(key, value) for key, value in (("author", settings.author), ("search", settings.search)) if value]
    params += [("filter", tag) for tag in settings.filter]
    return params + [("expand", field) for field in EXPAND]


def _get(url: str, params, headers: dict, settings: Settings, number: int):
    """One page through the client's own backoff, which honours 429 `RateLimit`/`Retry-After`."""
    where = f"Hugging Face page {number} ({_display(url)})"
    try:
        response = http_backoff("GET", url, params=params, headers=headers, timeout=settings.timeout,
                                max_retries=RETRIES, base_wait_time=settings.retry_wait)
    except (HfHubHTTPError, OSError, httpx2.HTTPError) as error:
        raise CollectorError(f"{where}: {_first_line(error)}") from error
    except Exception as error:  # the client tripped over an odd answer while reading it
        raise CollectorError(f"{where}: unreadable answer ({type(error).__name__}: {_first_line(error)})") from error
    if response.status_code >= 400:
        raise CollectorError(f"{where}: {_http_problem(response)}")
    return response


def _http_problem(response) -> str:
    """The client's own wording of an HTTP error where it has one, else the status and body."""
    try:
        hf_raise_for_status(response)
    except Exception as error:  # the client's parser can itself trip on an odd error body
        if isinstance(error, HfHubHTTPError):
            return _first_line(error)
    return f"HTTP {response.status_code}: {response.text[:200]}"


def _json(response, url: str, number: int) -> Any:
    try:
        return response.json()
    except ValueError as error:
        raise CollectorError(f"Hugging Face page {number} ({_display(url)}) is not valid JSON: {error}") from None


def parse_page(items: Any, number: int = 1) -> dict[str, list[dict]]:
    """Model and lineage records of one `/api/models` page (a JSON array of model objects)."""
    if not isinstance(items, list):
        raise CollectorError(f"Hugging Face page {number}: expected a JSON array of models, got {type(items).__name__}")
    models, edges = [], []
    for position, item in enumerate(items, 1):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
            raise CollectorError(f"Hugging Face page {number}, model {position}: record has no 'id': {excerpt(item)}")
        tags = as_texts(item.get("tags"))  # read once: both the row and the lineage need them
        models.append(model_record(item, tags))
        edges += lineage_records(item, tags)
    return {"models": models, "lineage": edges}


def model_record(item: dict, tags: list[str]) -> dict:
    """A model row from one API object; a field of an unexpected type becomes NULL, not a crash."""
    model_id = item["id"]
    card = item.get("cardData") if isinstance(item.get("cardData"), dict) else {}
    return {
        "hub": HUB, "model_id": model_id,
        "author": as_text(item.get("author")) or (model_id.split("/")[0] if "/" in model_id else None),
        "created_at": as_timestamp(item.get("createdAt")), "last_modified": as_timestamp(item.get("lastModified")),
        "pipeline_tag": as_text(item.get("pipeline_tag")), "library_name": as_text(item.get("library_name")),
        "license": _license(tags, card), "tags": tags, "gated": _gated(item.get("gated")),
        "private": as_bool(item.get("private")), "downloads": as_int(item.get("downloads")),
        "downloads_all_time": as_int(item.get("downloadsAllTime")), "likes": as_int(item.get("likes")),
    }


def lineage_records(item: dict, tags: list[str]) -> list[dict]:
    """The model's parent edges from baseModels, base_model tags and the card, one per parent."""
    child = item["id"]
    found: dict[str, tuple[str, str]] = {}
    for parent, relation, provenance in _declared_parents(item, tags):
        parent = normalise_model_id(parent)
        if parent and (parent not in found or _better(relation, provenance, found[parent])):
            found[parent] = (relation, provenance)
    return [{"hub": HUB, "child_id": child, "parent_id": parent, "relation": relation, "provenance": provenance}
            for parent, (relation, provenance) in found.items()]


def _better(relation: str, provenance: str, current: tuple[str, str]) -> bool:
    """A known relation beats `unknown`; between equals, the more direct form wins."""
    current_relation, current_provenance = current
    if (relation == "unknown") != (current_relation == "unknown"):
        return current_relation == "unknown"
    return PROVENANCE_ORDER.index(provenance) < PROVENANCE_ORDER.index(current_provenance)


def _declared_parents(item: dict, tags: list[str]) -> Iterator[tuple[str, str, str]]:
    base_models = item.get("baseModels")
    if isinstance(base_models, dict):
        relation = base_models.get("relation")
        relation = relation if relation in RELATIONS else "unknown"
        for model in base_models.get("models") or []:
            parent = model.get("id") if isinstance(model, dict) else model
            if isinstance(parent, str):
                yield parent, relation, "baseModels"
    for tag in tags:
        if tag.startswith("base_model:"):
            yield _tag_edge(tag[len("base_model:"):])
    card = item.get("cardData")
    declared = card.get("base_model") if isinstance(card, dict) else None
    for parent in [declared] if isinstance(declared, str) else as_texts(declared):
        yield parent, "unknown", "card"


def _tag_edge(rest: str) -> tuple[str, str, str]:
    """`base_model:<relation>:<id>` or the plain `base_model:<id>` that always comes beside it."""
    relation, _, parent = rest.partition(":")
    if relation in RELATIONS and parent:
        return parent, relation, "tag"
    return rest, "unknown", "tag"


def normalise_model_id(value: str) -> str | None:
    """A repo id as the Hub spells it, from the forms cards use (URLs, stray spaces)."""
    value = value.strip().removeprefix("https://huggingface.co/").removeprefix("hf.co/").strip("/")
    return value or None



def _license(tags: list[str], card: dict) -> str | None:
    for tag in tags:
        if tag.startswith("license:"):
            return tag[len("license:"):]
    return as_text(card.get("license"))


def _gated(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    return as_text(value)


def _display(url: str) -> str:
    return url if len(url) < 160 else url[:157] + "..."


def _first_line(error: Exception) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]
