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
        vulnerability(ctx, f, call)
        for f in findings
        # The filter is the request's; a scanner's answer is checked, not trusted.
        if any(str(t).startswith(VULNERABILITY_TYPE) for t in f.get("Types") or [])
        and f.get("Region", ctx.region) == ctx.region
    ]


def vulnerability(ctx: Context, finding: dict[str, Any], call: ApiCall) -> Observation:
    """One ASFF finding as `vuln.finding`: opened at FirstObservedAt; closed when Security
    Hub archived it (the scanner no longer sees it) or its workflow was RESOLVED, at
    UpdatedAt; suppressed when its workflow is SUPPRESSED, with the note as justification."""
    workflow = str((finding.get("Workflow") or {}).get("Status") or "NEW")
    archived = finding.get("RecordState") == "ARCHIVED"
    first = _time(finding.get("FirstObservedAt") or finding.get("CreatedAt"))
    updated = _time(finding.get("UpdatedAt"))
    suppressed = workflow == "SUPPRESSED"
    fixed = updated if (archived or workflow == "RESOLVED") and not suppressed else None
    closed = fixed or (updated if suppressed else None)
    end = closed or ctx.observed_at
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
            "last_observed": iso(_time(finding.get("LastObservedAt")) or end),
            "fixed_at": iso(fixed),
            "closed_at": iso(closed),
            "days_open": round((end - first).total_seconds() / 86400, 2) if first else None,
            "suppressed": suppressed,
            "suppression_reason": "suppressed" if suppressed else None,
            "suppression_comment": (note.get("Text") or None) if suppressed else None,
            "dismissed_by": (note.get("UpdatedBy") or None) if suppressed else None,
        },
        raw={"GetFindings": {k: v for k, v in finding.items() if k != "FindingProviderFields"}},
        calls=[call],
    )


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        found = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return found if found.tzinfo else found.replace(tzinfo=UTC)
