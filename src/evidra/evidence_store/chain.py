"""The run chain: sealing a run onto it, reading runs back, verifying it.

A run is written whole or not at all, in one transaction under the write lock, and
sealed (`integrity`) onto the previous run's digest; `verify` recomputes every seal.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from evidra.cycles import collector_paused
from evidra.evidence_store import snapshots
from evidra.evidence_store.database import PG_LOCK_CHAIN, Part, StoreError, lock_for_writing
from evidra.evidence_store.integrity import chain_digest, leaf, run_root, section_roots
from evidra.evidence_store.models import RunRow, as_utc
from evidra.evidence_store.records import RECORD_KINDS, RUN_TABLES, PlannedRun, Row, plan_run, run_metadata
from evidra.evidence_store.spans import (
    SPAN_KINDS,
    SpanPlan,
    close_vanished,
    match_run_records,
    write_run_records,
)
from evidra.evidence_store.verify import (
    Item,
    VerifyReport,
    sealed_changes,
    sealed_records,
    verify_store,
    written_problem,
)
from evidra.model import Collection, Result

WriteHook = Callable[[str], None]
# The fields of a record that cite a snapshot.
SNAPSHOT_FIELDS = ("snapshot_hash", "provenance_hash", "evidence")


@dataclass
class RunRecord:
    """One finished run, as the runner hands it to the store."""

    id: str  # a UUID
    started_at: datetime
    finished_at: datetime
    tool_version: str
    parameters: dict[str, Any]  # the effective parameters / config summary
    collection: Collection
    results: Iterable[Result]  # iterated once; may be a disk-backed Spool


@dataclass(frozen=True)
class StoredRun:
    """A sealed run as stored. Timestamps are aware, in UTC."""

    id: str
    seq: int
    started_at: datetime
    finished_at: datetime
    tool_version: str
    parameters_hash: str
    observation_count: int
    scope_count: int
    error_count: int
    result_count: int
    merkle_root: str
    previous_digest: str | None
    digest: str

    @classmethod
    def from_row(cls, row: RunRow) -> StoredRun:
        return cls(**{name: getattr(row, name) for name in cls.__dataclass_fields__})


class Chain(Part):
    """Sealed runs. `write_hook`, when set, is called inside `record_run`'s transaction
    with the name of each stage as it completes: "locked" (the chain is held, the
    previous run read), "snapshots", "run", "observation", "scope", "scope_error",
    "result", "checked" (the written run was read back and matches its seal; next is
    commit). An exception it raises aborts the run, which is then not stored at all.
    It exists for fault injection in tests and for progress reporting."""

    write_hook: WriteHook | None = None

    # -- writing -------------------------------------------------------------------

    def record_run(self, run: RunRecord) -> StoredRun:
        """Store a whole run and seal it onto the chain, in one transaction: afterwards
        the run is there entirely or not at all. Writers are serialised, so concurrent
        runs get distinct, consecutive seqs."""
        try:
            uuid.UUID(run.id)
        except (ValueError, AttributeError, TypeError):
            raise StoreError(f"a run id must be a UUID, not {run.id!r}") from None
        with collector_paused():  # millions of acyclic rows (evidra.cycles)
            plan = plan_run(run.parameters, run.collection, run.results)  # serialises every record first
            try:
                with Session(self._writer) as session, session.begin():
                    stored = self._write(session, run, plan)
            except SQLAlchemyError as exc:
                raise self._error(f"run {run.id} was not stored", exc) from exc
        return stored

    def _write(self, session: Session, run: RunRecord, plan: PlannedRun) -> StoredRun:
        lock_for_writing(session.connection(), PG_LOCK_CHAIN)
        if session.get(RunRow, run.id) is not None:
            raise StoreError(f"run {run.id} is already stored")
        previous = session.scalars(select(RunRow).order_by(RunRow.seq.desc()).limit(1)).first()
        self._stage("locked")

        row = RunRow(
            id=run.id,
            seq=previous.seq + 1 if previous else 1,
            started_at=as_utc(run.started_at),
            finished_at=as_utc(run.finished_at),
            tool_version=run.tool_version,
            parameters_hash=plan.parameters_hash,
            previous_digest=previous.digest if previous else None,
            **plan.counts(),
        )
        leaves = {**plan.leaves, "run": [leaf("run", run_metadata(row))]}
        row.merkle_root = run_root(leaves)
        row.section_roots = section_roots(leaves)
        row.digest = chain_digest(row.previous_digest, row.merkle_root, row.id, row.seq)
        # The parameters' snapshot, then the run, then its records with the snapshots
        # they cite: the order foreign keys need. Nobody sees any of it before the commit.
        snapshots.insert(session, plan.snapshots.only([plan.parameters_hash]), {})
        self._stage("snapshots")
        session.add(row)
        session.flush()
        self._stage("run")
        previous_seq = previous.seq if previous else None
        for kind in RECORD_KINDS:
            if kind in SPAN_KINDS:
                self._write_spans(session, plan, kind, row.seq, previous_seq)
            elif plan.small[kind]:
                session.execute(
                    insert(RUN_TABLES[kind]), [{**record, "run_id": run.id} for record in plan.small[kind]]
                )
            self._stage(kind)

        # Read the run back: its seal must describe what the database now holds.
        problem = written_problem(session, row, previous, plan.fingerprints)
        if problem:
            raise StoreError(
                f"run {run.id} was not stored: the database did not keep it as written ({problem})"
            )
        self._stage("checked")
        return StoredRun.from_row(row)

    @staticmethod
    def _write_spans(
        session: Session, plan: PlannedRun, kind: str, seq: int, previous_seq: int | None
    ) -> None:
        """A partition at a time: match its records against the spans the previous run
        left open for its resources; only records not seen then need new rows and new
        snapshots. Then end the spans of resources the run did not record at all."""
        seen: set[int] = set()
        extended = 0
        for partition in plan.partitions[kind]:
            matched = match_run_records(session, kind, list(partition), previous_seq)
            snapshots.insert(session, _needed(plan, matched), _previous_versions(matched))
            write_run_records(session, matched, seq, previous_seq)
            seen.update(matched.resources.values())
            extended += matched.extended
            partition.close()
        close_vanished(session, kind, seen, seq, previous_seq, extended)

    def _stage(self, name: str) -> None:
        if self.write_hook is not None:
            self.write_hook(name)

    # -- reading -------------------------------------------------------------------

    def runs(self) -> list[StoredRun]:
        with self._read() as session:
            return [StoredRun.from_row(row) for row in session.scalars(select(RunRow).order_by(RunRow.seq))]

    def get_run(self, run_id: str) -> StoredRun | None:
        with self._read() as session:
            row = session.get(RunRow, run_id)
            return StoredRun.from_row(row) if row else None

    def latest_run(self) -> StoredRun | None:
        with self._read() as session:
            row = session.scalars(select(RunRow).order_by(RunRow.seq.desc()).limit(1)).first()
            return StoredRun.from_row(row) if row else None

    def sealed_records(self, seqs: Iterable[int]) -> Iterator[tuple[StoredRun, list[tuple[str, Row, str]]]]:
        """Every record each run of `seqs` sealed, as (kind, record, leaf digest), run by
        run in seq order: what an inclusion proof is cut from (`integrity.inclusion_path`)."""
        with self._read() as session:
            for run, items in sealed_records(session, set(seqs)):
                yield StoredRun.from_row(run), items

    def sealed_changes(
        self, seqs: Iterable[int]
    ) -> Iterator[tuple[StoredRun, list[Item], list[Item], list[Item]]]:
        """`sealed_records` run by run as (run, entered, left, own): the spanned records
        it holds that the run before it (in `seqs`) did not, those it no longer holds,
        and its own per-run records. A year of runs costs its changes, not its runs."""
        with self._read() as session:
            for run, entered, left, own in sealed_changes(session, set(seqs)):
                yield StoredRun.from_row(run), entered, left, own

    # -- verifying -----------------------------------------------------------------

    def verify(self) -> VerifyReport:
        """Recompute every run's Merkle root and seal, every cited snapshot's hash and
        the chain, in seq order, from one consistent view of the database."""
        engine = self._engine
        if engine.dialect.name == "postgresql":
            engine = engine.execution_options(isolation_level="REPEATABLE READ")
        with Session(engine) as session:
            return verify_store(session)


def _needed(plan: PlannedRun, matched: SpanPlan) -> Mapping[str, bytes]:
    """The snapshots a partition's new records cite: those cited by an extended span
    are stored already, which the foreign keys guarantee."""
    wanted: set[str] = set()
    for record in matched.fresh:
        wanted.update(record[name] for name in SNAPSHOT_FIELDS if record.get(name))
    return plan.snapshots.only(sorted(wanted))


def _previous_versions(observations: SpanPlan) -> dict[str, str]:
    """For each changed resource's new snapshot, the one it had: a delta's base."""
    previous: dict[str, str] = {}
    if observations.kind != "observation":
        return previous
    for row in observations.fresh:
        old = observations.ended_records.get(observations.resource_key(row))
        if old and old["snapshot_hash"] != row["snapshot_hash"]:
            previous[row["snapshot_hash"]] = old["snapshot_hash"]
    return previous
