"""Scale-out staging: scopes reported by Celery workers for a run not sealed yet.

`evidra_pending_scopes` holds one row per (run, scope) with the scope's encoded
output. It is not evidence and not part of any seal: the daemon seals the run from
these rows through the usual path (one transaction) and then deletes them.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "evidra_pending_scopes",
        sa.Column("run_id", sa.String(36), nullable=False),
        sa.Column("scope_key", sa.String(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "scope_key", name="pk_evidra_pending_scopes"),
    )


def downgrade() -> None:
    # Evidence is never thrown away by a schema change; going back is a restore.
    raise NotImplementedError(
        "evidence stores are not downgraded: restore the backup taken before upgrading evidra"
    )
