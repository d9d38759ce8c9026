"""What a GitLab reader needs: the shared source-control context
(`evidra.collectors.source_control`) with GitLab's API and settings, the group as the
first read answered it (`GET /groups/:id`); the facts several readers share (the projects
in scope, each one's protection) are read once through `shared`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from evidra.collectors.gitlab.api import GitLabApi
from evidra.collectors.readers import ReaderRegistry
from evidra.collectors.source_control import SourceControlContext
from evidra.config.settings import GitLabSettings

PROVIDER = "gitlab"
READERS: ReaderRegistry[Context] = ReaderRegistry(PROVIDER)


@dataclass
class Context(SourceControlContext[GitLabApi, GitLabSettings]):
    provider: ClassVar[str] = PROVIDER

    @property
    def group(self) -> dict[str, Any]:
        return self.organization
