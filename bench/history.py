"""A year of runs written as the store would have written it, at the cost of its changes.

`EvidenceStore.record_run` serialises and matches every record of every run: a year
of 10,000 resources takes 9 minutes on a quiet machine and hours on the shared one,
which is the store's cost (bench_store.py measures it), not the package's. This
writes the same history in one pass: each run's *changed* records are planned by the
store's own `plan_run` (the same record dicts, snapshot bodies and leaves as a collect
gives), then every span is written once with its final first and last run, each
snapshot once (delta-compressed against the resource's previous one, as the store
does), each run's scope records, and each run sealed: its Merkle root over all the
records it holds (every resource's current observation and result, its scope records,
its metadata), chained to the previous digest. `EvidenceStore.verify()` afterwards
recomputes every seal from the database, as for any store: the proof that the history
is one the store itself could have written.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from evidra.evidence_store import snapshots
from evidra.evidence_store.database import create_store_engine, parse_url
from evidra.evidence_store.integrity import chain_digest, leaf, run_root, section_roots
from evidra.evidence_store.models import (
    ObservationSpanRow,
    ResourceRow,
    ResultSpanRow,
    RunRow,
    ScopeRecordRow,
    as_utc,
)
from evidra.evidence_store.records import plan_run, run_metadata
from evidra.evidence_store.store import EvidenceStore

_IDENTITY = {
    "observation": ("provider", "scope", "type", "resource_id"),
    "result": ("provider", "scope", "resource_type", "resource_id"),
}
_OWN = {
    "observation": ("name", "snapshot_hash", "provenance_hash"),
    "result": ("control", "requirement", "tsc", "status", "reason", "evidence"),
}


class _Span:
    __slots__ = ("first_seq", "last_seq", "leaf", "record")

    def __init__(self, first_seq: int, record: dict[str, Any], digest: str) -> None:
        self.first_seq, self.last_seq, self.record, self.leaf = first_seq, None, record, digest


def fill_fast(url: str, estate: Any, runs: int) -> None:
    """`estate`: bench_store.Estate (its `change()` and `run(day)`); an empty store."""
    started = time.perf_counter()
    with EvidenceStore.open(url) as store:  # creates the schema
        if store.runs():
            raise SystemExit(f"{url} already holds runs: the fast fill writes a history from the start")
    engine = create_store_engine(parse_url(url))
    current: dict[str, dict[Any, _Span]] = {"observation": {}, "result": {}}
    spans: dict[str, list[_Span]] = {"observation": [], "result": []}
    previous_digest: str | None = None
    with Session(engine) as session, session.begin():
        previous_obs: dict[Any, str] = {}  # resource -> its last snapshot (a delta's base)
        for day in range(runs):
            run = estate.run(day, only=estate.changed if day else None)
            plan = plan_run(run.parameters, run.collection, run.results)
            snapshots.insert(session, plan.snapshots.only([plan.parameters_hash]), {})
            seq = day + 1
            fresh: list[str] = []
            base: dict[str, str] = {}
            for kind in ("observation", "result"):
                for row in _rows(plan, kind):
                    key = tuple(row[name] for name in _IDENTITY[kind])
                    old = current[kind].pop(key, None)
                    if old is not None and _same(kind, old.record, row):
                        current[kind][key] = old  # unchanged after all: the span goes on
                        continue
                    if old is not None:
                        old.last_seq = seq - 1
                    span = _Span(seq, row, leaf(kind, row))
                    current[kind][key] = span
                    spans[kind].append(span)
                    if kind == "observation":
                        fresh += [row["snapshot_hash"], row["provenance_hash"]]
                        if key in previous_obs and previous_obs[key] != row["snapshot_hash"]:
                            base[row["snapshot_hash"]] = previous_obs[key]
                        previous_obs[key] = row["snapshot_hash"]
            for gone in estate.removed if day else ():  # vanished: its spans end at the run before
                for kind in _IDENTITY:
                    current[kind].pop((gone.provider, gone.scope, gone.type, gone.id)).last_seq = seq - 1
            snapshots.insert(session, plan.snapshots.only(sorted(set(fresh))), base)
            scopes = plan.small["scope"]
            row = RunRow(
                id=run.id,
                seq=seq,
                started_at=as_utc(run.started_at),
                finished_at=as_utc(run.finished_at),
                tool_version=run.tool_version,
                parameters_hash=plan.parameters_hash,
                previous_digest=previous_digest,
                observation_count=len(current["observation"]),
                scope_count=len(scopes),
                error_count=0,
                result_count=len(current["result"]),
            )
            leaves = {
                "observation": [span.leaf for span in current["observation"].values()],
                "scope": plan.leaves["scope"],
                "scope_error": [],
                "result": [span.leaf for span in current["result"].values()],
                "run": [leaf("run", run_metadata(row))],
            }
            row.merkle_root = run_root(leaves)
            row.section_roots = section_roots(leaves)
            row.digest = previous_digest = chain_digest(row.previous_digest, row.merkle_root, row.id, seq)
            session.add(row)
            session.flush()
            session.execute(insert(ScopeRecordRow), [{**scope, "run_id": run.id} for scope in scopes])
            estate.change()
            if seq % 30 == 0:
                print(f"planned and sealed {seq} runs ({time.perf_counter() - started:.0f} s)", flush=True)
        _write_spans(session, spans)
    engine.dispose()
    print(f"wrote {runs} runs in {time.perf_counter() - started:.0f} s", flush=True)


def _rows(plan: Any, kind: str) -> Iterator[dict[str, Any]]:
    yield from plan.rows(kind)  # the store's own records, as dicts


def _same(kind: str, a: dict[str, Any], b: dict[str, Any]) -> bool:
    return all(a[name] == b[name] for name in _OWN[kind])


def _write_spans(session: Session, spans: dict[str, list[_Span]]) -> None:
    """Every span once, with its final first and last run (the store writes the same
    rows, a run at a time: opened when first seen, closed by the first run without it)."""
    keys = sorted({tuple(s.record[n] for n in _IDENTITY[kind]) for kind in spans for s in spans[kind]})
    session.execute(
        insert(ResourceRow),
        [dict(zip(("provider", "scope", "type", "resource_id"), key, strict=True)) for key in keys],
    )
    ids = {
        (row.provider, row.scope, row.type, row.resource_id): row.id
        for row in session.query(
            ResourceRow.id, ResourceRow.provider, ResourceRow.scope, ResourceRow.type, ResourceRow.resource_id
        )
    }
    for kind, table in (("observation", ObservationSpanRow), ("result", ResultSpanRow)):
        rows = [
            {
                "resource": ids[tuple(span.record[n] for n in _IDENTITY[kind])],
                "first_seq": span.first_seq,
                "last_seq": span.last_seq,
                **{name: span.record[name] for name in _OWN[kind]},
            }
            for span in sorted(spans[kind], key=lambda span: span.first_seq)
        ]
        for start in range(0, len(rows), 5000):
            session.execute(insert(table), rows[start : start + 5000])
