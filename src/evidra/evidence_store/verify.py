"""Recomputing seals from what the database holds, and saying what no longer matches.

Runs are checked in chain order; for each: its records against its Merkle root, its
place in the chain, the snapshots it cites, and its seal. The first mismatch ends the
check with a sentence naming the run.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from operator import itemgetter

from sqlalchemy import select
from sqlalchemy.orm import Session

from evidra.evidence_store import snapshots
from evidra.evidence_store.integrity import (
    KIND_NAMES,
    SEALED_FIELDS,
    chain_digest,
    leaf,
    run_root,
    sealed_leaf,
    section_roots,
    snapshot_hash,
)
from evidra.evidence_store.models import EventRow, ResourceRow, RunRow
from evidra.evidence_store.records import (
    COUNT_COLUMNS,
    RECORD_KINDS,
    RUN_TABLES,
    Row,
    fingerprint,
    fingerprint_keys,
    load_records,
    load_run_rows,
    run_metadata,
)
from evidra.evidence_store.spans import SPAN_KINDS, iter_run_keys

_SNAPSHOT_BATCH = 500  # hashes per IN (...) query


@dataclass(frozen=True)
class VerifyReport:
    """`ok` when every run matched its seal and the chain is whole. Otherwise `problem`
    is a sentence naming the first run that does not match (`run_id`, `seq`), and
    `runs_checked` counts the runs examined up to and including it. `anchored_at` is
    the seq of the first kept run when older runs were pruned (its link to the pruned
    past was checked against the digest the prune recorded)."""

    ok: bool
    runs_checked: int
    snapshots_checked: int = 0
    problem: str | None = None
    run_id: str | None = None
    seq: int | None = None
    anchored_at: int | None = None


@dataclass
class _Span:
    last_seq: int | None  # None: open
    record: Row
    leaf: str
    sealed: bytes  # what `leaf` hashes


class SpanWalker:
    """Walks one kind of spans in seq order, so that each span is read and hashed once
    however many runs it covers (a year of daily runs re-reads nothing). The spans are
    read as walked, not all at once: a year's 600,000 spans held as rows cost ~1 GiB."""

    def __init__(self, session: Session, kind: str) -> None:
        spec = SPAN_KINDS[kind]
        query = (
            select(spec.table.id, spec.table.first_seq, spec.table.last_seq, *spec.columns())
            .join(ResourceRow, ResourceRow.id == spec.table.resource)
            .order_by(spec.table.first_seq, spec.table.id)
        )
        self.kind = kind
        self._rows = iter(session.connection().execute(query))
        self._next = next(self._rows, None)
        # The sealed fields by place (after id, first_seq, last_seq): a Row read by name costs more.
        names = [column.name for column in spec.columns()]
        self._fields = SEALED_FIELDS[kind]
        self._values = itemgetter(*(3 + names.index(name) for name in self._fields))
        self._active: dict[int, _Span] = {}
        self._ends: list[tuple[int, int]] = []

    def at(self, seq: int) -> tuple[list[_Span], list[Row]]:
        """The spans covering `seq`, and the records that entered since the last call."""
        entered, _ = self.advance(seq)
        return list(self._active.values()), [span.record for span in entered]

    def advance(self, seq: int) -> tuple[list[_Span], list[_Span]]:
        """Move to `seq`: the spans that cover it and did not cover the seq of the last
        call, and those that covered that one and not this one."""
        entered: list[_Span] = []
        fields, values, rows = self._fields, self._values, self._rows
        while self._next is not None and self._next[1] <= seq:
            span, self._next = self._next, next(rows, None)
            span_id, _, last_seq = span[0], span[1], span[2]
            if last_seq is not None and last_seq < seq:
                continue  # covers no run that is still stored
            record = dict(zip(fields, values(span), strict=True))
            self._active[span_id] = walked = _Span(last_seq, record, *sealed_leaf(self.kind, record))
            if last_seq is not None:
                heapq.heappush(self._ends, (last_seq, span_id))
            entered.append(walked)
        left = []
        while self._ends and self._ends[0][0] < seq:
            left.append(self._active.pop(heapq.heappop(self._ends)[1]))
        return entered, left

    def beyond(self, last_seq: int) -> int:
        """How many spans claim runs after `last_seq` (call once walked there)."""
        unread = sum(1 for _ in self._rows) + (self._next is not None)
        self._next = None
        return unread + sum(
            1 for span in self._active.values() if span.last_seq is not None and span.last_seq > last_seq
        )


def _prune_anchors(session: Session) -> dict[int, str | None]:
    """The seq of each first kept run after a prune, with the digest its predecessor had."""
    anchors: dict[int, str | None] = {}
    for detail in session.scalars(select(EventRow.detail).where(EventRow.action == "prune")):
        kept = detail.get("first_kept") or {}
        if isinstance(kept.get("seq"), int):
            anchors[kept["seq"]] = kept.get("previous_digest")
    return anchors


def verify_store(session: Session) -> VerifyReport:
    runs = session.scalars(select(RunRow).order_by(RunRow.seq)).all()
    walkers = [SpanWalker(session, kind) for kind in SPAN_KINDS]
    anchors = _prune_anchors(session)
    anchored_at = runs[0].seq if runs and runs[0].seq in anchors else None
    verified: set[str] = set()
    previous: RunRow | None = None

    def failed(checked: int, run: RunRow, problem: str) -> VerifyReport:
        return VerifyReport(
            ok=False,
            runs_checked=checked,
            snapshots_checked=len(verified),
            problem=f"run {run.id} (seq {run.seq}): {problem}",
            run_id=run.id,
            seq=run.seq,
            anchored_at=anchored_at,
        )

    for checked, run in enumerate(runs, start=1):
        records: dict[str, list[Row]] = {}
        leaves: dict[str, list[str]] = {}
        cited = {run.parameters_hash}
        for walker in walkers:
            spans, entered = walker.at(run.seq)
            records[walker.kind] = [span.record for span in spans]
            leaves[walker.kind] = [span.leaf for span in spans]
            cited.update(_citations(entered))
        for kind, table in RUN_TABLES.items():
            records[kind] = load_run_rows(session, kind, table, run.id)
            leaves[kind] = [leaf(kind, row) for row in records[kind]]
        leaves["run"] = [leaf("run", run_metadata(run))]
        anchor = anchors[run.seq] if previous is None and anchored_at else _NO_ANCHOR
        problem = (
            chain_problem(run, previous, anchor)
            or records_problem(run, records, leaves)
            or snapshots_problem(session, cited, verified)
            or seal_problem(run)
        )
        if problem:
            return failed(checked, run, problem)
        previous = run
    if runs:
        beyond = sum(walker.beyond(runs[-1].seq) for walker in walkers)
        if beyond:
            return failed(
                len(runs), runs[-1], f"{beyond} record(s) claim runs after it, which do not exist (altered)"
            )
    return VerifyReport(
        ok=True, runs_checked=len(runs), snapshots_checked=len(verified), anchored_at=anchored_at
    )


_NO_ANCHOR = "none"


def chain_problem(run: RunRow, previous: RunRow | None, anchor: str | None = _NO_ANCHOR) -> str | None:
    """`anchor`: for the first kept run after a prune, the digest its pruned
    predecessor had (recorded by the prune)."""
    if previous is None and anchor != _NO_ANCHOR:
        expected_seq, expected = run.seq, anchor
    else:
        expected_seq = previous.seq + 1 if previous else 1
        expected = previous.digest if previous else None
    if run.seq != expected_seq:
        return f"the run before it (seq {expected_seq}) is missing"
    if run.previous_digest != expected:
        return f"its link to the previous run is broken (recorded {run.previous_digest}, expected {expected})"
    return None


def record_leaves(run: RunRow, records: dict[str, list[Row]]) -> dict[str, list[str]]:
    leaves = {kind: [leaf(kind, row) for row in rows] for kind, rows in records.items()}
    leaves["run"] = [leaf("run", run_metadata(run))]
    return leaves


def records_problem(
    run: RunRow, records: dict[str, list[Row]], leaves: dict[str, list[str]] | None = None
) -> str | None:
    leaves = leaves or record_leaves(run, records)
    root = run_root(leaves)
    sections = section_roots(leaves)
    recorded = run.section_roots or {}
    changed = [kind for kind in SEALED_FIELDS if sections[kind] != recorded.get(kind)]
    if root == run.merkle_root:
        if changed:
            return "its diagnostic section roots were altered (the seal itself holds)"
        return None
    if not changed:
        return "its recorded Merkle root was altered"
    return "; ".join(_changed_since_sealing(kind, run, records) for kind in changed)


def _changed_since_sealing(kind: str, run: RunRow, records: dict[str, list[Row]]) -> str:
    text = f"{KIND_NAMES[kind]} changed since sealing"
    if kind in COUNT_COLUMNS:
        sealed, found = getattr(run, COUNT_COLUMNS[kind]), len(records[kind])
        if sealed != found:
            text += f" ({sealed} sealed, {found} found)"
    return text


def _citations(records: list[Row]) -> set[str]:
    """The snapshots records cite (observations: state and provenance; results: evidence)."""
    cited: set[str] = set()
    for row in records:
        cited.update(row[name] for name in ("snapshot_hash", "provenance_hash", "evidence") if row.get(name))
    return cited


def snapshots_problem(session: Session, cited: set[str], verified: set[str]) -> str | None:
    """Check each cited snapshot not verified yet; add the good ones to `verified`."""
    pending = sorted(cited - verified)
    for batch in _batches(pending, _SNAPSHOT_BATCH):
        found = snapshots.read(session, batch)
        for key in batch:
            if key not in found:
                return f"snapshot {key} it cites is missing"
            body = found[key]
            if body is None or snapshot_hash(body) != key:
                return f"snapshot {key} it cites no longer matches its hash (content altered)"
            verified.add(key)
    return None


def seal_problem(run: RunRow) -> str | None:
    if chain_digest(run.previous_digest, run.merkle_root, run.id, run.seq) != run.digest:
        return "its seal (digest) was altered"
    return None


def _batches(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def written_problem(
    session: Session, run: RunRow, previous: RunRow | None, sealed: dict[str, tuple[int, int]]
) -> str | None:
    """The run as the database now holds it, against the records its seal was computed
    over (before commit): the records read back, a row at a time, must have the same
    fingerprint (count and sum of record hashes) as those sealed. As strict as
    rehashing them for a faulty write, much cheaper, and nothing of the run is held."""
    for kind in RECORD_KINDS:
        if kind in SPAN_KINDS:
            found = fingerprint_keys(iter_run_keys(session, kind, run.seq))
        else:
            found = fingerprint(kind, load_run_rows(session, kind, RUN_TABLES[kind], run.id))
        if found != sealed[kind]:
            return f"{KIND_NAMES[kind]} read back differ from those sealed"
    return chain_problem(run, previous) or seal_problem(run)


def run_problem(
    session: Session, run: RunRow, previous: RunRow | None, anchor: str | None = _NO_ANCHOR
) -> str | None:
    """Everything `verify` checks for one run, except the snapshots' content."""
    records = load_records(session, run)
    return chain_problem(run, previous, anchor) or records_problem(run, records) or seal_problem(run)


def sealed_records(session: Session, seqs: set[int]) -> Iterator[tuple[RunRow, list[tuple[str, Row, str]]]]:
    """For each stored run whose seq is in `seqs`, in seq order: every record its seal
    covers, as (kind, record, leaf digest). Each span is read and hashed once."""
    walkers = [SpanWalker(session, kind) for kind in SPAN_KINDS]
    runs = session.scalars(select(RunRow).where(RunRow.seq.in_(sorted(seqs))).order_by(RunRow.seq)).all()
    for run in runs:
        items: list[tuple[str, Row, str]] = []
        for walker in walkers:
            spans, _ = walker.at(run.seq)
            items.extend((walker.kind, span.record, span.leaf) for span in spans)
        for kind, table in RUN_TABLES.items():
            items.extend((kind, row, leaf(kind, row)) for row in load_run_rows(session, kind, table, run.id))
        metadata = run_metadata(run)
        items.append(("run", metadata, leaf("run", metadata)))
        yield run, items


Item = tuple[str, Row, str, bytes]  # kind, record, leaf digest, the bytes it hashes


def sealed_changes(
    session: Session, seqs: set[int]
) -> Iterator[tuple[RunRow, list[Item], list[Item], list[Item]]]:
    """`sealed_records` as changes, for walking many runs at the cost of their changes:
    for each stored run of `seqs` in seq order, the spanned records (observations,
    results) it holds and the run before it in `seqs` did not, those that run held and
    it does not, and its own records (scope records, scope errors, its metadata). The
    run's records are the first run's entered ones, plus each later run's entered, less
    its left, plus its own. Each comes with the bytes its leaf hashes, which the
    package's proofs show as they are (a year's are half a million records)."""
    walkers = [SpanWalker(session, kind) for kind in SPAN_KINDS]
    runs = session.scalars(select(RunRow).where(RunRow.seq.in_(sorted(seqs))).order_by(RunRow.seq)).all()
    for run in runs:
        entered: list[Item] = []
        left: list[Item] = []
        for walker in walkers:
            new, gone = walker.advance(run.seq)
            entered += [(walker.kind, span.record, span.leaf, span.sealed) for span in new]
            left += [(walker.kind, span.record, span.leaf, span.sealed) for span in gone]
        own = [
            (kind, row, *sealed_leaf(kind, row))
            for kind, table in RUN_TABLES.items()
            for row in load_run_rows(session, kind, table, run.id)
        ]
        metadata = run_metadata(run)
        own.append(("run", metadata, *sealed_leaf("run", metadata)))
        yield run, entered, left, own
