"""The seal's construction, pinned down by hand-computed values."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from evidra.canonical import digest
from evidra.evidence_store import integrity
from evidra.evidence_store.integrity import (
    SEALED_FIELDS,
    chain_digest,
    leaf,
    leaf_document,
    merkle_root,
    snapshot_hash,
    timestamp,
)


def _digest(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return _digest(b"\x01" + left + right)


LEAVES = sorted(_digest(bytes([n])) for n in range(5))
A, B, C, D, E = LEAVES


def _hex(*items: bytes) -> list[str]:
    return ["sha256:" + item.hex() for item in items]


def test_one_leaf_is_its_own_root() -> None:
    assert merkle_root(_hex(A)) == _hex(A)[0]


def test_leaves_are_sorted_before_pairing() -> None:
    expected = "sha256:" + _node(A, B).hex()
    assert merkle_root(_hex(A, B)) == merkle_root(_hex(B, A)) == expected


def test_an_odd_leaf_moves_up_unchanged() -> None:
    assert merkle_root(_hex(C, A, B)) == "sha256:" + _node(_node(A, B), C).hex()
    assert merkle_root(_hex(E, D, C, B, A)) == "sha256:" + _node(_node(_node(A, B), _node(C, D)), E).hex()


def test_no_leaves_is_an_error() -> None:
    with pytest.raises(ValueError):
        merkle_root([])


RESULT = {
    "control": "identity-user-mfa",
    "requirement": "mfa.all_workforce",
    "tsc": ["CC6.1"],
    "status": "fail",
    "provider": "aws",
    "scope": "aws:1:global",
    "resource_type": "identity.user",
    "resource_id": "arn:aws:iam::1:user/bob",
    "reason": "no MFA device",
    "evidence": "sha256:" + "1" * 64,
}


def test_a_result_leaf_is_the_digest_of_its_documented_json() -> None:
    document = (
        '{"control":"identity-user-mfa","evidence":"sha256:' + "1" * 64 + '","kind":"result",'
        '"provider":"aws","reason":"no MFA device","requirement":"mfa.all_workforce",'
        '"resource_id":"arn:aws:iam::1:user/bob","resource_type":"identity.user","scope":"aws:1:global",'
        '"status":"fail","tsc":["CC6.1"]}'
    )
    assert leaf("result", RESULT) == "sha256:" + hashlib.sha256(document.encode()).hexdigest()


@pytest.mark.parametrize("field", SEALED_FIELDS["result"])
def test_every_sealed_field_changes_the_leaf(field: str) -> None:
    changed: dict[str, Any] = {**RESULT, field: ["CC7.2"] if field == "tsc" else "other"}
    assert leaf("result", changed) != leaf("result", RESULT)


def test_the_kind_is_part_of_the_leaf() -> None:
    document = leaf_document("result", RESULT)
    assert document["kind"] == "result"
    assert leaf("result", RESULT) != digest({k: v for k, v in document.items() if k != "kind"})


def test_a_scope_gap_and_an_error_s_types_are_sealed() -> None:
    record: dict[str, Any] = {
        "provider": "aws",
        "scope": "aws:1:us-east-1",
        "started_at": datetime(2026, 1, 2, tzinfo=UTC),
        "finished_at": datetime(2026, 1, 2, 0, 0, 1, tzinfo=UTC),
        "error": "AccessDenied",
    }
    assert leaf("scope", record) != leaf("scope", {**record, "error": None})
    error: dict[str, Any] = {
        "provider": "aws",
        "scope": "aws:1:us-east-1",
        "service": "s3",
        "message": "denied",
    }
    assert leaf("scope_error", {**error, "types": []}) != leaf(
        "scope_error", {**error, "types": ["storage.bucket"]}
    )


def test_timestamps_are_one_text_form() -> None:
    aware = datetime(2026, 1, 2, 5, 0, tzinfo=timezone(timedelta(hours=2)))
    assert timestamp(aware) == "2026-01-02T03:00:00.000000Z"
    assert timestamp(datetime(2026, 1, 2, 3, 0)) == timestamp(datetime(2026, 1, 2, 3, 0, tzinfo=UTC))


def test_the_seal_is_the_digest_of_its_documented_json() -> None:
    root = "sha256:" + "2" * 64
    document = '{"merkle_root":"' + root + '","previous":null,"run":"r-1","seq":1}'
    assert chain_digest(None, root, "r-1", 1) == "sha256:" + hashlib.sha256(document.encode()).hexdigest()
    assert chain_digest("sha256:" + "3" * 64, root, "r-1", 1) != chain_digest(None, root, "r-1", 1)


def test_a_snapshot_hash_is_the_sha256_of_its_body() -> None:
    assert snapshot_hash(b"{}") == "sha256:" + hashlib.sha256(b"{}").hexdigest()


@pytest.mark.parametrize("width", [1, 2, 3, 5, 8, 13, 100])
def test_a_multiproof_of_any_leaves_reaches_the_root(width: int) -> None:
    import random

    leaves = sorted("sha256:" + hashlib.sha256(str(n).encode()).hexdigest() for n in range(width))
    root = integrity.merkle_root(leaves)
    levels = integrity.merkle_levels(leaves)
    draw = random.Random(width)
    for chosen in ([0], [width - 1], list(range(width)), draw.sample(range(width), max(1, width // 3))):
        nodes = integrity.multiproof_nodes(levels, chosen)
        proven = {index: leaves[index] for index in chosen}
        assert integrity.root_from_multiproof(width, proven, nodes) == root
        # each given node once, and none a proven leaf could give
        assert len({(level, index) for level, index, _ in nodes}) == len(nodes)
        if len(chosen) == width:
            assert nodes == []
    if width > 2:
        nodes = integrity.multiproof_nodes(levels, [1])
        with pytest.raises(ValueError, match="lacks a node"):
            integrity.root_from_multiproof(width, {1: leaves[1]}, nodes[1:])
        with pytest.raises(ValueError, match="does not use"):
            integrity.root_from_multiproof(width, {1: leaves[1]}, [*nodes, [0, width - 1, "00" * 32]])
        with pytest.raises(ValueError, match="outside"):
            integrity.root_from_multiproof(width, {width: leaves[1]}, nodes)
        other = "sha256:" + "00" * 32
        assert integrity.root_from_multiproof(width, {1: other}, nodes) != root
