"""Manual evidence: files a person adds for a requirement (a policy signed, a review
done), kept outside the run chain: no run collected them. Each file is stored once by
its SHA-256; who added which to which requirement, when and for which period is a row
of its own. Packages list, hash and sign them; retention does not touch them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from evidra.evidence_store.database import Part, StoreError
from evidra.evidence_store.integrity import snapshot_hash
from evidra.evidence_store.models import ManualEvidenceRow, ManualFileRow, as_utc
from evidra.model import utcnow


@dataclass(frozen=True, slots=True)
class ManualItem:
    """One piece of manual evidence, without the file's bytes (`file` is their hash).
    `date` is the day it is about (by default the day it was added)."""

    id: int
    requirement: str
    file: str
    file_name: str
    note: str | None
    period_start: date | None
    period_end: date | None
    added_by: str
    added_at: datetime
    date: date

    @classmethod
    def from_row(cls, row: ManualEvidenceRow) -> ManualItem:
        added = as_utc(row.added_at)
        return cls(
            id=row.id,
            requirement=row.requirement,
            file=row.file_hash,
            file_name=row.file_name,
            note=row.note,
            period_start=row.period_start,
            period_end=row.period_end,
            added_by=row.added_by,
            added_at=added,
            date=row.evidence_date or added.date(),
        )

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


class ManualEvidence(Part):
    def add(
        self,
        requirement: str,
        file_name: str,
        content: bytes,
        *,
        added_by: str,
        note: str | None = None,
        period: tuple[date, date] | None = None,
        added_at: datetime | None = None,
        evidence_date: date | None = None,
    ) -> ManualItem:
        """Keep a file as manual evidence of `requirement` (stored once by its SHA-256).
        `evidence_date` is the day it is about (default: the day it is added)."""
        key = snapshot_hash(content)
        added = as_utc(added_at or utcnow())
        row = ManualEvidenceRow(
            requirement=requirement,
            file_hash=key,
            file_name=file_name,
            note=note,
            period_start=period[0] if period else None,
            period_end=period[1] if period else None,
            added_by=added_by,
            added_at=added,
            evidence_date=evidence_date or added.date(),
        )
        try:
            with Session(self._writer) as session, session.begin():
                if session.get(ManualFileRow, key) is None:
                    session.add(ManualFileRow(hash=key, body=content, size=len(content)))
                    session.flush()
                session.add(row)
                session.flush()
                return ManualItem.from_row(row)
        except SQLAlchemyError as exc:
            raise self._error("the evidence was not stored", exc) from exc

    def items(self) -> list[ManualItem]:
        """Every piece of manual evidence, oldest first."""
        with self._read() as session:
            query = select(ManualEvidenceRow).order_by(ManualEvidenceRow.id)
            return [ManualItem.from_row(row) for row in session.scalars(query)]

    def file(self, key: str) -> bytes:
        """A manual evidence file's bytes, checked against its hash."""
        with self._read() as session:
            row = session.get(ManualFileRow, key)
            if row is None:
                raise KeyError(key)
            body = bytes(row.body)
        if snapshot_hash(body) != key:
            raise StoreError(f"manual evidence file {key} no longer matches its hash (content altered)")
        return body
