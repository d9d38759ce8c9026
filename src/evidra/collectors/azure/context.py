"""What a reader needs, and the registry of readers.

A reader is a function of one `Arm` (a subscription: its management clients, built on
first use) or one `Directory` (the tenant through Microsoft Graph) returning
observations, registered on `READERS` (plane `ARM` or `GRAPH`) with the
normalized types it emits. Calls go through `items` / `get`, which record each call
for provenance and turn the SDK's failures into one `AzureCallFailed` naming the
operation, the status and Azure's error code; observations are built with `observe`,
the one place raw answers are redacted.
"""

from __future__ import annotations

import importlib
import json
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from evidra.collectors.azure.pipeline import ReadBudget, ReadOnly, client_options, wire
from evidra.collectors.base import ScopeObserver
from evidra.collectors.readers import ReaderRegistry
from evidra.config.settings import AzureSettings
from evidra.model import ApiCall

PROVIDER = "azure"

# service -> (module, client class, Resource Manager namespace named in provenance)
SERVICES: dict[str, tuple[str, str, str]] = {
    "storage": ("azure.mgmt.storage", "StorageManagementClient", "Microsoft.Storage"),
    "sql": ("azure.mgmt.sql", "SqlManagementClient", "Microsoft.Sql"),
    "compute": ("azure.mgmt.compute", "ComputeManagementClient", "Microsoft.Compute"),
    "keyvault": ("azure.mgmt.keyvault", "KeyVaultManagementClient", "Microsoft.KeyVault"),
    "monitor": ("azure.mgmt.monitor", "MonitorManagementClient", "Microsoft.Insights"),
    "loganalytics": (
        "azure.mgmt.loganalytics",
        "LogAnalyticsManagementClient",
        "Microsoft.OperationalInsights",
    ),
    "network": ("azure.mgmt.network", "NetworkManagementClient", "Microsoft.Network"),
    "security": ("azure.mgmt.security", "SecurityCenter", "Microsoft.Security"),
    "web": ("azure.mgmt.web", "WebSiteManagementClient", "Microsoft.Web"),
    "recoveryservices": (
        "azure.mgmt.recoveryservices",
        "RecoveryServicesClient",
        "Microsoft.RecoveryServices",
    ),
    "postgresql": (
        "azure.mgmt.rdbms.postgresql_flexibleservers",
        "PostgreSQLManagementClient",
        "Microsoft.DBforPostgreSQL",
    ),
    "mysql": ("azure.mgmt.rdbms.mysql_flexibleservers", "MySQLManagementClient", "Microsoft.DBforMySQL"),
}


class AzureCallFailed(Exception):
    """One Azure call that still failed after the retries; the message names the
    operation, the HTTP status and Azure's error code, never a credential."""

    def __init__(self, operation: str, status: int | None, code: str | None, message: str) -> None:
        self.operation = operation
        self.status = status
        self.code = code
        detail = " ".join(p for p in (str(status) if status else None, code) if p)
        super().__init__(f"{operation} failed: {detail + ': ' if detail else ''}{message}")


def failure(operation: str, exc: Exception) -> AzureCallFailed:
    """An azure-core or azure-identity exception as an AzureCallFailed."""
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None) or getattr(exc, "status_code", None)
    error = getattr(exc, "error", None)
    code = getattr(error, "code", None) or getattr(exc, "code", None)
    message = getattr(error, "message", None) or getattr(exc, "message", None) or str(exc)
    return AzureCallFailed(operation, status, str(code) if code else None, str(message).splitlines()[0])


@dataclass
class Observer(ScopeObserver):
    provider: ClassVar[str] = PROVIDER
    scope: str
    principal: str
    observed_at: datetime


@dataclass
class Arm(Observer):
    """One subscription through Azure Resource Manager."""

    subscription_id: str = ""
    credential: Any = None
    endpoint: str = ""
    settings: AzureSettings = field(default_factory=AzureSettings)
    budget: ReadBudget = field(default_factory=ReadBudget)
    findings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # as last stored, by id
    _clients: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _shared: dict[str, Any] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        with self._lock:
            if service not in self._clients:
                module, cls, _ = SERVICES[service]
                factory = getattr(importlib.import_module(module), cls)
                self._clients[service] = factory(
                    self.credential,
                    self.subscription_id,
                    base_url=self.endpoint,
                    credential_scopes=[f"{self.endpoint}/.default"],
                    **client_options(self.settings, self.budget, ReadOnly()),
                )
            return self._clients[service]

    def call(self, service: str, operation: str, **parameters: Any) -> ApiCall:
        return ApiCall(
            SERVICES[service][2], operation, {"subscriptionId": self.subscription_id, **parameters}
        )

    def items(
        self, service: str, operation: str, fetch: Callable[[Any], Iterable[Any]], **parameters: Any
    ) -> tuple[list[dict[str, Any]], ApiCall]:
        """Every item of a listing (following nextLink), as Azure's JSON."""
        try:
            found = [wire(item) for item in fetch(self.client(service))]
        except Exception as exc:
            raise failure(operation, exc) from None
        return found, self.call(service, operation, **parameters)

    def items_as_sent(
        self, service: str, operation: str, fetch: Callable[[Any, Any], Iterable[Any]], **parameters: Any
    ) -> tuple[list[dict[str, Any]], ApiCall]:
        """Every item of a listing as the JSON Azure sent, fields the SDK's models do not
        know included (an older API version's model drops what newer scanners add: the
        vulnerability details of Defender's sub-assessments). `fetch(client, hook)`
        lists through the SDK with `raw_response_hook=hook`: paging, retries and errors
        stay the SDK's, and the hook keeps each page's body (a retried page once)."""
        pages: dict[str, list[Any]] = {}

        def keep(response: Any) -> None:
            http = response.http_response
            if 200 <= http.status_code < 300:
                try:
                    body = json.loads(http.text())
                except ValueError:
                    return  # RejectMalformed has the attempt retried
                pages[str(http.request.url)] = list(body.get("value") or [])

        try:
            for _ in fetch(self.client(service), keep):
                pass
        except Exception as exc:
            raise failure(operation, exc) from None
        found = [item for page in pages.values() for item in page if isinstance(item, dict)]
        return found, self.call(service, operation, **parameters)

    def get(
        self, service: str, operation: str, fetch: Callable[[Any], Any], **parameters: Any
    ) -> tuple[dict[str, Any] | None, ApiCall]:
        """One object as Azure's JSON; None when Azure answers 404 (not configured)."""
        from azure.core.exceptions import ResourceNotFoundError

        try:
            answer = wire(fetch(self.client(service)))
        except ResourceNotFoundError:
            answer = None
        except Exception as exc:
            raise failure(operation, exc) from None
        return answer, self.call(service, operation, **parameters)

    def shared(self, name: str, compute: Callable[[], Any]) -> Any:
        """A value two readers need (storage accounts: for themselves and as log
        destinations), computed once per subscription."""
        with self._lock:
            holder = self._shared.setdefault(name, _Once())
        return holder.get(compute)

    def close(self) -> None:
        for client in self._clients.values():
            client.close()


class _Once:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._done = False
        self._value: Any = None
        self._error: BaseException | None = None

    def get(self, compute: Callable[[], Any]) -> Any:
        with self._lock:
            if not self._done:
                try:
                    self._value = compute()
                except BaseException as exc:
                    self._error = exc
                self._done = True
        if self._error is not None:
            raise self._error
        return self._value


def resource_group(resource_id: str) -> str:
    """The resource group named in an ARM id (`/subscriptions/s/resourceGroups/rg/...`)."""
    parts = resource_id.split("/")
    lowered = [p.lower() for p in parts]
    return parts[lowered.index("resourcegroups") + 1]


# Two planes: Resource Manager readers run once per subscription (an `Arm` context),
# Graph readers once per tenant (a `Directory`).
ARM = "arm"
GRAPH = "graph"
INTUNE = "intune"  # Graph readers of Intune, run against the directory when `intune: true`
READERS: ReaderRegistry[Any] = ReaderRegistry(PROVIDER)


@dataclass
class Directory(Observer):
    """The tenant's directory through Microsoft Graph."""

    tenant: str = ""
    graph: Any = None
    break_glass: frozenset[str] = frozenset()  # object ids a policy may exclude (settings.break_glass)

    def object_id(self, kind: str, native_id: str) -> str:
        """An id unique across tenants: `azure:<tenant>/users/<object id>`."""
        return f"{PROVIDER}:{self.tenant}/{kind}/{native_id}"
