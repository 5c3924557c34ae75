"""A Hugging Face Hub model object (a listing item, a model_info answer, a snapshot file's row) as flat records.

One parsing path for a Hub record, wherever it comes from: the collector's pages and backfilled snapshots.
"""

from __future__ import annotations

from typing import Any, Iterator

from tracker.collectors.lineage import declared_ids, edge
from tracker.collectors.records import CollectorError, as_bool, as_int, as_text, as_texts, as_timestamp, excerpt

HUB = "huggingface"
RELATIONS = ("finetune", "adapter", "quantized", "merge")
# Where an edge was read, most direct first; a later form never overrides an earlier one.
PROVENANCE_ORDER = ("baseModels", "tag", "card")


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
    return [edge(HUB, child, parent, relation, provenance) for parent, (relation, provenance) in found.items()]


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
    card = item.get("cardData") if isinstance(item.get("cardData"), dict) else {}
    # A card may name the relation itself (`base_model_relation`); else the Hub's tags tell it.
    relation = card.get("base_model_relation") if card.get("base_model_relation") in RELATIONS else "unknown"
    for parent in declared_ids(card.get("base_model")):
        yield parent, relation, "card"


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
