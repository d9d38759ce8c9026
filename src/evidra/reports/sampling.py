"""Samples. Two kinds:

- `Sample` (`evidra report --sample N --seed S`): N runs per control, drawn
  reproducibly from the company's seed; every result of a drawn run is included.
- `Item`s the auditor selects (`evidra sample`): (control, resource, day) triples,
  either drawn from a package's population file with the auditor's seed (`draw`, the
  method in POPULATION_METHOD, which anyone can redo with Python's `random` alone) or
  read from the auditor's own list (`read_selection`).
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

METHOD = (
    "For each control, the runs of the period in which it ran, in seq order, are sampled "
    "without replacement with Python's random.Random(f'{seed}:{control id}').sample(runs, "
    "min(N, len(runs))), and the chosen runs are listed in seq order. Every result of each "
    "chosen run is included."
)
POPULATION_METHOD = (
    "The population file's rows whose in_scope is not 'no', in file order, are sampled "
    "without replacement with rng = random.Random(seed); rng.sample(rows, min(N, len(rows))). "
    "Then, for each chosen row in the order drawn, a day is drawn with the same rng: the day "
    "of first_seen plus rng.randrange(days from first_seen's day to last_seen's day, both "
    "included). Each (control, resource, day) is one item; its evidence is the resource's "
    "result in the last run that started that day."
)
SELECTION_METHOD = "The items are the auditor's own selection (control, resource id, day), as given."
MAX_SELECTION_BYTES = 16 * 2**20
RESOURCE = ("provider", "scope", "type", "id")


class SelectionError(ValueError):
    """A population or selection file that cannot be used: the message names it and the row."""


@dataclass(frozen=True)
class Sample:
    size: int
    seed: int

    def runs(self, control: str, ran: list[int]) -> list[int]:
        chooser = random.Random(f"{self.seed}:{control}")  # noqa: S311 - reproducible, not secret
        return sorted(chooser.sample(ran, min(self.size, len(ran))))

    def to_dict(self) -> dict[str, object]:
        return {"size": self.size, "seed": self.seed, "method": METHOD}


@dataclass(frozen=True)
class Item:
    """One selected item: a control's result on one resource on one day."""

    control: str
    id: str
    day: date
    provider: str | None = None
    scope: str | None = None
    type: str | None = None

    def matches(self, resource: dict[str, str]) -> bool:
        return resource["id"] == self.id and all(
            getattr(self, name) in (None, "", resource[name]) for name in ("provider", "scope", "type")
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "control": self.control,
            "provider": self.provider,
            "scope": self.scope,
            "type": self.type,
            "id": self.id,
            "date": self.day.isoformat(),
        }


def _rows(data: bytes, source: str, required: tuple[str, ...]) -> list[dict[str, str]]:
    if len(data) > MAX_SELECTION_BYTES:
        raise SelectionError(f"{source}: larger than {MAX_SELECTION_BYTES // 2**20} MiB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SelectionError(f"{source}: not UTF-8 text") from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [name for name in required if name not in (reader.fieldnames or [])]
    if missing:
        raise SelectionError(f"{source}: missing column(s) {', '.join(missing)}")
    return list(reader)


def _day(value: str, source: str, line: int, column: str) -> date:
    text = (value or "").strip()
    try:
        return (
            datetime.fromisoformat(text.replace("Z", "+00:00")).date()
            if "T" in text
            else date.fromisoformat(text)
        )
    except ValueError:
        raise SelectionError(
            f"{source}, row {line}: {column} {text!r} is not a date like 2026-03-31"
        ) from None


def draw(data: bytes, source: str, control: str, size: int, seed: int) -> list[Item]:
    """`size` items from a population file (POPULATION_METHOD)."""
    rows = _rows(data, source, (*RESOURCE, "in_scope", "first_seen", "last_seen"))
    eligible = [row for row in rows if row["in_scope"] != "no"]
    rng = random.Random(seed)  # noqa: S311 - reproducible, not secret
    items = []
    for row in rng.sample(eligible, min(size, len(eligible))):
        line = rows.index(row) + 2
        first = _day(row["first_seen"], source, line, "first_seen")
        last = _day(row["last_seen"], source, line, "last_seen")
        day = first + timedelta(days=rng.randrange((last - first).days + 1))
        items.append(Item(control, row["id"], day, row["provider"], row["scope"], row["type"]))
    return items


def read_selection(data: bytes, source: str) -> list[Item]:
    """The auditor's own list: columns control, id, date (provider, scope, type optional)."""
    items = []
    for line, row in enumerate(_rows(data, source, ("control", "id", "date")), start=2):
        if not (row.get("control") or "").strip() or not (row.get("id") or "").strip():
            raise SelectionError(f"{source}, row {line}: control and id must not be empty")
        items.append(
            Item(
                control=row["control"].strip(),
                id=row["id"].strip(),
                day=_day(row["date"], source, line, "date"),
                provider=(row.get("provider") or "").strip() or None,
                scope=(row.get("scope") or "").strip() or None,
                type=(row.get("type") or "").strip() or None,
            )
        )
    if not items:
        raise SelectionError(f"{source}: no rows")
    return items
