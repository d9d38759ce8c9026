"""Staged scopes are bound to the task that the daemon sent for them.

`evidra_pending_scopes` gains `task_id` (the Celery task id the daemon chose) and its
key becomes (run, scope, task): a report staged by another task for the same run and
scope (a forged message) no longer takes the real report's place, and the daemon
reads only the rows of the tasks it sent. Rows staged before this are not evidence
and belong to runs long sealed or abandoned; they keep an empty task id.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("evidra_pending_scopes", recreate="always") as batch:
        batch.add_column(sa.Column("task_id", sa.String(64), nullable=False, server_default=""))
        batch.drop_constraint("pk_evidra_pending_scopes", type_="primary")
        batch.create_primary_key("pk_evidra_pending_scopes", ["run_id", "scope_key", "task_id"])


def downgrade() -> None:
    # Evidence is never thrown away by a schema change; going back is a restore.
    raise NotImplementedError(
        "evidence stores are not downgraded: restore the backup taken before upgrading evidra"
    )
