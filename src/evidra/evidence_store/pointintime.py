"""Point-in-time answers: what a resource (or the whole estate) looked like at a time.

"As of T" means the latest run sealed (finished) at or before T. A resource is
answered from the latest such run that read its scope successfully: when a later run
could not (the scope or the service failed: a gap, not a deletion), the answer says
so and comes from the last good read. A resource missing from a run that did read
its scope did not exist then.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from evidra.evidence_store import snapshots
from evidra.evidence_store.database import Part, StoreError
from evidra.evidence_store.integrity import snapshot_hash
from evidra.evidence_store.models import (
    ObservationSpanRow,
    ResourceRow,
    ResultSpanRow,
    RunRow,
    ScopeErrorRow,
    ScopeRecordRow,
    as_utc,
)
from evidra.evidence_store.spans import covering

ResourceKey = tuple[str, str, str, str]  # provider, scope, type, native id


class Coverage:
    """Which (provider, scope, type) a run read successfully. A scope is read when the
    run has a scope record for it (or for an enclosing scope, `aws:1` for
    `aws:1:eu-west-1`) and no scope error there whose types include the type."""

    def __init__(self, session: Session, run_id: str) -> None:
        records = session.execute(
            select(ScopeRecordRow.provider, ScopeRecordRow.scope).where(ScopeRecordRow.run_id == run_id)
        )
        self._read = {(row.provider, row.scope) for row in records}
        errors = session.execute(
            select(ScopeErrorRow.provider, ScopeErrorRow.scope, ScopeErrorRow.types).where(
                ScopeErrorRow.run_id == run_id
            )
        )
        self.failed = [(row.provider, row.scope, set(row.types)) for row in errors]

    def covers(self, provider: str, scope: str, type_: str) -> bool:
        if not any(p == provider and _within(scope, s) for p, s in self._read):
            return False
        return not any(
            p == provider and _within(scope, s) and (not types or type_ in types)
            for p, s, types in self.failed
        )


def _within(scope: str, outer: str) -> bool:
    return scope == outer or scope.startswith(outer + ":")


@dataclass
class ResourceState:
    """One resource as of a time. `present` is False when the run answering did read
    its scope and did not see it (deleted, or not created yet). `gap` is True when a
    later run up to the time asked could not read it: the answer is then older."""

    provider: str
    scope: str
    type: str
    id: str
    run_id: str | None
    run_seq: int | None
    run_finished_at: datetime | None
    present: bool
    gap: bool = False
    name: str | None = None
    snapshot: str | None = None
    provenance: str | None = None
    results: list[dict[str, Any]] = field(default_factory=list)
    # The snapshot's canonical JSON (hash already checked), parsed on first use: most
    # questions about a whole estate never look at most resources' raw answers.
    body: bytes | None = field(default=None, repr=False, compare=False)
    _document: dict[str, Any] | None = field(default=None, repr=False, compare=False)

    def snapshot_document(self) -> dict[str, Any]:
        if self._document is None:
            self._document = json.loads(self.body) if self.body else {}
        return self._document

    @property
    def attributes(self) -> dict[str, Any]:
        attributes: dict[str, Any] = self.snapshot_document().get("attributes", {})
        return attributes

    @property
    def raw(self) -> dict[str, Any]:
        raw: dict[str, Any] = self.snapshot_document().get("raw", {})
        return raw

    @property
    def key(self) -> ResourceKey:
        return (self.provider, self.scope, self.type, self.id)

    def to_dict(self, raw: bool = False) -> dict[str, Any]:
        document = {
            "resource": {"provider": self.provider, "scope": self.scope, "type": self.type, "id": self.id},
            "name": self.name,
            "present": self.present,
            "gap": self.gap,
            "run": {"id": self.run_id, "seq": self.run_seq, "finished_at": self.run_finished_at},
            "snapshot": self.snapshot,
            "provenance": self.provenance,
            "attributes": self.attributes,
            "results": self.results,
        }
        if raw:
            document["raw"] = self.raw
        return document


@dataclass
class EstateState:
    """Everything as of a time: `run` answered it; `resources` in that run's order;
    `gaps` the (provider, scope, types) that run could not read, answered from older runs."""

    at: datetime
    run_id: str | None
    run_seq: int | None
    resources: list[ResourceState]
    gaps: list[dict[str, Any]]


def runs_until(session: Session, at: datetime) -> list[RunRow]:
    """Runs sealed at or before `at`, newest first."""
    query = select(RunRow).where(RunRow.finished_at <= as_utc(at)).order_by(RunRow.seq.desc())
    return list(session.scalars(query))


def resolve(session: Session, resource_id: str, type_: str | None, scope: str | None) -> ResourceRow | None:
    query = select(ResourceRow).where(ResourceRow.resource_id == resource_id)
    if type_:
        query = query.where(ResourceRow.type == type_)
    if scope:
        query = query.where(ResourceRow.scope == scope)
    found = list(session.scalars(query))
    if len(found) > 1:
        choices = ", ".join(f"--type {r.type} --scope {r.scope}" for r in found)
        raise StoreError(f"{resource_id} names {len(found)} resources; say which: {choices}")
    return found[0] if found else None


def resource_at(session: Session, resource: ResourceRow, at: datetime) -> ResourceState:
    runs = runs_until(session, at)
    for position, run in enumerate(runs):
        if Coverage(session, run.id).covers(resource.provider, resource.scope, resource.type):
            [state] = _states(session, run, [resource], gap=position > 0)
            return state
    return ResourceState(
        resource.provider,
        resource.scope,
        resource.type,
        resource.resource_id,
        None,
        None,
        None,
        present=False,
        gap=bool(runs),
    )


def state_at(session: Session, at: datetime, types: Collection[str] | None = None) -> EstateState:
    runs = runs_until(session, at)
    if not runs:
        return EstateState(at, None, None, [], [])
    latest = runs[0]
    coverage = Coverage(session, latest.id)
    states = [
        s for s in _states(session, latest, None, types=types) if coverage.covers(s.provider, s.scope, s.type)
    ]
    gaps = [{"provider": p, "scope": s, "types": sorted(t)} for p, s, t in coverage.failed]
    if gaps:
        states += _from_older_runs(session, runs, coverage, {s.key for s in states}, types)
    return EstateState(at, latest.id, latest.seq, states, gaps)


def _from_older_runs(
    session: Session,
    runs: Sequence[RunRow],
    latest: Coverage,
    seen: set[ResourceKey],
    types: Collection[str] | None,
) -> list[ResourceState]:
    """Resources the latest run could not read, each from the last run that could."""
    found: list[ResourceState] = []
    for run in runs[1:]:
        coverage = Coverage(session, run.id)
        for state in _states(session, run, None, gap=True, types=types):
            if state.key in seen or latest.covers(state.provider, state.scope, state.type):
                continue
            if coverage.covers(state.provider, state.scope, state.type):
                seen.add(state.key)
                found.append(state)
    return found


def _states(
    session: Session,
    run: RunRow,
    resources: Iterable[ResourceRow] | None,
    gap: bool = False,
    types: Collection[str] | None = None,
) -> list[ResourceState]:
    """The observations and results of `run` (for `resources`, or all; only resources of
    `types` when given), as states. A requested resource the run did not see comes back
    with `present=False`."""
    wanted = {r.id: r for r in resources} if resources is not None else None
    # Plain columns, not ORM objects: the whole estate is tens of thousands of rows.
    query = (
        select(
            ResourceRow.id,
            ResourceRow.provider,
            ResourceRow.scope,
            ResourceRow.type,
            ResourceRow.resource_id,
            ObservationSpanRow.name,
            ObservationSpanRow.snapshot_hash,
            ObservationSpanRow.provenance_hash,
        )
        .join(ObservationSpanRow, ObservationSpanRow.resource == ResourceRow.id)
        .where(covering(ObservationSpanRow, run.seq))
        .order_by(ObservationSpanRow.id)
    )
    verdict_fields = ("control", "requirement", "tsc", "status", "reason", "evidence")
    result_query = (
        select(ResultSpanRow.resource, *(getattr(ResultSpanRow, name) for name in verdict_fields))
        .where(covering(ResultSpanRow, run.seq))
        .order_by(ResultSpanRow.id)
    )
    if wanted is not None:
        query = query.where(ResourceRow.id.in_(wanted))
        result_query = result_query.where(ResultSpanRow.resource.in_(wanted))
    if types is not None:
        # Filtered in the query: an estate's other types can be a hundred thousand
        # snapshots to read and hash that the caller would drop.
        query = query.where(ResourceRow.type.in_(list(types)))
        of_types = select(ResourceRow.id).where(ResourceRow.type.in_(list(types)))
        result_query = result_query.where(ResultSpanRow.resource.in_(of_types))
    verdicts: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for verdict in session.connection().execute(result_query):
        verdicts[verdict.resource].append({name: getattr(verdict, name) for name in verdict_fields})
    rows = list(session.connection().execute(query))
    bodies = _snapshots(session, {row.snapshot_hash for row in rows})
    states = []
    for row in rows:
        body = bodies[row.snapshot_hash]
        states.append(
            ResourceState(
                row.provider,
                row.scope,
                row.type,
                row.resource_id,
                run.id,
                run.seq,
                run.finished_at,
                present=True,
                gap=gap,
                name=row.name,
                snapshot=row.snapshot_hash,
                provenance=row.provenance_hash,
                results=verdicts.get(row.id, []),
                body=body,
            )
        )
    seen = {state.key for state in states}
    for resource in (wanted or {}).values():
        key = (resource.provider, resource.scope, resource.type, resource.resource_id)
        if key not in seen:
            states.append(ResourceState(*key, run.id, run.seq, run.finished_at, present=False, gap=gap))
    return states


def _snapshots(session: Session, keys: set[str]) -> dict[str, bytes]:
    """Snapshot bodies, each checked against its hash."""
    found = snapshots.read(session, keys)
    for key in keys:
        body = found.get(key)
        if body is None or snapshot_hash(body) != key:
            raise StoreError(f"snapshot {key} is missing or no longer matches its hash (content altered)")
    return {key: body for key, body in found.items() if body is not None}


def flatten(document: Any, prefix: str = "") -> dict[str, Any]:
    """Nested attributes as `a.b.c` paths, so a diff names exactly what changed."""
    if isinstance(document, dict) and document:
        flat: dict[str, Any] = {}
        for name, value in document.items():
            flat.update(flatten(value, f"{prefix}.{name}" if prefix else str(name)))
        return flat
    return {prefix: document} if prefix else {}


def diff_states(before: ResourceState, after: ResourceState) -> dict[str, Any]:
    """What changed between two states of one resource: presence, name, attributes
    (added, removed, changed paths), whether the raw answer changed, and verdicts."""
    old, new = flatten(before.attributes), flatten(after.attributes)
    verdicts_before = {r["control"]: r for r in before.results}
    verdicts_after = {r["control"]: r for r in after.results}
    verdicts = []
    for control in sorted(verdicts_before.keys() | verdicts_after.keys()):
        was, now = verdicts_before.get(control), verdicts_after.get(control)
        if (was and (was["status"], was["reason"])) != (now and (now["status"], now["reason"])):
            verdicts.append(
                {
                    "control": control,
                    "before": {"status": was["status"], "reason": was["reason"]} if was else None,
                    "after": {"status": now["status"], "reason": now["reason"]} if now else None,
                }
            )
    return {
        "present": {"before": before.present, "after": after.present},
        "gap": {"before": before.gap, "after": after.gap},
        "name": {"before": before.name, "after": after.name} if before.name != after.name else None,
        "attributes": {
            "added": {path: new[path] for path in sorted(new.keys() - old.keys())},
            "removed": {path: old[path] for path in sorted(old.keys() - new.keys())},
            "changed": {
                path: {"before": old[path], "after": new[path]}
                for path in sorted(old.keys() & new.keys())
                if old[path] != new[path]
            },
        },
        "raw_changed": before.raw != after.raw,
        "results": verdicts,
        "runs": {"before": before.run_seq, "after": after.run_seq},
    }


@dataclass(frozen=True)
class ResourceDiff:
    """One resource at two times, and what changed between them (`diff_states`)."""

    before: ResourceState
    after: ResourceState
    changes: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"before": self.before, "after": self.after, "changes": self.changes}


class PointInTime(Part):
    def state_at(self, at: datetime, types: Collection[str] | None = None) -> EstateState:
        """Every resource as of `at` (only those of `types` when given): attributes, raw,
        verdicts. `gaps` is the answering run's whatever the types."""
        with self._read() as session:
            return state_at(session, at, types)

    def resource_at(
        self, key: str | ResourceKey, at: datetime, *, type: str | None = None, scope: str | None = None
    ) -> ResourceState | None:
        """One resource as of `at`, by native id (with `type`/`scope` when the id alone
        is ambiguous) or by its (provider, scope, type, id) key; None if never seen."""
        if not isinstance(key, str):
            _, scope, type, key = key
        with self._read() as session:
            resource = resolve(session, key, type, scope)
            return resource_at(session, resource, at) if resource else None

    def diff(
        self,
        key: str | ResourceKey,
        before: datetime,
        after: datetime,
        *,
        type: str | None = None,
        scope: str | None = None,
    ) -> ResourceDiff | None:
        """What changed in one resource between two times; None if never seen."""
        old = self.resource_at(key, before, type=type, scope=scope)
        new = self.resource_at(key, after, type=type, scope=scope)
        if old is None or new is None:
            return None
        return ResourceDiff(old, new, diff_states(old, new))
