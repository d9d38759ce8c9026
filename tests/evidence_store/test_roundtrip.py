"""What goes in comes back out, unchanged resources cost nothing, and runs are kept apart."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, text

from evidra.canonical import to_jsonable
from evidra.evidence_store.migrations import head_revision
from evidra.evidence_store.store import EvidenceStore, RunRecord, StoredRun, StoreError
from evidra.model import iso


def test_a_run_reads_back_as_it_was_recorded(
    store: EvidenceStore, make_run: Callable[..., RunRecord]
) -> None:
    run = make_run()
    stored = store.record_run(run)

    assert store.get_run(run.id) == stored == store.latest_run()
    assert store.runs() == [stored]
    assert (stored.seq, stored.previous_digest) == (1, None)
    assert (stored.started_at, stored.finished_at) == (run.started_at, run.finished_at)
    assert stored.started_at.tzinfo is not None
    assert (stored.observation_count, stored.scope_count, stored.error_count, stored.result_count) == (
        3,
        3,
        1,
        4,
    )
    assert stored.digest.startswith("sha256:") and stored.merkle_root.startswith("sha256:")

    assert store.results(run.id) == [result.to_dict() for result in run.results]
    observed = store.observations(run.id)
    assert [{k: v for k, v in seen.items() if k != "provenance"} for seen in observed] == [
        {
            "provider": o.provider,
            "scope": o.scope,
            "type": o.type,
            "id": o.id,
            "name": o.name,
            "snapshot": o.evidence_hash,
        }
        for o in run.collection.observations
    ]
    for obs, seen in zip(run.collection.observations, observed, strict=True):
        assert store.snapshot(seen["snapshot"]) == to_jsonable(obs.snapshot())
        assert store.snapshot(seen["provenance"]) == to_jsonable(obs.provenance())
    assert store.snapshot(stored.parameters_hash) == run.parameters

    assert store.scope_records(run.id) == [
        {
            "provider": scope.provider,
            "scope": scope.scope,
            "started_at": scope.started_at,
            "finished_at": scope.finished_at,
            "error": scope.error,
        }
        for scope in run.collection.scopes
    ]
    assert store.errors(run.id) == [
        {**error.to_dict(), "service": error.service, "types": list(error.types)}
        for error in run.collection.errors
    ]
    assert store.verify().ok


def test_timestamps_are_kept_as_the_same_instant_in_utc(
    store: EvidenceStore, make_run: Callable[..., RunRecord]
) -> None:
    run = make_run()
    paris = timezone(timedelta(hours=2))
    run.started_at = datetime(2026, 6, 1, 7, 0, 0, 1, tzinfo=paris)
    run.finished_at = datetime(2026, 6, 1, 5, 1, 0)  # naive: taken as UTC

    stored = store.record_run(run)

    assert stored.started_at == datetime(2026, 6, 1, 5, 0, 0, 1, tzinfo=UTC)
    assert stored.started_at.utcoffset() == timedelta(0)
    assert store.get_run(run.id) == stored
    assert iso(stored.finished_at) == "2026-06-01T05:01:00Z"
    assert store.verify().ok


def test_an_unchanged_resource_is_stored_once_across_runs(
    store: EvidenceStore, raw: Engine, make_run: Callable[..., RunRecord]
) -> None:
    first = store.record_run(make_run(0))
    after_first = store.stats()
    same = store.record_run(make_run(1))  # a day later, nothing changed
    after_same = store.stats()
    changed = store.record_run(make_run(2, bucket_encrypted=False))  # one resource changed
    after_changed = store.stats()

    # 3 resource snapshots + 3 provenances (distinct ids in the calls) + parameters.
    assert after_first["snapshots"] == 7
    assert after_same["snapshots"] == 7
    assert after_same["snapshot_bytes"] == after_first["snapshot_bytes"]
    assert after_changed["snapshots"] == 8
    assert after_changed["observations"] == 9 and after_changed["runs"] == 3
    assert after_changed["database_bytes"] > 0
    assert [o["snapshot"] for o in store.observations(first.id)] == [
        o["snapshot"] for o in store.observations(same.id)
    ]
    with raw.connect() as connection:
        duplicates = connection.execute(
            text("SELECT hash FROM evidra_snapshots GROUP BY hash HAVING count(*) > 1")
        ).all()
    assert duplicates == []
    assert store.results(changed.id)[0]["status"] == "fail"
    assert store.verify().ok


def test_runs_chain_in_recording_order(store: EvidenceStore, recorded: Callable[[int], list[str]]) -> None:
    ids = recorded(3)
    runs = store.runs()

    assert [run.id for run in runs] == ids
    assert [run.seq for run in runs] == [1, 2, 3]
    assert runs[0].previous_digest is None
    assert [run.previous_digest for run in runs[1:]] == [run.digest for run in runs[:-1]]
    assert len({run.digest for run in runs}) == 3
    assert store.latest_run() == runs[-1]
    report = store.verify()
    assert (report.ok, report.runs_checked, report.problem) == (True, 3, None)


def test_each_run_reads_back_only_its_own_records(
    store: EvidenceStore, make_run: Callable[..., RunRecord]
) -> None:
    first, second = make_run(0), make_run(1, bucket_encrypted=False)
    store.record_run(first)
    store.record_run(second)

    def statuses(run_id: str) -> dict[tuple[str, str], str]:
        return {(r["control"], r["resource"]["id"]): r["status"] for r in store.results(run_id)}

    bucket = ("bucket-encryption", first.results[0].resource.id)
    assert sorted(statuses(first.id).values()) == ["error", "fail", "pass", "pass"]
    assert statuses(second.id) == {**statuses(first.id), bucket: "fail"}
    assert statuses(first.id)[bucket] == "pass"
    assert len(store.observations(second.id)) == 3
    # A record is read back in the order it was first stored: unchanged ones first.
    assert [r["status"] for r in store.results(second.id)] == ["fail", "pass", "error", "fail"]


def test_an_empty_store_has_no_runs(store: EvidenceStore) -> None:
    missing = str(uuid.uuid4())
    assert store.runs() == []
    assert store.latest_run() is None
    assert store.get_run(missing) is None
    assert store.results(missing) == []
    with pytest.raises(KeyError):
        store.snapshot("sha256:" + "0" * 64)
    assert store.verify().ok


def test_a_run_is_stored_once(store: EvidenceStore, make_run: Callable[..., RunRecord]) -> None:
    run = make_run()
    store.record_run(run)
    with pytest.raises(StoreError, match="already stored"):
        store.record_run(run)
    assert [r.id for r in store.runs()] == [run.id]


def test_a_run_id_must_be_a_uuid(store: EvidenceStore, make_run: Callable[..., RunRecord]) -> None:
    with pytest.raises(StoreError, match="UUID"):
        store.record_run(make_run(run_id="run-1"))
    assert store.runs() == []


def test_a_run_without_observations_or_results_is_still_sealed(
    store: EvidenceStore, make_run: Callable[..., RunRecord]
) -> None:
    run = make_run()
    run.collection.observations.clear()
    run.collection.errors.clear()
    run.collection.scopes.clear()
    run.results.clear()

    stored = store.record_run(run)

    assert isinstance(stored, StoredRun)
    assert (stored.observation_count, stored.result_count) == (0, 0)
    assert store.verify().ok


def test_opening_records_the_migration_once(store_url: str) -> None:
    for _ in range(2):
        with EvidenceStore.open(store_url) as store:
            events = store.events()
    migrated = {"from": None, "to": head_revision()}
    assert [(e["action"], e["detail"]) for e in events] == [("migrate", migrated)]
