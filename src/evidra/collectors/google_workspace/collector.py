"""GoogleWorkspaceCollector: one Workspace account through the Admin SDK, scope
`google_workspace:<customer id>`.

Credentials are loaded and the clients built first; if that fails the scope is one
error for every type. Then each reader (users, audit events) runs as its own unit
(evidra.collectors.readers): one that fails is a ScopeError for its types and the other
still reports. The users reader runs first: the audit reader keeps the sign-ins of the
users it found suspended or archived.
"""

from __future__ import annotations

from evidra.collectors.base import ProgressCallback, announce

# Importing the reader modules registers them, users first.
from evidra.collectors.google_workspace import directory, reports  # noqa: F401
from evidra.collectors.google_workspace.api import AdminApi, WorkspaceCallFailed
from evidra.collectors.google_workspace.context import PROVIDER, READERS, Context
from evidra.collectors.google_workspace.credentials import CredentialError, load
from evidra.collectors.readers import run_unit
from evidra.config.settings import GoogleWorkspaceSettings
from evidra.model import Collection, ScopeError, ScopeRecord, utcnow
from evidra.redact import redact_text


class GoogleWorkspaceCollector:
    provider = PROVIDER

    def __init__(self, settings: GoogleWorkspaceSettings) -> None:
        self.settings = settings
        self.scope = f"{PROVIDER}:{settings.customer_id}"
        self.api: AdminApi | None = None  # the last collection's clients (request counts for benchmarks)

    def collect(self, progress: ProgressCallback | None = None) -> Collection:
        started = utcnow()
        collection = Collection()
        try:
            loaded = load(self.settings)
            self.api = AdminApi(self.settings, loaded.credentials)
        except CredentialError as exc:
            message = redact_text(f"google_workspace credentials: {exc}")
            collection.errors.append(ScopeError(PROVIDER, self.scope, message, PROVIDER, READERS.types()))
            collection.scopes.append(ScopeRecord(PROVIDER, self.scope, started, utcnow(), message))
            return collection
        ctx = Context(self.api, self.settings, self.scope, loaded.principal, started)
        announce(progress, len(READERS.all()))
        for reader in READERS.all():
            outcome = run_unit(
                PROVIDER, reader, ctx, self.scope, expected=(WorkspaceCallFailed,), progress=progress
            )
            collection.observations.extend(outcome.observations)
            collection.errors.extend(outcome.errors)
            collection.scopes.append(outcome.record)
        return collection
