"""ModelScope: the whole model catalogue through the modelscope SDK, as flat model and lineage records.

The SDK lists at most 3,000 models of one query (page_number × page_size ≤ 3000), so the catalogue is
cut into partitions of at most that many, recursively, each listed on its own: owners by their last
characters (search `<suffix>/`: an id holds one "/", so the match is exactly the owners ending so), one
owner (owner=), that owner's names by first characters (owner= with search `/<prefix>`), one model.
A partition keeps only the ids that belong to it, so however loosely the service matches a search, no
model is listed twice; the run's total is checked against the catalogue's.

Lineage comes from the listed item's `base_model:` tags when it has them, which costs nothing, and,
with `card_lineage`, from the card's front matter (`base_model`): one more request per model, too many
for every nightly run over well over 100,000 models, so cards are read only when asked for.

The SDK's façade (`HubApi.list_repos`) drops item keys it does not know and turns an undecodable
reply into an empty page with total 0 (it would silently end a partition), so pages are fetched one
level down through the same SDK's OpenAPI client, which still owns the URL, auth and the retries:
429 (after its Retry-After), 5xx, timeouts and dropped connections, MODELSCOPE_API_MAX_RETRIES times.
"""

from __future__ import annotations

import json
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any, Iterator, NamedTuple

import yaml
from modelscope_hub import HubApi
from modelscope_hub.config import HubConfig
from modelscope_hub.errors import HubError, NotExistError
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

HUB = "modelscope"
PAGE_SIZE = 50          # the most the SDK's compat layer asks for
# Listing pages are gathered into pages of about this many models: saving a page has a fixed cost.
MODELS_PER_PAGE = 1000
LISTING_DEPTH = 3000    # the SDK refuses page_number * page_size beyond this
# The characters ModelScope allows in owner and model names, as its case-insensitive search sees them.
NAME_CHARACTERS = "abcdefghijklmnopqrstuvwxyz0123456789-_."
# Longer than any owner or name prefix worth splitting on: a search still over-full at this length
# is one the service does not narrow, and splitting it further would never end.
LONGEST_SEARCH = 96
CARD_WORKERS = 8        # cards are one request each; a few at a time keeps a page's wait short
RELATIONS = ("finetune", "adapter", "quantized", "merge")
# Where an edge was read, most direct first; a later form never overrides an earlier one.
PROVENANCE_ORDER = ("tag", "card")

log = logging.getLogger("tracker")


@dataclass
class Settings:
    endpoint: str | None = None  # None: MODELSCOPE_ENDPOINT, else https://modelscope.cn
    token: str | None = None     # None: MODELSCOPE_API_TOKEN, else the SDK's saved login, else anonymous
    owner: str | None = None
    page_size: int = PAGE_SIZE
    card_lineage: bool = False

    def config(self) -> HubConfig:
        # A config of the run's own: the SDK's process-wide default keeps the first endpoint it saw.
        return HubConfig(endpoint=self.endpoint, token=self.token)

    def scope(self) -> dict:
        """What the listing covers: recorded with the run, never the token."""
        endpoint = HubConfig(endpoint=self.endpoint, token="").endpoint
        return {"endpoint": public_url(endpoint), "owner": self.owner, "card_lineage": self.card_lineage}

    def narrowed(self) -> bool:
        return bool(self.owner)


class Partition(NamedTuple):
    """A slice of the listing: the `owner` and `search` sent, or one model (`owner`/`name`)."""

    owner: str | None = None
    search: str | None = None
    name: str | None = None


@dataclass
class Position:
    """Where a run stands: the partitions still to list (the first one under way) and its next page."""

    plan: list[Partition]
    page: int = 1
    seen: int = 0  # models listed so far, to compare with the catalogue's own total at the end

    def cursor(self) -> str | None:
        if not self.plan:
            return None
        return json.dumps({"plan": [list(p) for p in self.plan], "page": self.page, "seen": self.seen})


def fetch_model_pages(settings: Settings, resume_from: str | None = None) -> Iterator[Page]:
    """Every model of the catalogue in pages of about MODELS_PER_PAGE, from the start or from a saved cursor."""
    position = _resume(resume_from) if resume_from else Position([Partition(owner=settings.owner)])
    api = HubApi(settings.config())
    total = catalog_total(api)
    models, edges = [], []
    for records, position in _listing(api, settings, position):
        models += records["models"]
        edges += records["lineage"]
        if len(models) >= MODELS_PER_PAGE or not position.plan:
            yield Page({"models": models, "lineage": edges}, position.cursor(), total)
            models, edges = [], []
    _check_coverage(settings, position.seen, total)


def _listing(api: HubApi, settings: Settings, position: Position) -> Iterator[tuple[dict, Position]]:
    """Each listing page's records, with the position after it, partition by partition."""
    reach = LISTING_DEPTH // settings.page_size * settings.page_size
    while position.plan:
        partition, number = position.plan[0], position.page
        where = f"page {number} ({describe(partition)})"
        items, listed = _fetch(api, partition, number, settings.page_size, where)
        if listed > reach:
            position = Position(split(partition, listed, where) + position.plan[1:], 1, position.seen)
            continue
        more = bool(items) and number * settings.page_size < listed
        items = [item for item in items if belongs(item, partition)]
        position = _advance(position, more, len(items))
        yield parse_items(items, _cards(api, items) if settings.card_lineage else {}, where), position


def catalog_total(api: HubApi) -> int | None:
    """How many models the unfiltered listing says the hub holds."""
    data = _call(lambda: api.openapi.list_models(page_number=1, page_size=1), "catalogue total request")
    return as_int(data.get("total_count"))


def _fetch(api: HubApi, partition: Partition, number: int, size: int, where: str) -> tuple[list, int]:
    """One page of a partition's listing as (items, the partition's total)."""
    if partition.name is not None:
        item = _call(lambda: _get_model(api, partition), where)
        return ([item], 1) if item else ([], 0)
    data = _call(lambda: api.openapi.list_models(owner=partition.owner, search=partition.search,
                                                 page_number=number, page_size=size), where)
    items, total = data.get("models"), as_int(data.get("total_count"))
    if not isinstance(items, list) or total is None:
        raise CollectorError(f"ModelScope {where}: no model list and total in the reply: {excerpt(data)}")
    return items, total


def _get_model(api: HubApi, partition: Partition) -> dict:
    try:
        return api.openapi.get_model(partition.owner, partition.name)
    except NotExistError:
        return {}


def _call(request, where: str) -> dict:
    """An SDK call's unwrapped `data`; the SDK hands back text when the body is not JSON."""
    try:
        data = request()
    except HubError as error:
        raise CollectorError(f"ModelScope {where}: {_first_line(error)}") from error
    if isinstance(data, str):
        raise CollectorError(f"ModelScope {where} is not valid JSON: {excerpt(data)}")
    if not isinstance(data, dict):
        raise CollectorError(f"ModelScope {where}: expected a JSON object, got {type(data).__name__}")
    return data


def split(partition: Partition, listed: int, where: str) -> list[Partition]:
    """The partitions that together list exactly what `partition` lists, each one character narrower."""
    if len(partition.search or "") >= LONGEST_SEARCH:
        raise CollectorError(f"ModelScope {where}: still {listed} models, more than one listing reaches; "
                             "the service's search does not narrow the listing as the partitions assume")
    if partition.owner is None:
        suffix = (partition.search or "").removesuffix("/")
        exact = [Partition(owner=suffix)] if suffix else []
        return exact + [Partition(search=f"{c}{suffix}/") for c in NAME_CHARACTERS]
    prefix = (partition.search or "").removeprefix("/")
    exact = [Partition(owner=partition.owner, name=prefix)] if prefix else []
    return exact + [Partition(owner=partition.owner, search=f"/{prefix}{c}") for c in NAME_CHARACTERS]


def belongs(item: Any, partition: Partition) -> bool:
    """Whether a listed item is one this partition stands for (a search may match more loosely)."""
    model_id = item.get("id") if isinstance(item, dict) else None
    if not isinstance(model_id, str):
        return True  # parse_items names the broken record
    owner, _, name = model_id.lower().partition("/")
    if partition.owner is not None and owner != partition.owner.lower():
        return False
    if partition.name is not None:
        return name == partition.name.lower()
    search = (partition.search or "").lower()
    return owner.endswith(search[:-1]) if search.endswith("/") else name.startswith(search[1:])


def describe(partition: Partition) -> str:
    if partition.name is not None:
        return f"model {partition.owner}/{partition.name}"
    parts = [f"{key}={value}" for key, value in (("owner", partition.owner), ("search", partition.search)) if value]
    return ", ".join(parts) or "the whole catalogue"


def _advance(position: Position, more: bool, listed: int) -> Position:
    if more:
        return Position(position.plan, position.page + 1, position.seen + listed)
    return Position(position.plan[1:], 1, position.seen + listed)


def _resume(cursor: str) -> Position:
    try:
        saved = json.loads(cursor)
        return Position([Partition(*entry) for entry in saved["plan"]], int(saved["page"]), int(saved["seen"]))
    except (ValueError, KeyError, TypeError) as error:
        raise CollectorError(f"ModelScope: cannot resume from cursor {cursor[:80]!r}: {error}") from None


def _check_coverage(settings: Settings, seen: int, total: int | None) -> None:
    if not settings.narrowed() and total is not None and seen != total:
        log.warning("modelscope: listed %s models where the catalogue reports %s (models added or removed "
                    "during the run, or the search matched differently than the partitions assume)", seen, total)


def _cards(api: HubApi, items: list) -> dict[str, list[str]]:
    """Each listed model's card-declared parents, read a few at a time."""
    ids = [item["id"] for item in items if isinstance(item, dict) and isinstance(item.get("id"), str)]
    legacy = api.legacy  # built once here: the SDK builds it lazily, which threads could race
    with ThreadPoolExecutor(CARD_WORKERS) as pool:
        return dict(zip(ids, pool.map(partial(card_parents, legacy), ids)))


def card_parents(legacy, model_id: str) -> list[str]:
    """The `base_model` entries of a model's card, from the legacy model endpoint's `ReadMeContent`."""
    try:
        data = legacy.get_repo_info(model_id, "model")
    except HubError as error:
        raise CollectorError(f"ModelScope card of {model_id}: {_first_line(error)}") from error
    except ValueError as error:
        raise CollectorError(f"ModelScope card of {model_id} is not valid JSON: {error}") from None
    return front_matter_parents(data.get("ReadMeContent") if isinstance(data, dict) else None)


def front_matter_parents(readme: Any) -> list[str]:
    """`base_model` of a README's YAML front matter (one id or a list); none when absent or unreadable."""
    if not isinstance(readme, str) or not readme.startswith("---"):
        return []
    try:
        meta = yaml.safe_load(readme[3:].partition("\n---")[0])
    except yaml.YAMLError:
        return []
    declared = meta.get("base_model") if isinstance(meta, dict) else None
    return [declared] if isinstance(declared, str) else as_texts(declared)


def parse_items(items: list, cards: dict[str, list[str]], where: str = "page") -> dict[str, list[dict]]:
    """Model and lineage records of listed items (`/openapi/v1/models` objects)."""
    models, edges = [], []
    for position, item in enumerate(items, 1):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or "/" not in item["id"]:
            raise CollectorError(f"ModelScope {where}, model {position}: record has no 'owner/name' id: {excerpt(item)}")
        models.append(model_record(item))
        edges += lineage_records(item, cards.get(item["id"], []))
    return {"models": models, "lineage": edges}


def model_record(item: dict) -> dict:
    """A model row from one API object; a field of an unexpected type becomes NULL, not a crash."""
    tasks = as_texts(item.get("tasks"))
    downloads = as_int(item.get("downloads"))  # ModelScope counts downloads since the model's creation
    return {
        "hub": HUB, "model_id": item["id"], "author": item["id"].split("/")[0],
        "created_at": as_timestamp(item.get("created_at"), epoch_seconds=True),
        "last_modified": as_timestamp(item.get("last_modified"), epoch_seconds=True),
        "pipeline_tag": tasks[0] if tasks else None,
        "library_name": None,  # no library key is known on list items (the `library` filter exists)
        "license": as_text(item.get("license")), "tags": as_texts(item.get("tags")),
        "gated": _gated(item.get("gated")), "private": as_bool(item.get("private")),
        "downloads": downloads, "downloads_all_time": downloads, "likes": as_int(item.get("likes")),
    }


def lineage_records(item: dict, card: list[str]) -> list[dict]:
    """The model's parent edges from `base_model:` tags and its card, one per parent."""
    found: dict[str, tuple[str, str]] = {}
    declared = [_tag_edge(t[len("base_model:"):]) for t in as_texts(item.get("tags")) if t.startswith("base_model:")]
    for parent, relation, provenance in declared + [(p, "unknown", "card") for p in card]:
        parent = parent.strip().strip("/")
        if parent and (parent not in found or _better(relation, provenance, found[parent])):
            found[parent] = (relation, provenance)
    return [{"hub": HUB, "child_id": item["id"], "parent_id": parent, "relation": relation, "provenance": provenance}
            for parent, (relation, provenance) in found.items()]


def _tag_edge(rest: str) -> tuple[str, str, str]:
    """`base_model:<relation>:<id>` or the plain `base_model:<id>` (Hugging Face's convention)."""
    relation, _, parent = rest.partition(":")
    if relation in RELATIONS and parent:
        return parent, relation, "tag"
    return rest, "unknown", "tag"


def _better(relation: str, provenance: str, current: tuple[str, str]) -> bool:
    """A known relation beats `unknown`; between equals, the more direct form wins."""
    current_relation, current_provenance = current
    if (relation == "unknown") != (current_relation == "unknown"):
        return current_relation == "unknown"
    return PROVENANCE_ORDER.index(provenance) < PROVENANCE_ORDER.index(current_provenance)



def _gated(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    return as_text(value)


def _first_line(error: Exception) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]
