"""Splitting a provider's collection into scope tasks, for scale-out workers.

A collector that can split its work offers two more methods (see `ScopedCollector`):
`plan()` decides what there is to read (AWS: which accounts) and returns one
`ScopeTask` per scope; `collect_scope(task)`, run by a worker somewhere else, reads
that one scope and returns its `Collection`. The plan's own collection holds what
planning itself read or could not read. A collector without them runs as one task
(`collect()` on a worker).

A task travels through the message broker, so its `spec` is plain JSON and holds no
secret: a worker finds its credentials itself, as the daemon would.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from evidra.collectors.base import Collector
from evidra.model import Collection
from evidra.resource_types import RESOURCE_TYPES


@dataclass(frozen=True)
class ScopeTask:
    key: str  # unique within a run: "aws:123456789012"
    spec: dict[str, Any] = field(default_factory=dict)  # JSON: what to read
    # What the scope would produce: if it never reports, controls over these types get
    # an `error` result for it.
    types: tuple[str, ...] = ()


@dataclass
class ScopePlan:
    tasks: list[ScopeTask]
    collection: Collection = field(default_factory=Collection)


@runtime_checkable
class ScopedCollector(Protocol):
    def plan(self) -> ScopePlan: ...

    def collect_scope(self, task: ScopeTask) -> Collection: ...


def plan(collector: Collector) -> ScopePlan:
    """The collector's scope tasks, or one task for the whole provider. That task may
    cover any type: what evidra could not see is never compliant."""
    if isinstance(collector, ScopedCollector):
        return collector.plan()
    return ScopePlan([ScopeTask(collector.provider, {}, tuple(sorted(RESOURCE_TYPES)))])


def collect(collector: Collector, task: ScopeTask) -> Collection:
    """Read one task's scope (on a worker)."""
    if isinstance(collector, ScopedCollector):
        return collector.collect_scope(task)
    return collector.collect()
