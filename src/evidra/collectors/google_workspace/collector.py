"""GoogleWorkspaceCollector: one Workspace account through the Admin SDK, scope
`google_workspace:<customer id>`.

Credentials are loaded and the clients built first; if that fails the scope is one
error for every type. Then each reader (users, audit events, and with `devices: true`
Google endpoint management's devices) runs as its own unit (evidra.collectors.readers):
one that fails is a ScopeError for its types and the others still report. The users
reader runs first: the audit reader keeps the sign-ins of the users it found suspended
or archived. The devices API is read with credentials of its own scope, so a delegation
that lacks it fails the devices alone.
"""

from __future__ import annotations

from evidra.collectors.base import ProgressCallback, announce

# Importing the reader modules registers them, users first.
from evidra.collectors.google_workspace import devices, directory, reports  # noqa: F401
from evidra.collectors.google_workspace.api import AdminApi, WorkspaceCallFailed
from evidra.collectors.google_workspace.context import DEVICES, PROVIDER, READERS, Context
from evidra.collectors.google_workspace.credentials import CredentialError, load
from evidra.collectors.readers import run_unit
from evidra.config.settings import GOOGLE_WORKSPACE_DEVICES_SCOPE, GoogleWorkspaceSettings
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
        readers = READERS.all("") + (READERS.all(DEVICES) if self.settings.devices else [])
        try:
            loaded = load(self.settings)
            for_devices = (
                load(self.settings, (GOOGLE_WORKSPACE_DEVICES_SCOPE,)) if self.settings.devices else None
            )
            self.api = AdminApi(
                self.settings, loaded.credentials, for_devices.credentials if for_devices else None
            )
        except CredentialError as exc:
            message = redact_text(f"google_workspace credentials: {exc}")
            types = tuple(sorted({t for reader in readers for t in reader.types}))
            collection.errors.append(ScopeError(PROVIDER, self.scope, message, PROVIDER, types))
            collection.scopes.append(ScopeRecord(PROVIDER, self.scope, started, utcnow(), message))
            return collection
        ctx = Context(self.api, self.settings, self.scope, loaded.principal, started)
        announce(progress, len(readers))
        for reader in readers:
            outcome = run_unit(
                PROVIDER, reader, ctx, self.scope, expected=(WorkspaceCallFailed,), progress=progress
            )
            collection.observations.extend(outcome.observations)
            collection.errors.extend(outcome.errors)
            collection.scopes.append(outcome.record)
        return collection
