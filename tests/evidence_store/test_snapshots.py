"""Snapshot storage: compressed, deltas against a full base, every body checked on read."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, text

from evidra.evidence_store.database import StoreError
from evidra.evidence_store.snapshots import DELTA, RAW, ZLIB, compress, decompress
from evidra.evidence_store.store import EvidenceStore, RunRecord

STATE = json.dumps(
    {"attributes": {"encrypted": True, "n": list(range(200))}, "raw": {"x": "y" * 300}}
).encode()
CHANGED = STATE.replace(b'"encrypted":true', b'"encrypted":false')


def test_a_small_change_is_a_small_delta() -> None:
    codec, full = compress(STATE, None)
    codec_delta, delta = compress(CHANGED, STATE)

    assert codec == ZLIB and decompress(ZLIB, full, None) == STATE
    assert codec_delta == DELTA and len(delta) * 4 < len(full)
    assert decompress(DELTA, delta, STATE) == CHANGED
    assert decompress(RAW, STATE, None) == STATE


def test_an_unrelated_base_gives_a_full_body() -> None:
    assert compress(CHANGED, b'{"something": "else entirely"}')[0] == ZLIB


def test_undecodable_bytes_are_reported_not_raised() -> None:
    assert decompress(ZLIB, b"not zlib", None) is None
    assert decompress(DELTA, b"x", None) is None  # a delta without its base


def test_a_changed_resource_is_stored_as_a_delta_and_reads_back(
    store: EvidenceStore, raw: Engine, make_run: Callable[..., RunRecord]
) -> None:
    first, second = make_run(0), make_run(1, bucket_encrypted=False)
    store.record_run(first)
    store.record_run(second)
    old, new = first.collection.observations[0].evidence_hash, second.collection.observations[0].evidence_hash

    with raw.connect() as connection:
        rows = dict(
            connection.execute(
                text(
                    "SELECT hash, codec || ':' || coalesce(base, '') "
                    "FROM evidra_snapshots WHERE hash IN (:a, :b)"
                ),
                {"a": old, "b": new},
            ).all()
        )
    assert rows == {old: "zlib:", new: f"zlib-delta:{old}"}
    assert json.loads(store.snapshot_body(new))["attributes"]["encrypted"] is False
    assert store.verify().ok
    # Asked with its bases, the delta's read brings the older version it was kept against.
    assert store.snapshots.bodies([new]).keys() == {new}
    both = store.snapshots.bodies([new], with_bases=True)
    assert both.keys() == {new, old}
    assert json.loads(both[old])["attributes"]["encrypted"] is True


def test_an_altered_base_is_caught_at_the_first_run_citing_it(
    store: EvidenceStore, raw: Engine, make_run: Callable[..., RunRecord]
) -> None:
    first = make_run(0)
    second = make_run(1, bucket_encrypted=False)
    store.record_run(first)
    store.record_run(second)
    base = first.collection.observations[0].evidence_hash
    second_hash = second.collection.observations[0].evidence_hash
    with raw.begin() as connection:
        body = connection.execute(
            text("SELECT body FROM evidra_snapshots WHERE hash = :h"), {"h": base}
        ).scalar_one()
        edited = bytearray(body)
        edited[len(edited) // 2] ^= 0x01
        connection.execute(
            text("UPDATE evidra_snapshots SET body = :b WHERE hash = :h"), {"b": bytes(edited), "h": base}
        )

    report = store.verify()
    with pytest.raises(StoreError, match=f"snapshot {second_hash} no longer matches its hash"):
        store.snapshots.bodies([second_hash], with_bases=True)  # the altered base is not handed back

    assert (report.ok, report.run_id, report.seq) == (False, first.id, 1)
    assert (
        report.problem is not None
        and f"snapshot {base} it cites no longer matches its hash" in report.problem
    )
