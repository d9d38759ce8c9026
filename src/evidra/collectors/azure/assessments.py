"""Defender for Cloud's vulnerability findings (vuln.finding), one subscription at a time.

Defender reports a scanner's findings (Defender Vulnerability Management, Qualys, registry
image scans) as *sub-assessments* of a recommendation's *assessment* on a resource:
"Machines should have vulnerability findings resolved" on vm-web-01 is the assessment,
each vulnerability found there a sub-assessment, Unhealthy while open, Healthy once
fixed, NotApplicable with cause `Exempt` when the resource is exempted from the
recommendation (a risk acceptance). Both are listed once for the subscription
(`assessments.list`, `sub_assessments.list_all`, paged with nextLink) and kept as Azure
sent them. SQL vulnerability assessment results are configuration rules (VA1258 ...),
not vulnerabilities, and are left out, as Security Hub's best-practice checks are.

Times. A sub-assessment (API 2019-01-01-preview, the only one) carries `timeGenerated`
alone: when the scan reporting its current status ran. Its assessment's status (API
2021-06-01) has `firstEvaluationDate` and `statusChangeDate`. While an assessment is
Unhealthy, each vulnerability it holds was detected no earlier than the assessment last
turned Unhealthy: that is the vulnerability's first-seen time, never later than the
truth, so its days open are never understated. The rest comes from observation: the
runner hands the collector the findings as evidra last stored them (`recall`), and the
first-seen, fix and exemption times found then are kept. A Healthy sub-assessment
(after an Unhealthy one) was fixed at the latest by the scan that saw it so
(`timeGenerated`); one never seen open counts from its assessment's first evaluation.
An exemption is the suppression, the assessment's status description its justification;
who approved it is the Azure Policy exemption's, not read here.

Severity: Defender's Low, Medium, High (Critical where a scanner sends it); a
vulnerability whose CVSS v3 base score is 9.0 or more is critical (NVD's rating scale),
as the policy's shortest deadline is for those. A subscription whose Microsoft.Security
provider is not registered (no Defender for Cloud) answers 409
MissingSubscriptionRegistration: it has no findings, and that is no error.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from evidra.collectors.azure.context import ARM, READERS, Arm, AzureCallFailed
from evidra.collectors.azure.pipeline import UNREGISTERED
from evidra.collectors.findings import lifetime_attributes, timestamp
from evidra.model import ApiCall, Observation

_SEPARATOR = "/providers/microsoft.security/assessments/"
_NOT_VULNERABILITIES = frozenset({"SqlServerVulnerability"})
CRITICAL_CVSS = 9.0
NO_REVIEW = "Defender for Cloud records no review of a finding other than exempting its resource"


@READERS.reader("azure.defender_findings", types=("vuln.finding",), plane=ARM)
def read_vulnerability_findings(arm: Arm) -> list[Observation]:
    scope = f"subscriptions/{arm.subscription_id}"
    try:
        subs, sub_call = arm.items_as_sent(
            "security",
            "subAssessments.listAll",
            lambda c, hook: c.sub_assessments.list_all(scope, raw_response_hook=hook),
            scope=scope,
        )
        found = [s for s in subs if _is_vulnerability(s)]
        if not found:
            return []
        assessments, call = arm.items_as_sent(
            "security",
            "assessments.list",
            lambda c, hook: c.assessments.list(scope, raw_response_hook=hook),
            scope=scope,
        )
    except AzureCallFailed as failed:
        if failed.code == UNREGISTERED:
            return []
        raise
    parents = {str(a.get("id", "")).lower(): a for a in assessments}
    observations = []
    for sub in found:
        parent_id = str(sub.get("id", "")).lower().rpartition("/subassessments/")[0]
        observations.append(finding(arm, sub, parents.get(parent_id) or {}, [sub_call, call]))
    return observations


def finding(arm: Arm, sub: dict[str, Any], parent: dict[str, Any], calls: list[ApiCall]) -> Observation:
    props = sub.get("properties") or {}
    status = props.get("status") or {}
    parent_status = (parent.get("properties") or {}).get("status") or {}
    before = arm.findings.get(str(sub.get("id"))) or {}  # as evidra last stored it
    generated = timestamp(props.get("timeGenerated"))
    changed = timestamp(parent_status.get("statusChangeDate"))
    exempt = "Exempt" in (status.get("cause"), parent_status.get("cause"))
    fixed = None
    if status.get("code") == "Healthy" and not exempt:
        fixed = (timestamp(before.get("fixed_at")) if before.get("state") == "fixed" else None) or generated
    suppressed_at = timestamp(before.get("closed_at")) if before.get("state") == "dismissed" else None
    first = _first_seen(status, parent_status, before, fixed or arm.observed_at) or generated
    sub_id = str(sub.get("id", ""))
    vulnerability, name = str(props.get("id") or ""), str(props.get("displayName") or sub.get("name"))
    title = name if vulnerability in name else f"{vulnerability}: {name}"
    return arm.observe(
        "vuln.finding",
        sub_id,
        name=title[:200],
        attributes=lifetime_attributes(
            source=f"defender:{_assessed_type(sub)}",
            resource=sub_id[: sub_id.lower().find(_SEPARATOR)],
            title=title,
            severity=_severity(status, props.get("additionalData") or {}),
            observed_at=arm.observed_at,
            first=min(first, fixed) if first and fixed else first,
            fixed=fixed,
            suppressed=exempt,
            suppressed_at=suppressed_at or changed or generated,
            reason="exempt",
            comment=parent_status.get("description") if parent_status.get("cause") == "Exempt" else None,
            no_review=NO_REVIEW,
        ),
        raw={"subAssessment": sub, "assessmentStatus": parent_status},
        calls=calls,
    )


def _first_seen(
    status: dict[str, Any], parent_status: dict[str, Any], before: Mapping[str, Any], end: datetime
) -> datetime | None:
    """The latest time known to be no later than the vulnerability's detection: when
    evidra first stored it, or when its still Unhealthy assessment last turned Unhealthy;
    else the assessment's first evaluation."""
    bounds = [timestamp(before.get("first_observed"))]
    changed = timestamp(parent_status.get("statusChangeDate"))
    if status.get("code") == parent_status.get("code") == "Unhealthy" and changed and changed <= end:
        bounds.append(changed)
    known = [b for b in bounds if b is not None]
    return max(known) if known else timestamp(parent_status.get("firstEvaluationDate"))


def _is_vulnerability(sub: dict[str, Any]) -> bool:
    status = (sub.get("properties") or {}).get("status") or {}
    if status.get("code") == "NotApplicable" and status.get("cause") != "Exempt":
        return False  # not assessed (off by policy, unsupported): no finding either way
    return _assessed_type(sub) not in _NOT_VULNERABILITIES


def _assessed_type(sub: dict[str, Any]) -> str:
    data = (sub.get("properties") or {}).get("additionalData") or {}
    return str(data.get("assessedResourceType") or "unknown")


def _severity(status: dict[str, Any], data: dict[str, Any]) -> str:
    details = data.get("vulnerabilityDetails") or {}
    scores = [data.get("cvssV30Score")]
    for cvss in (data.get("cvss"), details.get("cvss")):
        scores += [(v or {}).get("base") for k, v in (cvss or {}).items() if str(k).startswith("3")]
    if any(isinstance(s, int | float) and s >= CRITICAL_CVSS for s in scores):
        return "critical"
    return str(status.get("severity") or details.get("severity") or "").lower()
