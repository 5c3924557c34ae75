"""Lineage as both hubs declare it: a card's `base_model` (one id or a list), and the edge record it becomes."""

from __future__ import annotations

from typing import Any

import yaml

from tracker.collectors.records import as_texts, without_lone_surrogates


def declared_ids(declared: Any) -> list[str]:
    """A card's `base_model` value as a list of ids: one id, a list of them, or nothing usable."""
    return [declared] if isinstance(declared, str) else as_texts(declared)


def front_matter_parents(readme: Any) -> list[str]:
    """`base_model` of a README's YAML front matter (one id or a list); none when absent or unreadable."""
    if not isinstance(readme, str) or not readme.lstrip("\ufeff").startswith("---"):
        return []
    header = without_lone_surrogates(readme.lstrip("\ufeff")[3:].partition("\n---")[0])  # YAML refuses one
    try:
        meta = yaml.safe_load(header)
    except yaml.YAMLError:
        return []
    declared = declared_ids(meta.get("base_model") if isinstance(meta, dict) else None)
    return [parent.strip().strip("/") for parent in declared if parent.strip().strip("/")]


def edge(hub: str, child: str, parent: str, relation: str = "unknown", provenance: str = "card") -> dict:
    """A lineage row: `child` declares `parent` as its base, by `relation`, read from `provenance`."""
    return {"hub": hub, "child_id": child, "parent_id": parent, "relation": relation, "provenance": provenance}
