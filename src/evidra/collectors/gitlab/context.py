"""What a GitLab reader needs: the API, the group, and the facts several readers share
(the projects in scope, each one's protection), read once."""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, TypeVar

from evidra.collectors.base import ScopeObserver
from evidra.collectors.gitlab.api import GitLabApi
from evidra.collectors.readers import ReaderRegistry
from evidra.config.settings import GitLabSettings

PROVIDER = "gitlab"
READERS: ReaderRegistry[Context] = ReaderRegistry(PROVIDER)
T = TypeVar("T")
R = TypeVar("R")


@dataclass
class Context(ScopeObserver):
    provider: ClassVar[str] = PROVIDER
    api: GitLabApi
    settings: GitLabSettings
    group: dict[str, Any]  # GET /groups/:id
    scope: str
    principal: str
    observed_at: datetime
    changes_since: datetime
    _shared: dict[str, Any] = field(default_factory=dict)
    _locks: dict[str, threading.Lock] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def shared(self, name: str, compute: Callable[[], T]) -> T:
        with self._lock:
            lock = self._locks.setdefault(name, threading.Lock())
        with lock:
            if name not in self._shared:
                self._shared[name] = compute()
            value: T = self._shared[name]
            return value

    def each(self, work: Callable[[T], R], items: Iterable[T]) -> list[R]:
        with ThreadPoolExecutor(self.settings.max_workers, thread_name_prefix="evidra-gitlab") as pool:
            futures = [pool.submit(contextvars.copy_context().run, work, item) for item in items]
            return [future.result() for future in futures]
