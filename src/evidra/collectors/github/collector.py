"""GitHubCollector: one organisation, scope `github:{org}` (GitHub Enterprise Server:
`github:{host}/{org}`), its readers one after another, each reading repositories in
parallel.

githubkit was chosen over PyGithub: its `request()` takes our headers, so every GET can
be conditional (`If-None-Match`) with our own cache, answers 304 without raising, raises
typed primary and secondary rate-limit errors carrying GitHub's wait, authenticates as a
GitHub App installation (JWT then installation token, renewed) and takes a `base_url`
for GitHub Enterprise Server. PyGithub caches nothing across processes and retries
inside its own `requests` adapter, out of our sight.

First the organisation is read (proving the credential); if that fails, the whole scope
is one error for every type. Otherwise each reader runs as its own unit (`run_unit`).

Changes are read from the last successful read of this scope, which the runner takes
from the evidence store (`resume`); without one, from `since` (default 90 days).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

from evidra.collectors.base import ProgressCallback, announce
from evidra.collectors.conditional import EtagCache, default_folder

# Importing the reader modules registers them, in this order.
from evidra.collectors.github import alerts, changes, organization, repositories  # noqa: F401
from evidra.collectors.github.api import GitHubApi, GitHubCallFailed
from evidra.collectors.github.context import PROVIDER, READERS, Context
from evidra.collectors.github.credentials import auth_strategy, principal
from evidra.collectors.readers import run_unit
from evidra.collectors.secrets import CredentialError
from evidra.collectors.trust import tls_context
from evidra.config.settings import GitHubSettings
from evidra.model import Collection, ScopeError, ScopeRecord, utcnow
from evidra.redact import redact_text

log = logging.getLogger(__name__)
DEFAULT_DAYS = 90
# Changes are read from a little before the last read: GitHub's times are whole seconds,
# and a merge in the second a read started, or one the listing showed late, must not be
# lost. A change read twice is the same event (same id), not two.
CURSOR_OVERLAP = timedelta(minutes=10)
_EXPECTED_FAILURES = (GitHubCallFailed,)


class GitHubCollector:
    provider = PROVIDER

    def __init__(self, settings: GitHubSettings) -> None:
        self.settings = settings
        host = urlsplit(settings.api_url).netloc
        self.scope = (
            f"{PROVIDER}:{settings.organization}"
            if host == "api.github.com"
            else f"{PROVIDER}:{host}/{settings.organization}"
        )
        self.last_read: datetime | None = None
        self.api_stats: Any = None  # the last collection's request counts (benchmarks)

    def resume(self, last_reads: Mapping[str, datetime]) -> None:
        """The last successful reads of this provider's scopes (from the evidence store)."""
        self.last_read = last_reads.get(self.scope)

    def changes_since(self, now: datetime) -> datetime:
        first = (
            datetime.combine(self.settings.since, datetime.min.time(), UTC)
            if self.settings.since
            else now - timedelta(days=DEFAULT_DAYS)
        )
        return max(first, self.last_read - CURSOR_OVERLAP) if self.last_read else first

    def collect(self, progress: ProgressCallback | None = None) -> Collection:
        from githubkit import GitHub
        from githubkit.cache import MemCacheStrategy

        started = utcnow()
        collection = Collection()
        try:
            auth = auth_strategy(self.settings)
        except (CredentialError, ValueError) as exc:
            self._fail_all(collection, started, f"github credentials: {exc}")
            return collection
        folder = self.settings.cache_dir or default_folder(PROVIDER)
        etags = EtagCache.open(folder, quote(self.scope, safe=""))
        github = GitHub(
            auth,
            base_url=self.settings.api_url,
            user_agent="evidra",
            timeout=self.settings.request_timeout,
            ssl_verify=tls_context(),
            http_cache=False,
            auto_retry=False,
            # The installation token lives as long as this collection, not in a process-wide cache.
            cache_strategy=MemCacheStrategy(),
        )
        api = GitHubApi(
            github,
            etags,
            base_url=self.settings.api_url,
            max_attempts=self.settings.max_attempts,
            max_wait_seconds=self.settings.max_rate_limit_wait_seconds,
            reserve=self.settings.max_workers,
        )
        self.api_stats = api.stats
        try:
            with github:
                try:
                    org = api.get("getOrg", f"/orgs/{quote(self.settings.organization)}").body
                except GitHubCallFailed as failure:
                    self._fail_all(collection, started, str(failure))
                    return collection
                except Exception as exc:  # the App's key is first used here (JWT signing)
                    self._fail_all(collection, started, f"github credentials: {type(exc).__name__}: {exc}")
                    return collection
                ctx = Context(
                    api,
                    self.settings,
                    self.scope,
                    principal(self.settings),
                    started,
                    self.changes_since(started),
                )
                ctx.shared("organization", lambda: org)  # read once: it proved the credential
                announce(progress, len(READERS.all()))
                for reader in READERS.all():
                    outcome = run_unit(
                        PROVIDER, reader, ctx, self.scope, expected=_EXPECTED_FAILURES, progress=progress
                    )
                    collection.observations.extend(outcome.observations)
                    collection.errors.extend(outcome.errors)
                    collection.scopes.append(outcome.record)
        finally:
            etags.close()
        return collection

    def _fail_all(self, collection: Collection, started: Any, message: str) -> None:
        message = redact_text(message)
        every_type = READERS.types()
        collection.errors.append(ScopeError(PROVIDER, self.scope, message, PROVIDER, every_type))
        collection.scopes.append(ScopeRecord(PROVIDER, self.scope, started, utcnow(), message))
