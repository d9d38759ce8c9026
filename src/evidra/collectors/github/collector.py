"""GitHubCollector: one organisation, scope `github:{org}` (GitHub Enterprise Server:
`github:{host}/{org}`), its readers one after another, each reading repositories in
parallel; the run itself is the shared source-control one
(`evidra.collectors.source_control.SourceControlCollector`).

githubkit was chosen over PyGithub: its `request()` takes our headers, so every GET can
be conditional (`If-None-Match`) with our own cache, answers 304 without raising, raises
typed primary and secondary rate-limit errors carrying GitHub's wait, authenticates as a
GitHub App installation (JWT then installation token, renewed) and takes a `base_url`
for GitHub Enterprise Server. PyGithub caches nothing across processes and retries
inside its own `requests` adapter, out of our sight.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

from evidra.collectors.conditional import EtagCache

# Importing the reader modules registers them, in this order.
from evidra.collectors.github import alerts, changes, members, organization, repositories  # noqa: F401
from evidra.collectors.github.api import GitHubApi, GitHubCallFailed
from evidra.collectors.github.context import PROVIDER, READERS, Context
from evidra.collectors.github.credentials import auth_strategy, principal
from evidra.collectors.secrets import CredentialError
from evidra.collectors.source_control import SourceControlCollector
from evidra.collectors.trust import tls_context
from evidra.config.settings import GitHubSettings


class GitHubCollector(SourceControlCollector[GitHubSettings]):
    provider = PROVIDER
    readers = READERS
    failure = GitHubCallFailed

    def scope_of(self, settings: GitHubSettings) -> str:
        host = urlsplit(settings.api_url).netloc
        where = settings.organization if host == "api.github.com" else f"{host}/{settings.organization}"
        return f"{PROVIDER}:{where}"

    def credential(self) -> Any:
        try:
            return auth_strategy(self.settings)
        except ValueError as exc:
            raise CredentialError(str(exc)) from None

    @contextmanager
    def connect(self, credential: Any, etags: EtagCache) -> Iterator[GitHubApi]:
        from githubkit import GitHub
        from githubkit.cache import MemCacheStrategy

        github = GitHub(
            credential,
            base_url=self.settings.api_url,
            user_agent="evidra",
            timeout=self.settings.request_timeout,
            ssl_verify=tls_context(),
            http_cache=False,
            auto_retry=False,
            # The installation token lives as long as this collection, not in a process-wide cache.
            cache_strategy=MemCacheStrategy(),
        )
        with github:
            yield GitHubApi(
                github,
                etags,
                base_url=self.settings.api_url,
                max_attempts=self.settings.max_attempts,
                max_wait_seconds=self.settings.max_rate_limit_wait_seconds,
                reserve=self.settings.max_workers,
            )

    def first_read(self, api: GitHubApi) -> dict[str, Any]:
        try:
            return api.get("getOrg", f"/orgs/{quote(self.settings.organization)}").body or {}
        except GitHubCallFailed:
            raise
        except Exception as exc:  # the App's key is first used here (JWT signing)
            raise CredentialError(f"{type(exc).__name__}: {exc}") from None

    def context(self, api: GitHubApi, first: dict[str, Any], started: datetime) -> Context:
        return Context(
            api,
            self.settings,
            first,
            self.scope,
            principal(self.settings),
            started,
            self.changes_since(started),
        )
