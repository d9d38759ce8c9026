"""The evidence store's tables (all prefixed `evidra_`).

    runs               one row per sealed run: its metadata, record counts and seal
    snapshots          content-addressed JSON bodies (resource state, provenance,
                       parameters), stored once whatever the number of runs citing them,
                       compressed, a new version as a delta of an older one (0003)
    resources          each resource ever seen (provider, scope, type, native id), once
    observation_spans  validity intervals: a resource seen with the same snapshot,
                       provenance and name in every run from `first_seq` to `last_seq`
                       (NULL while open: the record still holds in the newest run)
    result_spans       the same for verdicts (control, status, reason, evidence ...)
    scope_records      when each scope of a run was read, and whether it failed (a gap,
                       never a deletion); one row per scope per run
    scope_errors       the collectors' ScopeErrors (scope, service, message, types)
    events             an append-only log of store actions (migrations, retention)
    manual_files       files added as manual evidence, content-addressed (0004)
    manual_evidence    which requirement each evidences, who added it, when (0004)
    pending_scopes     scale-out: scopes reported by workers for a run not sealed yet;
                       not evidence, deleted once the run is sealed from them (0005)
    timestamps         each run's RFC 3161 token over its seal, or its pending request (0006)
    anchors            where each run's chain head was written to write-once storage (0006)

A run's *logical* records (what it sealed) are the spans covering its seq plus its
own scope rows; `spans.py` turns one into the other. The views `evidra_observations`
and `evidra_results` (migration 0002) expand the spans back into one row per run for
people reading the database with SQL. Record tables reference their run, resource
and snapshots by foreign key, so the database itself refuses a result citing
evidence that was never stored.

Other modules must not depend on this layout beyond `store.py`, `spans.py`,
`verify.py`, `pointintime.py` and `retention.py`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, MappedColumn, mapped_column
from sqlalchemy.types import TypeDecorator

HASH_LENGTH = len("sha256:") + 64
RUN_ID_LENGTH = 36  # a UUID in its canonical text form

# Deterministic constraint names, so the hand-written migration and the models agree.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments an `INTEGER PRIMARY KEY`; PostgreSQL gets 64 bits,
# room for a decade of daily runs of large estates.
RowId = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp stored in UTC and always read back aware in UTC.

    SQLite keeps no offset, so the value is converted to UTC before it is written;
    a naive datetime is taken to be UTC already (as `evidra.canonical` does)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return as_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return as_utc(value)


def as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _snapshot_fk(nullable: bool = False) -> MappedColumn[Any]:
    return mapped_column(String(HASH_LENGTH), ForeignKey("evidra_snapshots.hash"), nullable=nullable)


class RecordMixin:
    """The columns every record of a run has: its own row id and its run."""

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(
        String(RUN_ID_LENGTH), ForeignKey("evidra_runs.id"), nullable=False, index=True
    )


class SnapshotRow(Base):
    __tablename__ = "evidra_snapshots"

    hash: Mapped[str] = mapped_column(String(HASH_LENGTH), primary_key=True)  # sha256 of canonical JSON
    body: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)  # as `codec` says (snapshots.py)
    size: Mapped[int] = mapped_column(Integer, nullable=False)  # of the canonical JSON
    codec: Mapped[str] = mapped_column(String(16), nullable=False, server_default="raw")
    base: Mapped[str | None] = _snapshot_fk(nullable=True)  # a zlib-delta's preset dictionary


class RunRow(Base):
    __tablename__ = "evidra_runs"

    id: Mapped[str] = mapped_column(String(RUN_ID_LENGTH), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, nullable=False, unique=True)  # chain order, from 1
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    tool_version: Mapped[str] = mapped_column(String, nullable=False)
    parameters_hash: Mapped[str] = _snapshot_fk()
    observation_count: Mapped[int] = mapped_column(Integer, nullable=False)
    scope_count: Mapped[int] = mapped_column(Integer, nullable=False)
    error_count: Mapped[int] = mapped_column(Integer, nullable=False)
    result_count: Mapped[int] = mapped_column(Integer, nullable=False)
    merkle_root: Mapped[str] = mapped_column(String(HASH_LENGTH), nullable=False)
    previous_digest: Mapped[str | None] = mapped_column(String(HASH_LENGTH), nullable=True)
    digest: Mapped[str] = mapped_column(String(HASH_LENGTH), nullable=False, unique=True)
    # Diagnostic only, not part of the seal: the Merkle root of each kind of record,
    # so that `verify` can say *what* changed ("results changed since sealing").
    section_roots: Mapped[dict[str, str | None]] = mapped_column(JSON, nullable=False)


class ResourceRow(Base):
    __tablename__ = "evidra_resources"
    __table_args__ = (
        UniqueConstraint("provider", "scope", "type", "resource_id"),
        Index("ix_evidra_resources_resource_id", "resource_id"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    provider: Mapped[str] = mapped_column(String, nullable=False)
    scope: Mapped[str] = mapped_column(String, nullable=False)
    type: Mapped[str] = mapped_column(String, nullable=False)
    resource_id: Mapped[str] = mapped_column(String, nullable=False)


class SpanMixin:
    """A record that holds, unchanged, in every run from `first_seq` to `last_seq`, or
    to the newest run while `last_seq` is NULL (open). A span is closed once, by the
    first run that does not see it: the only update the store makes outside retention
    (DESIGN.md explains why that is safe). Unchanged runs therefore write no span."""

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    resource: Mapped[int] = mapped_column(RowId, ForeignKey("evidra_resources.id"), nullable=False)
    first_seq: Mapped[int] = mapped_column(Integer, nullable=False)
    last_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)


class ObservationSpanRow(SpanMixin, Base):
    __tablename__ = "evidra_observation_spans"
    __table_args__ = (
        Index("ix_evidra_observation_spans_last_seq", "last_seq"),
        Index("ix_evidra_observation_spans_resource", "resource"),
    )

    name: Mapped[str | None] = mapped_column(String, nullable=True)
    snapshot_hash: Mapped[str] = _snapshot_fk()
    provenance_hash: Mapped[str] = _snapshot_fk()


class ResultSpanRow(SpanMixin, Base):
    __tablename__ = "evidra_result_spans"
    __table_args__ = (
        Index("ix_evidra_result_spans_last_seq", "last_seq"),
        Index("ix_evidra_result_spans_resource", "resource"),
    )

    control: Mapped[str] = mapped_column(String, nullable=False)
    requirement: Mapped[str] = mapped_column(String, nullable=False)
    tsc: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    reason: Mapped[str] = mapped_column(String, nullable=False)
    evidence: Mapped[str | None] = _snapshot_fk(nullable=True)  # null for scope errors


class ScopeRecordRow(RecordMixin, Base):
    __tablename__ = "evidra_scope_records"

    provider: Mapped[str] = mapped_column(String, nullable=False)
    scope: Mapped[str] = mapped_column(String, nullable=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    error: Mapped[str | None] = mapped_column(String, nullable=True)


class ScopeErrorRow(RecordMixin, Base):
    __tablename__ = "evidra_scope_errors"

    provider: Mapped[str] = mapped_column(String, nullable=False)
    scope: Mapped[str] = mapped_column(String, nullable=False)
    service: Mapped[str | None] = mapped_column(String, nullable=True)
    message: Mapped[str] = mapped_column(String, nullable=False)
    types: Mapped[list[str]] = mapped_column(JSON, nullable=False)


class ManualFileRow(Base):
    """A file an auditor is given as manual evidence (a pentest report, a signed access
    review), content-addressed: the same bytes added twice are stored once (0004)."""

    __tablename__ = "evidra_manual_files"

    hash: Mapped[str] = mapped_column(String(HASH_LENGTH), primary_key=True)  # sha256 of the bytes
    body: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    size: Mapped[int] = mapped_column(BigInteger, nullable=False)


class ManualEvidenceRow(Base):
    """Who added which file as evidence of which policy requirement, when, and for
    which period (open ends: the whole period it was added in, see reports.coverage)."""

    __tablename__ = "evidra_manual_evidence"

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    requirement: Mapped[str] = mapped_column(String, nullable=False, index=True)
    file_hash: Mapped[str] = mapped_column(
        String(HASH_LENGTH), ForeignKey("evidra_manual_files.hash"), nullable=False
    )
    file_name: Mapped[str] = mapped_column(String, nullable=False)
    note: Mapped[str | None] = mapped_column(String, nullable=True)
    period_start: Mapped[date | None] = mapped_column(Date, nullable=True)
    period_end: Mapped[date | None] = mapped_column(Date, nullable=True)
    evidence_date: Mapped[date | None] = mapped_column(Date, nullable=True)  # 0006; NULL: the day added
    added_by: Mapped[str] = mapped_column(String, nullable=False)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class EventRow(Base):
    __tablename__ = "evidra_events"

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    action: Mapped[str] = mapped_column(String, nullable=False)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)


class PendingScopeRow(Base):
    """One scope's output (an encoded Collection) reported by a scale-out worker for a
    run that is not sealed yet. Keyed by (run, scope) so that a task delivered twice
    reports once. No foreign key to the run: it does not exist until it is sealed."""

    __tablename__ = "evidra_pending_scopes"

    run_id: Mapped[str] = mapped_column(String(RUN_ID_LENGTH), primary_key=True)
    scope_key: Mapped[str] = mapped_column(String, primary_key=True)
    # The task the daemon sent for it (migration 0008): another task's report for the
    # same scope (a forged message) is kept apart and never read.
    task_id: Mapped[str] = mapped_column(String(64), primary_key=True, default="", server_default="")
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    payload: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


class TimestampRow(Base):
    """A run's RFC 3161 timestamp (0006): the TSA's token over its seal, or, while
    `token` is NULL, a run still waiting for one (`attempts`, `last_error`). Not part of
    any seal (it is made after sealing); `verify` checks it against the TSA's CA."""

    __tablename__ = "evidra_timestamps"

    run_id: Mapped[str] = mapped_column(String(RUN_ID_LENGTH), ForeignKey("evidra_runs.id"), primary_key=True)
    token: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # DER TimeStampResp
    tsa: Mapped[str | None] = mapped_column(String, nullable=True)
    gen_time: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    obtained_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, server_default="0")
    last_error: Mapped[str | None] = mapped_column(String, nullable=True)


class AnchorRow(Base):
    """Where a run's chain head was written once (0006): an S3 object under Object Lock."""

    __tablename__ = "evidra_anchors"

    run_id: Mapped[str] = mapped_column(String(RUN_ID_LENGTH), ForeignKey("evidra_runs.id"), primary_key=True)
    location: Mapped[str] = mapped_column(String, nullable=False)
    written_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
