"""The run seal: how a run's records become one Merkle root, and runs become a chain.

Everything here is pure (no database), so an auditor can recompute a seal from an
export with nothing but SHA-256 and JSON. The exact construction:

1. **Leaves.** Every record of a run gives one leaf: the `sha256:` digest of the
   canonical JSON (keys sorted, separators `,` and `:`, UTF-8, no ASCII escaping) of
   `{"kind": <kind>, <field>: <value>, ...}` with the fields of `SEALED_FIELDS[kind]`.
   Kinds: one `run` leaf (the run's own metadata and record counts), and one leaf per
   `observation`, `scope` (scope record), `scope_error` and `result`. Timestamps are
   written `YYYY-MM-DDTHH:MM:SS.ffffffZ` in UTC; `tsc` and `types` are JSON lists;
   an absent value is `null`.
2. **Merkle root.** Sort the leaves' 32-byte digests ascending (the order of their hex
   text). While more than one node remains, replace each adjacent pair (left, right)
   by SHA-256(0x01 || left || right); an odd last node moves up unchanged. The last
   node is the root, written `sha256:<hex>`. (The 0x01 prefix keeps node inputs apart
   from leaf inputs, which are JSON and start with `{`.)
3. **Seal.** `digest` = sha256 of the canonical JSON of
   `{"merkle_root": root, "previous": <the digest of the run with seq - 1, or null for
   the first run>, "run": <run id>, "seq": <seq>}`.

A snapshot is intact when its hash equals `sha256:` + hex SHA-256 of its body bytes.

4. **Inclusion proof** (one record in one run, without the run's other records): the
   leaf, and the siblings met on the way up, bottom first, each written `l:<hex>` (the
   sibling is on the left: node = SHA-256(0x01 || sibling || node)) or `r:<hex>` (on the
   right: SHA-256(0x01 || node || sibling)). A level where the node is the odd last one
   adds nothing (it moves up unchanged). The node reached must be the run's root.

5. **Multiproof** (many records of one run at once, each node given once): the
   run's leaf count, each record with its leaf's index (in the sorted leaves), and
   the nodes that cannot be computed from those leaves, as (level, index, hex), level
   0 being the leaves. Level by level, each known node's pair is hashed into its
   parent (the pair's missing half is a given node); an odd last node moves up
   unchanged; the one node left must be the root, with every given node used.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from evidra.canonical import canonical_bytes, digest, sha256_hex

HASH_PREFIX = "sha256:"
_NODE_PREFIX = b"\x01"

# The fields sealed for each kind of record, by their column names in `models`.
SEALED_FIELDS: dict[str, tuple[str, ...]] = {
    "run": (
        "id",
        "seq",
        "started_at",
        "finished_at",
        "tool_version",
        "parameters_hash",
        "observation_count",
        "scope_count",
        "error_count",
        "result_count",
    ),
    "observation": (
        "provider",
        "scope",
        "type",
        "resource_id",
        "name",
        "snapshot_hash",
        "provenance_hash",
    ),
    "scope": ("provider", "scope", "started_at", "finished_at", "error"),
    "scope_error": ("provider", "scope", "service", "message", "types"),
    "result": (
        "control",
        "requirement",
        "tsc",
        "status",
        "provider",
        "scope",
        "resource_type",
        "resource_id",
        "reason",
        "evidence",
    ),
}

# How `verify` names each kind in a sentence.
KIND_NAMES = {
    "run": "run metadata",
    "observation": "observations",
    "scope": "scope records",
    "scope_error": "scope errors",
    "result": "results",
}


def timestamp(value: datetime) -> str:
    """The one text form of a sealed timestamp: UTC, microseconds, Z."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _sealed_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return timestamp(value)
    if isinstance(value, tuple):
        return list(value)
    return value


# Values `_sealed_value` leaves as they are: most of a record's, skipped cheaply.
_PLAIN = frozenset({str, int, type(None)})


def leaf_document(kind: str, record: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON document hashed for one record (useful to show an auditor)."""
    document = {}
    for name in SEALED_FIELDS[kind]:
        value = record[name]
        document[name] = value if value.__class__ in _PLAIN else _sealed_value(value)
    document["kind"] = kind
    return document


def leaf(kind: str, record: Mapping[str, Any]) -> str:
    return digest(leaf_document(kind, record))


def sealed_leaf(kind: str, record: Mapping[str, Any]) -> tuple[str, bytes]:
    """`leaf`, and the bytes it hashes (the leaf document's canonical JSON): what a proof
    shows of the record, already written."""
    body = canonical_bytes(leaf_document(kind, record))
    return HASH_PREFIX + sha256_hex(body), body


def merkle_root(leaves: Iterable[str]) -> str:
    level = sorted(bytes.fromhex(item.removeprefix(HASH_PREFIX)) for item in leaves)
    if not level:
        raise ValueError("a Merkle root needs at least one leaf")
    while len(level) > 1:
        pairs = [
            hashlib.sha256(_NODE_PREFIX + level[i] + level[i + 1]).digest()
            for i in range(0, len(level) - 1, 2)
        ]
        if len(level) % 2:
            pairs.append(level[-1])
        level = pairs
    return HASH_PREFIX + level[0].hex()


def merkle_levels(leaves: Iterable[str]) -> list[list[bytes]]:
    """Every level of the tree `merkle_root` builds, leaves (sorted) first, root last."""
    return merkle_levels_sorted(sorted(bytes.fromhex(item.removeprefix(HASH_PREFIX)) for item in leaves))


def merkle_levels_sorted(nodes: list[bytes]) -> list[list[bytes]]:
    """`merkle_levels` from the leaves' 32-byte digests, already sorted."""
    if not nodes:
        raise ValueError("a Merkle tree needs at least one leaf")
    sha256, join = hashlib.sha256, b"".join
    levels = [nodes]
    while len(levels[-1]) > 1:
        level = levels[-1]
        pairs = zip(level[::2], level[1::2], strict=False)  # an odd last node has no pair
        upper = [sha256(join((_NODE_PREFIX, left, right))).digest() for left, right in pairs]
        if len(level) % 2:
            upper.append(level[-1])
        levels.append(upper)
    return levels


def inclusion_path(levels: list[list[bytes]], index: int) -> list[str]:
    """The proof that the leaf at `index` of `levels[0]` is under the root (see 4. above)."""
    path = []
    for level in levels[:-1]:
        if index % 2:
            path.append("l:" + level[index - 1].hex())
        elif index + 1 < len(level):
            path.append("r:" + level[index + 1].hex())
        index //= 2
    return path


def multiproof_nodes(levels: list[list[bytes]], indices: Iterable[int]) -> list[list[Any]]:
    """The given nodes of the multiproof (see 5. above) of the leaves at `indices`."""
    nodes: list[list[Any]] = []
    known = sorted(set(indices))
    for depth, level in enumerate(levels[:-1]):
        held = set(known)
        nodes += [
            [depth, i ^ 1, level[i ^ 1].hex()] for i in known if i ^ 1 < len(level) and i ^ 1 not in held
        ]
        known = sorted({i // 2 for i in known})
    return nodes


def root_from_multiproof(width: int, leaves: Mapping[int, str], nodes: Iterable[Sequence[Any]]) -> str:
    """The root a multiproof leads to (`leaves`: index -> leaf digest); ValueError when
    an index is outside the tree, or a node is missing or left unused."""
    given = {(int(level), int(index)): bytes.fromhex(text) for level, index, text in nodes}
    known = {index: bytes.fromhex(digest.removeprefix(HASH_PREFIX)) for index, digest in leaves.items()}
    if not known or not all(0 <= index < width for index in known):
        raise ValueError(f"a leaf index is outside the run's {width} leaves")
    level = 0
    while width > 1:
        upper: dict[int, bytes] = {}
        for index in sorted(known):
            if index // 2 in upper:
                continue
            if index == width - 1 and index % 2 == 0:
                upper[index // 2] = known[index]  # the odd last node moves up
                continue
            pair = [
                known.get(j) or given.pop((level, j), None)
                for j in (index - index % 2, index - index % 2 + 1)
            ]
            if pair[0] is None or pair[1] is None:
                raise ValueError(f"the multiproof lacks a node at level {level}")
            upper[index // 2] = hashlib.sha256(_NODE_PREFIX + pair[0] + pair[1]).digest()
        known, level, width = upper, level + 1, (width + 1) // 2
    if given:
        raise ValueError(f"the multiproof has {len(given)} node(s) it does not use")
    return HASH_PREFIX + known[0].hex()


def root_from_path(leaf_digest: str, path: Iterable[str]) -> str:
    """The root an inclusion proof leads to from a leaf (compare it with the run's root)."""
    node = bytes.fromhex(leaf_digest.removeprefix(HASH_PREFIX))
    for step in path:
        side, _, sibling_hex = step.partition(":")
        sibling = bytes.fromhex(sibling_hex)
        if side == "l":
            node = hashlib.sha256(_NODE_PREFIX + sibling + node).digest()
        elif side == "r":
            node = hashlib.sha256(_NODE_PREFIX + node + sibling).digest()
        else:
            raise ValueError(f"a proof step is l:<hex> or r:<hex>, not {step[:20]!r}")
    return HASH_PREFIX + node.hex()


def section_roots(leaves: Mapping[str, list[str]]) -> dict[str, str | None]:
    """The Merkle root of each kind's leaves alone (None when a kind has none)."""
    return {kind: merkle_root(leaves[kind]) if leaves.get(kind) else None for kind in SEALED_FIELDS}


def run_root(leaves: Mapping[str, list[str]]) -> str:
    return merkle_root(item for kind in SEALED_FIELDS for item in leaves.get(kind, ()))


def chain_digest(previous: str | None, merkle_root: str, run_id: str, seq: int) -> str:
    return digest({"previous": previous, "merkle_root": merkle_root, "run": run_id, "seq": seq})


def snapshot_hash(body: bytes) -> str:
    return HASH_PREFIX + sha256_hex(body)
