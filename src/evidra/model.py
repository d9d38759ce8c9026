"""The data every part of evidra exchanges: observations, results, scope errors.

Collectors produce `Observation`s, the engine turns them into `Result`s, the store
keeps both. These are plain dataclasses so that importing them costs nothing
(`evidra --help` must stay fast) and nothing here knows about any cloud.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from evidra.canonical import digest
from evidra.spool import Spool


class Status(StrEnum):
    PASS = "pass"  # noqa: S105 - a verdict, not a password
    FAIL = "fail"
    ERROR = "error"
    NOT_APPLICABLE = "not_applicable"
    EXCEPTED = "excepted"


_clock: Callable[[], datetime] | None = None


def utcnow() -> datetime:
    """Now, in UTC: every time evidra stamps (runs, scope reads, verdicts) comes from
    here, so a test can drive a whole history with `set_clock`."""
    return _clock() if _clock is not None else datetime.now(UTC)


def set_clock(clock: Callable[[], datetime] | None) -> None:
    """Replace the clock (None: the system's). For tests and replays only."""
    global _clock
    _clock = clock


def iso(ts: datetime | None) -> str | None:
    """ISO 8601 in UTC with a Z, the one timestamp format evidra writes."""
    if ts is None:
        return None
    return ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class MalformedAnswer(ValueError):
    """A provider's answer that cannot be read as what the API documents (a credential
    report row that does not parse, a field without a name). It costs its scope an
    `error` result, never the run."""


@dataclass(frozen=True)
class ApiCall:
    """One read-only API operation a collector made: the provenance of what it saw."""

    service: str
    operation: str
    parameters: dict[str, Any] = field(default_factory=dict)
    region: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "operation": self.operation,
            "parameters": self.parameters,
            "region": self.region,
        }


_SNAPSHOT_HEAD = b'{"attributes":'
_DECODER = json.JSONDecoder()


@dataclass
class Observation:
    """What a collector saw of one resource in one scope.

    `attributes` are the normalized attributes controls read (see
    `evidra.resource_types`); `raw` is the provider's own answer, secrets redacted;
    `calls` and `principal` say how it was obtained. `observed_at` is the time of the
    scope's collection.
    """

    provider: str
    scope: str
    type: str
    id: str
    attributes: dict[str, Any]
    raw: dict[str, Any]
    calls: list[ApiCall]
    principal: str
    observed_at: datetime
    name: str | None = None

    def snapshot(self) -> dict[str, Any]:
        """The state part: what the resource looked like. Content-addressed, so it
        holds nothing that changes when the resource does not (no timestamps of ours)."""
        return {
            "provider": self.provider,
            "scope": self.scope,
            "type": self.type,
            "id": self.id,
            "name": self.name,
            "attributes": self.attributes,
            "raw": self.raw,
        }

    @staticmethod
    def snapshot_attributes(body: bytes) -> dict[str, Any]:
        """The attributes of a stored `snapshot()` (its canonical JSON), without parsing
        the raw answer after them: keys are sorted, so `attributes` comes first, and the
        raw answer is the bulk of a snapshot."""
        if body.startswith(_SNAPSHOT_HEAD):
            found = _DECODER.raw_decode(body.decode(), len(_SNAPSHOT_HEAD))[0]
        else:
            found = json.loads(body).get("attributes")
        return found or {}

    def provenance(self) -> dict[str, Any]:
        """How it was obtained, without the time (kept on the scope record), so that
        provenance too is stored once while the collector's behaviour is unchanged."""
        return {"principal": self.principal, "calls": [c.to_dict() for c in self.calls]}

    @property
    def evidence_hash(self) -> str:
        return digest(self.snapshot())

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.provider, self.scope, self.type, self.id)


@dataclass(frozen=True)
class ScopeError:
    """A scope (account x region x service, subscription, project ...) that could not be read."""

    provider: str
    scope: str
    message: str
    service: str | None = None
    # The resource types the failed read would have produced: controls over them
    # get an `error` result for this scope instead of silently judging less.
    types: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"provider": self.provider, "scope": self.scope, "message": self.message}


@dataclass(frozen=True)
class ResourceRef:
    provider: str
    scope: str
    type: str
    id: str

    def to_dict(self) -> dict[str, str]:
        return {"provider": self.provider, "scope": self.scope, "type": self.type, "id": self.id}


@dataclass(frozen=True)
class Result:
    """The verdict of one control on one resource (or on one scope, for errors)."""

    control: str
    requirement: str
    tsc: tuple[str, ...]
    status: Status
    resource: ResourceRef
    reason: str
    evidence: str | None = None  # sha256:... of the snapshot the verdict was decided on

    def to_dict(self) -> dict[str, Any]:
        return {
            "control": self.control,
            "requirement": self.requirement,
            "tsc": list(self.tsc),
            "status": self.status.value,
            "resource": self.resource.to_dict(),
            "reason": self.reason,
            "evidence": self.evidence,
        }


@dataclass
class ScopeRecord:
    """One scope's collection within a run: when, and whether it succeeded."""

    provider: str
    scope: str
    started_at: datetime
    finished_at: datetime
    error: str | None = None


@dataclass
class Collection:
    """Everything one provider's collection returned."""

    # Spilled to disk past a chunk: a large organisation is never all in memory.
    observations: Spool[Observation] = field(default_factory=lambda: Spool[Observation]())
    errors: list[ScopeError] = field(default_factory=list)
    scopes: list[ScopeRecord] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not isinstance(self.observations, Spool):  # a list from a test or a decoder
            self.observations = Spool(self.observations)

    def extend(self, other: Collection) -> None:
        self.observations.extend(other.observations)
        self.errors.extend(other.errors)
        self.scopes.extend(other.scopes)
