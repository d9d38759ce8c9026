"""The store's parts return typed rows, and `EvidenceStore`'s older methods are exactly
those rows in their plain-dict shape (contracts change only by adding)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, timedelta

import pytest

from evidra.evidence_store.period_spans import StoredResultSpan
from evidra.evidence_store.run_records import StoredResult, StoredScopeError, StoredScopeRecord
from evidra.evidence_store.store import EvidenceStore, RunRecord
from tests.evidence_store.conftest import BUCKET, T0


def test_a_runs_records_are_typed_and_the_dicts_are_their_shape(
    store: EvidenceStore, make_run: Callable[..., RunRecord]
) -> None:
    run = make_run()
    stored = store.chain.record_run(run)

    results = store.records.results(run.id)
    assert all(isinstance(row, StoredResult) for row in results)
    assert [row.as_dict() for row in results] == store.results(run.id) == [r.to_dict() for r in run.results]
    assert [row.tsc for row in results] == [tuple(r.tsc) for r in run.results]
    with pytest.raises(dataclasses.FrozenInstanceError):
        results[0].status = "pass"  # type: ignore[misc]
    observations = store.records.observations(run.id)
    assert [o.as_dict() for o in observations] == store.observations(run.id)
    assert [o.snapshot_hash for o in observations] == [o.evidence_hash for o in run.collection.observations]
    scopes = store.records.scope_records(run.id)
    assert {s.seq for s in scopes} == {stored.seq}
    assert [s.as_dict() for s in scopes] == store.scope_records(run.id)
    errors = store.records.errors(run.id)
    assert errors == [
        StoredScopeError(
            stored.seq, "aws", "aws:123456789012:us-east-1", "s3", errors[0].message, ("storage.bucket",)
        )
    ]
    assert [e.as_dict() for e in errors] == store.errors(run.id)
    assert store.records.results("no-such-run") == []


def test_period_spans_are_typed_with_the_runs_they_held_in(
    store: EvidenceStore, make_run: Callable[..., RunRecord]
) -> None:
    first = store.chain.record_run(make_run(0))
    last = store.chain.record_run(make_run(1, bucket_encrypted=False))

    spans = store.spans.results(first.seq, last.seq)
    assert all(isinstance(span, StoredResultSpan) for span in spans)
    assert [span.as_row() for span in spans] == store.result_spans(first.seq, last.seq)
    bucket = [span for span in spans if span.resource_id == BUCKET]
    assert [(s.first_seq, s.last_seq, s.status) for s in bucket] == [(1, 1, "pass"), (2, 2, "fail")]
    assert bucket[0].key == ("aws", "aws:123456789012:eu-west-1", "storage.bucket", BUCKET)
    observed = store.spans.observations(first.seq, last.seq, ["storage.bucket"])
    assert [o.as_row() for o in observed] == store.observation_spans(first.seq, last.seq, ["storage.bucket"])
    assert [(o.first_seq, o.last_seq) for o in observed] == [(1, 1), (2, 2)]
    # Lists of values (IN) are bound as the driver wants them, on either database.
    some = [bucket[0].control, "no-such-control"]
    assert store.spans.results(first.seq, last.seq, some) == [s for s in spans if s.control in some]
    both = store.spans.observations(first.seq, last.seq, ["storage.bucket", "identity.user", "x"])
    assert {o.type for o in both} == {"storage.bucket", "identity.user"} and set(observed) < set(both)
    before = store.spans.results_before(bucket[0].control, [BUCKET], last.seq)
    assert [s.as_row() for s in before] == store.result_spans_before(bucket[0].control, [BUCKET], last.seq)
    assert [s.first_seq for s in before] == [1]
    reads = store.spans.scope_records(first.seq, last.seq)
    assert all(isinstance(r, StoredScopeRecord) for r in reads)
    assert [r.seq for r in reads] == [1, 1, 1, 2, 2, 2]
    assert [{"seq": r.seq, **r.as_dict()} for r in reads] == store.scope_records_between(first.seq, last.seq)
    failed = store.spans.scope_errors(first.seq, last.seq)
    assert [{"seq": e.seq, **e.as_dict()} for e in failed] == store.scope_errors_between(first.seq, last.seq)


def test_manual_evidence_trust_retention_and_statistics_are_typed(
    store: EvidenceStore, make_run: Callable[..., RunRecord]
) -> None:
    item = store.manual.add("pol.approved", "policy.pdf", b"%PDF signed", added_by="ciso", added_at=T0)
    assert (item.file_name, item.added_by, item.date) == ("policy.pdf", "ciso", T0.date())
    assert store.manual.items() == [item]
    assert store.manual_evidence() == [item.as_dict()]
    assert store.manual.file(item.file) == b"%PDF signed"
    assert (
        store.manual.add(
            "pol.approved", "p.pdf", b"x", added_by="a", period=(date(2026, 1, 1), T0.date())
        ).period_end
        == T0.date()
    )

    runs = [store.chain.record_run(make_run(day)) for day in range(3)]
    store.trust.record_timestamp(runs[0].id, at=T0, error="TSA down")
    stamp = store.trust.timestamps()[runs[0].id]
    assert (stamp.token, stamp.attempts, stamp.last_error) == (None, 1, "TSA down")
    assert store.timestamps() == {runs[0].id: stamp.as_dict()}

    before = store.statistics.stats()
    assert before.runs == 3 and before.as_dict() == store.stats()
    detail = store.retention.prune(T0 + timedelta(days=1), actor="test")
    assert detail["runs_deleted"] == 1
    [event] = [e for e in store.retention.events() if e.action == "prune"]
    assert event.detail == detail and {"at": event.at, "action": "prune", "detail": detail} in store.events()
    assert store.retention.pruned_before() == runs[1].seq == store.pruned_before()
    assert store.statistics.stats().runs == 2


def test_a_diff_is_typed(store: EvidenceStore, make_run: Callable[..., RunRecord]) -> None:
    store.chain.record_run(make_run(0))
    store.chain.record_run(make_run(1, bucket_encrypted=False))
    when = (T0 + timedelta(hours=1), T0 + timedelta(days=1, hours=1))

    changed = store.pointintime.diff(BUCKET, *when)
    assert changed is not None
    assert changed.changes["attributes"]["changed"] == {"encrypted": {"before": True, "after": False}}
    assert store.diff(BUCKET, *when) == changed.as_dict()
    assert store.pointintime.diff("arn:aws:s3:::never-seen", *when) is None
