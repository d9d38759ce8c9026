"""Spools: a run's observations and results past a chunk live on disk, in order."""

from __future__ import annotations

import copy
import pickle

from evidra.model import Collection, Observation, utcnow
from evidra.spool import BodySpool, Spool


def test_a_spool_spills_full_chunks_to_disk_and_reads_everything_back_in_order() -> None:
    spool: Spool[dict[str, int]] = Spool(chunk=10)
    spool.extend({"n": n} for n in range(35))
    assert len(spool) == 35
    assert spool.bytes_on_disk > 0  # three chunks written, five items still in memory
    assert [item["n"] for item in spool] == list(range(35))
    # Appending while iterating: the iteration sees what was there when it began.
    seen = []
    for item in spool:
        seen.append(item["n"])
        if item["n"] == 0:
            spool.append({"n": 99})
    assert seen == list(range(35))
    assert [item["n"] for item in spool][-1] == 99
    assert spool[3] == {"n": 3} and spool[-1] == {"n": 99}


def test_a_small_spool_never_touches_disk() -> None:
    spool = Spool(range(5), chunk=10)
    assert spool.bytes_on_disk == 0
    assert list(spool) == [0, 1, 2, 3, 4] == spool


def test_a_spool_pickles_and_copies_as_its_items() -> None:
    spool = Spool(range(25), chunk=10)
    assert list(pickle.loads(pickle.dumps(spool))) == list(range(25))  # noqa: S301 - our own bytes
    assert list(copy.deepcopy(spool)) == list(range(25))


def test_a_collection_built_from_a_list_spools_its_observations() -> None:
    observed = utcnow()
    observations = [
        Observation(
            "aws", "aws:1:global", "identity.user", f"u{n}", {"mfa": n % 2 == 0}, {}, [], "me", observed
        )
        for n in range(3)
    ]
    collection = Collection(observations=observations)
    assert isinstance(collection.observations, Spool)
    assert [o.id for o in collection.observations] == ["u0", "u1", "u2"]
    assert collection.observations[0].observed_at == observed


def test_body_spool_keeps_bodies_on_disk_by_key() -> None:
    bodies = BodySpool()
    bodies.setdefault("a", b"first")
    bodies.setdefault("a", b"ignored: content-addressed, the first body stays")
    bodies.setdefault("b", b"second")
    bodies.setdefault("c", b"")
    assert dict(bodies) == {"a": b"first", "b": b"second", "c": b""}
    view = bodies.only(["b", "z"])
    assert dict(view) == {"b": b"second"} and len(view) == 1


def test_body_spool_reads_bodies_back_from_its_buffer_and_its_file() -> None:
    bodies = BodySpool()
    bodies.TAIL = 64  # a small buffer: most bodies written out, the last few not yet
    written = {f"k{n}": bytes([n]) * (n * 7 % 50) for n in range(41)}
    written["big"] = b"x" * 200  # larger than the buffer: everything so far is written out
    written["last"] = b"end"  # and this one is not yet
    for key, body in written.items():
        bodies.setdefault(key, body)
    bodies.setdefault("k3", b"ignored")
    assert bodies.bytes_on_disk == sum(map(len, written.values())) - 3
    assert dict(bodies) == written
    assert dict(bodies.only(["big", "last"])) == {"big": written["big"], "last": b"end"}
