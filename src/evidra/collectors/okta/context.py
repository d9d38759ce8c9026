"""What a reader needs: the API, the organisation, and the facts several readers share.

Readers are small async functions, one per kind of resource, registered on `READERS`
(the shared vocabulary of `evidra.collectors.readers`) for the types they emit. Each reads through
`Context.api` and builds observations with `Context.observe`, the one place raw
answers are redacted. Facts two readers need (who holds an admin role, the System
Log's lifecycle events) are read once, on first use, and shared.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, TypeVar

from evidra.collectors.base import ScopeObserver
from evidra.collectors.okta.api import OktaApi
from evidra.collectors.readers import ReaderRegistry
from evidra.config.settings import OktaSettings

PROVIDER = "okta"
T = TypeVar("T")


class _Once:
    """An async value computed by the first reader that asks; later askers share it
    (or share its failure)."""

    def __init__(self) -> None:
        self._task: asyncio.Task[Any] | None = None

    async def get(self, compute: Callable[[], Awaitable[T]]) -> T:
        if self._task is None:
            self._task = asyncio.ensure_future(compute())
        result: T = await asyncio.shield(self._task)
        return result


@dataclass
class Context(ScopeObserver):
    provider: ClassVar[str] = PROVIDER
    api: OktaApi
    settings: OktaSettings
    host: str
    scope: str
    principal: str
    observed_at: datetime
    _shared: dict[str, _Once] = field(default_factory=dict)

    def org_id(self, kind: str, native_id: str) -> str:
        """A resource id unique across organisations: `okta:acme.okta.com/users/00u1`."""
        return f"{PROVIDER}:{self.host}/{kind}/{native_id}"

    async def shared(self, name: str, compute: Callable[[], Awaitable[T]]) -> T:
        return await self._shared.setdefault(name, _Once()).get(compute)


READERS: ReaderRegistry[Context] = ReaderRegistry(PROVIDER)
