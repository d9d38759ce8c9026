"""Staging for scale-out runs: scopes reported by workers before their run is sealed.

The store knows nothing of clouds here: a scope is an opaque key and payload. A row
is written with insert-or-ignore on (run, scope), so a task that runs twice (its
worker was killed after writing, before acknowledging) leaves the first report, and
evidence is never duplicated. Staged rows are not evidence: the run is sealed from
them by `record_run`, like any other run, and they are deleted afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from evidra.evidence_store.database import Part
from evidra.evidence_store.models import PendingScopeRow
from evidra.model import utcnow


@dataclass(frozen=True)
class StagedScope:
    key: str
    status: str
    payload: bytes
    reported_at: datetime


def stage(
    connection: Connection, run_id: str, key: str, status: str, payload: bytes, task_id: str = ""
) -> bool:
    """Keep one scope's report; False when that task had reported that scope of that
    run already. Reports by different tasks are kept apart (see `read`)."""
    values = {
        "run_id": run_id,
        "scope_key": key,
        "task_id": task_id,
        "status": status,
        "payload": payload,
        "reported_at": utcnow(),
    }
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(PendingScopeRow).values(values)
    statement = statement.on_conflict_do_nothing(index_elements=["run_id", "scope_key", "task_id"])
    # RETURNING, not rowcount: drivers disagree on rowcount for ON CONFLICT DO NOTHING.
    return connection.execute(statement.returning(PendingScopeRow.scope_key)).first() is not None


def keys(connection: Connection, run_id: str, tasks: Mapping[str, str] | None = None) -> set[str]:
    """The scopes reported for the run; with `tasks` (scope -> the task sent for it),
    only those reported by that task."""
    query = select(PendingScopeRow.scope_key, PendingScopeRow.task_id).where(PendingScopeRow.run_id == run_id)
    return {key for key, task in connection.execute(query) if tasks is None or tasks.get(key) == task}


def read(
    connection: Connection, run_id: str, tasks: Mapping[str, str] | None = None
) -> dict[str, StagedScope]:
    """The run's reports by scope; with `tasks`, only each scope's own task's report."""
    query = (
        select(PendingScopeRow).where(PendingScopeRow.run_id == run_id).order_by(PendingScopeRow.reported_at)
    )
    found: dict[str, StagedScope] = {}
    for row in connection.execute(query):
        if (tasks is None or tasks.get(row.scope_key) == row.task_id) and row.scope_key not in found:
            found[row.scope_key] = StagedScope(row.scope_key, row.status, row.payload, row.reported_at)
    return found


def discard(connection: Connection, run_id: str, reported_before: datetime | None = None) -> int:
    """Delete a run's staged scopes, and any reported before `reported_before` (late
    reports of runs sealed or abandoned long ago); returns how many rows went."""
    condition = PendingScopeRow.run_id == run_id
    if reported_before is not None:
        condition = or_(condition, PendingScopeRow.reported_at < reported_before)
    return connection.execute(delete(PendingScopeRow).where(condition)).rowcount


class Staging(Part):
    """The functions above, each in its own transaction, for the daemon and workers."""

    def stage(self, run_id: str, key: str, status: str, payload: bytes, task_id: str = "") -> bool:
        """Keep one scope's report for a run not sealed yet; False when that task had
        reported that scope already (delivered twice): the first one stands."""
        try:
            with self._writer.begin() as connection:
                return stage(connection, run_id, key, status, payload, task_id)
        except SQLAlchemyError as exc:
            raise self._error(f"scope {key} of run {run_id} was not staged", exc) from exc

    def keys(self, run_id: str, tasks: Mapping[str, str] | None = None) -> set[str]:
        with self._engine.connect() as connection:
            return keys(connection, run_id, tasks)

    def scopes(self, run_id: str, tasks: Mapping[str, str] | None = None) -> dict[str, StagedScope]:
        with self._engine.connect() as connection:
            return read(connection, run_id, tasks)

    def discard(self, run_id: str, reported_before: datetime | None = None) -> int:
        """Delete a run's staged scopes (once it is sealed), and any reported before
        `reported_before`."""
        try:
            with self._writer.begin() as connection:
                return discard(connection, run_id, reported_before)
        except SQLAlchemyError as exc:
            raise self._error("staged scopes were not deleted", exc) from exc
