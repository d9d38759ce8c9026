"""What a reader needs: one scope's Cloud Asset answers, and the facts several readers share.

A scope (an organisation, a folder or a project) is read with a few listings, each one
paged API call over the whole scope (`LISTINGS`). Readers, one per asset family, are
small functions registered on `READERS` naming the listings they need (`needs=`); they
translate assets into observations through `Context.observe` (which redacts raw
answers). A listing that fails makes every reader needing it an error for the scope;
the other readers still report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, ClassVar

from evidra.collectors.base import ScopeObserver
from evidra.collectors.readers import ReaderRegistry
from evidra.model import ApiCall

PROVIDER = "gcp"
CRM = "//cloudresourcemanager.googleapis.com/"

BUCKET = "storage.googleapis.com/Bucket"
SQL_INSTANCE = "sqladmin.googleapis.com/Instance"
DISK = "compute.googleapis.com/Disk"
INSTANCE = "compute.googleapis.com/Instance"
FIREWALL = "compute.googleapis.com/Firewall"
CRYPTO_KEY = "cloudkms.googleapis.com/CryptoKey"
SERVICE_ACCOUNT = "iam.googleapis.com/ServiceAccount"
SERVICE_ACCOUNT_KEY = "iam.googleapis.com/ServiceAccountKey"
LOG_SINK = "logging.googleapis.com/LogSink"
LOG_BUCKET = "logging.googleapis.com/LogBucket"
LOG_METRIC = "logging.googleapis.com/LogMetric"
ALERT_POLICY = "monitoring.googleapis.com/AlertPolicy"
SCC_SERVICE = "securitycentermanagement.googleapis.com/SecurityCenterService"
ORGANIZATION = "cloudresourcemanager.googleapis.com/Organization"
FOLDER = "cloudresourcemanager.googleapis.com/Folder"
PROJECT = "cloudresourcemanager.googleapis.com/Project"
HIERARCHY = [ORGANIZATION, FOLDER, PROJECT]


@dataclass(frozen=True)
class Listing:
    """One paged call over the whole scope: `method` with its arguments."""

    name: str
    method: str  # ListAssets | SearchAllResources | SearchAllIamPolicies
    content_type: str | None  # ListAssets only: RESOURCE | IAM_POLICY
    asset_types: tuple[str, ...]


LISTINGS: dict[str, Listing] = {
    listing.name: listing
    for listing in (
        Listing(
            "resources",
            "ListAssets",
            "RESOURCE",
            (
                BUCKET,
                SQL_INSTANCE,
                DISK,
                INSTANCE,
                FIREWALL,
                CRYPTO_KEY,
                SERVICE_ACCOUNT,
                SERVICE_ACCOUNT_KEY,
                LOG_SINK,
                LOG_BUCKET,
                LOG_METRIC,
                ALERT_POLICY,
                SCC_SERVICE,
            ),
        ),
        # Bindings and audit logging configuration of the organisation, folders, projects.
        Listing("hierarchy_policies", "ListAssets", "IAM_POLICY", tuple(HIERARCHY)),
        # Organisation policies (constraints) set on the organisation, folders, projects.
        Listing("org_policies", "ListAssets", "ORG_POLICY", tuple(HIERARCHY)),
        # Who may read buckets: grants to allUsers / allAuthenticatedUsers.
        Listing("bucket_policies", "SearchAllIamPolicies", None, (BUCKET,)),
        # The projects in scope with their ids, folders and state.
        Listing("projects", "SearchAllResources", None, (PROJECT,)),
    )
}


@dataclass
class Answer:
    items: list[dict[str, Any]]
    call: ApiCall


@dataclass
class Context(ScopeObserver):
    provider: ClassVar[str] = PROVIDER
    parent: str  # organizations/123, folders/456, projects/acme-prod
    scope: str  # gcp:organizations/123
    principal: str
    observed_at: datetime
    answers: dict[str, Answer] = field(default_factory=dict)
    osconfig: Any = None  # api.GoogleApi over OS Config's zonal client (patch state)
    workers: int = 1  # calls a reader may make at once (settings.max_workers)
    securitycenter: Any = None  # api.GoogleApi over Security Command Center's client (findings)

    def items(self, listing: str) -> list[dict[str, Any]]:
        return self.answers[listing].items

    def call(self, listing: str) -> ApiCall:
        return self.answers[listing].call

    def assets(self, asset_type: str) -> list[dict[str, Any]]:
        return self._resources_by_type.get(asset_type, [])

    @cached_property
    def _resources_by_type(self) -> dict[str, list[dict[str, Any]]]:
        found: dict[str, list[dict[str, Any]]] = {}
        for asset in self.items("resources"):
            found.setdefault(asset.get("assetType", ""), []).append(asset)
        return found

    @cached_property
    def policies(self) -> dict[str, dict[str, Any]]:
        """IAM policies of the organisation, folders and projects, by `projects/1001` etc."""
        return {
            node_of(asset["name"]): asset.get("iamPolicy", {})
            for asset in self.items("hierarchy_policies")
            if str(asset.get("name", "")).startswith(CRM)
        }

    @cached_property
    def project_ids(self) -> dict[str, str]:
        """`projects/1001` -> `acme-prod`, from the project search."""
        found = {}
        for project in self.items("projects"):
            number = node_of(project.get("name", ""))
            project_id = (project.get("additionalAttributes") or {}).get("projectId")
            if number and project_id:
                found[number] = str(project_id)
        return found

    @cached_property
    def org_policies(self) -> dict[str, list[dict[str, Any]]]:
        """Organisation policies set on the organisation, folders and projects, by node."""
        return {
            node_of(asset["name"]): list(asset.get("orgPolicy") or [])
            for asset in self.items("org_policies")
            if str(asset.get("name", "")).startswith(CRM)
        }

    def enforced(self, constraint: str, ancestors: list[str]) -> bool:
        """Whether a boolean constraint is enforced at a resource: the nearest node (the
        ancestors run from the resource's project up) that sets it decides; `restoreDefault`
        or no setting at all is the default, not enforced."""
        for node in ancestors:
            for policy in self.org_policies.get(node, []):
                if policy.get("constraint") == f"constraints/{constraint}":
                    if policy.get("restoreDefault") is not None:
                        return False
                    return bool((policy.get("booleanPolicy") or {}).get("enforced"))
        return False

    def unread_ancestors(self, ancestors: list[str]) -> list[str]:
        """The resource's ancestors above this scope, whose policies (audit logging,
        organisation policies) a listing under the scope does not return."""
        return [node for node in ancestors if node not in self.policies]

    def audit_log_types(self, ancestors: list[str], service: str) -> list[str]:
        """Cloud Audit Logs types on for `service` (or allServices) at a resource: its own
        node's and every ancestor's configuration combine, as GCP applies them."""
        enabled: set[str] = set()
        for node in ancestors:
            for config in self.policies.get(node, {}).get("auditConfigs", []):
                if config.get("service") in ("allServices", service):
                    enabled |= {str(c.get("logType")) for c in config.get("auditLogConfigs", [])}
        return sorted(enabled)


def node_of(full_name: str) -> str:
    """`//cloudresourcemanager.googleapis.com/projects/1001` -> `projects/1001`."""
    return full_name[len(CRM) :] if full_name.startswith(CRM) else full_name


def stable(asset: dict[str, Any]) -> dict[str, Any]:
    """The asset without Cloud Asset's own clock (`updateTime` moves when the asset is
    reindexed), so an unchanged resource keeps its evidence snapshot."""
    return {k: v for k, v in asset.items() if k != "updateTime"}


def days(seconds: Any) -> int | None:
    """`2592000` or `"2592000s"` (a duration in seconds) -> 30; None when absent or malformed."""
    if seconds in (None, ""):
        return None
    try:
        return int(float(str(seconds).removesuffix("s"))) // 86400
    except ValueError:
        return None


def data(asset: dict[str, Any]) -> dict[str, Any]:
    """The resource's own representation, as its API answers it."""
    found = (asset.get("resource") or {}).get("data") or {}
    return found if isinstance(found, dict) else {}


# Readers declare the listings they need (`needs`): a listing that fails fails them unread.
READERS: ReaderRegistry[Context] = ReaderRegistry(PROVIDER, needs=LISTINGS)
