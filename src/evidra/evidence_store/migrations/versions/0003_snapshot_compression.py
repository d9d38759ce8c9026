"""Snapshots compressed, a resource's new version as a delta against an older one.

Adds `codec` (existing rows stay `raw`) and `base` (the snapshot a `zlib-delta` body
was compressed against) to `evidra_snapshots`. Hashes and seals are unchanged: they
cover the canonical JSON, not the stored bytes. See `evidence_store/snapshots.py`.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("evidra_snapshots", sa.Column("codec", sa.String(16), nullable=False, server_default="raw"))
    # SQLite: a plain ADD COLUMN with a REFERENCES clause (allowed on a nullable
    # column), not a batch copy of the table every other table references.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE evidra_snapshots ADD COLUMN base VARCHAR(71) "
            "CONSTRAINT fk_evidra_snapshots_base_evidra_snapshots REFERENCES evidra_snapshots (hash)"
        )
        return
    op.add_column(
        "evidra_snapshots",
        sa.Column(
            "base",
            sa.String(71),
            sa.ForeignKey("evidra_snapshots.hash", name="fk_evidra_snapshots_base_evidra_snapshots"),
            nullable=True,
        ),
    )


def downgrade() -> None:
    # Evidence is never thrown away by a schema change; going back is a restore.
    raise NotImplementedError(
        "evidence stores are not downgraded: restore the backup taken before upgrading evidra"
    )
