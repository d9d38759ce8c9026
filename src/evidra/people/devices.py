"""What a run read of device management, as the people checks need it: each device or
account as seen (in this run, or as the store last kept it), and which device
management scopes the run read in full (a device missing from one of those is gone;
from any other, nothing new is known)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from evidra.model import Collection


@dataclass(frozen=True, slots=True)
class Seen:
    """An endpoint.device or identity.user: an Observation of this run or a stored
    ResourceState (the same five fields)."""

    provider: str
    scope: str
    id: str
    name: str
    attributes: Mapping[str, Any]

    @classmethod
    def of(cls, item: Any) -> Seen:
        return cls(item.provider, item.scope, item.id, item.name or item.id, item.attributes)

    @property
    def ref(self) -> str:
        return f"{self.provider}|{self.scope}|{self.id}"

    @property
    def label(self) -> str:
        return f"{self.provider}:{self.name}"


def device_failures(collection: Collection) -> list[tuple[str, str]]:
    """(provider, scope) of the device management reads that failed in this run."""
    return sorted({(e.provider, e.scope) for e in collection.errors if "endpoint.device" in (e.types or ())})


def devices_read(collection: Collection) -> set[str]:
    """`provider|scope` of the scopes this run read with their devices."""
    failed = {f"{provider}|{scope}" for provider, scope in device_failures(collection)}
    return {f"{s.provider}|{s.scope}" for s in collection.scopes} - failed
