"""GcpCollector: an organisation, or folders and projects, through Cloud Asset Inventory.

Each configured scope (`organizations/123`, `folders/456`, `projects/acme-prod`; evidra
scope `gcp:organizations/123`) is read with the few paged listings of
`context.LISTINGS`, all of them on one bounded thread pool, with one client. Then each
reader translates its asset family. A listing that fails after retries is a ScopeError
for that scope and the readers needing it (their types get `error` results); every other
reader and scope still reports. Credentials that cannot be loaded fail every scope.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from typing import Any

from google.cloud import asset_v1, osconfig_v1, securitycenter_v1

from evidra.collectors.base import ProgressCallback, announce

# Importing the reader modules registers them, in this order.
from evidra.collectors.gcp import (  # noqa: F401
    audit_logs,
    compute,
    iam,
    kms,
    monitoring,
    osconfig,
    scc,
    sql,
    storage,
)
from evidra.collectors.gcp.api import AssetApi, AssetCallFailed, GoogleApi
from evidra.collectors.gcp.context import LISTINGS, PROVIDER, READERS, Answer, Context, Listing
from evidra.collectors.gcp.credentials import CredentialError, load
from evidra.collectors.readers import run_unit
from evidra.collectors.scopes import ScopePlan, ScopeTask
from evidra.config.settings import GcpSettings
from evidra.model import Collection, ScopeError, ScopeRecord, utcnow
from evidra.redact import redact_text

log = logging.getLogger(__name__)


def parents(settings: GcpSettings) -> list[str]:
    """What to read: the folders and projects named, else the whole organisation."""
    named = [f"folders/{f}" for f in settings.folders]
    if isinstance(settings.projects, list):
        named += [f"projects/{p}" for p in settings.projects]
    return named or [f"organizations/{settings.organization}"]


class GcpCollector:
    provider = PROVIDER

    def __init__(self, settings: GcpSettings) -> None:
        self.settings = settings
        self.parents = parents(settings)
        self.api_stats: Any = None  # the last collection's request counts (benchmarks, tests)

    def collect(self, progress: ProgressCallback | None = None) -> Collection:
        return self._collect(self.parents, progress)

    def plan(self) -> ScopePlan:
        """One task per configured scope, for scale-out workers. No call is needed to
        plan: an organisation is one task, Cloud Asset answering for all its projects
        in a few pages."""
        tasks = [
            ScopeTask(f"{PROVIDER}:{parent}", {"parent": parent}, _every_type()) for parent in self.parents
        ]
        return ScopePlan(tasks)

    def collect_scope(self, task: ScopeTask) -> Collection:
        return self._collect([str(task.spec["parent"])], None)

    def _collect(self, targets: list[str], progress: ProgressCallback | None) -> Collection:
        started = utcnow()
        collection = Collection()
        try:
            loaded = load(self.settings)
        except CredentialError as exc:
            for parent in targets:
                self._fail_scope(collection, parent, started, f"gcp credentials: {exc}")
            return collection
        options = {"api_endpoint": self.settings.api_endpoint} if self.settings.api_endpoint else None
        client = asset_v1.AssetServiceClient(
            transport="rest", credentials=loaded.credentials, client_options=options
        )
        api = AssetApi(
            client,
            page_size=self.settings.page_size,
            max_attempts=self.settings.max_attempts,
            timeout=self.settings.request_timeout,
        )
        self.api_stats = api.stats

        # OS Config (patch state) and Security Command Center (findings) through their own
        # REST clients, paged and retried alike; the endpoint override serves every API
        # evidra calls (a proxy, or the fake).
        def rest_api(client: Any, service: str, max_page: dict[str, int]) -> GoogleApi:
            return GoogleApi(
                client(transport="rest", credentials=loaded.credentials, client_options=options),
                page_size=self.settings.page_size,
                max_attempts=self.settings.max_attempts,
                timeout=self.settings.request_timeout,
                service=service,
                max_page=max_page,
            )

        patching = rest_api(osconfig_v1.OsConfigZonalServiceClient, osconfig.SERVICE, osconfig.MAX_PAGE)
        findings = rest_api(securitycenter_v1.SecurityCenterClient, scc.SERVICE, scc.MAX_PAGE)
        announce(progress, len(targets))  # one unit per scope
        with ThreadPoolExecutor(self.settings.max_workers, thread_name_prefix="evidra-gcp") as pool:
            pending = {
                (parent, listing.name): pool.submit(_fetch, api, parent, listing)
                for parent in targets
                for listing in LISTINGS.values()
            }
            for parent in targets:
                answers = {name: future for (p, name), future in pending.items() if p == parent}
                ctx = Context(
                    parent, f"{PROVIDER}:{parent}", loaded.principal, started,
                    osconfig=patching, securitycenter=findings, workers=self.settings.max_workers,
                )  # fmt: skip
                failures = _settle(answers, ctx)
                if set(failures) == set(LISTINGS):  # nothing of the scope could be read
                    message = next(iter(failures.values()))
                    self._fail_scope(collection, parent, started, message)
                    if progress is not None:
                        progress(f"{ctx.scope}: {message}")
                    continue
                read = 0
                for reader in READERS.all():
                    failure = next((failures[name] for name in reader.needs if name in failures), None)
                    outcome = run_unit(PROVIDER, reader, ctx, ctx.scope, failure=failure)
                    read += len(outcome.observations)
                    outcome.add_to(collection)
                if progress is not None:
                    unread = f", {len(failures)} listing(s) unreadable" if failures else ""
                    progress(f"{ctx.scope}: {read} resource(s){unread}")
        return collection

    def _fail_scope(self, collection: Collection, parent: str, started: datetime, message: str) -> None:
        message = redact_text(message)
        scope = f"{PROVIDER}:{parent}"
        collection.errors.append(ScopeError(PROVIDER, scope, message, "cloudasset", _every_type()))
        collection.scopes.append(ScopeRecord(PROVIDER, scope, started, utcnow(), message))


def _every_type() -> tuple[str, ...]:
    return READERS.types()


def _fetch(api: AssetApi, parent: str, listing: Listing) -> Answer:
    types = list(listing.asset_types)
    if listing.method == "ListAssets":
        items, call = api.list_assets(parent, str(listing.content_type), types)
    elif listing.method == "SearchAllResources":
        items, call = api.search_all_resources(parent, types)
    else:
        items, call = api.search_all_iam_policies(parent, types)
    return Answer(items, call)


def _settle(futures: dict[str, Future[Answer]], ctx: Context) -> dict[str, str]:
    """Wait for a scope's listings: answers go into `ctx`; returns why the others failed."""
    failures: dict[str, str] = {}
    for name, future in futures.items():
        try:
            ctx.answers[name] = future.result()
        except AssetCallFailed as failure:
            failures[name] = str(failure)
        except Exception as exc:  # a bug of ours must not cost the other scopes
            log.exception("gcp listing %s of %s failed", name, ctx.parent)
            failures[name] = redact_text(f"{name} internal error: {type(exc).__name__}: {exc}")
    return failures
