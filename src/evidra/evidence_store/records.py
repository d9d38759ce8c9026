"""A run's records as plain dicts keyed by the sealed field names: built from the
model on the way in, read back (from spans and per-run rows) for verification. Both
directions yield the same dicts, so the seal computed before writing is the seal
recomputed after reading.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from evidra.canonical import canonical_bytes
from evidra.evidence_store.integrity import SEALED_FIELDS, leaf, snapshot_hash
from evidra.evidence_store.models import RecordMixin, RunRow, ScopeErrorRow, ScopeRecordRow, as_utc
from evidra.evidence_store.spans import SPAN_KINDS, load_run_records
from evidra.model import Collection, Result, Status

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


@dataclass
class PlannedRun:
    """Everything a run will write except what depends on the chain (seq, seal)."""

    parameters_hash: str
    snapshots: dict[str, bytes] = field(default_factory=dict)
    records: dict[str, list[Row]] = field(default_factory=dict)

    def add_snapshot(self, document: Any) -> str:
        body = canonical_bytes(document)
        key = snapshot_hash(body)
        self.snapshots.setdefault(key, body)
        return key

    def counts(self) -> dict[str, int]:
        return {COUNT_COLUMNS[kind]: len(rows) for kind, rows in self.records.items()}

    def leaves(self) -> dict[str, list[str]]:
        return {kind: [leaf(kind, row) for row in rows] for kind, rows in self.records.items()}


def plan_run(parameters: dict[str, Any], collection: Collection, results: Iterable[Result]) -> PlannedRun:
    """Snapshots and record rows for a run, built before the database is touched:
    a value that cannot be serialised raises TypeError here or in `leaves()`."""
    plan = PlannedRun(parameters_hash="")
    plan.parameters_hash = plan.add_snapshot(parameters)
    plan.records["observation"] = [
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
    ]
    plan.records["scope"] = [
        {
            "provider": scope.provider,
            "scope": scope.scope,
            "started_at": as_utc(scope.started_at),
            "finished_at": as_utc(scope.finished_at),
            "error": scope.error,
        }
        for scope in collection.scopes
    ]
    plan.records["scope_error"] = [
        {
            "provider": error.provider,
            "scope": error.scope,
            "service": error.service,
            "message": error.message,
            "types": list(error.types),
        }
        for error in collection.errors
    ]
    plan.records["result"] = [
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
    ]
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
