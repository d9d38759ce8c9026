"""A large run is written a partition of resources at a time: the partitioning must
change nothing that is stored, sealed or read back."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from evidra.evidence_store import records
from evidra.evidence_store.store import EvidenceStore, RunRecord
from evidra.model import Collection, ResourceRef, Result, ScopeRecord, Status
from tests.evidence_store.conftest import T0, _observation


def bucket_run(day: int, buckets: dict[str, bool], run_id: str) -> RunRecord:
    start = T0 + timedelta(days=day)
    observations = [
        _observation("storage.bucket", f"arn:aws:s3:::b{name}", {"encrypted": encrypted}, at=start)
        for name, encrypted in buckets.items()
    ]
    results = [
        Result(
            "bucket-encryption",
            "crypto.at_rest",
            ("CC6.1",),
            Status.PASS if obs.attributes["encrypted"] else Status.FAIL,
            ResourceRef(*obs.key),
            "default encryption" if obs.attributes["encrypted"] else "no default encryption",
            obs.evidence_hash,
        )
        for obs in observations
    ]
    scope = ScopeRecord("aws", observations[0].scope, start, start + timedelta(seconds=5))
    return RunRecord(
        id=run_id,
        started_at=start,
        finished_at=start + timedelta(seconds=9),
        tool_version="test",
        parameters={"providers": ["aws"]},
        collection=Collection(observations=observations, scopes=[scope]),
        results=results,
    )


def estate_over_days() -> list[dict[str, bool]]:
    day0 = {str(n): n % 3 != 0 for n in range(40)}
    day1 = {**day0, "3": True}  # remediated
    del day1["5"]  # deleted
    day1["new"] = False  # created
    day2 = {k: v for k, v in day1.items() if k not in ("7", "8")}  # two more gone
    return [day0, day1, day2, day2]


def record_all(url: str, runs: list[RunRecord]) -> EvidenceStore:
    store = EvidenceStore.open(url)
    for run in runs:
        store.record_run(run)
    return store


def test_partitioned_writes_store_exactly_what_one_partition_stores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = [str(uuid.uuid4()) for _ in range(4)]
    estates = estate_over_days()

    whole = record_all(
        f"sqlite:///{tmp_path}/whole.db",
        [bucket_run(day, estate, ids[day]) for day, estate in enumerate(estates)],
    )
    monkeypatch.setattr(records, "PARTITION_ROWS", 7)  # 40 buckets: six partitions a run
    split = record_all(
        f"sqlite:///{tmp_path}/split.db",
        [bucket_run(day, estate, ids[day]) for day, estate in enumerate(estates)],
    )
    try:
        assert split.verify().ok and whole.verify().ok
        assert [r.digest for r in split.runs()] == [r.digest for r in whole.runs()]
        rows = lambda stats: {k: v for k, v in stats.items() if k != "database_bytes"}  # noqa: E731
        assert rows(split.stats()) == rows(whole.stats())
        for day, run_id in enumerate(ids):
            stored = split.observations(run_id)
            assert sorted(o["id"] for o in stored) == sorted(f"arn:aws:s3:::b{name}" for name in estates[day])
            key = lambda r: (r["resource"]["id"], r["status"])  # noqa: E731
            assert sorted(map(key, split.results(run_id))) == sorted(map(key, whole.results(run_id)))
        # A deleted bucket's spans end at the last run that saw it, in both layouts.
        for store in (split, whole):
            gone = store.resource_at("arn:aws:s3:::b5", T0 + timedelta(days=1, hours=1))
            assert gone is not None and not gone.present and gone.run_seq == 2
            kept = store.resource_at("arn:aws:s3:::b3", T0 + timedelta(days=1, hours=1))
            assert kept is not None and kept.present and kept.attributes["encrypted"] is True
    finally:
        split.close()
        whole.close()
