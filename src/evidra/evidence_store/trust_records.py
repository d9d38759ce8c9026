"""What proves a run's time and its chain head outside the database: RFC 3161 tokens
and write-once anchors (see `evidra.trust`). Both are made after a run is sealed, so
they live outside every seal; the store keeps them and says which runs lack them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from evidra.evidence_store.chain import StoredRun
from evidra.evidence_store.database import Part
from evidra.evidence_store.models import AnchorRow, RunRow, TimestampRow, as_utc


@dataclass(frozen=True, slots=True)
class TimestampRecord:
    """A run's timestamping: the token (DER TimeStampResp) once one was obtained, and
    how many requests it took or failed."""

    run_id: str
    token: bytes | None
    tsa: str | None
    gen_time: datetime | None
    obtained_at: datetime | None
    attempts: int
    last_error: str | None

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__ if name != "run_id"}


class TrustRecords(Part):
    def unstamped_runs(self, limit: int = 100, *, untried: bool = True) -> list[StoredRun]:
        """Runs without a timestamp token yet, newest first. `untried=False`: only the
        newest run and those whose request failed before (not the runs stored before
        timestamping was turned on, which a token now would only prove late)."""
        newest = select(func.max(RunRow.seq)).scalar_subquery()
        query = (
            select(RunRow)
            .outerjoin(TimestampRow, TimestampRow.run_id == RunRow.id)
            .where(TimestampRow.token.is_(None))
            .order_by(RunRow.seq.desc())
            .limit(limit)
        )
        if not untried:
            query = query.where(or_(TimestampRow.run_id.is_not(None), RunRow.seq == newest))
        with self._read() as session:
            return [StoredRun.from_row(row) for row in session.scalars(query)]

    def record_timestamp(
        self,
        run_id: str,
        *,
        at: datetime,
        token: bytes | None = None,
        tsa: str | None = None,
        gen_time: datetime | None = None,
        error: str | None = None,
    ) -> None:
        """Keep a run's token, or (`error`) count one more failed request for it. A
        token once kept is never replaced."""
        try:
            with Session(self._writer) as session, session.begin():
                row = session.get(TimestampRow, run_id)
                if row is None:
                    row = TimestampRow(run_id=run_id, attempts=0)
                    session.add(row)
                if row.token is not None:
                    return
                row.attempts += 1
                if token is not None:
                    row.token, row.tsa, row.gen_time = token, tsa, as_utc(gen_time or at)
                    row.obtained_at, row.last_error = as_utc(at), None
                else:
                    row.last_error = error
        except SQLAlchemyError as exc:
            raise self._error(f"the timestamp of run {run_id} was not kept", exc) from exc

    def timestamps(self) -> dict[str, TimestampRecord]:
        """By run id; runs never tried are absent."""
        with self._read() as session:
            return {
                row.run_id: TimestampRecord(
                    run_id=row.run_id,
                    token=bytes(row.token) if row.token is not None else None,
                    tsa=row.tsa,
                    gen_time=row.gen_time,
                    obtained_at=row.obtained_at,
                    attempts=row.attempts,
                    last_error=row.last_error,
                )
                for row in session.scalars(select(TimestampRow))
            }

    def unanchored_runs(self, limit: int = 100) -> list[StoredRun]:
        """Runs whose chain head is not written to the anchor store yet, oldest first."""
        query = (
            select(RunRow)
            .outerjoin(AnchorRow, AnchorRow.run_id == RunRow.id)
            .where(AnchorRow.run_id.is_(None))
            .order_by(RunRow.seq)
            .limit(limit)
        )
        with self._read() as session:
            return [StoredRun.from_row(row) for row in session.scalars(query)]

    def record_anchor(self, run_id: str, location: str, at: datetime) -> None:
        try:
            with Session(self._writer) as session, session.begin():
                if session.get(AnchorRow, run_id) is None:
                    session.add(AnchorRow(run_id=run_id, location=location, written_at=as_utc(at)))
        except SQLAlchemyError as exc:
            raise self._error(f"the anchor of run {run_id} was not kept", exc) from exc
