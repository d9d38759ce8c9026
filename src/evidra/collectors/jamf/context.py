"""What a Jamf reader needs: the API, and the scope it observes (`jamf:<server host>`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from evidra.collectors.base import ScopeObserver
from evidra.collectors.jamf.api import JamfApi
from evidra.collectors.readers import ReaderRegistry

PROVIDER = "jamf"


@dataclass
class Context(ScopeObserver):
    provider: ClassVar[str] = PROVIDER
    api: JamfApi
    scope: str
    principal: str
    observed_at: datetime
    profiles: dict[str, Any] = field(default_factory=dict)  # cache: profile key -> payload summary


READERS: ReaderRegistry[Context] = ReaderRegistry(PROVIDER)
