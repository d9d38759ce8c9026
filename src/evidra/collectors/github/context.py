"""What a GitHub reader needs: the shared source-control context
(`evidra.collectors.source_control`) with GitHub's API and settings; the facts several
readers share (the repositories in scope, each one's effective protection) are read once
through `shared`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from evidra.collectors.github.api import GitHubApi
from evidra.collectors.readers import ReaderRegistry
from evidra.collectors.source_control import SourceControlContext
from evidra.config.settings import GitHubSettings

PROVIDER = "github"
READERS: ReaderRegistry[Context] = ReaderRegistry(PROVIDER)


@dataclass
class Context(SourceControlContext[GitHubApi, GitHubSettings]):
    provider: ClassVar[str] = PROVIDER

    @property
    def org(self) -> str:
        return self.settings.organization
