"""The organisation (scm.organization): two-factor requirement, members without it, the
organisation's Actions policy; and its outside collaborators (scm.collaborator) with the
repositories each can reach.

`two_factor_requirement_enabled` is shown to organisation owners only, and the
`2fa_disabled` member filter answers only them: for another credential both are None
(not visible), which the controls report as such rather than as compliant.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from evidra.collectors.github.api import GitHubCallFailed
from evidra.collectors.github.context import READERS, Context
from evidra.collectors.github.repositories import actions_allowed, read_only, repositories, role, settings_of
from evidra.model import Observation

_ORG_KEPT = ("login", "id", "name", "html_url", "two_factor_requirement_enabled", "plan", "created_at")
# Statuses by which GitHub refuses the 2fa_disabled filter to a credential that is not an owner.
_NOT_VISIBLE = frozenset({403, 404, 422})


@READERS.reader("github.organization", types=("scm.organization",))
def read_organization(ctx: Context) -> list[Observation]:
    api, org = ctx.api, quote(ctx.org)
    answer = ctx.organization
    without_2fa = members_without_2fa(ctx)
    outside = [
        c
        for page in api.pages("listOutsideCollaborators", f"/orgs/{org}/outside_collaborators")
        for c in page
    ]
    actions = api.get("getOrgActionsPermissions", f"/orgs/{org}/actions/permissions", absent_ok=True).body
    workflow = api.get(
        "getOrgWorkflowPermissions", f"/orgs/{org}/actions/permissions/workflow", absent_ok=True
    ).body
    two_factor = answer.get("two_factor_requirement_enabled")
    return [
        ctx.observe(
            "scm.organization",
            str(answer.get("html_url") or f"{ctx.settings.api_url}/orgs/{ctx.org}"),
            name=ctx.org,
            attributes={
                "two_factor_required": two_factor if isinstance(two_factor, bool) else None,
                "members_without_2fa": without_2fa,
                "outside_collaborators": len(outside),
                "actions_allowed": actions_allowed(actions if isinstance(actions, dict) else None),
                "workflow_token_read_only": read_only(workflow if isinstance(workflow, dict) else None),
                **owner_only(two_factor, without_2fa),
            },
            raw={
                "organization": {k: answer[k] for k in _ORG_KEPT if k in answer},
                "actions_permissions": actions,
                "workflow_permissions": workflow,
            },
            calls=[
                api.call(op, org=ctx.org)
                for op in (
                    "getOrg",
                    "listMembers2faDisabled",
                    "listOutsideCollaborators",
                    "getOrgActionsPermissions",
                    "getOrgWorkflowPermissions",
                )
            ],
        )
    ]


def owner_only(two_factor: Any, without_2fa: list[str] | None) -> dict[str, Any]:
    why = "GitHub shows it to organisation owners only"
    hidden = {
        name: why
        for name, value in (("two_factor_required", two_factor), ("members_without_2fa", without_2fa))
        if not isinstance(value, bool | list)
    }
    return {"unreadable": hidden} if hidden else {}


def members_without_2fa(ctx: Context) -> list[str] | None:
    """Logins of members without two-factor authentication (None: not an owner's
    credential), read once for the organisation and members readers."""
    return ctx.shared("members_without_2fa", lambda: _read_members_without_2fa(ctx))


def _read_members_without_2fa(ctx: Context) -> list[str] | None:
    try:
        pages = list(
            ctx.api.pages(
                "listMembers2faDisabled", f"/orgs/{quote(ctx.org)}/members", {"filter": "2fa_disabled"}
            )
        )
    except GitHubCallFailed as failure:
        if failure.status in _NOT_VISIBLE:
            return None
        raise
    return sorted(str(m.get("login")) for page in pages for m in page if isinstance(m, dict))


@READERS.reader("github.collaborators", types=("scm.collaborator",))
def read_collaborators(ctx: Context) -> list[Observation]:
    """Each outside collaborator with every repository in scope it can reach, from the
    repositories' collaborator lists (read once, shared with the repositories reader)."""
    outside = [
        c
        for page in ctx.api.pages("listOutsideCollaborators", f"/orgs/{quote(ctx.org)}/outside_collaborators")
        for c in page
        if isinstance(c, dict) and c.get("login")
    ]
    reach: dict[str, list[tuple[str, str]]] = {str(c["login"]): [] for c in outside}
    for found in ctx.each(lambda repo: settings_of(ctx, repo), repositories(ctx)):
        for collaborator in found.collaborators:
            login = str(collaborator.get("login"))
            if login in reach:
                reach[login].append(
                    (str(found.repo.get("full_name") or found.repo["name"]), role(collaborator))
                )
    calls = [
        ctx.api.call("listOutsideCollaborators", org=ctx.org),
        ctx.api.call("listCollaborators", org=ctx.org, affiliation="outside"),
    ]
    return [
        ctx.observe(
            "scm.collaborator",
            str(person.get("html_url") or person["login"]),
            name=str(person["login"]),
            attributes=collaborator_attributes(str(person["login"]), reach[str(person["login"])]),
            raw={"collaborator": {k: person[k] for k in ("login", "id", "html_url", "type") if k in person}},
            calls=calls,
        )
        for person in outside
    ]


def collaborator_attributes(login: str, reach: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "login": login,
        "kind": "outside",
        "repositories": sorted(f"{repo}:{permission}" for repo, permission in reach),
        "admin_on": sorted(repo for repo, permission in reach if permission == "admin"),
    }
