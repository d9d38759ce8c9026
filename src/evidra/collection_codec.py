"""A `Collection` as bytes and back: how a scale-out worker hands a scope's output to
the run that seals it (through the evidence database's staging table).

The bytes are zlib-compressed canonical JSON (`evidra.canonical`), the same form
snapshots and provenance are hashed in, so a decoded observation has the very
snapshot and provenance digests the worker's had: attributes and raw answers come
back as the JSON they are hashed as (collectors already write timestamps in
attributes as ISO strings), and the times of an observation and of a scope record
come back as the same aware datetimes.
"""

from __future__ import annotations

import json
import zlib
from datetime import datetime
from typing import Any

from evidra.canonical import canonical_bytes
from evidra.model import ApiCall, Collection, Observation, ScopeError, ScopeRecord

FORMAT = "evidra.collection/v1"


def encode(collection: Collection) -> bytes:
    document = {
        "format": FORMAT,
        "observations": [_observation(o) for o in collection.observations],
        "errors": [
            {
                "provider": e.provider,
                "scope": e.scope,
                "message": e.message,
                "service": e.service,
                "types": list(e.types),
            }
            for e in collection.errors
        ],
        "scopes": [
            {
                "provider": s.provider,
                "scope": s.scope,
                "started_at": s.started_at,
                "finished_at": s.finished_at,
                "error": s.error,
            }
            for s in collection.scopes
        ],
    }
    return zlib.compress(canonical_bytes(document))


def decode(payload: bytes) -> Collection:
    document = json.loads(zlib.decompress(payload))
    if document.get("format") != FORMAT:
        raise ValueError(f"not a collection in {FORMAT} (found {document.get('format')!r})")
    collection = Collection(
        errors=[ScopeError(**{**e, "types": tuple(e["types"])}) for e in document["errors"]],
        scopes=[
            ScopeRecord(**{**s, "started_at": _time(s["started_at"]), "finished_at": _time(s["finished_at"])})
            for s in document["scopes"]
        ],
    )
    collection.observations.extend(
        Observation(
            provider=o["provider"],
            scope=o["scope"],
            type=o["type"],
            id=o["id"],
            name=o["name"],
            attributes=o["attributes"],
            raw=o["raw"],
            calls=[ApiCall(**call) for call in o["calls"]],
            principal=o["principal"],
            observed_at=_time(o["observed_at"]),
        )
        for o in document["observations"]
    )
    return collection


def _observation(o: Observation) -> dict[str, Any]:
    return {
        "provider": o.provider,
        "scope": o.scope,
        "type": o.type,
        "id": o.id,
        "name": o.name,
        "attributes": o.attributes,
        "raw": o.raw,
        "calls": [call.to_dict() for call in o.calls],
        "principal": o.principal,
        "observed_at": o.observed_at,
    }


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text)
