"""The records of a range of runs, for reports: one query whatever the number of runs.

Observations and results come back as spans (`spans.py`): each distinct record once,
with the first and last seq of the consecutive runs that recorded it (`last_seq` the
newest run's while it still holds). Spans reaching outside the range are not cut.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, TypeVar

from sqlalchemy import Select, String, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from evidra.evidence_store.database import Part
from evidra.evidence_store.integrity import SEALED_FIELDS
from evidra.evidence_store.models import (
    ObservationSpanRow,
    ResourceRow,
    ResultSpanRow,
    RunRow,
    ScopeErrorRow,
    ScopeRecordRow,
    as_utc,
)
from evidra.evidence_store.run_records import (
    StoredObservation,
    StoredResult,
    StoredScopeError,
    StoredScopeRecord,
    observation_values,
    result_values,
)
from evidra.evidence_store.spans import SPAN_KINDS

_IDS_PER_QUERY = 500


@dataclass(frozen=True, slots=True)
class StoredResultSpan(StoredResult):
    """A result that held unchanged in runs `first_seq`..`last_seq`."""

    first_seq: int
    last_seq: int

    @classmethod
    def from_span(cls, row: Mapping[Any, Any]) -> StoredResultSpan:
        return cls(*result_values(row), row["first_seq"], row["last_seq"])

    def as_row(self) -> dict[str, Any]:
        """The flat shape `EvidenceStore.result_spans` returns."""
        row: dict[str, Any] = {"first_seq": self.first_seq, "last_seq": self.last_seq}
        row.update((name, getattr(self, name)) for name in _RESULT_FIELDS)
        row["tsc"] = list(self.tsc)
        return row


@dataclass(frozen=True, slots=True)
class StoredObservationSpan(StoredObservation):
    """An observation that held unchanged in runs `first_seq`..`last_seq`."""

    first_seq: int
    last_seq: int

    @classmethod
    def from_span(cls, row: Mapping[Any, Any]) -> StoredObservationSpan:
        return cls(*observation_values(row), row["first_seq"], row["last_seq"])

    def as_row(self) -> dict[str, Any]:
        """The flat shape `EvidenceStore.observation_spans` returns."""
        row: dict[str, Any] = {"first_seq": self.first_seq, "last_seq": self.last_seq}
        row.update((name, getattr(self, name)) for name in _OBSERVATION_FIELDS)
        return row


_RESULT_FIELDS = tuple(StoredResult.__dataclass_fields__)
_OBSERVATION_FIELDS = tuple(StoredObservation.__dataclass_fields__)


class PeriodSpans(Part):
    """Runs `first_seq`..`last_seq` (inclusive), as spans and per-run scope rows."""

    def results(
        self, first_seq: int, last_seq: int, controls: Sequence[str] | None = None
    ) -> list[StoredResultSpan]:
        """Ordered by control, resource and first_seq; only `controls` when given."""
        table = ResultSpanRow
        with self._read() as session:
            query = (
                _span_query(session, "result")
                .where(
                    table.first_seq <= last_seq, or_(table.last_seq.is_(None), table.last_seq >= first_seq)
                )
                .order_by(table.control, table.resource, table.first_seq, table.id)
            )
            if controls is not None:
                query = query.where(table.control.in_(list(controls)))
            return _spans(session, query, StoredResultSpan)

    def observations(
        self, first_seq: int, last_seq: int, types: Sequence[str]
    ) -> list[StoredObservationSpan]:
        """The observations of the given types, ordered by resource and first_seq."""
        table = ObservationSpanRow
        with self._read() as session:
            query = (
                _span_query(session, "observation")
                .where(
                    table.first_seq <= last_seq,
                    or_(table.last_seq.is_(None), table.last_seq >= first_seq),
                    ResourceRow.type.in_(list(types)),
                )
                .order_by(table.resource, table.first_seq, table.id)
            )
            return _spans(session, query, StoredObservationSpan)

    def results_before(
        self, control: str, resource_ids: Sequence[str], before_seq: int
    ) -> list[StoredResultSpan]:
        """The spans of one control's results on the given resource ids that started
        before `before_seq`, newest first: where a failure that was already open when a
        period began really started."""
        table = ResultSpanRow
        out: list[StoredResultSpan] = []
        with self._read() as session:
            ids = list(dict.fromkeys(resource_ids))
            for start in range(0, len(ids), _IDS_PER_QUERY):
                query = _span_query(session, "result").where(
                    table.control == control,
                    table.first_seq < before_seq,
                    ResourceRow.resource_id.in_(ids[start : start + _IDS_PER_QUERY]),
                )
                out += _spans(session, query, StoredResultSpan)
        out.sort(key=lambda span: span.first_seq, reverse=True)
        return out

    def scope_records(self, first_seq: int, last_seq: int) -> list[StoredScopeRecord]:
        """Every scope each run read, in seq order."""
        query = (
            select(
                RunRow.seq,
                ScopeRecordRow.provider,
                ScopeRecordRow.scope,
                ScopeRecordRow.started_at,
                ScopeRecordRow.finished_at,
                ScopeRecordRow.error,
            )
            .join(RunRow, RunRow.id == ScopeRecordRow.run_id)
            .where(RunRow.seq.between(first_seq, last_seq))
            .order_by(RunRow.seq, ScopeRecordRow.id)
        )
        with self._read() as session:
            return [
                StoredScopeRecord(
                    row.seq,
                    row.provider,
                    row.scope,
                    as_utc(row.started_at),
                    as_utc(row.finished_at),
                    row.error,
                )
                for row in session.connection().execute(query)
            ]

    def scope_errors(self, first_seq: int, last_seq: int) -> list[StoredScopeError]:
        """The scope errors of each run, in seq order."""
        query = (
            select(RunRow.seq, *(getattr(ScopeErrorRow, name) for name in SEALED_FIELDS["scope_error"]))
            .join(RunRow, RunRow.id == ScopeErrorRow.run_id)
            .where(RunRow.seq.between(first_seq, last_seq))
            .order_by(RunRow.seq, ScopeErrorRow.id)
        )
        with self._read() as session:
            return [
                StoredScopeError(**{**row._mapping, "types": tuple(row.types)})
                for row in session.connection().execute(query)
            ]


_Span = TypeVar("_Span", StoredResultSpan, StoredObservationSpan)
_SHARED = frozenset(
    {"control", "requirement", "tsc", "status", "provider", "scope", "type", "resource_type", "resource_id"}
    | {"provenance_hash"}
)


def _spans(session: Session, query: Select[Any], cls: type[_Span]) -> list[_Span]:
    """The query's rows as `cls`, read by position 10,000 at a time (a year holds hundreds
    of thousands). The values many rows repeat (a control, a scope, a resource id) are
    kept once: one string shared by every span that has it, not one per row."""
    names = [name for name in cls.__dataclass_fields__]
    position = {column.name: n for n, column in enumerate(query.selected_columns)}
    values = itemgetter(*(position[name] for name in names))
    tsc = names.index("tsc") if "tsc" in names else None
    shared_at = [n for n, name in enumerate(names) if name in _SHARED and n != tsc]
    cursor = _cursor(session, query)
    try:
        out = _built(cursor, cls, values, shared_at, tsc)
    finally:
        cursor.close()
    return out


def _built(cursor: Any, cls: type[_Span], values: Any, shared_at: list[int], tsc: int | None) -> list[_Span]:
    """The cursor's rows as `cls`, the fields at `shared_at` kept once, the TSC lists parsed once."""
    kept: dict[Any, Any] = {}
    one = kept.setdefault
    lists: dict[Any, tuple[str, ...]] = {}  # a TSC list as read (JSON text, or a list) -> its tuple
    out: list[_Span] = []
    while rows := cursor.fetchmany(10_000):
        for row in rows:
            fields = list(values(row))
            for n in shared_at:
                fields[n] = one(fields[n], fields[n])
            if tsc is not None:
                read = fields[tsc]
                key = read if isinstance(read, str) else tuple(read)
                if key not in lists:  # the driver gives JSON text (SQLite) or a list (PostgreSQL)
                    lists[key] = tuple(json.loads(read) if isinstance(read, str) else read)
                fields[tsc] = lists[key]
            out.append(cls(*fields))
    return out


def _cursor(session: Session, query: Select[Any]) -> Any:
    """The driver's cursor on `query`, executed in the session's transaction. Spans are
    plain ints and strings that need no conversion (the TSC list is parsed in `_spans`):
    SQLAlchemy's rows cost half as much again as the driver's (0.86 s against 0.55 s for a
    year's 182,000 finding spans)."""
    connection = session.connection()
    compiled = query.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.params
    cursor = connection.connection.cursor()
    if compiled.positiontup is not None:  # SQLite's qmark style; PostgreSQL's is named
        cursor.execute(str(compiled), [params[name] for name in compiled.positiontup])
    else:
        cursor.execute(str(compiled), params)
    return cursor


def _span_query(session: Session, kind: str) -> Select[Any]:
    """A kind's spans joined to their resources, an open span's `last_seq` read as the
    newest run's."""
    spec = SPAN_KINDS[kind]
    table = spec.table
    newest = session.scalar(select(func.max(RunRow.seq))) or 0
    # TSC lists are few: read as the driver gives them and parsed once each (`_spans`).
    columns = [
        type_coerce(column.element, String).label("tsc") if column.name == "tsc" else column
        for column in spec.columns()
    ]
    return select(table.first_seq, func.coalesce(table.last_seq, newest).label("last_seq"), *columns).join(
        ResourceRow, ResourceRow.id == table.resource
    )
