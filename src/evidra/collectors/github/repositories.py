"""Repositories (scm.repository): the default branch's effective protection, CODEOWNERS,
secret scanning and push protection, Dependabot alerts, the Actions permissions and the
outside collaborators.

Archived repositories are out of scope: they take no changes. Every repository read
below is read once per collection and shared (the changes reader needs the protection,
the collaborators reader the collaborators).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from evidra.collectors.github.context import READERS, Context
from evidra.collectors.github.protection import Protection, effective
from evidra.model import ApiCall, Observation

_REPO_KEPT = (
    "id", "name", "full_name", "html_url", "private", "visibility", "archived", "default_branch",
    "security_and_analysis", "pushed_at", "created_at",
)  # fmt: skip


@dataclass
class RepoSettings:
    repo: dict[str, Any]
    protection: Protection
    classic: dict[str, Any] | None
    rules: list[dict[str, Any]]
    codeowners: bool
    dependency_alerts: bool | None
    actions: dict[str, Any] | None
    workflow: dict[str, Any] | None
    collaborators: list[dict[str, Any]]
    calls: list[ApiCall]


def repositories(ctx: Context) -> list[dict[str, Any]]:
    """The repositories in scope: the organisation's, unarchived, filtered by the config."""
    return ctx.shared("repositories", lambda: _list_repositories(ctx))


def settings_of(ctx: Context, repo: dict[str, Any]) -> RepoSettings:
    return ctx.shared(f"settings:{repo['name']}", lambda: _read_settings(ctx, repo))


def repo_path(ctx: Context, repo: dict[str, Any], *rest: str) -> str:
    return "/".join([f"/repos/{quote(ctx.org)}/{quote(str(repo['name']))}", *rest])


def _list_repositories(ctx: Context) -> list[dict[str, Any]]:
    wanted = ctx.settings.repositories
    names = None if wanted == "all" else {n.rsplit("/", 1)[-1].lower() for n in wanted}
    found: list[dict[str, Any]] = []
    for page in ctx.api.pages("listOrgRepos", f"/orgs/{quote(ctx.org)}/repos", {"type": "all"}):
        for repo in page:
            if not isinstance(repo, dict) or repo.get("archived") or not repo.get("default_branch"):
                continue
            if names is None or str(repo.get("name", "")).lower() in names:
                found.append({k: repo[k] for k in _REPO_KEPT if k in repo})
    return found


def _read_settings(ctx: Context, repo: dict[str, Any]) -> RepoSettings:
    api, branch = ctx.api, quote(str(repo["default_branch"]), safe="")
    classic = api.get(
        "getBranchProtection", repo_path(ctx, repo, "branches", branch, "protection"), absent_ok=True
    )
    rules = [
        r
        for page in api.pages("getRulesForBranch", repo_path(ctx, repo, "rules", "branches", branch))
        for r in page
        if isinstance(r, dict)
    ]
    rulesets = {
        ruleset_id: _ruleset(ctx, repo, ruleset_id)
        for ruleset_id in sorted({int(r.get("ruleset_id") or 0) for r in rules})
    }
    codeowners = api.get("listCodeownersErrors", repo_path(ctx, repo, "codeowners", "errors"), absent_ok=True)
    alerts = api.get("checkVulnerabilityAlerts", repo_path(ctx, repo, "vulnerability-alerts"), absent_ok=True)
    actions = api.get("getActionsPermissions", repo_path(ctx, repo, "actions", "permissions"), absent_ok=True)
    workflow = api.get(
        "getWorkflowPermissions", repo_path(ctx, repo, "actions", "permissions", "workflow"), absent_ok=True
    )
    collaborators = [
        c
        for page in api.pages(
            "listCollaborators", repo_path(ctx, repo, "collaborators"), {"affiliation": "outside"}
        )
        for c in page
        if isinstance(c, dict)
    ]
    classic_body = classic.body if classic.status == 200 and isinstance(classic.body, dict) else None
    name = repo["full_name"] if "full_name" in repo else repo["name"]
    calls = [
        api.call("listOrgRepos", org=ctx.org, type="all"),
        *(
            api.call(op, repo=name, branch=repo["default_branch"])
            for op in ("getBranchProtection", "getRulesForBranch")
        ),
        *(api.call("getRepoRuleset", repo=name, ruleset_id=i) for i in rulesets),
        *(
            api.call(op, repo=name)
            for op in ("listCodeownersErrors", "checkVulnerabilityAlerts", "getActionsPermissions")
        ),
        api.call("getWorkflowPermissions", repo=name),
        api.call("listCollaborators", repo=name, affiliation="outside"),
    ]
    return RepoSettings(
        repo=repo,
        protection=effective(classic_body, rules, rulesets),
        classic=classic_body,
        rules=rules,
        codeowners=codeowners.status == 200,
        dependency_alerts={204: True, 200: True, 404: False}.get(alerts.status),
        actions=actions.body if isinstance(actions.body, dict) else None,
        workflow=workflow.body if isinstance(workflow.body, dict) else None,
        collaborators=collaborators,
        calls=calls,
    )


def _ruleset(ctx: Context, repo: dict[str, Any], ruleset_id: int) -> dict[str, Any]:
    """A ruleset's name, enforcement and bypass list. Organisation rulesets are the same
    for every repository: read once. An unreadable one counts as bypassable."""

    def read() -> dict[str, Any]:
        answer = ctx.api.get(
            "getRepoRuleset",
            repo_path(ctx, repo, "rulesets", str(ruleset_id)),
            {"includes_parents": "true"},
            absent_ok=True,
        )
        return answer.body if isinstance(answer.body, dict) else {}

    return ctx.shared(f"ruleset:{ruleset_id}", read)


@READERS.reader("github.repositories", types=("scm.repository",))
def read_repositories(ctx: Context) -> list[Observation]:
    return ctx.each(lambda repo: repository_observation(ctx, settings_of(ctx, repo)), repositories(ctx))


def repository_observation(ctx: Context, found: RepoSettings) -> Observation:
    repo = found.repo
    analysis = repo.get("security_and_analysis")
    return ctx.observe(
        "scm.repository",
        str(repo["html_url"]),
        name=str(repo.get("full_name") or repo["name"]),
        attributes={
            "default_branch": repo["default_branch"],
            "visibility": repo.get("visibility") or ("private" if repo.get("private") else "public"),
            **found.protection.attributes(),
            "codeowners": found.codeowners,
            "secret_scanning": _status(analysis, "secret_scanning"),
            "push_protection": _status(analysis, "secret_scanning_push_protection"),
            "dependency_alerts": found.dependency_alerts,
            "actions_allowed": actions_allowed(found.actions),
            "workflow_token_read_only": read_only(found.workflow),
            "outside_collaborators": sorted(
                f"{c.get('login')}:{role(c)}" for c in found.collaborators if c.get("login")
            ),
            **unreadable(analysis),
        },
        raw={
            "repository": repo,
            "branch_protection": found.classic,
            "branch_rules": found.rules,
            "actions_permissions": found.actions,
            "workflow_permissions": found.workflow,
        },
        calls=found.calls,
    )


def actions_allowed(actions: dict[str, Any] | None) -> str | None:
    if actions is None:
        return None
    if actions.get("enabled") is False:
        return "disabled"
    value = actions.get("allowed_actions")
    return str(value) if value else None


def read_only(workflow: dict[str, Any] | None) -> bool | None:
    if workflow is None or "default_workflow_permissions" not in workflow:
        return None
    return workflow["default_workflow_permissions"] == "read"


def role(collaborator: dict[str, Any]) -> str:
    if collaborator.get("role_name"):
        return str(collaborator["role_name"])
    granted = collaborator.get("permissions") or {}
    for name in ("admin", "maintain", "push", "triage", "pull"):
        if granted.get(name):
            return {"push": "write", "pull": "read"}.get(name, name)
    return "unknown"


def unreadable(analysis: Any) -> dict[str, Any]:
    if isinstance(analysis, dict):
        return {}
    why = "GitHub shows security_and_analysis to the repository's administrators only"
    return {"unreadable": {"secret_scanning": why, "push_protection": why}}


def _status(analysis: Any, key: str) -> bool | None:
    if not isinstance(analysis, dict) or not isinstance(analysis.get(key), dict):
        return None  # GitHub shows security_and_analysis to administrators only
    return analysis[key].get("status") == "enabled"
