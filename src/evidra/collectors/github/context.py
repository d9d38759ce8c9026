"""What a GitHub reader needs: the API, the organisation, and the facts several readers
share (the repositories in scope, each one's effective protection), read once."""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, TypeVar

from evidra.collectors.base import ScopeObserver
from evidra.collectors.github.api import GitHubApi
from evidra.collectors.readers import ReaderRegistry
from evidra.config.settings import GitHubSettings

PROVIDER = "github"
READERS: ReaderRegistry[Context] = ReaderRegistry(PROVIDER)
T = TypeVar("T")
R = TypeVar("R")


@dataclass
class Context(ScopeObserver):
    provider: ClassVar[str] = PROVIDER
    api: GitHubApi
    settings: GitHubSettings
    scope: str
    principal: str
    observed_at: datetime
    changes_since: datetime  # merged pull requests are read from here on
    _shared: dict[str, Any] = field(default_factory=dict)
    _locks: dict[str, threading.Lock] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def org(self) -> str:
        return self.settings.organization

    def shared(self, name: str, compute: Callable[[], T]) -> T:
        """A value computed by the first reader that asks; later askers share it. A
        failure is not kept: the next asker tries again (and fails on its own)."""
        with self._lock:
            lock = self._locks.setdefault(name, threading.Lock())
        with lock:
            if name not in self._shared:
                self._shared[name] = compute()
            value: T = self._shared[name]
            return value

    def each(self, work: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """`work` over `items` on the configured number of threads, results in order.
        Each task runs in a copy of this context, where githubkit keeps its open client."""
        with ThreadPoolExecutor(self.settings.max_workers, thread_name_prefix="evidra-github") as pool:
            futures = [pool.submit(contextvars.copy_context().run, work, item) for item in items]
            return [future.result() for future in futures]
