"""Projects (scm.repository): the default branch's protection (protected branch and
approval rules), CODEOWNERS, secret push protection, and the members from outside the
group. Archived projects are out of scope.

GitLab's notions map onto the shared vocabulary so: required approvals are the largest
`approvals_required` of the approval rules that cover the default branch (a Premium
feature; without it, none are required); stale approvals are dismissed when
`reset_approvals_on_push`; a required check is "the pipeline" when merges need a
successful pipeline; administrators are bound when no role may push to the branch
directly; a protected branch cannot be deleted. GitLab has no Actions permissions nor
default workflow token permissions (the CI job token's rights are fixed), so those are
`inapplicable`; secret detection and dependency scanning run as CI jobs whose set-up the
API does not show, so they are `unreadable` unless the project says.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from evidra.collectors.gitlab.context import READERS, Context
from evidra.model import ApiCall, Observation

CODEOWNERS_PATHS = ("CODEOWNERS", ".gitlab/CODEOWNERS", "docs/CODEOWNERS")
# GitLab's access levels (docs.gitlab.com/ee/api/members.html#roles).
ACCESS = {0: "none", 5: "minimal", 10: "guest", 15: "planner", 20: "reporter", 30: "developer",
          40: "maintainer", 50: "owner", 60: "admin"}  # fmt: skip
_PROJECT_KEPT = (
    "id", "name", "path_with_namespace", "web_url", "default_branch", "visibility", "archived",
    "only_allow_merge_if_pipeline_succeeds", "pre_receive_secret_detection_enabled",
    "secret_push_protection_enabled", "created_at", "last_activity_at",
)  # fmt: skip
NO_ACTIONS = "GitLab has no Actions permissions: the CI job token's rights are fixed by GitLab"
CI_SCANNING = (
    "GitLab runs {what} as CI jobs; the API does not show whether a project's pipeline includes them"
)


@dataclass
class ProjectSettings:
    project: dict[str, Any]
    protected: dict[str, Any] | None
    approvals: dict[str, Any]
    rules: list[dict[str, Any]]
    codeowners: bool
    outside: list[dict[str, Any]]
    calls: list[ApiCall]

    @property
    def required_approvals(self) -> int:
        branch = self.project.get("default_branch")
        counts = [
            int(rule.get("approvals_required") or 0)
            for rule in self.rules
            if rule.get("applies_to_all_protected_branches")
            or not rule.get("protected_branches")
            or any(b.get("name") == branch for b in rule.get("protected_branches") or [])
        ]
        return max(counts, default=0)


def projects(ctx: Context) -> list[dict[str, Any]]:
    return ctx.shared("projects", lambda: _list_projects(ctx))


def settings_of(ctx: Context, project: dict[str, Any]) -> ProjectSettings:
    return ctx.shared(f"settings:{project['id']}", lambda: _read_settings(ctx, project))


def group_members(ctx: Context) -> set[str]:
    """Everyone with access through the group (inherited memberships included)."""
    return {str(m.get("username")) for m in group_member_list(ctx)}


def group_member_list(ctx: Context) -> list[dict[str, Any]]:
    """The group's members as `GET /groups/:id/members/all` answers them, read once."""

    def read() -> list[dict[str, Any]]:
        path = f"/groups/{ctx.group['id']}/members/all"
        pages = ctx.api.pages("listGroupMembersAll", path)
        return [m for page in pages for m in page if isinstance(m, dict) and m.get("username")]

    return ctx.shared("group_members", read)


def project_path(project: dict[str, Any], *rest: str) -> str:
    return "/".join([f"/projects/{project['id']}", *rest])


def _list_projects(ctx: Context) -> list[dict[str, Any]]:
    wanted = ctx.settings.repositories
    names = None if wanted == "all" else {n.lower() for n in wanted}
    params = {"include_subgroups": "true", "archived": "false", "with_shared": "false", "order_by": "id"}
    found = []
    for page in ctx.api.pages("listGroupProjects", f"/groups/{ctx.group['id']}/projects", params):
        for project in page:
            if not isinstance(project, dict) or project.get("archived") or not project.get("default_branch"):
                continue
            full = str(project.get("path_with_namespace", "")).lower()
            if names is None or full in names or full.rsplit("/", 1)[-1] in names:
                found.append({k: project[k] for k in _PROJECT_KEPT if k in project})
    return found


def _read_settings(ctx: Context, project: dict[str, Any]) -> ProjectSettings:
    api, branch = ctx.api, quote(str(project["default_branch"]), safe="")
    protected = api.get(
        "getProtectedBranch", project_path(project, "protected_branches", branch), absent_ok=True
    )
    approvals = api.get("getProjectApprovals", project_path(project, "approvals"), absent_ok=True)
    rules = api.get("listApprovalRules", project_path(project, "approval_rules"), absent_ok=True)
    codeowners = False
    for path in CODEOWNERS_PATHS:
        found = api.get(
            "getRepositoryFile",
            project_path(project, "repository", "files", quote(path, safe="")),
            {"ref": project["default_branch"]},
            absent_ok=True,
        )
        if found.status == 200:
            codeowners = True
            break
    members = [m for page in api.pages("listProjectMembers", project_path(project, "members")) for m in page]
    inside = group_members(ctx)
    name = project.get("path_with_namespace")
    return ProjectSettings(
        project=project,
        protected=protected.body if isinstance(protected.body, dict) else None,
        approvals=approvals.body if isinstance(approvals.body, dict) else {},
        rules=[r for r in rules.body or [] if isinstance(r, dict)] if isinstance(rules.body, list) else [],
        codeowners=codeowners,
        outside=[m for m in members if isinstance(m, dict) and str(m.get("username")) not in inside],
        calls=[
            api.call("listGroupProjects", group=ctx.group.get("full_path")),
            api.call("getProtectedBranch", project=name, branch=project["default_branch"]),
            api.call("getProjectApprovals", project=name),
            api.call("listApprovalRules", project=name),
            api.call("getRepositoryFile", project=name, file="CODEOWNERS"),
            api.call("listProjectMembers", project=name),
            api.call("listGroupMembersAll", group=ctx.group.get("full_path")),
        ],
    )


def protection_attributes(found: ProjectSettings) -> dict[str, Any]:
    protected = found.protected
    pipeline = bool(found.project.get("only_allow_merge_if_pipeline_succeeds"))
    checks = ["pipeline"] if pipeline else []
    pushers = [
        int(level.get("access_level") or 0) for level in (protected or {}).get("push_access_levels") or []
    ]
    return {
        "branch_protected": protected is not None,
        "protection_sources": ["protected_branch"] if protected is not None else [],
        "required_approvals": found.required_approvals,
        "dismiss_stale_reviews": bool(found.approvals.get("reset_approvals_on_push")),
        "code_owner_review": bool((protected or {}).get("code_owner_approval_required")),
        "required_checks": checks,
        "required_check_count": len(checks),
        "enforce_admins": protected is not None and all(level == 0 for level in pushers),
        "force_push_blocked": protected is not None and not protected.get("allow_force_push"),
        "deletion_blocked": protected is not None,
    }


@READERS.reader("gitlab.projects", types=("scm.repository",))
def read_projects(ctx: Context) -> list[Observation]:
    return ctx.each(lambda project: project_observation(ctx, settings_of(ctx, project)), projects(ctx))


def project_observation(ctx: Context, found: ProjectSettings) -> Observation:
    project = found.project
    push = project.get("secret_push_protection_enabled", project.get("pre_receive_secret_detection_enabled"))
    unreadable = {
        "secret_scanning": CI_SCANNING.format(what="secret detection"),
        "dependency_alerts": CI_SCANNING.format(what="dependency scanning"),
    }
    if push is None:
        unreadable["push_protection"] = (
            "secret push protection is not shown for this project (GitLab Ultimate)"
        )
    return ctx.observe(
        "scm.repository",
        str(project["web_url"]),
        name=str(project.get("path_with_namespace") or project["name"]),
        attributes={
            "default_branch": project["default_branch"],
            "visibility": project.get("visibility"),
            **protection_attributes(found),
            "codeowners": found.codeowners,
            "secret_scanning": None,
            "push_protection": bool(push) if push is not None else None,
            "dependency_alerts": None,
            "actions_allowed": None,
            "workflow_token_read_only": None,
            "outside_collaborators": sorted(
                f"{m.get('username')}:{ACCESS.get(int(m.get('access_level') or 0), 'unknown')}"
                for m in found.outside
            ),
            "unreadable": unreadable,
            "inapplicable": {"actions_allowed": NO_ACTIONS, "workflow_token_read_only": NO_ACTIONS},
        },
        raw={
            "project": project,
            "protected_branch": found.protected,
            "approvals": found.approvals,
            "approval_rules": [
                {
                    k: r.get(k)
                    for k in (
                        "id",
                        "name",
                        "rule_type",
                        "approvals_required",
                        "applies_to_all_protected_branches",
                    )
                }
                for r in found.rules
            ],
        },
        calls=found.calls,
    )
