"""Retention: old evidence goes only on request, the pruning is recorded, and the kept
runs still verify from the first of them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import Engine, text

from evidra.evidence_store.store import EvidenceStore
from tests.evidence_store.conftest import T0, build_run


def test_prune_deletes_old_runs_and_the_rest_still_verifies(store: EvidenceStore, raw: Engine) -> None:
    runs = [build_run(day, bucket_encrypted=day != 1) for day in range(5)]
    for run in runs:
        store.record_run(run)
    ids = [run.id for run in runs]
    before = store.stats()

    detail = store.prune(T0 + timedelta(days=2), actor="auditor-test")

    assert [run.id for run in store.runs()] == ids[2:]
    assert detail["runs_deleted"] == 2 and detail["by"] == "auditor-test"
    kept = store.runs()[0]
    assert detail["first_kept"] == {"id": ids[2], "seq": 3, "previous_digest": kept.previous_digest}
    [event] = [e for e in store.events() if e["action"] == "prune"]
    assert event["detail"] == detail
    after = store.stats()
    assert after["observations"] == before["observations"] - 6
    # Only the second run saw the unencrypted bucket: that snapshot is gone.
    assert after["snapshots"] == before["snapshots"] - 1
    assert (
        store.resource_at(runs[0].collection.observations[0].id, T0 + timedelta(days=1, hours=1)) is not None
    )
    with raw.connect() as connection:
        assert connection.execute(text("SELECT min(first_seq) FROM evidra_observation_spans")).scalar() == 3
    report = store.verify()
    assert (report.ok, report.runs_checked, report.anchored_at) == (True, 3, 3), report.problem
    # The chain goes on from the kept runs.
    store.record_run(build_run(9))
    assert store.verify().ok


def test_prune_without_its_record_is_a_broken_chain(
    store: EvidenceStore, raw: Engine, recorded: Callable[[int], list[str]]
) -> None:
    recorded(4)
    store.prune(T0 + timedelta(days=2))
    with raw.begin() as connection:
        connection.execute(text("DELETE FROM evidra_events WHERE action = 'prune'"))

    report = store.verify()

    assert not report.ok and report.seq == 3
    assert report.problem is not None and "the run before it (seq 1) is missing" in report.problem


def test_a_forged_anchor_does_not_verify(
    store: EvidenceStore, raw: Engine, recorded: Callable[[int], list[str]]
) -> None:
    recorded(4)
    store.prune(T0 + timedelta(days=2))
    with raw.begin() as connection:
        connection.execute(
            text("UPDATE evidra_runs SET previous_digest = :z WHERE seq = 3"), {"z": "sha256:" + "0" * 64}
        )

    report = store.verify()

    assert not report.ok and report.seq == 3
    assert report.problem is not None and "its link to the previous run is broken" in report.problem


def test_prune_keeps_the_newest_run_and_nothing_old_means_nothing_done(
    store: EvidenceStore, recorded: Callable[[int], list[str]]
) -> None:
    ids = recorded(3)
    assert store.prune(T0 - timedelta(days=1)) == {"runs_deleted": 0}
    assert [e["action"] for e in store.events()] == ["migrate"]

    store.prune(T0 + timedelta(days=365))

    assert [run.id for run in store.runs()] == ids[-1:]
    assert store.verify().ok
    assert (
        store.results(ids[-1])
        and store.resource_at("arn:aws:s3:::acme-logs", T0 + timedelta(days=3)) is not None
    )
