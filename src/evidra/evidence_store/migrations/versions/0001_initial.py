"""The evidence store's first schema: runs, snapshots, records, events.

Written by hand to match `evidra.evidence_store.models` (a test compares the two on
SQLite and PostgreSQL).

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HASH = sa.String(71)
RUN_ID = sa.String(36)


def _row_id() -> sa.Column[int]:
    return sa.Column(
        "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True
    )


def _run_id(table: str) -> sa.Column[str]:
    return sa.Column(
        "run_id",
        RUN_ID,
        sa.ForeignKey("evidra_runs.id", name=f"fk_{table}_run_id_evidra_runs"),
        nullable=False,
    )


def _snapshot(table: str, column: str, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(
        column,
        HASH,
        sa.ForeignKey("evidra_snapshots.hash", name=f"fk_{table}_{column}_evidra_snapshots"),
        nullable=nullable,
    )


def _timestamp(name: str) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "evidra_snapshots",
        sa.Column("hash", HASH, nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("hash", name="pk_evidra_snapshots"),
    )
    op.create_table(
        "evidra_runs",
        sa.Column("id", RUN_ID, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        _timestamp("started_at"),
        _timestamp("finished_at"),
        sa.Column("tool_version", sa.String(), nullable=False),
        _snapshot("evidra_runs", "parameters_hash"),
        sa.Column("observation_count", sa.Integer(), nullable=False),
        sa.Column("scope_count", sa.Integer(), nullable=False),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.Column("result_count", sa.Integer(), nullable=False),
        sa.Column("merkle_root", HASH, nullable=False),
        sa.Column("previous_digest", HASH, nullable=True),
        sa.Column("digest", HASH, nullable=False),
        sa.Column("section_roots", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_evidra_runs"),
        sa.UniqueConstraint("seq", name="uq_evidra_runs_seq"),
        sa.UniqueConstraint("digest", name="uq_evidra_runs_digest"),
    )
    op.create_table(
        "evidra_observations",
        _row_id(),
        _run_id("evidra_observations"),
        sa.Column("provider", sa.String(), nullable=False),
        sa.Column("scope", sa.String(), nullable=False),
        sa.Column("type", sa.String(), nullable=False),
        sa.Column("resource_id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=True),
        _snapshot("evidra_observations", "snapshot_hash"),
        _snapshot("evidra_observations", "provenance_hash"),
        sa.PrimaryKeyConstraint("id", name="pk_evidra_observations"),
    )
    op.create_index("ix_evidra_observations_run_id", "evidra_observations", ["run_id"])
    op.create_index("ix_evidra_observations_type_resource_id", "evidra_observations", ["type", "resource_id"])
    op.create_table(
        "evidra_scope_records",
        _row_id(),
        _run_id("evidra_scope_records"),
        sa.Column("provider", sa.String(), nullable=False),
        sa.Column("scope", sa.String(), nullable=False),
        _timestamp("started_at"),
        _timestamp("finished_at"),
        sa.Column("error", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_evidra_scope_records"),
    )
    op.create_index("ix_evidra_scope_records_run_id", "evidra_scope_records", ["run_id"])
    op.create_table(
        "evidra_scope_errors",
        _row_id(),
        _run_id("evidra_scope_errors"),
        sa.Column("provider", sa.String(), nullable=False),
        sa.Column("scope", sa.String(), nullable=False),
        sa.Column("service", sa.String(), nullable=True),
        sa.Column("message", sa.String(), nullable=False),
        sa.Column("types", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_evidra_scope_errors"),
    )
    op.create_index("ix_evidra_scope_errors_run_id", "evidra_scope_errors", ["run_id"])
    op.create_table(
        "evidra_results",
        _row_id(),
        _run_id("evidra_results"),
        sa.Column("control", sa.String(), nullable=False),
        sa.Column("requirement", sa.String(), nullable=False),
        sa.Column("tsc", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("provider", sa.String(), nullable=False),
        sa.Column("scope", sa.String(), nullable=False),
        sa.Column("resource_type", sa.String(), nullable=False),
        sa.Column("resource_id", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        _snapshot("evidra_results", "evidence", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_evidra_results"),
    )
    op.create_index("ix_evidra_results_run_id", "evidra_results", ["run_id"])
    op.create_index("ix_evidra_results_control", "evidra_results", ["control"])
    op.create_table(
        "evidra_events",
        _row_id(),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_evidra_events"),
    )


def downgrade() -> None:
    for table in (
        "evidra_events",
        "evidra_results",
        "evidra_scope_errors",
        "evidra_scope_records",
        "evidra_observations",
        "evidra_runs",
        "evidra_snapshots",
    ):
        op.drop_table(table)
