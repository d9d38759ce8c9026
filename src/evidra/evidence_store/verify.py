"""Recomputing seals from what the database holds, and saying what no longer matches.

Runs are checked in chain order; for each: its records against its Merkle root, its
place in the chain, the snapshots it cites, and its seal. The first mismatch ends the
check with a sentence naming the run.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from evidra.evidence_store.integrity import (
    KIND_NAMES,
    SEALED_FIELDS,
    chain_digest,
    leaf,
    run_root,
    section_roots,
    snapshot_hash,
)
from evidra.evidence_store.models import RunRow, SnapshotRow
from evidra.evidence_store.records import COUNT_COLUMNS, Row, load_records, run_metadata

_SNAPSHOT_BATCH = 500  # hashes per IN (...) query


@dataclass(frozen=True)
class VerifyReport:
    """`ok` when every run matched its seal and the chain is whole. Otherwise `problem`
    is a sentence naming the first run that does not match (`run_id`, `seq`), and
    `runs_checked` counts the runs examined up to and including it."""

    ok: bool
    runs_checked: int
    snapshots_checked: int = 0
    problem: str | None = None
    run_id: str | None = None
    seq: int | None = None


def verify_store(session: Session) -> VerifyReport:
    runs = session.scalars(select(RunRow).order_by(RunRow.seq)).all()
    verified: set[str] = set()
    previous: RunRow | None = None
    for checked, run in enumerate(runs, start=1):
        records = load_records(session, run.id)
        problem = (
            chain_problem(run, previous)
            or records_problem(run, records)
            or snapshots_problem(session, cited_snapshots(run, records), verified)
            or seal_problem(run)
        )
        if problem:
            return VerifyReport(
                ok=False,
                runs_checked=checked,
                snapshots_checked=len(verified),
                problem=f"run {run.id} (seq {run.seq}): {problem}",
                run_id=run.id,
                seq=run.seq,
            )
        previous = run
    return VerifyReport(ok=True, runs_checked=len(runs), snapshots_checked=len(verified))


def chain_problem(run: RunRow, previous: RunRow | None) -> str | None:
    expected_seq = previous.seq + 1 if previous else 1
    if run.seq != expected_seq:
        return f"the run before it (seq {expected_seq}) is missing"
    expected = previous.digest if previous else None
    if run.previous_digest != expected:
        return f"its link to the previous run is broken (recorded {run.previous_digest}, expected {expected})"
    return None


def record_leaves(run: RunRow, records: dict[str, list[Row]]) -> dict[str, list[str]]:
    leaves = {kind: [leaf(kind, row) for row in rows] for kind, rows in records.items()}
    leaves["run"] = [leaf("run", run_metadata(run))]
    return leaves


def records_problem(run: RunRow, records: dict[str, list[Row]]) -> str | None:
    leaves = record_leaves(run, records)
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


def cited_snapshots(run: RunRow, records: dict[str, list[Row]]) -> set[str]:
    cited = {run.parameters_hash}
    for row in records["observation"]:
        cited.update((row["snapshot_hash"], row["provenance_hash"]))
    cited.update(row["evidence"] for row in records["result"] if row["evidence"])
    return cited


def snapshots_problem(session: Session, cited: set[str], verified: set[str]) -> str | None:
    """Check each cited snapshot not verified yet; add the good ones to `verified`."""
    pending = sorted(cited - verified)
    for batch in _batches(pending, _SNAPSHOT_BATCH):
        query = select(SnapshotRow.hash, SnapshotRow.body).where(SnapshotRow.hash.in_(batch))
        found = {row.hash: row.body for row in session.execute(query)}
        for key in batch:
            if key not in found:
                return f"snapshot {key} it cites is missing"
            if snapshot_hash(found[key]) != key:
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


def run_problem(session: Session, run: RunRow, previous: RunRow | None) -> str | None:
    """Everything `verify` checks for one run, except the snapshots' content."""
    records = load_records(session, run.id)
    return chain_problem(run, previous) or records_problem(run, records) or seal_problem(run)
