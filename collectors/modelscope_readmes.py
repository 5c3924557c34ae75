"""ModelScope's lineage from readmes: getModel's `readme`, its front matter's `base_model`, read incrementally.

One request per model, so a readme is read only when the model is new or changed (last_modified) since its
readme was last read (`Settings.readmes`, handed in from the warehouse), at most `readme_budget` a run, paced.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from modelscope_hub._openapi import OpenAPIClient
from tracker.collectors.lineage import edge, front_matter_parents
from tracker.collectors.modelscope_transport import HUB, call, get_model
from tracker.collectors.records import as_timestamp
from tracker.collectors.waiting import pause

if TYPE_CHECKING:
    from tracker.collectors.modelscope import Settings


class ReadmeRead(NamedTuple):
    """A model's readme as last read: the model's last_modified then, and the parents its front matter named."""

    last_modified: datetime | None
    parents: tuple[str, ...]


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
        detail = call(lambda: get_model(self.client, owner, name), f"readme of {model_id}", self.settings)
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
    return [edge(HUB, model_id, parent) for parent in dict.fromkeys(parents) if parent != model_id]
