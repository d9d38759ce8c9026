"""Manual evidence records the date it is about (`evidra evidence add --date`), apart
from when it was added: a quarterly access review signed on 31 March but uploaded on
4 April is evidence for the first quarter. Rows added before keep NULL, read as the
day they were added.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("evidra_manual_evidence") as table:
        table.add_column(sa.Column("evidence_date", sa.Date(), nullable=True))


def downgrade() -> None:
    # Evidence is never thrown away by a schema change; going back is a restore.
    raise NotImplementedError(
        "evidence stores are not downgraded: restore the backup taken before upgrading evidra"
    )
