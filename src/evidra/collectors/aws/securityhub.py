"""Security Hub: posture against security standards, one observation per region with a
stable id, followed over the audit period whether the hub is on or off; and the
vulnerability findings it holds (Inspector's and other scanners'), with their lifetimes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from evidra.collectors.aws.registry import READERS, REGIONAL, Context
from evidra.model import ApiCall, Observation, iso


@READERS.reader(
    "securityhub.hub", service="securityhub", types=("monitoring.security_posture",), plane=REGIONAL
)
def read_security_hub(ctx: Context) -> list[Observation]:
    # Not subscribed: AWS answers InvalidAccessException.
    hub, call = ctx.optional(
        "securityhub", "DescribeHub", absent=("InvalidAccessException",), expect="HubArn"
    )
    return [
        ctx.observe(
            "monitoring.security_posture",
            ctx.arn("securityhub", "hub/default", region=ctx.region),
            name=f"Security Hub ({ctx.region})",
            attributes={"service": "securityhub", "enabled": hub is not None, "region": ctx.region},
            raw={"DescribeHub": hub},
            calls=[call],
        )
    ]


# Vulnerability findings (ASFF `Types` under this prefix: Inspector's CVE findings and any
# integrated scanner's), read with their lifetimes for the remediation deadlines. Archived
# (closed) findings are read back for `FINDINGS_LOOKBACK_DAYS`, so a fix between two runs
# is seen with its time rather than only as a disappearance.
VULNERABILITY_TYPE = "Software and Configuration Checks/Vulnerabilities"
FINDINGS_LOOKBACK_DAYS = 90
_SEVERITIES = {"CRITICAL": "critical", "HIGH": "high", "MEDIUM": "medium", "LOW": "low"}


@READERS.reader("securityhub.findings", service="securityhub", types=("vuln.finding",), plane=REGIONAL)
def read_vulnerability_findings(ctx: Context) -> list[Observation]:
    filters = {
        "Type": [{"Value": VULNERABILITY_TYPE, "Comparison": "PREFIX"}],
        "RecordState": [
            {"Value": "ACTIVE", "Comparison": "EQUALS"},
            {"Value": "ARCHIVED", "Comparison": "EQUALS"},
        ],
        "UpdatedAt": [{"DateRange": {"Value": FINDINGS_LOOKBACK_DAYS, "Unit": "DAYS"}}],
    }
    findings: list[dict[str, Any]] = []
    token: str | None = None
    call = None
    while True:
        params: dict[str, Any] = {"Filters": filters, "MaxResults": 100}
        if token:
            params["NextToken"] = token
        # Not subscribed: AWS answers InvalidAccessException, and there is nothing to read.
        page, page_call = ctx.optional(
            "securityhub", "GetFindings", absent=("InvalidAccessException",), expect="Findings", **params
        )
        call = call or page_call
        if page is None:
            return []
        findings.extend(f for f in page["Findings"] if isinstance(f, dict))
        token = page.get("NextToken")
        if not token:
            break
    assert call is not None
    return [
        vulnerability(ctx, f, call, *_triage(ctx, f))
        for f in findings
        # The filter is the request's; a scanner's answer is checked, not trusted.
        if any(str(t).startswith(VULNERABILITY_TYPE) for t in f.get("Types") or [])
        and f.get("Region", ctx.region) == ctx.region
    ]


# Security Hub keeps a finding's history for 90 days (GetFindingHistory); a review older
# than that can no longer be dated.
HISTORY_DAYS = 90


def _triage(ctx: Context, finding: dict[str, Any]) -> tuple[datetime | None, str | None, list[ApiCall]]:
    """When the finding's workflow first left NEW, its reason when it cannot be dated, and
    the call that told. The finding record does not say when (BatchUpdateFindings leaves
    UpdatedAt alone); its history does, one GetFindingHistory per reviewed finding."""
    status = str((finding.get("Workflow") or {}).get("Status") or "NEW")
    if status == "NEW":
        return None, None, []
    first = _time(finding.get("FirstObservedAt") or finding.get("CreatedAt"))
    if first is None or (ctx.observed_at - first).days >= HISTORY_DAYS:
        return None, f"reviewed ({status}) but first observed over {HISTORY_DAYS} days ago: no history", []
    identifier = {"Id": finding.get("Id"), "ProductArn": finding.get("ProductArn")}
    records, call = ctx.items(
        "securityhub", "GetFindingHistory", "Records", FindingIdentifier=identifier, StartTime=iso(first)
    )
    changes = sorted(
        moment
        for record in records
        if isinstance(record, dict)
        for update in record.get("Updates") or []
        if str(update.get("UpdatedField", "")).startswith("Workflow") and update.get("NewValue") != "NEW"
        for moment in [_when(record.get("UpdateTime"))]
        if moment is not None
    )
    if not changes:
        return None, f"reviewed ({status}) but its history shows no workflow change", [call]
    return changes[0], None, [call]


def _when(value: Any) -> datetime | None:
    """botocore answers a timestamp as a datetime (a fake may answer text)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return _time(value)


def vulnerability(
    ctx: Context,
    finding: dict[str, Any],
    call: ApiCall,
    triaged: datetime | None = None,
    undated: str | None = None,
    history: list[ApiCall] | None = None,
) -> Observation:
    """One ASFF finding as `vuln.finding`: opened at FirstObservedAt; closed when Security
    Hub archived it (the scanner no longer sees it) or its workflow was RESOLVED, at
    UpdatedAt; suppressed when its workflow is SUPPRESSED, with the note as justification;
    triaged when its workflow first left NEW (`undated`: why that time is unknown)."""
    workflow = str((finding.get("Workflow") or {}).get("Status") or "NEW")
    archived = finding.get("RecordState") == "ARCHIVED"
    first = _time(finding.get("FirstObservedAt") or finding.get("CreatedAt"))
    updated = _time(finding.get("UpdatedAt"))
    suppressed = workflow == "SUPPRESSED"
    fixed = updated if (archived or workflow == "RESOLVED") and not suppressed else None
    closed = fixed or (updated if suppressed else None)
    note = finding.get("Note") or {}
    resources = [str(r.get("Id")) for r in finding.get("Resources") or [] if isinstance(r, dict)]
    title = str(finding.get("Title") or finding.get("Id"))[:500]
    return ctx.observe(
        "vuln.finding",
        str(finding.get("Id")),
        name=title[:200],
        attributes={
            "source": f"securityhub:{finding.get('ProductName') or 'unknown'}",
            "resource": resources[0] if resources else "",
            "title": title,
            "severity": _SEVERITIES.get(str((finding.get("Severity") or {}).get("Label")), "informational"),
            "state": "dismissed" if suppressed else ("fixed" if fixed else "open"),
            "first_observed": iso(first),
            "fixed_at": iso(fixed),
            # Archived: the product's later scan no longer found it; RESOLVED alone: a person.
            "fix_verified": archived if fixed else None,
            "closed_at": iso(closed),
            "triaged_at": iso(triaged),
            "suppressed": suppressed,
            "suppression_reason": "suppressed" if suppressed else None,
            "suppression_comment": (note.get("Text") or None) if suppressed else None,
            "dismissed_by": (note.get("UpdatedBy") or None) if suppressed else None,
            **({"unreadable": {"triaged_at": undated}} if undated else {}),
        },
        raw={"GetFindings": {k: v for k, v in finding.items() if k != "FindingProviderFields"}},
        calls=[call, *(history or [])],
    )


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        found = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return found if found.tzinfo else found.replace(tzinfo=UTC)
