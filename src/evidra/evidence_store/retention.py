"""Retention: deleting old evidence on request, and leaving a record that it was done.

`prune(before)` deletes every run that started before `before` (always keeping the
newest run, so that the chain has a head to grow from), trims the spans to the runs
that remain, deletes snapshots no remaining record cites, and writes a `prune` event:
who, when, what and how many, and the first kept run with the digest its pruned
predecessor had. `verify` starts the chain at that run and accepts that digest as its
link: the kept runs stay verifiable, and whoever deletes runs without this command
still breaks the chain.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import CompoundSelect, Result, delete, func, insert, select, union, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from evidra.evidence_store.database import PG_LOCK_CHAIN, Part, lock_for_writing
from evidra.evidence_store.models import (
    AnchorRow,
    EventRow,
    ObservationSpanRow,
    ResourceRow,
    ResultSpanRow,
    RunRow,
    ScopeErrorRow,
    ScopeRecordRow,
    SnapshotRow,
    TimestampRow,
    as_utc,
)
from evidra.model import iso, utcnow


@dataclass(frozen=True, slots=True)
class StoreEvent:
    """Something done to the store itself (`migrate`, `prune`), and its detail as
    recorded (a JSON document: a prune's is what `prune` returns)."""

    at: datetime
    action: str
    detail: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"at": self.at, "action": self.action, "detail": self.detail}


class Retention(Part):
    def prune(self, before: datetime, actor: str | None = None) -> dict[str, Any]:
        """Delete the runs started before `before` (never the newest), their spans and
        the snapshots nothing else cites, and record it as a `prune` event; returns the
        event's detail (`runs_deleted` 0: nothing was old enough, nothing recorded)."""
        try:
            with Session(self._writer) as session, session.begin():
                lock_for_writing(session.connection(), PG_LOCK_CHAIN)
                return prune(session, before, actor)
        except SQLAlchemyError as exc:
            raise self._error("nothing was pruned", exc) from exc

    def events(self) -> list[StoreEvent]:
        with self._read() as session:
            rows = session.scalars(select(EventRow).order_by(EventRow.id))
            return [StoreEvent(row.at, row.action, row.detail) for row in rows]

    def pruned_before(self) -> int | None:
        """The seq of the first run kept by the latest prune (runs before it were
        deleted on purpose, and the prune event says so), or None."""
        seqs = [
            event.detail.get("first_kept", {}).get("seq")
            for event in self.events()
            if event.action == "prune"
        ]
        kept = [seq for seq in seqs if isinstance(seq, int)]
        return max(kept) if kept else None


def prune(session: Session, before: datetime, actor: str | None = None) -> dict[str, Any]:
    """Runs in the caller's write transaction (the store holds the lock). Returns the
    event's detail; nothing is written when no run is old enough."""
    newest = session.scalars(select(RunRow).order_by(RunRow.seq.desc()).limit(1)).first()
    doomed = list(
        session.scalars(select(RunRow).where(RunRow.started_at < as_utc(before)).order_by(RunRow.seq))
    )
    doomed = [run for run in doomed if newest is None or run.seq != newest.seq]
    if not doomed:
        return {"runs_deleted": 0}
    kept = session.scalars(
        select(RunRow).where(RunRow.seq > doomed[-1].seq).order_by(RunRow.seq).limit(1)
    ).one()
    ids = [run.id for run in doomed]
    detail: dict[str, Any] = {
        "by": actor or _user(),
        "before": iso(as_utc(before)),
        "runs_deleted": len(doomed),
        "deleted": {"first_seq": doomed[0].seq, "last_seq": doomed[-1].seq},
        "first_kept": {"id": kept.id, "seq": kept.seq, "previous_digest": kept.previous_digest},
    }
    for name, table in (("observation_spans", ObservationSpanRow), ("result_spans", ResultSpanRow)):
        gone = _count(session.execute(delete(table).where(table.last_seq < kept.seq)))  # NULL: open, kept
        trimmed = _count(
            session.execute(update(table).where(table.first_seq < kept.seq).values(first_seq=kept.seq))
        )
        detail[f"{name}_deleted"], detail[f"{name}_trimmed"] = gone, trimmed
    # A pruned run's token and anchor row go with it (the anchor object itself stays
    # in its bucket until its retention ends; `verify --anchors` reads the prune event).
    for run_table in (ScopeRecordRow, ScopeErrorRow, TimestampRow, AnchorRow):
        session.execute(delete(run_table).where(run_table.run_id.in_(ids)))
    session.execute(delete(RunRow).where(RunRow.id.in_(ids)))
    detail["snapshots_deleted"] = _delete_unreferenced_snapshots(session)
    detail["resources_deleted"] = _delete_unreferenced_resources(session)
    session.execute(insert(EventRow).values(at=utcnow(), action="prune", detail=detail))
    return detail


def _delete_unreferenced_snapshots(session: Session) -> int:
    cited: CompoundSelect[tuple[str]] = union(
        select(RunRow.parameters_hash),
        select(ObservationSpanRow.snapshot_hash),
        select(ObservationSpanRow.provenance_hash),
        select(ResultSpanRow.evidence).where(ResultSpanRow.evidence.is_not(None)),
        select(SnapshotRow.base).where(SnapshotRow.base.is_not(None)),  # a kept delta's base
    )
    before = session.scalar(select(func.count()).select_from(SnapshotRow)) or 0
    session.execute(delete(SnapshotRow).where(SnapshotRow.hash.not_in(cited.scalar_subquery())))
    after = session.scalar(select(func.count()).select_from(SnapshotRow)) or 0
    return before - after


def _delete_unreferenced_resources(session: Session) -> int:
    cited = union(select(ObservationSpanRow.resource), select(ResultSpanRow.resource))
    return _count(session.execute(delete(ResourceRow).where(ResourceRow.id.not_in(cited.scalar_subquery()))))


def _count(result: Result[Any]) -> int:
    """The rows a DELETE or UPDATE touched."""
    return int(getattr(result, "rowcount", 0) or 0)


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers
        return "unknown"
