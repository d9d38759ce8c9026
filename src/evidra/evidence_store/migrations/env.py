"""Alembic's environment for the evidence store: always run on the store's connection."""

from __future__ import annotations

from alembic import context

from evidra.evidence_store.migrations import context_options
from evidra.evidence_store.models import Base

connection = context.config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError(
        "evidra's migrations run when the store opens (EvidenceStore.open); "
        "they are not meant for the alembic command line"
    )

context.configure(connection=connection, target_metadata=Base.metadata, **context_options())
# The caller's transaction is already open (and holds the write lock): this joins it.
with context.begin_transaction():
    context.run_migrations()
