"""Security Command Center: whether threat detection covers each project.

SCC's services (Event Threat Detection, Container Threat Detection ...) are configured on
the organisation, folders and projects, and each of those has a
`securitycentermanagement.googleapis.com/SecurityCenterService` asset per service whose
`effectiveEnablementState` already resolves inheritance. A project is covered when Event
Threat Detection is effectively enabled for it. One observation per active project, with
a stable id, present whether SCC is on or off.
"""

from __future__ import annotations

from typing import Any

from evidra.collectors.gcp.context import READERS, SCC_SERVICE, Context, data, node_of
from evidra.model import Observation

THREAT_DETECTION = (
    "event-threat-detection",
    "container-threat-detection",
    "vm-threat-detection",
    "cloud-run-threat-detection",
)
CORE = "event-threat-detection"


@READERS.reader("gcp.scc", needs=("resources", "projects"), types=("monitoring.threat_detection",))
def read_threat_detection(ctx: Context) -> list[Observation]:
    states = _effective_states(ctx)
    observations = []
    for project in ctx.items("projects"):
        if project.get("state", "ACTIVE") != "ACTIVE":
            continue  # being deleted: nothing runs there
        node = node_of(str(project.get("name", "")))
        chain = [node, *project.get("folders", []), project.get("organization")]
        # The nearest level that has SCC's settings answers (effective states are inherited).
        services = next((states[n] for n in chain if n in states), {})
        enabled = sorted(s for s in THREAT_DETECTION if services.get(s) == "ENABLED")
        project_id = ctx.project_ids.get(node, node)
        observations.append(
            ctx.observe(
                "monitoring.threat_detection",
                f"//securitycentermanagement.googleapis.com/{node}/locations/global/securityCenterServices/{CORE}",
                name=f"Security Command Center ({project_id})",
                attributes={
                    "service": "security-command-center",
                    "enabled": CORE in enabled,
                    "features": enabled,
                    "region": "global",
                },
                raw={"project": _project(project), "effectiveEnablementState": services},
                calls=[ctx.call("projects"), ctx.call("resources")],
            )
        )
    return observations


def _effective_states(ctx: Context) -> dict[str, dict[str, str]]:
    """`projects/1001` -> {service: effectiveEnablementState} for each level SCC reports on."""
    found: dict[str, dict[str, str]] = {}
    for asset in ctx.assets(SCC_SERVICE):
        name = str(data(asset).get("name", ""))  # projects/1001/locations/global/securityCenterServices/x
        parts = name.split("/")
        if len(parts) < 6:
            continue
        node, service = "/".join(parts[:2]), parts[-1]
        found.setdefault(node, {})[service] = str(data(asset).get("effectiveEnablementState"))
    return found


def _project(project: dict[str, Any]) -> dict[str, Any]:
    keep = ("name", "displayName", "project", "folders", "organization", "state", "additionalAttributes")
    return {k: project.get(k) for k in keep if k in project}
