"""AzureCollector: every subscription through Resource Manager, the tenant through Graph.

Scopes: `azure:<subscription id>` for each subscription, `azure:<tenant id>:directory`
for Entra ID. The subscriptions are every one the principal can see (`all`) or the
configured list, each proven readable first (`subscriptions.get`): one that is not
(403, 404, disabled) is one error for every type its readers emit, and the rest is
read. Then every (subscription, reader) pair and every directory reader runs as its
own unit on one pool of `max_workers` threads; a unit that fails is a ScopeError for
its types (its observations dropped: a partial population would look complete) and
the others still report.

TLS trust is azure-core's (requests): the system store, or `REQUESTS_CA_BUNDLE` /
`SSL_CERT_FILE`. Verification is never turned off.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

# Importing the reader modules registers them, in this order.
from evidra.collectors.azure import (  # noqa: F401
    appservice,
    assessments,
    compute,
    conditional_access,
    defender,
    directory,
    flexible_servers,
    intune,
    keyvault,
    loganalytics,
    monitor,
    network,
    recoveryservices,
    sql,
    storage,
)
from evidra.collectors.azure.cloud import Endpoints, endpoints
from evidra.collectors.azure.context import (
    ARM,
    GRAPH,
    INTUNE,
    PROVIDER,
    READERS,
    Arm,
    AzureCallFailed,
    Directory,
    Observer,
    failure,
)
from evidra.collectors.azure.credentials import credential, principal, signin_advice
from evidra.collectors.azure.graph import Graph
from evidra.collectors.azure.pipeline import ReadBudget, ReadOnly, client_options, wire
from evidra.collectors.base import ProgressCallback, announce
from evidra.collectors.readers import Reader, UnitOutcome, run_unit
from evidra.collectors.scopes import ScopePlan, ScopeTask
from evidra.collectors.secrets import CredentialError
from evidra.config.settings import AzureSettings
from evidra.model import Collection, ScopeError, ScopeRecord, utcnow
from evidra.redact import redact_text

log = logging.getLogger(__name__)
# azure-core logs every request and azure-identity every token at INFO: noise in the
# daemon's logs (headers are redacted by azure-core, but the volume is not wanted).
_CHATTY_LOGGERS = ("azure.core.pipeline.policies.http_logging_policy", "azure.identity", "msal")


class AzureCollector:
    provider = PROVIDER

    def __init__(self, settings: AzureSettings) -> None:
        self.settings = settings
        self.where: Endpoints = endpoints(settings)
        self.budgets: dict[str, ReadBudget] = {}  # per subscription, after a collection (tests)
        self.findings: Mapping[str, Mapping[str, Any]] = {}  # as last stored (`recall`)

    def recall(self, findings: Mapping[str, Mapping[str, Any]]) -> None:
        """The vulnerability findings as last stored, by id: Defender keeps no detection
        or fix time per vulnerability, so the times evidra saw first are carried on."""
        self.findings = findings

    def collect(self, progress: ProgressCallback | None = None) -> Collection:
        collection = Collection()
        with self._signed_in(collection) as signed_in:
            if signed_in is not None:
                token_credential, who, tenant_scope = signed_in
                subscriptions = self._subscriptions(token_credential, tenant_scope, who, collection)
                tenant = self._tenant(subscriptions)
                self._read(
                    collection,
                    token_credential,
                    who,
                    [s["subscriptionId"] for s in subscriptions],
                    tenant if self.settings.directory else None,
                    progress,
                )
        return collection

    def plan(self) -> ScopePlan:
        """One task per readable subscription and one for the directory, for scale-out
        workers; what planning could not read (the listing, a subscription) is in the
        plan's collection. A task names ids only: workers sign in themselves."""
        collection = Collection()
        tasks: list[ScopeTask] = []
        with self._signed_in(collection) as signed_in:
            if signed_in is not None:
                token_credential, who, tenant_scope = signed_in
                subscriptions = self._subscriptions(token_credential, tenant_scope, who, collection)
                tasks = [
                    ScopeTask(
                        f"{PROVIDER}:{s['subscriptionId']}",
                        {"subscription": s["subscriptionId"]},
                        _arm_types(),
                    )
                    for s in subscriptions
                ]
                if self.settings.directory:
                    tenant = self._tenant(subscriptions)
                    types = _graph_types(self.settings.intune)
                    tasks.append(ScopeTask(f"{PROVIDER}:{tenant}:directory", {"directory": tenant}, types))
        return ScopePlan(tasks, collection)

    def collect_scope(self, task: ScopeTask) -> Collection:
        """One subscription's readers, or the directory's: what `collect` reads of it."""
        collection = Collection()
        with self._signed_in(collection) as signed_in:
            if signed_in is not None:
                token_credential, who, _ = signed_in
                subscription = task.spec.get("subscription")
                self._read(
                    collection,
                    token_credential,
                    who,
                    [subscription] if subscription else [],
                    task.spec.get("directory"),
                    None,
                )
        return collection

    @contextmanager
    def _signed_in(self, collection: Collection) -> Iterator[tuple[Any, str, str] | None]:
        """(credential, principal, tenant scope), the credential proven once; None, with
        one error for every type in `collection`, when it cannot sign in."""
        for name in _CHATTY_LOGGERS:
            logging.getLogger(name).setLevel(logging.WARNING)
        started = utcnow()
        tenant_scope = f"{PROVIDER}:{self.settings.tenant_id or 'default'}"
        try:
            token_credential = credential(self.settings, self.where)
        except CredentialError as exc:
            self._fail(
                collection,
                tenant_scope,
                f"azure credentials: {exc}",
                _every_type(self.settings.intune),
                started,
            )
            yield None
            return
        try:
            try:  # a rejected credential fails here once, not in every unit
                token_credential.get_token(self.where.resource_manager_scope)
            except Exception as exc:
                message = f"azure credentials: {failure('token', exc)}; {signin_advice(self.settings)}"
                self._fail(collection, tenant_scope, message, _every_type(self.settings.intune), started)
                yield None
                return
            yield token_credential, principal(self.settings), tenant_scope
        finally:
            token_credential.close()

    def _tenant(self, subscriptions: list[dict[str, Any]]) -> str:
        return str(
            self.settings.tenant_id
            or next((s["tenantId"] for s in subscriptions if s.get("tenantId")), "default")
        )

    def _read(
        self,
        collection: Collection,
        token_credential: Any,
        who: str,
        subscription_ids: list[str],
        tenant: str | None,
        progress: ProgressCallback | None,
    ) -> None:
        """Every (subscription, reader) unit, and the directory's readers when `tenant`
        is given, on one pool; their outcomes into `collection` in a fixed order."""
        arms = [self._arm(subscription_id, token_credential, who) for subscription_id in subscription_ids]
        units: list[tuple[Reader[Any], Observer]] = [(r, arm) for arm in arms for r in READERS.all(ARM)]
        graph = None
        if tenant is not None:
            graph = Graph(token_credential, self.where.graph, self.settings)
            scope = f"{PROVIDER}:{tenant}:directory"
            directory = Directory(
                scope,
                who,
                utcnow(),
                tenant=tenant,
                graph=graph,
                break_glass=frozenset(self.settings.break_glass),
            )
            units.extend((r, directory) for r in READERS.all(GRAPH))
            if self.settings.intune:
                units.extend((r, directory) for r in READERS.all(INTUNE))
        announce(progress, len(units))
        try:
            with ThreadPoolExecutor(self.settings.max_workers, thread_name_prefix="evidra-azure") as pool:
                outcomes = list(pool.map(lambda unit: read_unit(unit[0], unit[1], progress), units))
        finally:
            for arm in arms:
                arm.close()
            if graph is not None:
                graph.close()
        for outcome in outcomes:
            outcome.add_to(collection)

    def _subscriptions(
        self, token_credential: Any, tenant_scope: str, who: str, collection: Collection
    ) -> list[dict[str, Any]]:
        """The readable subscriptions; an error for each configured one that is not (or
        for the tenant, when even the listing fails)."""
        from azure.mgmt.resource.subscriptions import SubscriptionClient

        started = utcnow()
        client = SubscriptionClient(
            token_credential,
            base_url=self.where.resource_manager,
            credential_scopes=[self.where.resource_manager_scope],
            **client_options(self.settings, ReadBudget(), ReadOnly()),
        )
        with client:
            if self.settings.subscriptions == "all":
                try:
                    return [wire(s) for s in client.subscriptions.list()]
                except Exception as exc:
                    message = str(failure("subscriptions.list", exc))
                    self._fail(collection, tenant_scope, message, _arm_types(), started)
                    return []
            found = []
            for subscription_id in self.settings.subscriptions:
                try:
                    subscription = wire(client.subscriptions.get(subscription_id))
                except Exception as exc:
                    message = (
                        f"subscription {subscription_id} cannot be read: {failure('subscriptions.get', exc)}"
                    )
                    self._fail(collection, f"{PROVIDER}:{subscription_id}", message, _arm_types(), started)
                    continue
                found.append(subscription)
            return found

    def _arm(self, subscription_id: str, token_credential: Any, who: str) -> Arm:
        budget = self.budgets.setdefault(subscription_id, ReadBudget())
        return Arm(
            f"{PROVIDER}:{subscription_id}",
            who,
            utcnow(),
            subscription_id=subscription_id,
            credential=token_credential,
            endpoint=self.where.resource_manager,
            settings=self.settings,
            budget=budget,
            findings=self.findings,
        )

    def _fail(
        self, collection: Collection, scope: str, message: str, types: tuple[str, ...], started: Any
    ) -> None:
        message = redact_text(message)
        collection.errors.append(ScopeError(PROVIDER, scope, message, "azure", types))
        collection.scopes.append(ScopeRecord(PROVIDER, scope, started, utcnow(), message))


def read_unit(reader: Reader[Any], context: Observer, progress: ProgressCallback | None) -> UnitOutcome:
    return run_unit(PROVIDER, reader, context, context.scope, expected=(AzureCallFailed,), progress=progress)


def _arm_types() -> tuple[str, ...]:
    return READERS.types(ARM)


def _graph_types(with_intune: bool) -> tuple[str, ...]:
    """What the directory's readers produce: Entra ID's, and Intune's when it is read."""
    return tuple(sorted({*READERS.types(GRAPH), *(READERS.types(INTUNE) if with_intune else ())}))


def _every_type(with_intune: bool) -> tuple[str, ...]:
    return tuple(sorted({*_arm_types(), *_graph_types(with_intune)}))
