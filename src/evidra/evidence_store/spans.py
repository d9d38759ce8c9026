"""Validity intervals: how a run's observations and results are stored compactly.

A run's *logical* observation and result records (the rows it seals, keyed by
`integrity.SEALED_FIELDS`) are not stored one row per run. Each distinct record is a
span: its resource (a row of `evidra_resources`), its other sealed fields, and the
first and last seq of the consecutive runs that recorded it, the last being NULL while
the span is open (the record still holds in the newest run). A run that sees a record
exactly as the previous run did writes nothing for it; a record it no longer sees has
its span closed (`last_seq` = the previous run); a new record starts an open span. The
records of run `seq` are the spans with `first_seq <= seq <= coalesce(last_seq, seq)`,
and the seal is computed over exactly those.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    ColumnElement,
    RowMapping,
    Select,
    Text,
    and_,
    func,
    insert,
    or_,
    select,
    type_coerce,
    update,
)
from sqlalchemy.orm import Session

from evidra.evidence_store.integrity import SEALED_FIELDS
from evidra.evidence_store.models import ObservationSpanRow, ResourceRow, ResultSpanRow, SpanMixin

Row = dict[str, Any]
Key = tuple[Any, ...]
_BATCH = 500  # ids per IN (...) list
_LIST_FIELDS = ("tsc", "types")  # the sealed fields that are JSON lists


@dataclass(frozen=True)
class SpanKind:
    """One kind of spanned record: its table, the sealed names of its resource's
    four identity fields, and its own sealed fields (the rest)."""

    kind: str
    table: type[SpanMixin]
    resource_fields: tuple[str, str, str, str]
    own_fields: tuple[str, ...]

    def columns(self) -> list[ColumnElement[Any]]:
        """The sealed fields as labelled columns of a span joined to its resource."""
        identity = (ResourceRow.provider, ResourceRow.scope, ResourceRow.type, ResourceRow.resource_id)
        labelled = [column.label(name) for column, name in zip(identity, self.resource_fields, strict=True)]
        return labelled + [getattr(self.table, name).label(name) for name in self.own_fields]

    def resource_of(self) -> Callable[[Key], Key]:
        """What gives the resource (its identity fields) of a `freeze` key."""
        return itemgetter(*(SEALED_FIELDS[self.kind].index(name) for name in self.resource_fields))

    def sealed_columns(self) -> list[ColumnElement[Any]]:
        """The sealed fields in `SEALED_FIELDS` order, so that a row read is a record's
        `freeze` key but for its lists, which are read as the stored JSON text (when the
        driver leaves them so) for `Freezer` to decode once per distinct value."""
        by_name = {column.name: column for column in self.columns()}
        return [
            type_coerce(getattr(self.table, name), Text).label(name)
            if name in _LIST_FIELDS
            else by_name[name]
            for name in SEALED_FIELDS[self.kind]
        ]


SPAN_KINDS: dict[str, SpanKind] = {
    "observation": SpanKind(
        "observation",
        ObservationSpanRow,
        ("provider", "scope", "type", "resource_id"),
        ("name", "snapshot_hash", "provenance_hash"),
    ),
    "result": SpanKind(
        "result",
        ResultSpanRow,
        ("provider", "scope", "resource_type", "resource_id"),
        ("control", "requirement", "tsc", "status", "reason", "evidence"),
    ),
}
assert all(set(k.resource_fields + k.own_fields) == set(SEALED_FIELDS[k.kind]) for k in SPAN_KINDS.values())


_GETTERS = {kind: itemgetter(*fields) for kind, fields in SEALED_FIELDS.items()}
_LIST_POSITIONS = {
    kind: [i for i, name in enumerate(fields) if name in _LIST_FIELDS]
    for kind, fields in SEALED_FIELDS.items()
}


def freeze(kind: str, row: Mapping[str, Any] | RowMapping) -> Key:
    """A record as a hashable value: two records are the same iff their keys are.
    (On the hot path of every run: tens of thousands of calls.)"""
    values: Key = _GETTERS[kind](row)
    if _LIST_POSITIONS[kind]:
        mutable = list(values)
        for position in _LIST_POSITIONS[kind]:
            mutable[position] = tuple(mutable[position])
        values = tuple(mutable)
    return values


def thaw(kind: str, key: Key) -> Row:
    """The record a `freeze` key was made from (its lists as lists)."""
    row = dict(zip(SEALED_FIELDS[kind], key, strict=True))
    for position in _LIST_POSITIONS[kind]:
        name = SEALED_FIELDS[kind][position]
        row[name] = list(row[name])
    return row


class Freezer:
    """Turns rows of `SpanKind.sealed_columns` into `freeze` keys. Their few distinct
    lists (a result's TSC criteria) are decoded once each, not once per row: JSON
    decoding was a third of reading a run's results back."""

    def __init__(self, kind: str) -> None:
        self._positions = _LIST_POSITIONS[kind]
        self._decoded: dict[str, tuple[Any, ...]] = {}

    def __call__(self, row: Sequence[Any]) -> Key:
        if not self._positions:
            return tuple(row)
        values = list(row)
        for position in self._positions:
            value = values[position]
            if isinstance(value, str):  # SQLite: the JSON text; psycopg decodes it itself
                decoded = self._decoded.get(value)
                if decoded is None:
                    decoded = self._decoded[value] = tuple(json.loads(value))
                values[position] = decoded
            elif value is not None:  # None: a resource without a span (outer join)
                values[position] = tuple(value)
        return tuple(values)


def batches(items: Sequence[Any], size: int = _BATCH) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def covering(table: type[SpanMixin], seq: int) -> ColumnElement[bool]:
    return and_(table.first_seq <= seq, or_(table.last_seq.is_(None), table.last_seq >= seq))


def load_run_records(session: Session, kind: str, seq: int) -> list[Row]:
    """The logical records of run `seq`, ordered by when each was first stored."""
    return list(iter_run_records(session, kind, seq))


def iter_run_records(session: Session, kind: str, seq: int) -> Iterator[Row]:
    """As `load_run_records`, a row at a time."""
    spec = SPAN_KINDS[kind]
    query = _run_spans(spec, spec.columns(), seq).order_by(spec.table.id)
    for row in session.connection().execute(query):
        yield dict(row._mapping)


def iter_run_keys(session: Session, kind: str, seq: int) -> Iterator[Key]:
    """As `iter_run_records`, each record as its `freeze` key (cheaper: no dicts)."""
    spec = SPAN_KINDS[kind]
    return map(Freezer(kind), session.connection().execute(_run_spans(spec, spec.sealed_columns(), seq)))


def _run_spans(spec: SpanKind, columns: Sequence[ColumnElement[Any]], seq: int) -> Select[Any]:
    """`columns` of the spans run `seq` holds, joined to their resources."""
    return (
        select(*columns)
        .join(ResourceRow, ResourceRow.id == spec.table.resource)
        .where(covering(spec.table, seq))
    )


@dataclass
class SpanPlan:
    """How one kind of a run's records will be written, decided against the spans
    the previous run left open: which it extends, which end, which records are new."""

    kind: str
    extended: int = 0
    ended: list[int] = field(default_factory=list)
    fresh: list[Row] = field(default_factory=list)
    resources: dict[Key, int] = field(default_factory=dict)  # known resource ids
    # The records of the spans that end, by resource: what a changed resource was.
    ended_records: dict[Key, Row] = field(default_factory=dict)

    def resource_key(self, row: Row) -> Key:
        return tuple(row[name] for name in SPAN_KINDS[self.kind].resource_fields)


def match_run_records(session: Session, kind: str, keys: list[Key], previous_seq: int | None) -> SpanPlan:
    """Match one partition of a run's records (every record of its resources), as
    `freeze` keys, against the spans the previous run left open for those resources."""
    spec = SPAN_KINDS[kind]
    table = spec.table
    plan = SpanPlan(kind)
    resource_key = spec.resource_of()
    open_spans: dict[Key, list[int]] = {}
    open_keys: dict[int, Key] = {}
    if previous_seq is not None and keys:
        wanted = {resource_key(key) for key in keys}
        frozen = Freezer(kind)
        # Each resource with the spans it has open, in one query: which resources are
        # known (and their ids) comes with it.
        for batch in batches(sorted({resource[3] for resource in wanted})):
            query = (
                select(ResourceRow.id, table.id, *spec.sealed_columns())
                .select_from(ResourceRow)
                .outerjoin(table, and_(table.resource == ResourceRow.id, _still_open(table)))
                .where(ResourceRow.resource_id.in_(batch))
            )
            for row in session.connection().execute(query):  # Core: no ORM overhead per row
                key = frozen(row[2:])
                resource = resource_key(key)
                if resource not in wanted:
                    continue  # the same id in another provider, scope or type
                plan.resources[resource] = row[0]
                if row[1] is not None:
                    open_spans.setdefault(key, []).append(row[1])
                    open_keys[row[1]] = key
    for key in keys:
        ids = open_spans.get(key)
        if ids:
            ids.pop()
            plan.extended += 1
        else:
            plan.fresh.append(thaw(kind, key))
    plan.ended = [span_id for ids in open_spans.values() for span_id in ids]
    for span_id in plan.ended:
        ended = open_keys[span_id]
        plan.ended_records[resource_key(ended)] = thaw(kind, ended)
    return plan


def _still_open(table: type[SpanMixin]) -> ColumnElement[bool]:
    """`last_seq IS NULL`, written so that no index can serve it (seqs start at 1).
    Looking a batch of resources up, SQLite's planner (no statistics) would otherwise
    walk every open span through the `last_seq` index once per batch: quadratic, 6 s
    of a 51,293-finding run's 18 s (bench/README.md, vulnerability findings)."""
    return func.coalesce(table.last_seq, 0) == 0


def close_vanished(
    session: Session, kind: str, seen: set[int], seq: int, previous_seq: int | None, extended: int
) -> None:
    """End (at `previous_seq`) the open spans of resources this run recorded nothing
    for: the partitions only looked at the resources they held. `extended`: how many
    open spans the partitions kept open; every other span still open from before this
    run is of a resource it did not see, so when the counts agree there is none."""
    if previous_seq is None:
        return
    table = SPAN_KINDS[kind].table
    still_open = and_(table.last_seq.is_(None), table.first_seq < seq)
    if session.connection().execute(select(func.count()).where(still_open)).scalar_one() == extended:
        return
    query = select(table.id, table.resource).where(still_open)
    vanished = [span.id for span in session.connection().execute(query) if span.resource not in seen]
    for batch in batches(vanished):
        session.execute(update(table).where(table.id.in_(batch)).values(last_seq=previous_seq))


def write_run_records(session: Session, plan: SpanPlan, seq: int, previous_seq: int | None) -> None:
    """Close the open spans this run did not see (at `previous_seq`), and open spans for
    its new records. The spans it saw again stay open: nothing is written for them."""
    spec = SPAN_KINDS[plan.kind]
    table = spec.table
    for batch in batches(plan.ended):
        session.execute(update(table).where(table.id.in_(batch)).values(last_seq=previous_seq))
    if plan.fresh:
        identity = _resource_ids(session, spec, plan.fresh, plan.resources)
        session.execute(
            insert(table),
            [
                {
                    "resource": identity[tuple(row[name] for name in spec.resource_fields)],
                    "first_seq": seq,
                    "last_seq": None,
                    **{name: row[name] for name in spec.own_fields},
                }
                for row in plan.fresh
            ],
        )


def _resource_ids(
    session: Session, spec: SpanKind, rows: Iterable[Row], known: dict[Key, int]
) -> dict[Key, int]:
    """The `evidra_resources` id of each row's resource, inserting those never seen."""
    wanted = {tuple(row[name] for name in spec.resource_fields) for row in rows}
    missing = sorted(wanted - known.keys())
    found = dict(known)
    found.update(_lookup(session, missing))
    new = [key for key in missing if key not in found]
    if new:
        session.execute(
            insert(ResourceRow),
            [dict(zip(("provider", "scope", "type", "resource_id"), key, strict=True)) for key in new],
        )
        found.update(_lookup(session, new))
    return found


def _lookup(session: Session, keys: list[Key]) -> dict[Key, int]:
    found: dict[Key, int] = {}
    for batch in batches(sorted({key[3] for key in keys})):
        query = select(
            ResourceRow.id, ResourceRow.provider, ResourceRow.scope, ResourceRow.type, ResourceRow.resource_id
        ).where(ResourceRow.resource_id.in_(batch))
        for row in session.connection().execute(query):
            found[(row.provider, row.scope, row.type, row.resource_id)] = row.id
    wanted = set(keys)
    return {key: value for key, value in found.items() if key in wanted}
