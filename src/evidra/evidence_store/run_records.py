"""One run's records read back as typed rows: results, observations, scope records
and scope errors, and the read cursor collectors resume from.

The rows are the store's reading vocabulary (`period_spans` returns the same rows with
the runs they held in); `as_dict` gives the plain shape `EvidenceStore`'s older
methods return, which scripts and plugins may rely on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from evidra.evidence_store.database import Part
from evidra.evidence_store.models import RunRow
from evidra.evidence_store.records import RUN_TABLES, Row, load_run_rows
from evidra.evidence_store.spans import SPAN_KINDS, load_run_records

# Rows come from SQL positionally: a frozen dataclass is built fastest from a tuple.
ResultValues = tuple[str, str, tuple[str, ...], str, str, str, str, str, str, str | None]
ObservationValues = tuple[str, str, str, str, str | None, str, str]


@dataclass(frozen=True, slots=True)
class StoredResult:
    """A control's verdict on one resource, as sealed."""

    control: str
    requirement: str
    tsc: tuple[str, ...]
    status: str
    provider: str
    scope: str
    resource_type: str
    resource_id: str
    reason: str
    evidence: str | None

    @classmethod
    def from_row(cls, row: Row) -> StoredResult:
        return cls(*result_values(row))

    @property
    def key(self) -> tuple[str, str, str, str]:
        """provider, scope, type, native id"""
        return (self.provider, self.scope, self.resource_type, self.resource_id)

    @property
    def resource(self) -> dict[str, str]:
        return {
            "provider": self.provider,
            "scope": self.scope,
            "type": self.resource_type,
            "id": self.resource_id,
        }

    def as_dict(self) -> dict[str, Any]:
        """Shaped like `Result.to_dict()`."""
        return {
            "control": self.control,
            "requirement": self.requirement,
            "tsc": list(self.tsc),
            "status": self.status,
            "resource": self.resource,
            "reason": self.reason,
            "evidence": self.evidence,
        }


@dataclass(frozen=True, slots=True)
class StoredObservation:
    """What a run saw of one resource: its name, and the hashes of its snapshot and of
    its provenance (read them with `Snapshots`)."""

    provider: str
    scope: str
    type: str
    resource_id: str
    name: str | None
    snapshot_hash: str
    provenance_hash: str

    @classmethod
    def from_row(cls, row: Row) -> StoredObservation:
        return cls(*observation_values(row))

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.provider, self.scope, self.type, self.resource_id)

    def as_dict(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "scope": self.scope,
            "type": self.type,
            "id": self.resource_id,
            "name": self.name,
            "snapshot": self.snapshot_hash,
            "provenance": self.provenance_hash,
        }


@dataclass(frozen=True, slots=True)
class StoredScopeRecord:
    """When run `seq` read a scope (aware UTC), and the error that ended it, if any."""

    seq: int
    provider: str
    scope: str
    started_at: datetime
    finished_at: datetime
    error: str | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "scope": self.scope,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "error": self.error,
        }


@dataclass(frozen=True, slots=True)
class StoredScopeError:
    """A scope (or one service in it) run `seq` could not read, and the types it would
    have produced (none: all of them)."""

    seq: int
    provider: str
    scope: str
    service: str | None
    message: str
    types: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "scope": self.scope,
            "service": self.service,
            "message": self.message,
            "types": list(self.types),
        }


def result_values(row: Mapping[Any, Any]) -> ResultValues:
    """A sealed result record's values in `StoredResult`'s field order."""
    return (
        row["control"],
        row["requirement"],
        tuple(row["tsc"]),
        row["status"],
        row["provider"],
        row["scope"],
        row["resource_type"],
        row["resource_id"],
        row["reason"],
        row["evidence"],
    )


def observation_values(row: Mapping[Any, Any]) -> ObservationValues:
    """A sealed observation record's values in `StoredObservation`'s field order."""
    return (
        row["provider"],
        row["scope"],
        row["type"],
        row["resource_id"],
        row["name"],
        row["snapshot_hash"],
        row["provenance_hash"],
    )


class RunRecords(Part):
    """A run's logical records, by run id (none for an unknown run)."""

    def results(self, run_id: str) -> list[StoredResult]:
        """In the order they were first stored (a result unchanged since an earlier
        run comes before new ones)."""
        return [StoredResult.from_row(row) for row in self._records(run_id, "result")[1]]

    def observations(self, run_id: str) -> list[StoredObservation]:
        return [StoredObservation.from_row(row) for row in self._records(run_id, "observation")[1]]

    def scope_records(self, run_id: str) -> list[StoredScopeRecord]:
        seq, rows = self._records(run_id, "scope")
        return [StoredScopeRecord(seq, **row) for row in rows]

    def errors(self, run_id: str) -> list[StoredScopeError]:
        seq, rows = self._records(run_id, "scope_error")
        return [StoredScopeError(seq, **{**row, "types": tuple(row["types"])}) for row in rows]

    def last_reads(self, provider: str, *, runs: int = 60) -> dict[str, datetime]:
        """For each scope of `provider`, when its last fully successful read started
        (every record of the scope in that run without error), among the latest `runs`
        runs: the cursor of collectors that read only what is new since (merged changes)."""
        with self._read() as session:
            latest = list(session.scalars(select(RunRow.id).order_by(RunRow.seq.desc()).limit(runs)))
        found: dict[str, datetime] = {}
        for run_id in latest:
            by_scope: dict[str, list[StoredScopeRecord]] = {}
            for record in self.scope_records(run_id):
                if record.provider == provider:
                    by_scope.setdefault(record.scope, []).append(record)
            for scope, records in by_scope.items():
                if scope not in found and all(r.error is None for r in records):
                    found[scope] = min(r.started_at for r in records)
        return found

    def _records(self, run_id: str, kind: str) -> tuple[int, list[Row]]:
        """The run's seq and one kind of its logical records."""
        with self._read() as session:
            run = session.get(RunRow, run_id)
            if run is None:
                return 0, []
            if kind in SPAN_KINDS:
                return run.seq, load_run_records(session, kind, run.seq)
            return run.seq, load_run_rows(session, kind, RUN_TABLES[kind], run_id)
