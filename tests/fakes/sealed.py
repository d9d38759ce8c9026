"""What a run seals of a collection, except the times: for tests that compare two ways
of collecting the same estate (whole, or scope by scope)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from evidra.model import Collection


def fingerprint(collection: Collection) -> dict[str, Any]:
    return {
        "snapshots": Counter(o.evidence_hash for o in collection.observations),
        "provenance": Counter(str(o.provenance()) for o in collection.observations),
        "scopes": Counter((s.provider, s.scope, s.error) for s in collection.scopes),
        "errors": Counter(collection.errors),
    }
