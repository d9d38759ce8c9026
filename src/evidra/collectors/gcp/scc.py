"""Security Command Center: whether threat detection covers each project, and the
vulnerability findings it holds, with their lifetimes.

SCC's services (Event Threat Detection, Container Threat Detection ...) are configured on
the organisation, folders and projects, and each of those has a
`securitycentermanagement.googleapis.com/SecurityCenterService` asset per service whose
`effectiveEnablementState` already resolves inheritance. A project is covered when Event
Threat Detection is effectively enabled for it. One observation per active project, with
a stable id, present whether SCC is on or off.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from evidra.collectors.findings import FINDINGS_LOOKBACK_DAYS, lifetime_attributes, timestamp
from evidra.collectors.gcp.api import AssetCallFailed
from evidra.collectors.gcp.context import READERS, SCC_SERVICE, Context, data, node_of
from evidra.model import ApiCall, Observation

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


# Vulnerability findings: the class Google gives software weaknesses (OS and container
# image CVEs, Web Security Scanner's findings ...). MISCONFIGURATION (Security Health
# Analytics' posture checks) is left out, as Security Hub's best-practice checks are:
# evidra's own controls judge those settings from the resources. Inactive findings (fixed:
# the detector no longer sees the problem) are read back for `FINDINGS_LOOKBACK_DAYS`, so
# a fix between two runs is seen with its time rather than as a disappearance.
VULNERABILITY_CLASS = "VULNERABILITY"
SERVICE = "securitycenter"
MAX_PAGE = {"ListFindings": 1000}
# An organisation where Security Command Center's Standard or Premium tier was never
# activated: the API's answer (400 INVALID_ARGUMENT), as reported by its users
# (terraform-google-modules/terraform-example-foundation issues 633 and 1145).
NOT_ACTIVATED = "Security Command Center Legacy has been permanently disabled"
NO_REVIEW = "Security Command Center records no review of a finding other than muting it"


def findings_filter(now: datetime | None) -> str:
    """The findings listing's filter; without `now`, as provenance records it (the
    lookback named, not dated: the same call every run, so its record is stored once)."""
    since = (
        f'"{(now - timedelta(days=FINDINGS_LOOKBACK_DAYS)).strftime("%Y-%m-%dT%H:%M:%SZ")}"'
        if now
        else f"<{FINDINGS_LOOKBACK_DAYS} days before the read>"
    )
    return f'finding_class="{VULNERABILITY_CLASS}" AND (state="ACTIVE" OR event_time >= {since})'


@READERS.reader("gcp.scc.findings", types=("vuln.finding",))
def read_vulnerability_findings(ctx: Context) -> list[Observation]:
    """Every source's findings under the scope (`sources/-`), one paged listing."""
    parent = f"{ctx.parent}/sources/-"
    call = ApiCall(SERVICE, "ListFindings", {"parent": parent, "filter": findings_filter(None)})
    request = {"parent": parent, "filter": findings_filter(ctx.observed_at)}
    try:
        results = ctx.securitycenter.every("ListFindings", ctx.parent, request, "listFindingsResults")
    except AssetCallFailed as failed:
        if NOT_ACTIVATED in str(failed):
            return []  # no Security Command Center: nothing to read, and no error
        raise
    return [
        vulnerability(ctx, result, call)
        for result in results
        # The filter is the request's; the answer is checked, not trusted.
        if isinstance(result, dict)
        and (result.get("finding") or {}).get("findingClass") == VULNERABILITY_CLASS
    ]


def vulnerability(ctx: Context, result: dict[str, Any], call: ApiCall) -> Observation:
    """One finding as `vuln.finding`: opened when Security Command Center created it;
    fixed when INACTIVE, at its `eventTime` (for an inactive finding, when it was
    resolved); suppressed while MUTED, at `muteUpdateTime`, its `muteInitiator` (the
    account of who or which rule muted it, and why) as justification and the mute rule,
    if one did, as who dismissed it."""
    finding = result.get("finding") or {}
    resource = result.get("resource") or {}
    cve = ((finding.get("vulnerability") or {}).get("cve") or {}).get("id")
    category = str(finding.get("category") or "finding")
    title = f"{cve}: {category}" if cve else category
    rules = ((finding.get("muteInfo") or {}).get("dynamicMuteRecords")) or [{}]
    return ctx.observe(
        "vuln.finding",
        f"//securitycenter.googleapis.com/{finding.get('name')}",
        name=f"{title} ({resource.get('displayName') or finding.get('resourceName')})"[:200],
        attributes=lifetime_attributes(
            source=f"scc:{category}",
            resource=str(finding.get("resourceName") or resource.get("name") or ""),
            title=title,
            severity=str(finding.get("severity") or "").lower(),
            observed_at=ctx.observed_at,
            first=timestamp(finding.get("createTime")),
            fixed=timestamp(finding.get("eventTime")) if finding.get("state") == "INACTIVE" else None,
            suppressed=finding.get("mute") == "MUTED",
            suppressed_at=timestamp(finding.get("muteUpdateTime")),
            reason="muted",
            comment=finding.get("muteInitiator"),
            by=rules[0].get("muteConfig"),
            no_review=NO_REVIEW,
        ),
        raw={"finding": finding, "resource": resource},
        calls=[call],
    )
