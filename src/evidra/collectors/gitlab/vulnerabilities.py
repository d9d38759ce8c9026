"""Vulnerabilities (vuln.finding), where the tier provides them (GitLab Ultimate:
`GET /projects/:id/vulnerabilities`). A project whose tier does not answers 403 or 404:
it has no findings to read, which is said in the finding population's absence, not as an
error. Times: `created_at` (detected), `confirmed_at` (triaged), `resolved_at`, `dismissed_at`."""

from __future__ import annotations

from typing import Any

from evidra.collectors.gitlab.api import GitLabCallFailed
from evidra.collectors.gitlab.context import READERS, Context
from evidra.collectors.gitlab.projects import project_path, projects
from evidra.collectors.source_control import parse_time
from evidra.model import Observation, iso

SEVERITIES = frozenset({"critical", "high", "medium", "low"})
_NOT_IN_TIER = frozenset({403, 404})


@READERS.reader("gitlab.vulnerabilities", types=("vuln.finding",))
def read_vulnerabilities(ctx: Context) -> list[Observation]:
    per_project = ctx.each(lambda p: _project_findings(ctx, p), projects(ctx))
    return [o for found in per_project for o in found]


def _project_findings(ctx: Context, project: dict[str, Any]) -> list[Observation]:
    try:
        pages = list(ctx.api.pages("listProjectVulnerabilities", project_path(project, "vulnerabilities")))
    except GitLabCallFailed as failure:
        if failure.status in _NOT_IN_TIER:
            return []
        raise
    call = ctx.api.call("listProjectVulnerabilities", project=project.get("path_with_namespace"))
    return [
        finding(ctx, project, v, call)
        for page in pages
        for v in page
        if isinstance(v, dict) and str(v.get("severity")).lower() in SEVERITIES
    ]


def finding(ctx: Context, project: dict[str, Any], vuln: dict[str, Any], call: Any) -> Observation:
    state = {"resolved": "fixed", "dismissed": "dismissed"}.get(str(vuln.get("state")), "open")
    created = parse_time(vuln.get("created_at"))
    fixed = parse_time(vuln.get("resolved_at")) if state == "fixed" else None
    dismissed = parse_time(vuln.get("dismissed_at")) if state == "dismissed" else None
    closed = fixed or dismissed
    # Triage is the first review GitLab records: confirmed, resolved or dismissed.
    reviews = [parse_time(vuln.get(key)) for key in ("confirmed_at", "resolved_at", "dismissed_at")]
    triaged = min((t for t in reviews if t is not None), default=None)
    web = f"{project['web_url']}/-/security/vulnerabilities/{vuln.get('id')}"
    return ctx.observe(
        "vuln.finding",
        web,
        name=str(vuln.get("title"))[:200],
        attributes={
            "source": f"gitlab:{vuln.get('report_type') or 'scanner'}",
            "resource": str(project["web_url"]),
            "title": str(vuln.get("title"))[:500],
            "severity": str(vuln.get("severity")).lower(),
            "state": state,
            "first_observed": iso(created),
            "fixed_at": iso(fixed),
            # "resolved" is a person's act; resolved_on_default_branch says the default
            # branch's latest pipeline no longer detects it (the entity since GitLab 13.x).
            "fix_verified": (vuln.get("resolved_on_default_branch") is True) if state == "fixed" else None,
            "closed_at": iso(closed),
            "triaged_at": iso(triaged),
            "suppressed": state == "dismissed",
            "suppression_reason": vuln.get("dismissal_reason"),
            "suppression_comment": vuln.get("state_comment") or None,
            "dismissed_by": (vuln.get("dismissed_by") or {}).get("username"),
        },
        raw={
            "vulnerability": {k: v for k, v in vuln.items() if k not in ("project", "author", "dismissed_by")}
        },
        calls=[call],
    )
