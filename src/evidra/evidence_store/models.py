"""The evidence store's tables (all prefixed `evidra_`).

    runs            one row per sealed run: its metadata, record counts and seal
    snapshots       content-addressed JSON bodies (resource state, provenance,
                    parameters), stored once whatever the number of runs citing them
    observations    which resource each run saw, pointing at its snapshot and provenance
    scope_records   when each scope of a run was read, and whether it failed (a gap,
                    never a deletion)
    scope_errors    the collectors' ScopeErrors (scope, service, message, types)
    results         the control verdicts of a run, citing their evidence snapshot
    events          an append-only log of store actions (migrations, later retention)

Record tables reference their run and snapshots by foreign key, so the database
itself refuses a result citing evidence that was never stored. Apart from `id` and
`run_id`, a record table's columns are exactly the fields `integrity` seals
(`SEALED_FIELDS`): the seal is recomputed from these columns and nothing else.

Other modules must not depend on this layout beyond `store.py` and `verify.py`: a
later change folds observations into validity intervals.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
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

    hash: Mapped[str] = mapped_column(String(HASH_LENGTH), primary_key=True)  # sha256 of body
    body: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)  # canonical JSON
    size: Mapped[int] = mapped_column(Integer, nullable=False)


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


class ObservationRow(RecordMixin, Base):
    __tablename__ = "evidra_observations"
    __table_args__ = (Index("ix_evidra_observations_type_resource_id", "type", "resource_id"),)

    provider: Mapped[str] = mapped_column(String, nullable=False)
    scope: Mapped[str] = mapped_column(String, nullable=False)
    type: Mapped[str] = mapped_column(String, nullable=False)
    resource_id: Mapped[str] = mapped_column(String, nullable=False)
    name: Mapped[str | None] = mapped_column(String, nullable=True)
    snapshot_hash: Mapped[str] = _snapshot_fk()
    provenance_hash: Mapped[str] = _snapshot_fk()


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


class ResultRow(RecordMixin, Base):
    __tablename__ = "evidra_results"

    control: Mapped[str] = mapped_column(String, nullable=False, index=True)
    requirement: Mapped[str] = mapped_column(String, nullable=False)
    tsc: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    provider: Mapped[str] = mapped_column(String, nullable=False)
    scope: Mapped[str] = mapped_column(String, nullable=False)
    resource_type: Mapped[str] = mapped_column(String, nullable=False)
    resource_id: Mapped[str] = mapped_column(String, nullable=False)
    reason: Mapped[str] = mapped_column(String, nullable=False)
    evidence: Mapped[str | None] = _snapshot_fk(nullable=True)  # null for scope errors


class EventRow(Base):
    __tablename__ = "evidra_events"

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    action: Mapped[str] = mapped_column(String, nullable=False)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
