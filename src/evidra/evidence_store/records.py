"""A run's records as plain dicts keyed by the sealed field names: built from the
model on the way in, read back (from spans and per-run rows) for verification. Both
directions yield the same dicts, so the seal computed before writing is the seal
recomputed after reading.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator, Sized
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from evidra.canonical import canonical_bytes
from evidra.evidence_store.integrity import SEALED_FIELDS, leaf, snapshot_hash
from evidra.evidence_store.models import RecordMixin, RunRow, ScopeErrorRow, ScopeRecordRow, as_utc
from evidra.evidence_store.spans import SPAN_KINDS, Key, freeze, load_run_records, thaw
from evidra.model import Collection, Result, Status
from evidra.spool import BodySpool, Spool

# The kinds of record kept one row per run (observations and results are spans).
RUN_TABLES: dict[str, type[RecordMixin]] = {"scope": ScopeRecordRow, "scope_error": ScopeErrorRow}
# Every kind of record, in the order they are written.
RECORD_KINDS = ("observation", "scope", "scope_error", "result")
# The run column sealing how many records of each kind the run holds.
COUNT_COLUMNS = {
    "observation": "observation_count",
    "scope": "scope_count",
    "scope_error": "error_count",
    "result": "result_count",
}

Row = dict[str, Any]


# Observations and results are written a partition at a time, each partition holding
# every record of its resources: a run's memory is one partition, whatever its size.
PARTITION_ROWS = 5000
_MASK = (1 << 64) - 1


@dataclass
class PlannedRun:
    """Everything a run will write except what depends on the chain (seq, seal).

    Small kinds (scope records and errors) are kept as lists. Observations and results
    are spooled to disk, partitioned by resource; of those, memory keeps only each
    record's leaf hash (for the seal) and a running fingerprint (to check the write)."""

    parameters_hash: str
    # On disk, keys in memory: a large run's bodies are written once, read when stored.
    snapshots: BodySpool = field(default_factory=BodySpool)
    small: dict[str, list[Row]] = field(default_factory=dict)
    partitions: dict[str, list[Spool[Key]]] = field(default_factory=dict)
    leaves: dict[str, list[str]] = field(default_factory=dict)
    fingerprints: dict[str, tuple[int, int]] = field(default_factory=dict)

    def add_snapshot(self, document: Any) -> str:
        body = canonical_bytes(document)
        key = snapshot_hash(body)
        self.snapshots.setdefault(key, body)
        return key

    def add(self, kind: str, rows: Iterable[Row], count: int) -> None:
        """Leaf, fingerprint and partition of each of `count` records (a value that
        cannot be serialised raises TypeError here, before the database is touched).
        Partitions hold each record as its `freeze` key: a tuple pickles and unpickles
        several times faster than a dict."""
        leaves: list[str] = []
        total = 0
        if kind in SPAN_KINDS:
            parts: list[Spool[Key]] = [Spool() for _ in range(max(1, -(-count // PARTITION_ROWS)))]
            self.partitions[kind] = parts
            identity = SPAN_KINDS[kind].resource_of()
        else:
            self.small[kind] = []
        for row in rows:
            leaves.append(leaf(kind, row))
            key = freeze(kind, row)
            total = (total + hash(key)) & _MASK
            if kind in SPAN_KINDS:
                text = "\0".join(map(str, identity(key)))
                parts[zlib.crc32(text.encode()) % len(parts)].append(key)
            else:
                self.small[kind].append(row)
        self.leaves[kind] = leaves
        self.fingerprints[kind] = (len(leaves), total)

    def counts(self) -> dict[str, int]:
        return {COUNT_COLUMNS[kind]: len(leaves) for kind, leaves in self.leaves.items()}

    def rows(self, kind: str) -> Iterator[Row]:
        """Every planned record of `kind` (partition by partition for spanned kinds)."""
        if kind in self.small:
            yield from self.small[kind]
        for partition in self.partitions.get(kind, ()):
            yield from (thaw(kind, key) for key in partition)


def fingerprint(kind: str, rows: Iterable[Row]) -> tuple[int, int]:
    """(count, sum of hashes) of records: equal for the same multiset of records within
    this process. Checks a write without holding what was written."""
    return fingerprint_keys(freeze(kind, row) for row in rows)


def fingerprint_keys(keys: Iterable[Key]) -> tuple[int, int]:
    """`fingerprint` of records given as their `freeze` keys."""
    count = total = 0
    for key in keys:
        count += 1
        total = (total + hash(key)) & _MASK
    return count, total


def plan_run(parameters: dict[str, Any], collection: Collection, results: Iterable[Result]) -> PlannedRun:
    """Snapshots and record rows for a run, built before the database is touched."""
    plan = PlannedRun(parameters_hash="")
    plan.parameters_hash = plan.add_snapshot(parameters)
    plan.add(
        "observation",
        (
            {
                "provider": obs.provider,
                "scope": obs.scope,
                "type": obs.type,
                "resource_id": obs.id,
                "name": obs.name,
                "snapshot_hash": plan.add_snapshot(obs.snapshot()),
                "provenance_hash": plan.add_snapshot(obs.provenance()),
            }
            for obs in collection.observations
        ),
        len(collection.observations),
    )
    plan.add(
        "scope",
        (
            {
                "provider": scope.provider,
                "scope": scope.scope,
                "started_at": as_utc(scope.started_at),
                "finished_at": as_utc(scope.finished_at),
                "error": scope.error,
            }
            for scope in collection.scopes
        ),
        len(collection.scopes),
    )
    plan.add(
        "scope_error",
        (
            {
                "provider": error.provider,
                "scope": error.scope,
                "service": error.service,
                "message": error.message,
                "types": list(error.types),
            }
            for error in collection.errors
        ),
        len(collection.errors),
    )
    if not isinstance(results, Sized):
        results = list(results)
    plan.add(
        "result",
        (
            {
                "control": result.control,
                "requirement": result.requirement,
                "tsc": list(result.tsc),
                "status": Status(result.status).value,
                "provider": result.resource.provider,
                "scope": result.resource.scope,
                "resource_type": result.resource.type,
                "resource_id": result.resource.id,
                "reason": result.reason,
                "evidence": result.evidence,
            }
            for result in results
        ),
        len(results),
    )
    return plan


def load_records(session: Session, run: RunRow) -> dict[str, list[Row]]:
    """The logical records of one run: observations and results from the spans
    covering its seq, scope records and errors from its own rows."""
    records = {kind: load_run_records(session, kind, run.seq) for kind in SPAN_KINDS}
    for kind, table in RUN_TABLES.items():
        records[kind] = load_run_rows(session, kind, table, run.id)
    return {kind: records[kind] for kind in RECORD_KINDS}


def load_run_rows(session: Session, kind: str, table: type[RecordMixin], run_id: str) -> list[Row]:
    columns = [getattr(table, name) for name in SEALED_FIELDS[kind]]
    query = select(*columns).where(table.run_id == run_id).order_by(table.id)
    return [dict(row._mapping) for row in session.connection().execute(query)]


def run_metadata(run: RunRow) -> Row:
    return {name: getattr(run, name) for name in SEALED_FIELDS["run"]}
