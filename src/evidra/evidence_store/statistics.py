"""How big the store is: row counts, snapshot bytes, bytes on disk (benchmarks, tests,
and the question "does storage grow with change, not with time?")."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from evidra.evidence_store.database import Part, sqlite_file
from evidra.evidence_store.models import (
    ObservationSpanRow,
    ResourceRow,
    ResultSpanRow,
    RunRow,
    ScopeErrorRow,
    ScopeRecordRow,
    SnapshotRow,
)

_POSTGRES_SIZE = """
SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname LIKE 'evidra\\_%'
"""
_TABLES = (
    ("runs", RunRow),
    ("snapshots", SnapshotRow),
    ("resources", ResourceRow),
    ("observation_spans", ObservationSpanRow),
    ("result_spans", ResultSpanRow),
    ("scope_records", ScopeRecordRow),
    ("scope_errors", ScopeErrorRow),
)


@dataclass(frozen=True, slots=True)
class StoreStats:
    """Row counts (`observations` and `results` count logical records, one per run;
    `*_spans` the rows that hold them), snapshot bytes, and the size on disk."""

    runs: int
    snapshots: int
    resources: int
    observation_spans: int
    result_spans: int
    scope_records: int
    scope_errors: int
    observations: int
    results: int
    snapshot_bytes: int
    database_bytes: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


class Statistics(Part):
    def stats(self) -> StoreStats:
        counts: dict[str, Any] = {}
        with self._read() as session:
            for name, table in _TABLES:
                counts[name] = session.scalar(select(func.count()).select_from(table))
            counts["observations"] = session.scalar(select(func.sum(RunRow.observation_count)))
            counts["results"] = session.scalar(select(func.sum(RunRow.result_count)))
            counts["snapshot_bytes"] = session.scalar(select(func.coalesce(func.sum(SnapshotRow.size), 0)))
            counts["database_bytes"] = self._database_bytes(session)
        return StoreStats(**{name: int(value or 0) for name, value in counts.items()})

    def _database_bytes(self, session: Session) -> int:
        if self._engine.dialect.name == "postgresql":
            size = session.scalar(text(_POSTGRES_SIZE))
            return int(size or 0)
        path = sqlite_file(self._url)
        if path is None:
            return 0
        files = (path, path.with_name(path.name + "-wal"))
        return sum(file.stat().st_size for file in files if file.exists())
