"""Point in time: a resource's state and verdicts as of any past time, and what changed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from evidra.evidence_store.store import EvidenceStore, RunRecord, StoreError
from evidra.model import ScopeError
from tests.evidence_store.conftest import ACCOUNT, BOB, BUCKET, T0

REGION = f"aws:{ACCOUNT}:eu-west-1"


def _day(n: int, hours: int = 12) -> object:
    return T0 + timedelta(days=n, hours=hours)


def _bucket_unreadable(run: RunRecord) -> RunRecord:
    """The run could not read buckets in eu-west-1: the bucket is absent, as a gap."""
    run.collection.observations = [o for o in run.collection.observations if o.id != BUCKET]
    run.results = [r for r in run.results if r.resource.id != BUCKET]
    run.collection.errors.append(ScopeError("aws", REGION, "AccessDenied", "s3", ("storage.bucket",)))
    return run


def test_a_resource_as_of_each_day(store: EvidenceStore, make_run: Callable[..., RunRecord]) -> None:
    runs = [make_run(0), make_run(1, bucket_encrypted=False), make_run(2)]
    for run in runs:
        store.record_run(run)

    states = [store.resource_at(BUCKET, _day(n)) for n in range(3)]

    assert [s.attributes["encrypted"] for s in states if s] == [True, False, True]
    assert [s.run_id for s in states if s] == [r.id for r in runs]
    assert [[v["status"] for v in s.results] for s in states if s] == [["pass"], ["fail"], ["pass"]]
    assert all(s and s.present and not s.gap for s in states)
    assert states[0] and states[0].raw["Response"]["Id"] == BUCKET
    # Before the first run finished there is no answer yet.
    before = store.resource_at(BUCKET, T0)
    assert before is not None and (before.present, before.run_id) == (False, None)
    assert store.resource_at("arn:aws:s3:::never-seen", _day(1)) is None


def test_an_unreadable_scope_is_a_gap_answered_from_the_last_good_read(
    store: EvidenceStore, make_run: Callable[..., RunRecord]
) -> None:
    first = make_run(0, bucket_encrypted=False)
    store.record_run(first)
    store.record_run(_bucket_unreadable(make_run(1)))

    state = store.resource_at(BUCKET, _day(1))
    assert state is not None
    assert (state.present, state.gap, state.run_id) == (True, True, first.id)
    assert state.attributes["encrypted"] is False

    everything = store.state_at(_day(1))
    assert {s.id: s.gap for s in everything.resources} == {BUCKET: True, BOB: False, "00u1alice": False}
    assert {"provider": "aws", "scope": REGION, "types": ["storage.bucket"]} in everything.gaps


def test_a_resource_no_longer_seen_in_a_read_scope_is_absent(
    store: EvidenceStore, make_run: Callable[..., RunRecord]
) -> None:
    store.record_run(make_run(0))
    deleted = make_run(1)
    deleted.collection.observations = [o for o in deleted.collection.observations if o.id != BUCKET]
    deleted.results = [r for r in deleted.results if r.resource.id != BUCKET]
    store.record_run(deleted)

    state = store.resource_at(BUCKET, _day(1))
    assert state is not None and (state.present, state.gap, state.run_id) == (False, False, deleted.id)
    assert BUCKET not in {s.id for s in store.state_at(_day(1)).resources}


def test_diff_names_changed_attributes_and_verdicts(
    store: EvidenceStore, make_run: Callable[..., RunRecord]
) -> None:
    store.record_run(make_run(0))
    store.record_run(make_run(1, bucket_encrypted=False))

    diff = store.diff(BUCKET, _day(0), _day(1))

    assert diff is not None
    changes = diff["changes"]
    assert changes["attributes"] == {
        "added": {},
        "removed": {},
        "changed": {"encrypted": {"before": True, "after": False}},
    }
    assert changes["raw_changed"] is True
    assert [(v["control"], v["before"]["status"], v["after"]["status"]) for v in changes["results"]] == [
        ("bucket-encryption", "pass", "fail")
    ]
    unchanged = store.diff(BOB, _day(0), _day(1))
    assert unchanged is not None
    assert unchanged["changes"]["attributes"]["changed"] == {} and unchanged["changes"]["results"] == []


def test_the_state_of_everything(store: EvidenceStore, make_run: Callable[..., RunRecord]) -> None:
    runs = [make_run(day, bucket_encrypted=day != 1) for day in range(3)]
    for run in runs:
        store.record_run(run)

    middle = store.state_at(_day(1))

    assert (middle.run_id, middle.run_seq, middle.gaps) == (
        runs[1].id,
        2,
        [{"provider": "aws", "scope": f"aws:{ACCOUNT}:us-east-1", "types": ["storage.bucket"]}],
    )
    by_id = {s.id: s for s in middle.resources}
    assert set(by_id) == {BUCKET, BOB, "00u1alice"}
    assert by_id[BUCKET].attributes["encrypted"] is False
    assert by_id[BOB].results[0]["reason"] == "console password enabled, no MFA device"
    assert store.state_at(T0).resources == []


def test_the_state_of_some_types_only(store: EvidenceStore, make_run: Callable[..., RunRecord]) -> None:
    store.record_run(make_run(0, bucket_encrypted=False))
    store.record_run(_bucket_unreadable(make_run(1)))
    everything = store.pointintime.state_at(_day(1))

    buckets = store.pointintime.state_at(_day(1), ["storage.bucket"])
    users = store.pointintime.state_at(_day(1), ("identity.user",))

    # The bucket still comes from the last good read; each type's states and verdicts are
    # those of the whole estate's answer, and the gaps are the run's whatever the types.
    assert [(s.id, s.gap, s.attributes["encrypted"]) for s in buckets.resources] == [(BUCKET, True, False)]
    assert [s.id for s in users.resources] == [BOB, "00u1alice"]
    assert buckets.resources + users.resources == sorted(
        everything.resources, key=lambda s: s.type != "storage.bucket"
    )
    assert users.resources[0].results == next(s for s in everything.resources if s.id == BOB).results != []
    assert buckets.gaps == users.gaps == everything.gaps != []
    assert store.pointintime.state_at(_day(1), []).resources == []


def test_an_ambiguous_id_asks_which(store: EvidenceStore, make_run: Callable[..., RunRecord]) -> None:
    run = make_run(0)
    twin = run.collection.observations[0]
    run.collection.observations.append(type(twin)(**{**twin.__dict__, "scope": f"aws:{ACCOUNT}:us-west-2"}))
    store.record_run(run)

    with pytest.raises(StoreError, match="names 2 resources"):
        store.resource_at(BUCKET, _day(0))
    state = store.resource_at(BUCKET, _day(0), scope=REGION)
    assert state is not None and state.scope == REGION
