"""The OS Config v1 API's inventory and vulnerability reports, served by the GCP fake
(`gcp_server.py` routes these requests here and pages the answers).

Shapes from the OS Config v1 REST reference and the `google-cloud-os-config` client's
protos (`google.cloud.osconfig.v1` Inventory, VulnerabilityReport):

- `GET /v1/projects/{project}/locations/{zone}/instances/-/inventories` (inventories.list,
  permission `osconfig.inventories.list`): "List inventory data for all VM instances in
  the specified zone"; `{project}` is a project id or number; `view` BASIC (the default:
  `osInfo` only) or FULL (also `items`, installed and available packages); the client
  sends the enum as a number (1 BASIC, 2 FULL). Answers `{"inventories": [Inventory],
  "nextPageToken"}`; an Inventory is `{"name": "projects/{number}/locations/{zone}/
  instances/{instance id}/inventory", "osInfo": {hostname, longName, shortName, version,
  architecture, kernelVersion, kernelRelease, osconfigAgentVersion}, "items": {id: Item},
  "updateTime"}`, an Item `{id, originType, createTime, updateTime, type INSTALLED_PACKAGE |
  AVAILABLE_PACKAGE, installedPackage | availablePackage: SoftwarePackage}`.
- `GET /v1/projects/{project}/locations/{zone}/instances/-/vulnerabilityReports`
  (vulnerabilityReports.list, `osconfig.vulnerabilityReports.list`): `{"vulnerabilityReports":
  [{"name": ".../instances/{id}/vulnerabilityReport", "vulnerabilities": [{"details": {cve,
  cvssV3, severity, description, references}, "createTime" (first detected on the VM),
  "updateTime", "items": [{installedInventoryItemId, availableInventoryItemId, fixedCpeUri,
  upstreamFix}]}], "updateTime", "highestUpgradableCveSeverity"}], "nextPageToken"}`.

An instance whose agent never reported has neither. A project that has not enabled the
API is refused as Google refuses it (403 PERMISSION_DENIED, ErrorInfo SERVICE_DISABLED
naming `osconfig.googleapis.com`): raised here as `ServiceDisabled` for the server to word.
"""

from __future__ import annotations

import re
from typing import Any

ROUTES = (
    (
        "ListInventories",
        re.compile(r"^/v1/(?P<scope>projects/[^/:]+)/locations/(?P<zone>[^/]+)/instances/-/inventories$"),
    ),
    (
        "ListVulnerabilityReports",
        re.compile(
            r"^/v1/(?P<scope>projects/[^/:]+)/locations/(?P<zone>[^/]+)/instances/-/vulnerabilityReports$"
        ),
    ),
)
PERMISSIONS = {
    "ListInventories": "osconfig.inventories.list",
    "ListVulnerabilityReports": "osconfig.vulnerabilityReports.list",
}
# The answer's list, and where the org keeps the reports (`GcpOrg.osconfig`).
KEYS = {"ListInventories": "inventories", "ListVulnerabilityReports": "vulnerabilityReports"}
SERVICE = "osconfig.googleapis.com"
TITLE = "OS Config API"
_FULL = {"2", "FULL"}


class ServiceDisabled(Exception):
    def __init__(self, project: str) -> None:
        super().__init__(project)
        self.project = project


def items(org: Any, method: str, node: str, zone: str, query: dict[str, list[str]]) -> list[dict[str, Any]]:
    """Every report of `method` for the zone's instances in the project `node` (`projects/N`)."""
    number = node.removeprefix("projects/")
    if number in org.osconfig_disabled:
        raise ServiceDisabled(number)
    prefix = f"projects/{number}/locations/{zone}/instances/"
    found = [r for r in org.osconfig[KEYS[method]] if r["name"].startswith(prefix)]
    if method == "ListInventories" and (query.get("view") or [""])[0] not in _FULL:
        found = [{k: v for k, v in r.items() if k != "items"} for r in found]  # the BASIC view
    return found
