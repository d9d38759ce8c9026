"""Dependabot and code-scanning alerts (vuln.finding), for the remediation deadlines.

Both are read for the whole organisation in one paged listing each
(`GET /orgs/{org}/dependabot/alerts`, `GET /orgs/{org}/code-scanning/alerts`), every
state, kept for the repositories in scope. A finding is a lifetime, not a state: it
opens when detected and closes when fixed or dismissed; a dismissal keeps its reason and
comment (the exception the auditor asks for). Code-scanning alerts without a security
severity are code-quality notes, not vulnerabilities, and are left out. An organisation
without code scanning answers 404: no code-scanning findings.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from evidra.collectors.github.api import GitHubCallFailed
from evidra.collectors.github.context import READERS, Context
from evidra.collectors.github.repositories import repositories
from evidra.collectors.source_control import parse_time
from evidra.model import Observation, iso

SEVERITIES = ("critical", "high", "medium", "low")
NO_TRIAGE = "GitHub records no review of an alert other than its dismissal"


@READERS.reader("github.alerts", types=("vuln.finding",))
def read_alerts(ctx: Context) -> list[Observation]:
    in_scope = {str(r["name"]).lower() for r in repositories(ctx)}
    org = quote(ctx.org)
    found: list[Observation] = []
    call = ctx.api.call("listOrgDependabotAlerts", org=ctx.org)
    for page in ctx.api.pages("listOrgDependabotAlerts", f"/orgs/{org}/dependabot/alerts"):
        for alert in page:
            if isinstance(alert, dict) and _repo(alert).lower() in in_scope:
                found.append(finding(ctx, "dependabot", dependabot_fields(alert), alert, call))
    call = ctx.api.call("listOrgCodeScanningAlerts", org=ctx.org)
    try:
        for page in ctx.api.pages("listOrgCodeScanningAlerts", f"/orgs/{org}/code-scanning/alerts"):
            for alert in page:
                if isinstance(alert, dict) and _repo(alert).lower() in in_scope:
                    fields = code_scanning_fields(alert)
                    if fields["severity"] in SEVERITIES:
                        found.append(finding(ctx, "code_scanning", fields, alert, call))
    except GitHubCallFailed as failure:
        if failure.status != 404:
            raise
    return found


def dependabot_fields(alert: dict[str, Any]) -> dict[str, Any]:
    advisory = alert.get("security_advisory") or {}
    vulnerability = alert.get("security_vulnerability") or {}
    package = ((alert.get("dependency") or {}).get("package") or {}).get("name")
    return {
        "title": f"{advisory.get('ghsa_id') or ''} {package or ''}: {advisory.get('summary') or ''}".strip(),
        "severity": str(vulnerability.get("severity") or advisory.get("severity") or "").lower(),
        "state": "dismissed" if alert.get("state") == "auto_dismissed" else str(alert.get("state")),
        "dismissed_at": alert.get("dismissed_at") or alert.get("auto_dismissed_at"),
    }


def code_scanning_fields(alert: dict[str, Any]) -> dict[str, Any]:
    rule = alert.get("rule") or {}
    tool = (alert.get("tool") or {}).get("name")
    return {
        "title": f"{tool or 'code scanning'} {rule.get('id') or ''}: {rule.get('description') or ''}".strip(),
        "severity": str(rule.get("security_severity_level") or "").lower(),
        "state": str(alert.get("state")),
        "dismissed_at": alert.get("dismissed_at"),
    }


def finding(
    ctx: Context, source: str, fields: dict[str, Any], alert: dict[str, Any], call: Any
) -> Observation:
    created = parse_time(alert.get("created_at"))
    fixed = parse_time(alert.get("fixed_at"))
    dismissed = parse_time(fields["dismissed_at"])
    closed = fixed or dismissed if fields["state"] != "open" else None
    repo = alert.get("repository") or {}
    # GitHub records a review only as a dismissal; an open or fixed alert's triage is kept
    # elsewhere (tickets), so for them the triage deadline does not apply to this source.
    triaged = dismissed if fields["state"] == "dismissed" else None
    return ctx.observe(
        "vuln.finding",
        str(alert.get("html_url")),
        name=fields["title"][:200],
        attributes={
            "source": source,
            "resource": str(repo.get("html_url") or ""),
            "title": fields["title"][:500],
            "severity": fields["severity"],
            "state": fields["state"],
            "first_observed": iso(created),
            "fixed_at": iso(fixed),
            # GitHub marks an alert fixed only when its own analysis no longer finds it.
            "fix_verified": True if fields["state"] == "fixed" else None,
            "closed_at": iso(closed),
            "triaged_at": iso(triaged),
            "suppressed": fields["state"] == "dismissed",
            "suppression_reason": alert.get("dismissed_reason"),
            "suppression_comment": (alert.get("dismissed_comment") or None),
            "dismissed_by": (alert.get("dismissed_by") or {}).get("login"),
            **({} if triaged else {"inapplicable": {"triaged_at": NO_TRIAGE}}),
        },
        raw={"alert": _trim(alert)},
        calls=[call],
    )


def _trim(alert: dict[str, Any]) -> dict[str, Any]:
    kept = {k: v for k, v in alert.items() if k not in ("repository", "dismissed_by", "most_recent_instance")}
    kept["repository"] = (alert.get("repository") or {}).get("full_name")
    kept["dismissed_by"] = (alert.get("dismissed_by") or {}).get("login")
    return kept


def _repo(alert: dict[str, Any]) -> str:
    return str((alert.get("repository") or {}).get("name") or "")
