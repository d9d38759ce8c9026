"""GitLabCollector: one group and its subgroups, scope `gitlab:{host}/{group}`, its
readers one after another, each reading projects in parallel.

python-gitlab: GitLab's maintained client, whose `http_request` takes our headers (so
every GET can be conditional), retries 429s after `Retry-After` and 5xx answers, and
speaks to gitlab.com and self-managed instances alike. First the group is read (proving
the token); if that fails, the whole scope is one error for every type. Changes are read
from the last successful read of this scope, which the runner takes from the evidence
store (`resume`); without one, from `since` (default 90 days).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

from evidra.collectors.base import ProgressCallback, announce
from evidra.collectors.conditional import EtagCache, default_folder

# Importing the reader modules registers them, in this order.
from evidra.collectors.gitlab import group, merge_requests, projects, vulnerabilities  # noqa: F401
from evidra.collectors.gitlab.api import GitLabApi, GitLabCallFailed
from evidra.collectors.gitlab.context import PROVIDER, READERS, Context
from evidra.collectors.readers import run_unit
from evidra.collectors.secrets import CredentialError, secret_from
from evidra.collectors.trust import requests_session
from evidra.config.settings import GitLabSettings
from evidra.model import Collection, ScopeError, ScopeRecord, utcnow
from evidra.redact import redact_text

DEFAULT_DAYS = 90
CURSOR_OVERLAP = timedelta(minutes=10)  # as GitHub's: whole-second times, late listings
_EXPECTED_FAILURES = (GitLabCallFailed,)


class GitLabCollector:
    provider = PROVIDER

    def __init__(self, settings: GitLabSettings) -> None:
        self.settings = settings
        self.scope = f"{PROVIDER}:{urlsplit(settings.url).netloc}/{settings.group}"
        self.last_read: datetime | None = None
        self.api_stats: Any = None

    def resume(self, last_reads: Mapping[str, datetime]) -> None:
        self.last_read = last_reads.get(self.scope)

    def changes_since(self, now: datetime) -> datetime:
        first = (
            datetime.combine(self.settings.since, datetime.min.time(), UTC)
            if self.settings.since
            else now - timedelta(days=DEFAULT_DAYS)
        )
        return max(first, self.last_read - CURSOR_OVERLAP) if self.last_read else first

    def collect(self, progress: ProgressCallback | None = None) -> Collection:
        import gitlab

        started = utcnow()
        collection = Collection()
        try:
            token = secret_from(self.settings.token_env, self.settings.token_file, "token_file")
        except CredentialError as exc:
            self._fail_all(collection, started, f"gitlab credentials: {exc}")
            return collection
        client = gitlab.Gitlab(
            self.settings.url,
            private_token=token,
            session=requests_session(),
            timeout=self.settings.request_timeout,
            retry_transient_errors=True,
        )
        del token
        etags = EtagCache.open(
            self.settings.cache_dir or default_folder(PROVIDER), quote(self.scope, safe="")
        )
        api = GitLabApi(client, etags, url=self.settings.url, max_attempts=self.settings.max_attempts)
        self.api_stats = api.stats
        try:
            try:
                found = api.get("getGroup", f"/groups/{quote(self.settings.group, safe='')}").body or {}
            except GitLabCallFailed as failure:
                self._fail_all(collection, started, str(failure))
                return collection
            where = f"${self.settings.token_env}" if self.settings.token_env else self.settings.token_file
            principal = f"gitlab token from {where}"
            ctx = Context(
                api, self.settings, found, self.scope, principal, started, self.changes_since(started)
            )
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
            client.session.close()
        return collection

    def _fail_all(self, collection: Collection, started: Any, message: str) -> None:
        message = redact_text(message)
        collection.errors.append(ScopeError(PROVIDER, self.scope, message, PROVIDER, READERS.types()))
        collection.scopes.append(ScopeRecord(PROVIDER, self.scope, started, utcnow(), message))
