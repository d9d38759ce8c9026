"""Samples for auditors who test a sample instead of the whole population: N runs per
control, chosen reproducibly from the seed, and the method written into the package
so that anyone can draw the same sample again."""

from __future__ import annotations

import random
from dataclasses import dataclass

METHOD = (
    "For each control, the runs of the period in which it ran, in seq order, are sampled "
    "without replacement with Python's random.Random(f'{seed}:{control id}').sample(runs, "
    "min(N, len(runs))), and the chosen runs are listed in seq order. Every result of each "
    "chosen run is included."
)


@dataclass(frozen=True)
class Sample:
    size: int
    seed: int

    def runs(self, control: str, ran: list[int]) -> list[int]:
        chooser = random.Random(f"{self.seed}:{control}")  # noqa: S311 - reproducible, not secret
        return sorted(chooser.sample(ran, min(self.size, len(ran))))

    def to_dict(self) -> dict[str, object]:
        return {"size": self.size, "seed": self.seed, "method": METHOD}
