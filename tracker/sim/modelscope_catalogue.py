"""A ModelScope catalogue with realistic account names: the generated ecosystem's `userN` owners renamed.

Real ModelScope authors are organisations and people (`iic`, `ZhipuAI`, `LLM-Research`, `zhangwei-nlp`),
not a run of `user0..userN` sharing one prefix; a stand-in serving only the latter would hide how a
partitioning by author substrings behaves on names that overlap.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime

from tracker.sim.ecosystem import GeneratedEcosystem, SimModel

FAMILY = ("zhang", "li", "wang", "chen", "liu", "yang", "huang", "zhao", "wu", "zhou", "xu", "sun", "ma", "zhu",
          "hu", "guo", "he", "lin", "luo", "gao", "deep", "open", "smart", "cloud", "vision", "nova")
GIVEN = ("wei", "jie", "hao", "yu", "xin", "ming", "lab", "AI", "nlp", "ml", "tech", "studio", "cv", "Research",
         "hub", "bot", "data", "x")
SEPARATORS = ("", "-", "_", "")
GENERATED_OWNER = re.compile(r"user(\d+)\Z")


def account(number: int) -> str:
    """A distinct, plausible account name for generated owner number `number`."""
    family, rest = FAMILY[number % len(FAMILY)], number // len(FAMILY)
    given, rest = GIVEN[rest % len(GIVEN)], rest // len(GIVEN)
    separator = SEPARATORS[number % len(SEPARATORS)]
    return f"{family}{separator}{given}" + (str(rest) if rest else "")


def renamed(model_id: str) -> str:
    owner, name = model_id.split("/", 1)
    match = GENERATED_OWNER.match(owner)
    return f"{account(int(match.group(1)))}/{name}" if match else model_id


class RealisticCatalogue:
    """The models of a GeneratedEcosystem for ModelScope, owners (and the parents naming them) renamed."""

    def __init__(self, size: int, seed: int = 0, start: datetime | None = None):
        options = {"start": start} if start else {}
        self.ecosystem = GeneratedEcosystem(size, seed=seed, hub="modelscope", **options)

    def __len__(self) -> int:
        return len(self.ecosystem)

    def __getitem__(self, index: int) -> SimModel:
        model = self.ecosystem[index]
        return replace(model, model_id=renamed(model.model_id), parents=tuple(map(renamed, model.parents)))

    def __iter__(self):
        return (self[i] for i in range(len(self)))
