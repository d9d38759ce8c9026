"""Observations and results as validity intervals; per-run views for SQL readers.

One row per resource per run becomes one row per *distinct* record and the runs it
held in (`first_seq`..`last_seq`, NULL while it still holds in the newest run), so
storage grows with change, not with time.
Existing runs are converted without changing a single sealed record: their seals
still verify. `evidra_observations` and `evidra_results` become read-only views that
expand the spans back into one row per run.

Self-contained on purpose (no import of evidra's current code): a migration must do
the same thing years from now.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HASH = sa.String(71)
ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
IDENTITY = ("provider", "scope", "type", "resource_id")
# Per kind: the old table, its identity columns (in IDENTITY's order), its own columns.
KINDS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "evidra_observation_spans": (
        "evidra_observations",
        ("provider", "scope", "type", "resource_id"),
        ("name", "snapshot_hash", "provenance_hash"),
    ),
    "evidra_result_spans": (
        "evidra_results",
        ("provider", "scope", "resource_type", "resource_id"),
        ("control", "requirement", "tsc", "status", "reason", "evidence"),
    ),
}


def _snapshot(table: str, column: str, nullable: bool = False) -> sa.Column[str]:
    return sa.Column(
        column,
        HASH,
        sa.ForeignKey("evidra_snapshots.hash", name=f"fk_{table}_{column}_evidra_snapshots"),
        nullable=nullable,
    )


def _span_columns(table: str) -> list[sa.Column[Any]]:
    return [
        sa.Column("id", ROW_ID, primary_key=True, autoincrement=True),
        sa.Column(
            "resource",
            ROW_ID,
            sa.ForeignKey("evidra_resources.id", name=f"fk_{table}_resource_evidra_resources"),
            nullable=False,
        ),
        sa.Column("first_seq", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=True),  # NULL: still open
    ]


def _create_tables() -> None:
    op.create_table(
        "evidra_resources",
        sa.Column("id", ROW_ID, primary_key=True, autoincrement=True),
        *(sa.Column(name, sa.String(), nullable=False) for name in IDENTITY),
        sa.PrimaryKeyConstraint("id", name="pk_evidra_resources"),
        sa.UniqueConstraint(*IDENTITY, name="uq_evidra_resources_provider_scope_type_resource_id"),
    )
    op.create_index("ix_evidra_resources_resource_id", "evidra_resources", ["resource_id"])
    table = "evidra_observation_spans"
    op.create_table(
        table,
        *_span_columns(table),
        sa.Column("name", sa.String(), nullable=True),
        _snapshot(table, "snapshot_hash"),
        _snapshot(table, "provenance_hash"),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
    )
    table = "evidra_result_spans"
    op.create_table(
        table,
        *_span_columns(table),
        sa.Column("control", sa.String(), nullable=False),
        sa.Column("requirement", sa.String(), nullable=False),
        sa.Column("tsc", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        _snapshot(table, "evidence", nullable=True),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
    )
    for table in KINDS:
        op.create_index(f"ix_{table}_last_seq", table, ["last_seq"])
        op.create_index(f"ix_{table}_resource", table, ["resource"])


def _freeze(values: Sequence[Any]) -> tuple[Any, ...]:
    return tuple(tuple(v) if isinstance(v, list) else v for v in values)


def _convert(connection: sa.Connection) -> None:
    """Fold every run's rows into spans, in seq order, exactly as the store does."""
    meta = sa.MetaData()
    runs = sa.Table("evidra_runs", meta, autoload_with=connection)
    resources = sa.Table("evidra_resources", meta, autoload_with=connection)
    resource_ids: dict[tuple[Any, ...], int] = {}
    for span_name, (old_name, identity, own) in KINDS.items():
        old = sa.Table(old_name, meta, autoload_with=connection)
        spans_table = sa.Table(span_name, meta, autoload_with=connection)
        spans: list[dict[str, Any]] = []
        open_spans: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
        previous_seq = None
        query = (
            sa.select(runs.c.seq, *(old.c[name] for name in identity + own))
            .join(runs, runs.c.id == old.c.run_id)
            .order_by(runs.c.seq, old.c.id)
        )
        rows_by_seq: dict[int, list[Any]] = {}
        for row in connection.execute(query):
            rows_by_seq.setdefault(row.seq, []).append(row)
        for seq in sorted(rows_by_seq):
            still_open: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
            for row in rows_by_seq[seq]:
                key = _freeze([row._mapping[name] for name in identity + own])
                candidates: list[dict[str, Any]] = open_spans.get(key, []) if previous_seq == seq - 1 else []
                span: dict[str, Any] | None = candidates.pop() if candidates else None
                if span is None:
                    resource = tuple(row._mapping[name] for name in identity)
                    if resource not in resource_ids:
                        inserted = connection.execute(
                            sa.insert(resources).values(dict(zip(IDENTITY, resource, strict=True)))
                        )
                        primary_key = inserted.inserted_primary_key
                        assert primary_key is not None
                        resource_ids[resource] = int(primary_key[0])
                    span = {
                        "resource": resource_ids[resource],
                        "first_seq": seq,
                        **{name: row._mapping[name] for name in own},
                    }
                    spans.append(span)
                span["last_seq"] = seq
                still_open.setdefault(key, []).append(span)
            open_spans, previous_seq = still_open, seq
        for still in open_spans.values():
            for span in still:
                span["last_seq"] = None  # held in the newest run: open
        if spans:
            connection.execute(sa.insert(spans_table), spans)


_VIEWS = {
    "evidra_observations": """
        SELECT s.id AS span_id, r.id AS run_id, res.provider, res.scope, res.type, res.resource_id,
               s.name, s.snapshot_hash, s.provenance_hash
        FROM evidra_observation_spans s
        JOIN evidra_resources res ON res.id = s.resource
        JOIN evidra_runs r ON r.seq >= s.first_seq AND (s.last_seq IS NULL OR r.seq <= s.last_seq)""",
    "evidra_results": """
        SELECT s.id AS span_id, r.id AS run_id, s.control, s.requirement, s.tsc, s.status,
               res.provider, res.scope, res.type AS resource_type, res.resource_id, s.reason, s.evidence
        FROM evidra_result_spans s
        JOIN evidra_resources res ON res.id = s.resource
        JOIN evidra_runs r ON r.seq >= s.first_seq AND (s.last_seq IS NULL OR r.seq <= s.last_seq)""",
}


def upgrade() -> None:
    _create_tables()
    _convert(op.get_bind())
    op.drop_table("evidra_observations")
    op.drop_table("evidra_results")
    for name, body in _VIEWS.items():
        op.execute(f"CREATE VIEW {name} AS {body}")


def downgrade() -> None:
    # Evidence is never thrown away by a schema change; going back is a restore.
    raise NotImplementedError(
        "evidence stores are not downgraded: restore the backup taken before upgrading evidra"
    )
