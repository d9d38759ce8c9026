"""GitLabCollector: one group and its subgroups, scope `gitlab:{host}/{group}`, its
readers one after another, each reading projects in parallel; the run itself is the
shared source-control one (`evidra.collectors.source_control.SourceControlCollector`).

python-gitlab: GitLab's maintained client, whose `http_request` takes our headers (so
every GET can be conditional), retries 429s after `Retry-After` and 5xx answers, and
speaks to gitlab.com and self-managed instances alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

from evidra.collectors.conditional import EtagCache

# Importing the reader modules registers them, in this order.
from evidra.collectors.gitlab import group, members, merge_requests, projects, vulnerabilities  # noqa: F401
from evidra.collectors.gitlab.api import GitLabApi, GitLabCallFailed
from evidra.collectors.gitlab.context import PROVIDER, READERS, Context
from evidra.collectors.secrets import secret_from
from evidra.collectors.source_control import SourceControlCollector
from evidra.collectors.trust import requests_session
from evidra.config.settings import GitLabSettings


class GitLabCollector(SourceControlCollector[GitLabSettings]):
    provider = PROVIDER
    readers = READERS
    failure = GitLabCallFailed

    def scope_of(self, settings: GitLabSettings) -> str:
        return f"{PROVIDER}:{urlsplit(settings.url).netloc}/{settings.group}"

    def credential(self) -> str:
        return secret_from(self.settings.token_env, self.settings.token_file, "token_file")

    @contextmanager
    def connect(self, credential: str, etags: EtagCache) -> Iterator[GitLabApi]:
        import gitlab

        client = gitlab.Gitlab(
            self.settings.url,
            private_token=credential,
            session=requests_session(),
            timeout=self.settings.request_timeout,
            retry_transient_errors=True,
        )
        try:
            yield GitLabApi(client, etags, url=self.settings.url, max_attempts=self.settings.max_attempts)
        finally:
            client.session.close()

    def first_read(self, api: GitLabApi) -> dict[str, Any]:
        found: dict[str, Any] = api.get("getGroup", f"/groups/{quote(self.settings.group, safe='')}").body
        return found or {}

    def context(self, api: GitLabApi, first: dict[str, Any], started: datetime) -> Context:
        where = f"${self.settings.token_env}" if self.settings.token_env else self.settings.token_file
        principal = f"gitlab token from {where}"
        return Context(api, self.settings, first, self.scope, principal, started, self.changes_since(started))
