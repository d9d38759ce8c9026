"""Manual evidence: files that evidence a policy requirement no control automates.

`evidra_manual_files` keeps each file's bytes once, by SHA-256; `evidra_manual_evidence`
says which requirement a file evidences, who added it, when, and for which period.
Neither is part of a run's seal: manual evidence is not collected by a run. The
evidence package lists and signs it (reports/package.py).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HASH = sa.String(71)


def upgrade() -> None:
    op.create_table(
        "evidra_manual_files",
        sa.Column("hash", HASH, nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("hash", name="pk_evidra_manual_files"),
    )
    op.create_table(
        "evidra_manual_evidence",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True),
        sa.Column("requirement", sa.String(), nullable=False),
        sa.Column(
            "file_hash",
            HASH,
            sa.ForeignKey(
                "evidra_manual_files.hash", name="fk_evidra_manual_evidence_file_hash_evidra_manual_files"
            ),
            nullable=False,
        ),
        sa.Column("file_name", sa.String(), nullable=False),
        sa.Column("note", sa.String(), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("added_by", sa.String(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_evidra_manual_evidence"),
    )
    op.create_index("ix_evidra_manual_evidence_requirement", "evidra_manual_evidence", ["requirement"])


def downgrade() -> None:
    # Evidence is never thrown away by a schema change; going back is a restore.
    raise NotImplementedError(
        "evidence stores are not downgraded: restore the backup taken before upgrading evidra"
    )
