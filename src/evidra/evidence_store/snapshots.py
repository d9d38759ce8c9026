"""Snapshot bodies on disk: compressed, a new version as a delta against an older one.

A snapshot's hash is always the SHA-256 of its *canonical JSON*; how those bytes are
kept is a storage matter (migration 0003), invisible to the seal:

    raw         the canonical JSON itself (snapshots stored before 0003)
    zlib        zlib-compressed
    zlib-delta  zlib-compressed with the body of `base` as preset dictionary: a
                resource whose new state differs from its last one by an attribute
                costs tens of bytes, not the whole body again

A delta's base is always a full body (`raw` or `zlib`), so reading one never takes
more than two rows. A delta is only kept when it is less than half the full
compressed body; otherwise the version is stored in full and becomes the base for
the next ones. Readers check every body against its hash after decoding, so a stored
byte altered (in a delta or in its base) is caught either way.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from evidra.evidence_store.database import Part, StoreError
from evidra.evidence_store.integrity import snapshot_hash
from evidra.evidence_store.models import SnapshotRow
from evidra.evidence_store.spans import batches

RAW, ZLIB, DELTA = "raw", "zlib", "zlib-delta"
_LEVEL = 6
_INSERT_BATCH = 1000  # bodies read, compressed and written together


def compress(body: bytes, base: bytes | None) -> tuple[str, bytes]:
    full = zlib.compress(body, _LEVEL)
    if base is None:
        return ZLIB, full
    compressor = zlib.compressobj(_LEVEL, zdict=base)
    delta = compressor.compress(body) + compressor.flush()
    return (DELTA, delta) if len(delta) * 2 < len(full) else (ZLIB, full)


def decompress(codec: str, stored: bytes, base: bytes | None) -> bytes | None:
    """The canonical JSON, or None when the stored bytes cannot be decoded (altered)."""
    try:
        if codec == RAW:
            return stored
        if codec == ZLIB:
            return zlib.decompress(stored)
        if codec == DELTA and base is not None:
            decompressor = zlib.decompressobj(zdict=base)
            return decompressor.decompress(stored) + decompressor.flush()
    except zlib.error:
        return None
    return None


def existing(session: Session, keys: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for batch in batches(sorted(keys)):
        found.update(session.scalars(select(SnapshotRow.hash).where(SnapshotRow.hash.in_(batch))))
    return found


def read(session: Session, keys: Iterable[str], with_bases: bool = False) -> dict[str, bytes | None]:
    """Each stored snapshot's canonical JSON (None: cannot be decoded). Missing keys
    are absent. `with_bases`: the full bodies read as bases of deltas are added too.
    The caller checks the bytes against the hash."""
    rows = _rows(session, keys)
    bases = {row[1] for row in rows.values() if row[0] == DELTA and row[1]}
    base_rows = _rows(session, bases - rows.keys())
    everything = {**base_rows, **rows}
    full = {
        key: decompress(codec, stored, None)
        for key, (codec, _, stored) in everything.items()
        if codec != DELTA
    }
    bodies: dict[str, bytes | None] = {}
    for key, (codec, base, stored) in rows.items():
        bodies[key] = (
            decompress(codec, stored, full.get(base) if base else None) if codec == DELTA else full[key]
        )
    if with_bases:
        for key, body in full.items():
            bodies.setdefault(key, body)
    return bodies


# Built once (not per batch) and its rows unpacked: a year's report reads 200,000 of them.
_STORED = select(SnapshotRow.hash, SnapshotRow.codec, SnapshotRow.base, SnapshotRow.body).where(
    SnapshotRow.hash.in_(bindparam("keys", expanding=True))
)


def _rows(session: Session, keys: Iterable[str]) -> dict[str, tuple[str, str | None, bytes]]:
    rows: dict[str, tuple[str, str | None, bytes]] = {}
    for batch in batches(sorted(keys)):
        for key, codec, base, body in session.connection().execute(_STORED, {"keys": list(batch)}):
            rows[key] = (codec, base, bytes(body))
    return rows


def insert(session: Session, bodies: Mapping[str, bytes], previous: Mapping[str, str]) -> None:
    """Store the snapshots not stored yet. `previous` maps a new snapshot to the one
    the same resource had before (the candidate base for a delta). Bodies are read,
    compressed and written a batch at a time: `bodies` may be on disk."""
    stored_already = existing(session, bodies)
    new = sorted(key for key in bodies if key not in stored_already)  # sorted: row locks in one order
    dialect_insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    for batch in batches(new, _INSERT_BATCH):
        _insert_batch(session, dialect_insert, {key: bodies[key] for key in batch}, previous)


def _insert_batch(
    session: Session, dialect_insert: Any, new: Mapping[str, bytes], previous: Mapping[str, str]
) -> None:
    candidates = {previous[key] for key in new if key in previous}
    stored = _rows(session, candidates)
    # A delta's base must be a full body: the candidate itself, or the base it has.
    keyframe = {key: (row[1] if row[0] == DELTA else key) for key, row in stored.items()}
    frames = read(session, {frame for frame in keyframe.values() if frame})
    rows = []
    for key, body in new.items():
        base = keyframe.get(previous.get(key, ""))
        base_body = frames.get(base) if base else None
        codec, data = compress(body, base_body)
        rows.append(
            {
                "hash": key,
                "body": data,
                "size": len(body),
                "codec": codec,
                "base": base if codec == DELTA else None,
            }
        )
    session.execute(dialect_insert(SnapshotRow).on_conflict_do_nothing(index_elements=["hash"]), rows)


class Snapshots(Part):
    """Snapshots (resource states, provenance, run parameters) by hash, every body
    checked against its hash as it is read."""

    def body(self, key: str) -> bytes:
        """A snapshot's canonical JSON bytes (KeyError: none has that hash)."""
        return self.bodies([key])[key]

    def document(self, key: str) -> dict[str, Any]:
        """A snapshot as parsed JSON."""
        document: dict[str, Any] = json.loads(self.body(key))
        return document

    def bodies(self, keys: Iterable[str], with_bases: bool = False) -> dict[str, bytes]:
        """Many snapshots' canonical JSON bytes at once (StoreError names the first
        altered one; KeyError the first missing). `with_bases`: also the full bodies
        read on the way as the bases of deltas, checked the same: a resource's older
        version is often its newer one's base, so a reader wanting both reads it once."""
        keys = list(keys)
        with self._read() as session:
            found = read(session, keys, with_bases)
        for key in [*keys, *(found.keys() - set(keys) if with_bases else ())]:
            if key not in found:
                raise KeyError(key)
            body = found[key]
            if body is None or snapshot_hash(body) != key:
                raise StoreError(f"snapshot {key} no longer matches its hash (content altered)")
        return {key: body for key, body in found.items() if body is not None}
