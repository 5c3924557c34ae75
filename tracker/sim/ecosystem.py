"""A seeded, lazily generated model ecosystem for the stand-ins: base models and lineage trees."""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import cached_property, lru_cache
from importlib.resources import files

RELATIONS = ("finetune", "adapter", "quantized", "merge")
RELATION_WEIGHTS = (0.45, 0.25, 0.22, 0.08)
NAME_SUFFIX = {"finetune": "ft", "adapter": "lora", "quantized": "GGUF", "merge": "merge"}
# How a child's lineage shows on the wire: the API's baseModels plus tags plus card, tags plus
# card, or only the card's base_model (whose relation the hub cannot tell: "unknown").
LINEAGE_FORMS = ("full", "tags", "card")
LINEAGE_FORM_WEIGHTS = (0.6, 0.3, 0.1)
MAX_DEPTH = 4
DEFAULT_START = datetime(2023, 1, 1, tzinfo=timezone.utc)
DEFAULT_END = datetime(2026, 10, 31, tzinfo=timezone.utc)


@dataclass(frozen=True)
class SimModel:
    """One model as a hub holds it; each stand-in renders it in its own wire format."""

    model_id: str
    created_at: datetime
    downloads: int = 0
    downloads_all_time: int = 0
    likes: int = 0
    pipeline_tag: str | None = "text-generation"
    library_name: str | None = "transformers"
    parents: tuple[str, ...] = ()
    relation: str | None = None
    lineage_form: str = "full"
    extra_tags: tuple[str, ...] = ()
    depth: int = 0

    @property
    def author(self) -> str:
        return self.model_id.split("/")[0]

    @property
    def last_modified(self) -> datetime:
        return self.created_at + timedelta(days=3)

    def edges(self) -> list[tuple[str, str, str]]:
        """The (child, parent, relation) edges a faithful collector must read from this model."""
        relation = "unknown" if self.lineage_form == "card" else self.relation
        return [(self.model_id, parent, relation) for parent in self.parents]


@dataclass(frozen=True)
class BaseModel:
    model_id: str
    pipeline_tag: str
    library_name: str
    created_at: datetime
    early_weight: float
    late_weight: float
    modelscope_offset_days: int | None


@lru_cache(maxsize=1)
def base_models() -> tuple[BaseModel, ...]:
    """The curated base models the generated ecosystem grows from (an editable CSV)."""
    with (files("tracker.sim") / "base_models.csv").open(encoding="utf-8") as handle:
        return tuple(_base_model(row) for row in csv.DictReader(handle))


def _base_model(row: dict) -> BaseModel:
    offset = row["modelscope_offset_days"]
    return BaseModel(
        row["model_id"], row["pipeline_tag"], row["library_name"],
        datetime.fromisoformat(row["created_at"]).replace(tzinfo=timezone.utc),
        float(row["early_weight"]), float(row["late_weight"]),
        int(offset) if offset else None,
    )


@dataclass
class GeneratedEcosystem:
    """`size` models: the curated bases first, then derivatives in creation order.

    Model i is computed from (seed, i) alone, so any slice is served without holding the rest.
    """

    size: int
    seed: int = 0
    start: datetime = DEFAULT_START
    end: datetime = DEFAULT_END
    hub: str = "huggingface"
    _cache: dict[int, SimModel] = field(default_factory=dict, repr=False)

    @cached_property
    def bases(self) -> tuple[BaseModel, ...]:
        if self.hub == "modelscope":
            return tuple(b for b in base_models() if b.modelscope_offset_days is not None)
        return base_models()

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, index: int) -> SimModel:
        if not 0 <= index < self.size:
            raise IndexError(index)
        if index not in self._cache:
            if len(self._cache) > 50_000:
                self._cache.clear()
            self._cache[index] = self._make(index)
        return self._cache[index]

    def __iter__(self):
        return (self[i] for i in range(self.size))

    def expected_edges(self) -> set[tuple[str, str, str]]:
        return {edge for model in self for edge in model.edges()}

    def _make(self, index: int) -> SimModel:
        if index < len(self.bases):
            return self._base(index)
        return self._derivative(index, random.Random(self.seed * 7_919_773 + index))

    def _base(self, index: int) -> SimModel:
        base = self.bases[index]
        created = self._hub_created(base)
        rng = random.Random(self.seed * 31 + index)
        downloads = int(rng.paretovariate(0.9) * 50_000)
        return SimModel(
            base.model_id, created, downloads, downloads * rng.randint(3, 30),
            int(downloads ** 0.5), base.pipeline_tag, base.library_name,
        )

    def _hub_created(self, base: BaseModel) -> datetime:
        """When the base appeared on this hub: ModelScope's copy is shifted by the CSV's offset."""
        if self.hub == "modelscope":
            return base.created_at + timedelta(days=base.modelscope_offset_days or 0)
        return base.created_at

    def _created_at(self, index: int) -> datetime:
        share = (index - len(self.bases)) / max(1, self.size - len(self.bases))
        return self.start + (self.end - self.start) * share

    def _derivative(self, index: int, rng: random.Random) -> SimModel:
        created = self._created_at(index)
        relation = rng.choices(RELATIONS, RELATION_WEIGHTS)[0]
        parents = self._parents(index, relation, created, rng)
        if relation == "merge" and len(parents) == 1:
            relation = "finetune"
        first = self[parents[0]]
        name = f"{first.model_id.split('/')[1][:40]}-{NAME_SUFFIX[relation]}-{index}"
        owner = first.author if rng.random() < 0.05 else f"user{rng.randrange(self.size // 20 + 1)}"
        downloads = int(rng.paretovariate(1.1)) - 1
        return SimModel(
            f"{owner}/{name}", created, downloads, downloads * rng.randint(1, 12),
            int(rng.paretovariate(1.6)) - 1, first.pipeline_tag, first.library_name,
            tuple(self[p].model_id for p in parents), relation,
            rng.choices(LINEAGE_FORMS, LINEAGE_FORM_WEIGHTS)[0],
            depth=1 + max(self[p].depth for p in parents),
        )

    def _parents(self, index: int, relation: str, created: datetime, rng: random.Random) -> list[int]:
        chosen = [self._parent(index, created, rng)]
        for _ in range(20 if relation == "merge" else 0):  # early on, one base may be all there is
            candidate = self._parent(index, created, rng)
            if candidate not in chosen:
                return chosen + [candidate]
        return chosen

    def _parent(self, index: int, created: datetime, rng: random.Random) -> int:
        first_derivative = len(self.bases)
        if index > first_derivative and rng.random() < 0.5:
            candidate = rng.randrange(first_derivative, index)
            if self[candidate].depth < MAX_DEPTH:
                return candidate
        return self._weighted_base(created, rng)

    def _weighted_base(self, created: datetime, rng: random.Random) -> int:
        share = (created - self.start) / (self.end - self.start)
        weights = [
            (b.early_weight * (1 - share) + b.late_weight * share) if self._hub_created(b) <= created else 0
            for b in self.bases
        ]
        if not any(weights):
            weights = [1 if self._hub_created(b) <= created else 0 for b in self.bases] or [1] * len(self.bases)
        if not any(weights):
            weights = [1] * len(self.bases)
        return rng.choices(range(len(self.bases)), weights)[0]
