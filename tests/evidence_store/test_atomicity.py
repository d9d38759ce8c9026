"""A run is stored whole or not at all, whatever fails and wherever it fails."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine, text

from evidra.evidence_store.store import EvidenceStore, RunRecord, StoreError
from evidra.model import ResourceRef, Result, Status
from tests.fakes.tables import table_counts

# Every stage `record_run` reports to its write hook, in order.
STAGES = ["locked", "snapshots", "run", "observation", "scope", "scope_error", "result", "checked"]


class InjectedFailure(RuntimeError):
    pass


def assert_nothing_of(run: RunRecord, store: EvidenceStore, raw: Engine, before: dict[str, int]) -> None:
    assert table_counts(raw) == before
    assert store.get_run(run.id) is None
    assert store.results(run.id) == store.observations(run.id) == store.scope_records(run.id) == []
    with raw.connect() as connection:
        new_snapshot = connection.execute(
            text("SELECT count(*) FROM evidra_snapshots WHERE hash = :hash"),
            {"hash": run.collection.observations[0].evidence_hash},
        ).scalar_one()
    assert new_snapshot == 0


def test_record_run_reports_every_stage_in_order(
    store: EvidenceStore, make_run: Callable[..., RunRecord]
) -> None:
    seen: list[str] = []
    store.write_hook = seen.append
    store.record_run(make_run())
    assert seen == STAGES


@pytest.mark.parametrize("stage", STAGES)
def test_a_failure_at_any_stage_leaves_nothing_of_the_run(
    store: EvidenceStore, raw: Engine, make_run: Callable[..., RunRecord], stage: str
) -> None:
    first = store.record_run(make_run(0))
    before = table_counts(raw)
    failing = make_run(1, bucket_encrypted=False)  # brings a snapshot no stored run has

    def fail_at(current: str) -> None:
        if current == stage:
            raise InjectedFailure(current)

    store.write_hook = fail_at
    with pytest.raises(InjectedFailure):
        store.record_run(failing)

    assert_nothing_of(failing, store, raw, before)
    store.write_hook = None
    retried = store.record_run(failing)
    assert (retried.seq, retried.previous_digest) == (2, first.digest)
    assert store.verify().ok


def test_a_half_written_run_is_invisible_to_readers(
    store: EvidenceStore, raw: Engine, make_run: Callable[..., RunRecord]
) -> None:
    store.record_run(make_run(0))
    before = table_counts(raw)
    run = make_run(1, bucket_encrypted=False)
    seen_from_outside: list[tuple[int, dict[str, int]]] = []

    def look(stage: str) -> None:
        if stage == "checked":  # everything written, not yet committed
            seen_from_outside.append((len(store.runs()), table_counts(raw)))

    store.write_hook = look
    store.record_run(run)

    assert seen_from_outside == [(1, before)]
    assert len(store.runs()) == 2


def test_a_database_refusal_midway_leaves_nothing(
    store: EvidenceStore, raw: Engine, make_run: Callable[..., RunRecord]
) -> None:
    store.record_run(make_run(0))
    before = table_counts(raw)
    run = make_run(1, bucket_encrypted=False)
    # Evidence that was never stored: the foreign key refuses it after the snapshots
    # and observations are already written.
    run.results.append(
        Result(
            control="bucket-encryption",
            requirement="crypto.at_rest",
            tsc=("CC6.1",),
            status=Status.FAIL,
            resource=ResourceRef("aws", "aws:1:eu-west-1", "storage.bucket", "arn:aws:s3:::ghost"),
            reason="not encrypted",
            evidence="sha256:" + "ab" * 32,
        )
    )
    stages: list[str] = []
    store.write_hook = stages.append

    with pytest.raises(StoreError, match=f"run {run.id} was not stored"):
        store.record_run(run)

    assert "observation" in stages and "checked" not in stages
    assert_nothing_of(run, store, raw, before)


def _unserialisable_attribute(run: RunRecord) -> None:
    run.collection.observations[0].attributes["handle"] = object()


def _unserialisable_reason(run: RunRecord) -> None:
    spoiled: dict[str, Any] = {**run.results[-1].__dict__, "reason": object()}
    run.results[-1] = Result(**spoiled)


@pytest.mark.parametrize("spoil", [_unserialisable_attribute, _unserialisable_reason])
def test_a_value_that_cannot_be_serialised_stores_nothing(
    store: EvidenceStore, raw: Engine, make_run: Callable[..., RunRecord], spoil: Callable[[RunRecord], None]
) -> None:
    store.record_run(make_run(0))
    before = table_counts(raw)
    run = make_run(1, bucket_encrypted=False)
    spoil(run)

    with pytest.raises(TypeError, match="cannot serialise object"):
        store.record_run(run)

    assert table_counts(raw) == before
    assert store.get_run(run.id) is None
