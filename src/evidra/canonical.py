"""Canonical JSON and its digest: the one way evidra turns data into bytes to hash.

Keys sorted, no insignificant whitespace, UTF-8, datetimes as ISO 8601 UTC. Two
equal documents always give the same bytes, so the same evidence is stored once
and a digest recomputed years later matches.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"cannot serialise {type(value).__name__} as evidence")


# One encoder for every call: `json.dumps` with options builds a new one each time,
# a tenth of hashing a large run. Its `encode` keeps no state between calls.
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_default)


def canonical_bytes(document: Any) -> bytes:
    return _ENCODER.encode(document).encode("utf-8")


def to_jsonable(document: Any) -> Any:
    """The document as plain JSON types (datetimes become strings), as it will be hashed."""
    return json.loads(canonical_bytes(document))


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def digest(document: Any) -> str:
    """`sha256:<hex>` of the document's canonical JSON."""
    return "sha256:" + sha256_hex(canonical_bytes(document))
