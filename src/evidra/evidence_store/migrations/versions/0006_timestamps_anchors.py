"""Trusted time and write-once anchors: `evidra_timestamps` (a run's RFC 3161 token, or
its request still pending) and `evidra_anchors` (where its chain head was written).
Neither is part of a seal: both are made after the run is sealed.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "evidra_timestamps",
        sa.Column("run_id", sa.String(36), nullable=False),
        sa.Column("token", sa.LargeBinary(), nullable=True),
        sa.Column("tsa", sa.String(), nullable=True),
        sa.Column("gen_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("obtained_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"], ["evidra_runs.id"], name="fk_evidra_timestamps_run_id_evidra_runs"
        ),
        sa.PrimaryKeyConstraint("run_id", name="pk_evidra_timestamps"),
    )
    op.create_table(
        "evidra_anchors",
        sa.Column("run_id", sa.String(36), nullable=False),
        sa.Column("location", sa.String(), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["evidra_runs.id"], name="fk_evidra_anchors_run_id_evidra_runs"),
        sa.PrimaryKeyConstraint("run_id", name="pk_evidra_anchors"),
    )


def downgrade() -> None:
    # Evidence is never thrown away by a schema change; going back is a restore.
    raise NotImplementedError(
        "evidence stores are not downgraded: restore the backup taken before upgrading evidra"
    )
