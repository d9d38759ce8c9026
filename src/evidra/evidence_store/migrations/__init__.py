"""The store's Alembic migrations, run by the store itself whenever it opens.

No alembic.ini is needed: `upgrade` points Alembic at this directory and hands it the
store's own connection, inside a transaction that holds the store's write lock, so two
processes opening a new database at once migrate it once. Within one process a plain
lock also serialises migrations: Alembic's `op` and `context` are process-wide
proxies, so two threads migrating two databases at once would mix them up. Each
upgrade that changes the schema leaves an event in `evidra_events`.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, insert

from evidra.evidence_store.database import PG_LOCK_MIGRATE, StoreError, lock_for_writing, writer
from evidra.evidence_store.models import EventRow
from evidra.model import utcnow

VERSION_TABLE = "evidra_alembic_version"
SCRIPT_LOCATION = Path(__file__).resolve().parent
_MIGRATING = threading.Lock()  # always taken before the database's lock, never after


def context_options() -> dict[str, Any]:
    """The MigrationContext options shared by env.py and the schema tests."""
    # render_as_batch: SQLite alters tables by copying them; Alembic's batch mode does it.
    return {"version_table": VERSION_TABLE, "render_as_batch": True, "compare_type": True}


def alembic_config() -> Config:
    config = Config()
    # Config values go through configparser interpolation: a % in the path must be doubled.
    config.set_main_option("script_location", str(SCRIPT_LOCATION).replace("%", "%%"))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _known(revision: str | None) -> bool:
    script = ScriptDirectory.from_config(alembic_config())
    return revision is None or any(known.revision == revision for known in script.walk_revisions())


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection, opts=context_options()).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision (a no-op when it is there already)."""
    head = head_revision()
    with engine.connect() as connection:
        if current_revision(connection) == head:  # the usual case: read, take no lock
            return
    config = alembic_config()
    with _MIGRATING, writer(engine).begin() as connection:
        lock_for_writing(connection, PG_LOCK_MIGRATE)
        before = current_revision(connection)
        if before == head:  # another process migrated while we waited
            return
        if not _known(before):
            raise StoreError(
                f"the database's schema (revision {before}) is newer than this evidra: upgrade evidra"
            )
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        after = current_revision(connection)
        connection.execute(
            insert(EventRow).values(at=utcnow(), action="migrate", detail={"from": before, "to": after})
        )
