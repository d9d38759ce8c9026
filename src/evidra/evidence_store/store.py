"""The evidence store's API: record sealed runs, read them back, verify the chain.

    with EvidenceStore.open("sqlite:///evidra.db") as store:
        stored = store.record_run(RunRecord(...))
        report = store.verify()

Callers see dataclasses and plain dicts only, never tables: the layout underneath
may change (observations will be compacted into validity intervals) without them.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Engine, func, insert, or_, select, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session

from evidra.evidence_store import migrations, pointintime, retention, snapshots, staging
from evidra.evidence_store.database import (
    PG_LOCK_CHAIN,
    StoreError,
    create_store_engine,
    display_url,
    lock_for_writing,
    parse_url,
    redact_url_text,
    sqlite_file,
    writer,
)
from evidra.evidence_store.integrity import (
    SEALED_FIELDS,
    chain_digest,
    leaf,
    run_root,
    section_roots,
    snapshot_hash,
)
from evidra.evidence_store.models import (
    AnchorRow,
    EventRow,
    ManualEvidenceRow,
    ManualFileRow,
    ObservationSpanRow,
    ResourceRow,
    ResultSpanRow,
    RunRow,
    ScopeErrorRow,
    ScopeRecordRow,
    SnapshotRow,
    TimestampRow,
    as_utc,
)
from evidra.evidence_store.pointintime import EstateState, ResourceKey, ResourceState
from evidra.evidence_store.records import (
    RECORD_KINDS,
    RUN_TABLES,
    PlannedRun,
    Row,
    load_run_rows,
    plan_run,
    run_metadata,
)
from evidra.evidence_store.spans import (
    SPAN_KINDS,
    SpanPlan,
    close_vanished,
    load_run_records,
    match_run_records,
    write_run_records,
)
from evidra.evidence_store.staging import StagedScope
from evidra.evidence_store.verify import VerifyReport, sealed_records, verify_store, written_problem
from evidra.model import Collection, Result, utcnow

__all__ = ["EvidenceStore", "RunRecord", "StoreError", "StoredRun", "VerifyReport", "WriteHook"]

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


class EvidenceStore:
    """Runs, content-addressed snapshots and records in SQLite or PostgreSQL.

    `write_hook`, when set, is called inside `record_run`'s transaction with the name
    of each stage as it completes: "locked" (the chain is held, the previous run
    read), "snapshots", "run", "observation", "scope", "scope_error", "result",
    "checked" (the written run was read back and matches its seal; next is commit).
    An exception it raises aborts the run, which is then not stored at all. It exists
    for fault injection in tests and for progress reporting.
    """

    def __init__(self, engine: Engine, url: URL) -> None:
        self._engine = engine
        self._writer = writer(engine)
        self._url = url
        self.write_hook: WriteHook | None = None

    @classmethod
    def open(cls, url: str) -> EvidenceStore:
        """Connect (a SQLite file's directory must exist: StoreLocationError) and bring the
        schema up to date. Raises StoreError, whose message never holds the password."""
        parsed = parse_url(url)
        try:
            engine = create_store_engine(parsed)
        except ModuleNotFoundError as exc:
            raise StoreError(
                f"cannot open {display_url(parsed)}: the {exc.name} module is missing "
                "(pip install 'evidra[postgres]')"
            ) from None
        try:
            migrations.upgrade(engine)
        except Exception as exc:
            engine.dispose()
            # `from None`: the original exception chain is not ours to vouch for.
            raise StoreError(
                f"cannot open the evidence store {display_url(parsed)}: "
                f"{type(exc).__name__}: {redact_url_text(_short(exc), parsed)}"
            ) from None
        return cls(engine, parsed)

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"EvidenceStore({display_url(self._url)!r})"

    # -- writing -------------------------------------------------------------------

    def record_run(self, run: RunRecord) -> StoredRun:
        """Store a whole run and seal it onto the chain, in one transaction: afterwards
        the run is there entirely or not at all. Writers are serialised, so concurrent
        runs get distinct, consecutive seqs."""
        try:
            uuid.UUID(run.id)
        except (ValueError, AttributeError, TypeError):
            raise StoreError(f"a run id must be a UUID, not {run.id!r}") from None
        plan = plan_run(run.parameters, run.collection, run.results)  # serialises every record first
        try:
            with Session(self._writer) as session, session.begin():
                stored = self._write(session, run, plan)
        except SQLAlchemyError as exc:
            raise StoreError(
                f"run {run.id} was not stored: {redact_url_text(_short(exc), self._url)}"
            ) from exc
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
        for partition in plan.partitions[kind]:
            matched = match_run_records(session, kind, list(partition), previous_seq)
            snapshots.insert(session, _needed(plan, matched), _previous_versions(matched))
            write_run_records(session, matched, seq, previous_seq)
            seen.update(matched.resources.values())
            partition.close()
        close_vanished(session, kind, seen, seq, previous_seq)

    def _stage(self, name: str) -> None:
        if self.write_hook is not None:
            self.write_hook(name)

    # -- reading -------------------------------------------------------------------

    def _read(self) -> Session:
        return Session(self._engine)

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

    def results(self, run_id: str) -> list[dict[str, Any]]:
        """The run's results, each shaped like `Result.to_dict()`, in the order they were
        first stored (a result unchanged since an earlier run comes before new ones)."""
        return [
            {
                "control": row["control"],
                "requirement": row["requirement"],
                "tsc": list(row["tsc"]),
                "status": row["status"],
                "resource": {
                    "provider": row["provider"],
                    "scope": row["scope"],
                    "type": row["resource_type"],
                    "id": row["resource_id"],
                },
                "reason": row["reason"],
                "evidence": row["evidence"],
            }
            for row in self._records(run_id, "result")
        ]

    def observations(self, run_id: str) -> list[dict[str, Any]]:
        """What the run saw: provider, scope, type, id, name, and the hashes of the
        resource's snapshot and of its provenance (read them with `snapshot`)."""
        return [
            {
                "provider": row["provider"],
                "scope": row["scope"],
                "type": row["type"],
                "id": row["resource_id"],
                "name": row["name"],
                "snapshot": row["snapshot_hash"],
                "provenance": row["provenance_hash"],
            }
            for row in self._records(run_id, "observation")
        ]

    def scope_records(self, run_id: str) -> list[dict[str, Any]]:
        """Each scope's provider, scope, started_at, finished_at (aware UTC) and error."""
        return self._records(run_id, "scope")

    def last_reads(self, provider: str, *, runs: int = 60) -> dict[str, datetime]:
        """For each scope of `provider`, when its last fully successful read started
        (every record of the scope in that run without error), among the latest `runs`
        runs: the cursor of collectors that read only what is new since (merged changes)."""
        found: dict[str, datetime] = {}
        for run in reversed(self.runs()[-runs:]):
            by_scope: dict[str, list[dict[str, Any]]] = {}
            for record in self.scope_records(run.id):
                if record["provider"] == provider:
                    by_scope.setdefault(record["scope"], []).append(record)
            for scope, records in by_scope.items():
                if scope not in found and all(r["error"] is None for r in records):
                    found[scope] = min(r["started_at"] for r in records)
        return found

    def errors(self, run_id: str) -> list[dict[str, Any]]:
        """The run's scope errors: provider, scope, message, service, types."""
        return [{**row, "types": list(row["types"])} for row in self._records(run_id, "scope_error")]

    def _records(self, run_id: str, kind: str) -> list[Row]:
        """One kind of a run's logical records (none for an unknown run)."""
        with self._read() as session:
            run = session.get(RunRow, run_id)
            if run is None:
                return []
            if kind in SPAN_KINDS:
                return load_run_records(session, kind, run.seq)
            return load_run_rows(session, kind, RUN_TABLES[kind], run_id)

    def snapshot_body(self, key: str) -> bytes:
        """A snapshot's canonical JSON bytes, checked against its hash."""
        with self._read() as session:
            found = snapshots.read(session, [key])
        if key not in found:
            raise KeyError(key)
        body = found[key]
        if body is None or snapshot_hash(body) != key:
            raise StoreError(f"snapshot {key} no longer matches its hash (content altered)")
        return body

    def snapshot(self, key: str) -> dict[str, Any]:
        """A snapshot (resource state, provenance or parameters) as parsed JSON."""
        document: dict[str, Any] = json.loads(self.snapshot_body(key))
        return document

    # -- reports -------------------------------------------------------------------

    def result_spans(
        self, first_seq: int, last_seq: int, controls: Sequence[str] | None = None
    ) -> list[dict[str, Any]]:
        """The results of runs `first_seq`..`last_seq` as spans, one query whatever the
        number of runs: each distinct result (`control`, `status`, `reason`, `evidence`,
        `provider`, `scope`, `resource_type`, `resource_id` ...) with the first and last
        seq of the consecutive runs that recorded it (`last_seq` the newest run's while
        it still holds). Spans reaching outside the range are not cut. Ordered by
        control, resource and first_seq."""
        spec, table = SPAN_KINDS["result"], ResultSpanRow
        with self._read() as session:
            newest = session.scalar(select(func.max(RunRow.seq))) or 0
            query = (
                select(
                    table.first_seq, func.coalesce(table.last_seq, newest).label("last_seq"), *spec.columns()
                )
                .join(ResourceRow, ResourceRow.id == table.resource)
                .where(
                    table.first_seq <= last_seq, or_(table.last_seq.is_(None), table.last_seq >= first_seq)
                )
                .order_by(table.control, table.resource, table.first_seq, table.id)
            )
            if controls is not None:
                query = query.where(table.control.in_(list(controls)))
            return [{**row._mapping, "tsc": list(row.tsc)} for row in session.connection().execute(query)]

    def observation_spans(self, first_seq: int, last_seq: int, types: Sequence[str]) -> list[dict[str, Any]]:
        """The observations of the given types in runs `first_seq`..`last_seq` as spans
        (provider, scope, type, resource_id, name, snapshot_hash, provenance_hash,
        first_seq, last_seq), like `result_spans`: one query, spans not cut."""
        spec, table = SPAN_KINDS["observation"], ObservationSpanRow
        with self._read() as session:
            newest = session.scalar(select(func.max(RunRow.seq))) or 0
            query = (
                select(
                    table.first_seq, func.coalesce(table.last_seq, newest).label("last_seq"), *spec.columns()
                )
                .join(ResourceRow, ResourceRow.id == table.resource)
                .where(
                    table.first_seq <= last_seq,
                    or_(table.last_seq.is_(None), table.last_seq >= first_seq),
                    ResourceRow.type.in_(list(types)),
                )
                .order_by(table.resource, table.first_seq, table.id)
            )
            return [dict(row._mapping) for row in session.connection().execute(query)]

    def result_spans_before(
        self, control: str, resource_ids: Sequence[str], before_seq: int
    ) -> list[dict[str, Any]]:
        """The spans of one control's results on the given resource ids that started
        before `before_seq`, newest first: where a failure that was already open when a
        period began really started."""
        spec, table = SPAN_KINDS["result"], ResultSpanRow
        out: list[dict[str, Any]] = []
        with self._read() as session:
            newest = session.scalar(select(func.max(RunRow.seq))) or 0
            ids = list(dict.fromkeys(resource_ids))
            for start in range(0, len(ids), 500):
                query = (
                    select(
                        table.first_seq,
                        func.coalesce(table.last_seq, newest).label("last_seq"),
                        *spec.columns(),
                    )
                    .join(ResourceRow, ResourceRow.id == table.resource)
                    .where(
                        table.control == control,
                        table.first_seq < before_seq,
                        ResourceRow.resource_id.in_(ids[start : start + 500]),
                    )
                )
                out += [{**row._mapping, "tsc": list(row.tsc)} for row in session.connection().execute(query)]
        out.sort(key=lambda row: row["first_seq"], reverse=True)
        return out

    def scope_records_between(self, first_seq: int, last_seq: int) -> list[dict[str, Any]]:
        """Every scope each run of `first_seq`..`last_seq` read (provider, scope,
        started_at, finished_at, error), each with its run's `seq`."""
        query = (
            select(
                RunRow.seq,
                ScopeRecordRow.provider,
                ScopeRecordRow.scope,
                ScopeRecordRow.started_at,
                ScopeRecordRow.finished_at,
                ScopeRecordRow.error,
            )
            .join(RunRow, RunRow.id == ScopeRecordRow.run_id)
            .where(RunRow.seq.between(first_seq, last_seq))
            .order_by(RunRow.seq, ScopeRecordRow.id)
        )
        with self._read() as session:
            return [
                {**row._mapping, "started_at": as_utc(row.started_at), "finished_at": as_utc(row.finished_at)}
                for row in session.connection().execute(query)
            ]

    def scope_errors_between(self, first_seq: int, last_seq: int) -> list[dict[str, Any]]:
        """The scope errors of runs `first_seq`..`last_seq`, each with its run's `seq`."""
        query = (
            select(RunRow.seq, *(getattr(ScopeErrorRow, name) for name in SEALED_FIELDS["scope_error"]))
            .join(RunRow, RunRow.id == ScopeErrorRow.run_id)
            .where(RunRow.seq.between(first_seq, last_seq))
            .order_by(RunRow.seq, ScopeErrorRow.id)
        )
        with self._read() as session:
            return [{**row._mapping, "types": list(row.types)} for row in session.connection().execute(query)]

    def snapshot_bodies(self, keys: Iterable[str]) -> dict[str, bytes]:
        """Many snapshots' canonical JSON bytes at once, each checked against its hash
        (StoreError names the first altered one; KeyError the first missing)."""
        keys = list(keys)
        with self._read() as session:
            found = snapshots.read(session, keys)
        for key in keys:
            if key not in found:
                raise KeyError(key)
            body = found[key]
            if body is None or snapshot_hash(body) != key:
                raise StoreError(f"snapshot {key} no longer matches its hash (content altered)")
        return {key: body for key, body in found.items() if body is not None}

    def add_manual_evidence(
        self,
        requirement: str,
        file_name: str,
        content: bytes,
        *,
        added_by: str,
        note: str | None = None,
        period: tuple[date, date] | None = None,
        added_at: datetime | None = None,
        evidence_date: date | None = None,
    ) -> dict[str, Any]:
        """Keep a file as manual evidence of `requirement` (stored once by its SHA-256).
        `evidence_date` is the day it is about (default: the day it is added)."""
        key = snapshot_hash(content)
        added = as_utc(added_at or utcnow())
        row = ManualEvidenceRow(
            requirement=requirement,
            file_hash=key,
            file_name=file_name,
            note=note,
            period_start=period[0] if period else None,
            period_end=period[1] if period else None,
            added_by=added_by,
            added_at=added,
            evidence_date=evidence_date or added.date(),
        )
        try:
            with Session(self._writer) as session, session.begin():
                if session.get(ManualFileRow, key) is None:
                    session.add(ManualFileRow(hash=key, body=content, size=len(content)))
                    session.flush()
                session.add(row)
                session.flush()
                return _manual_dict(row)
        except SQLAlchemyError as exc:
            raise StoreError(
                f"the evidence was not stored: {redact_url_text(_short(exc), self._url)}"
            ) from exc

    def manual_evidence(self) -> list[dict[str, Any]]:
        """Every piece of manual evidence (without the file's bytes), oldest first."""
        with self._read() as session:
            query = select(ManualEvidenceRow).order_by(ManualEvidenceRow.id)
            return [_manual_dict(row) for row in session.scalars(query)]

    def manual_file(self, key: str) -> bytes:
        """A manual evidence file's bytes, checked against its hash."""
        with self._read() as session:
            row = session.get(ManualFileRow, key)
            if row is None:
                raise KeyError(key)
            body = bytes(row.body)
        if snapshot_hash(body) != key:
            raise StoreError(f"manual evidence file {key} no longer matches its hash (content altered)")
        return body

    # -- scale-out staging ---------------------------------------------------------

    def stage_scope(self, run_id: str, key: str, status: str, payload: bytes, task_id: str = "") -> bool:
        """Keep one scope's report for a run not sealed yet (see `staging`); False when
        that task had reported that scope already (delivered twice): the first one stands."""
        try:
            with self._writer.begin() as connection:
                return staging.stage(connection, run_id, key, status, payload, task_id)
        except SQLAlchemyError as exc:
            raise StoreError(
                f"scope {key} of run {run_id} was not staged: {redact_url_text(_short(exc), self._url)}"
            ) from exc

    def staged_keys(self, run_id: str, tasks: Mapping[str, str] | None = None) -> set[str]:
        with self._engine.connect() as connection:
            return staging.keys(connection, run_id, tasks)

    def staged_scopes(self, run_id: str, tasks: Mapping[str, str] | None = None) -> dict[str, StagedScope]:
        with self._engine.connect() as connection:
            return staging.read(connection, run_id, tasks)

    def discard_staged(self, run_id: str, reported_before: datetime | None = None) -> int:
        """Delete a run's staged scopes (once it is sealed), and any reported before
        `reported_before`."""
        try:
            with self._writer.begin() as connection:
                return staging.discard(connection, run_id, reported_before)
        except SQLAlchemyError as exc:
            raise StoreError(
                f"staged scopes were not deleted: {redact_url_text(_short(exc), self._url)}"
            ) from exc

    # -- trusted time and anchors (made after sealing, outside every seal) ---------

    def unstamped_runs(self, limit: int = 100, *, untried: bool = True) -> list[StoredRun]:
        """Runs without a timestamp token yet, newest first. `untried=False`: only the
        newest run and those whose request failed before (not the runs stored before
        timestamping was turned on, which a token now would only prove late)."""
        newest = select(func.max(RunRow.seq)).scalar_subquery()
        query = (
            select(RunRow)
            .outerjoin(TimestampRow, TimestampRow.run_id == RunRow.id)
            .where(TimestampRow.token.is_(None))
            .order_by(RunRow.seq.desc())
            .limit(limit)
        )
        if not untried:
            query = query.where(or_(TimestampRow.run_id.is_not(None), RunRow.seq == newest))
        with self._read() as session:
            return [StoredRun.from_row(row) for row in session.scalars(query)]

    def record_timestamp(
        self,
        run_id: str,
        *,
        at: datetime,
        token: bytes | None = None,
        tsa: str | None = None,
        gen_time: datetime | None = None,
        error: str | None = None,
    ) -> None:
        """Keep a run's token, or (`error`) count one more failed request for it. A
        token once kept is never replaced."""
        try:
            with Session(self._writer) as session, session.begin():
                row = session.get(TimestampRow, run_id)
                if row is None:
                    row = TimestampRow(run_id=run_id, attempts=0)
                    session.add(row)
                if row.token is not None:
                    return
                row.attempts += 1
                if token is not None:
                    row.token, row.tsa, row.gen_time = token, tsa, as_utc(gen_time or at)
                    row.obtained_at, row.last_error = as_utc(at), None
                else:
                    row.last_error = error
        except SQLAlchemyError as exc:
            raise StoreError(f"the timestamp of run {run_id} was not kept: {_short(exc)}") from exc

    def timestamps(self) -> dict[str, dict[str, Any]]:
        """By run id: `token` (DER TimeStampResp or None), `tsa`, `gen_time`,
        `obtained_at`, `attempts`, `last_error`. Runs never tried are absent."""
        with self._read() as session:
            return {
                row.run_id: {
                    "token": bytes(row.token) if row.token is not None else None,
                    "tsa": row.tsa,
                    "gen_time": row.gen_time,
                    "obtained_at": row.obtained_at,
                    "attempts": row.attempts,
                    "last_error": row.last_error,
                }
                for row in session.scalars(select(TimestampRow))
            }

    def unanchored_runs(self, limit: int = 100) -> list[StoredRun]:
        """Runs whose chain head is not written to the anchor store yet, oldest first."""
        query = (
            select(RunRow)
            .outerjoin(AnchorRow, AnchorRow.run_id == RunRow.id)
            .where(AnchorRow.run_id.is_(None))
            .order_by(RunRow.seq)
            .limit(limit)
        )
        with self._read() as session:
            return [StoredRun.from_row(row) for row in session.scalars(query)]

    def record_anchor(self, run_id: str, location: str, at: datetime) -> None:
        try:
            with Session(self._writer) as session, session.begin():
                if session.get(AnchorRow, run_id) is None:
                    session.add(AnchorRow(run_id=run_id, location=location, written_at=as_utc(at)))
        except SQLAlchemyError as exc:
            raise StoreError(f"the anchor of run {run_id} was not kept: {_short(exc)}") from exc

    def sealed_records(self, seqs: Iterable[int]) -> Iterator[tuple[StoredRun, list[tuple[str, Row, str]]]]:
        """Every record each run of `seqs` sealed, as (kind, record, leaf digest), run by
        run in seq order: what an inclusion proof is cut from (`integrity.inclusion_path`)."""
        with self._read() as session:
            for run, items in sealed_records(session, set(seqs)):
                yield StoredRun.from_row(run), items

    def pruned_before(self) -> int | None:
        """The seq of the first run kept by the latest prune (runs before it were
        deleted on purpose, and the prune event says so), or None."""
        seqs = [
            event["detail"].get("first_kept", {}).get("seq")
            for event in self.events()
            if event["action"] == "prune"
        ]
        kept = [seq for seq in seqs if isinstance(seq, int)]
        return max(kept) if kept else None

    # -- retention -----------------------------------------------------------------

    def prune(self, before: datetime, actor: str | None = None) -> dict[str, Any]:
        """Delete the runs started before `before` (never the newest), their spans and
        the snapshots nothing else cites, and record it as a `prune` event; returns the
        event's detail (`runs_deleted` 0: nothing was old enough, nothing recorded)."""
        try:
            with Session(self._writer) as session, session.begin():
                lock_for_writing(session.connection(), PG_LOCK_CHAIN)
                return retention.prune(session, before, actor)
        except SQLAlchemyError as exc:
            raise StoreError(f"nothing was pruned: {redact_url_text(_short(exc), self._url)}") from exc

    # -- point in time -------------------------------------------------------------

    def state_at(self, at: datetime) -> EstateState:
        """Every resource as of `at` (see `pointintime`): attributes, raw, verdicts."""
        with self._read() as session:
            return pointintime.state_at(session, at)

    def resource_at(
        self, key: str | ResourceKey, at: datetime, *, type: str | None = None, scope: str | None = None
    ) -> ResourceState | None:
        """One resource as of `at`, by native id (with `type`/`scope` when the id alone
        is ambiguous) or by its (provider, scope, type, id) key; None if never seen."""
        if not isinstance(key, str):
            _, scope, type, key = key
        with self._read() as session:
            resource = pointintime.resolve(session, key, type, scope)
            return pointintime.resource_at(session, resource, at) if resource else None

    def diff(
        self,
        key: str | ResourceKey,
        before: datetime,
        after: datetime,
        *,
        type: str | None = None,
        scope: str | None = None,
    ) -> dict[str, Any] | None:
        """What changed in one resource between two times (`pointintime.diff_states`)."""
        old = self.resource_at(key, before, type=type, scope=scope)
        new = self.resource_at(key, after, type=type, scope=scope)
        if old is None or new is None:
            return None
        return {"before": old, "after": new, "changes": pointintime.diff_states(old, new)}

    def events(self) -> list[dict[str, Any]]:
        with self._read() as session:
            rows = session.scalars(select(EventRow).order_by(EventRow.id))
            return [{"at": row.at, "action": row.action, "detail": row.detail} for row in rows]

    def stats(self) -> dict[str, int]:
        """Row counts (`observations` and `results` count logical records, one per run;
        `*_spans` the rows that hold them), snapshot bytes, and the size on disk."""
        counts: dict[str, Any] = {}
        with self._read() as session:
            for name, table in (
                ("runs", RunRow),
                ("snapshots", SnapshotRow),
                ("resources", ResourceRow),
                ("observation_spans", ObservationSpanRow),
                ("result_spans", ResultSpanRow),
                ("scope_records", ScopeRecordRow),
                ("scope_errors", ScopeErrorRow),
            ):
                counts[name] = session.scalar(select(func.count()).select_from(table))
            counts["observations"] = session.scalar(select(func.sum(RunRow.observation_count)))
            counts["results"] = session.scalar(select(func.sum(RunRow.result_count)))
            counts["snapshot_bytes"] = session.scalar(select(func.coalesce(func.sum(SnapshotRow.size), 0)))
            counts["database_bytes"] = self._database_bytes(session)
        return {name: int(value or 0) for name, value in counts.items()}

    def _database_bytes(self, session: Session) -> int:
        if self._engine.dialect.name == "postgresql":
            size = session.scalar(text(_POSTGRES_SIZE))
            return int(size or 0)
        path = sqlite_file(self._url)
        if path is None:
            return 0
        files = (path, path.with_name(path.name + "-wal"))
        return sum(file.stat().st_size for file in files if file.exists())

    # -- verifying -----------------------------------------------------------------

    def verify(self) -> VerifyReport:
        """Recompute every run's Merkle root and seal, every cited snapshot's hash and
        the chain, in seq order, from one consistent view of the database."""
        engine = self._engine
        if engine.dialect.name == "postgresql":
            engine = engine.execution_options(isolation_level="REPEATABLE READ")
        with Session(engine) as session:
            return verify_store(session)


_POSTGRES_SIZE = """
SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname LIKE 'evidra\\_%'
"""


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


def _manual_dict(row: ManualEvidenceRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "requirement": row.requirement,
        "file": row.file_hash,
        "file_name": row.file_name,
        "note": row.note,
        "period_start": row.period_start,
        "period_end": row.period_end,
        "added_by": row.added_by,
        "added_at": as_utc(row.added_at),
        "date": row.evidence_date or as_utc(row.added_at).date(),
    }


def _short(exc: BaseException) -> str:
    """The database's own message, without SQLAlchemy's statement and help link."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        return str(exc.orig).strip()
    return str(exc).split("\n(Background on this error", 1)[0].strip()
