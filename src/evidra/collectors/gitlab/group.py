"""The group (scm.organization): its two-factor requirement; and the people with access
to its projects who are not members of the group (scm.collaborator), with their access.

GitLab shows a member's two-factor state to instance administrators only (`GET /users`),
so `members_without_2fa` is `unreadable` here; GitLab has no CI token defaults to judge
(`inapplicable`)."""

from __future__ import annotations

from typing import Any

from evidra.collectors.gitlab.context import READERS, Context
from evidra.collectors.gitlab.projects import ACCESS, NO_ACTIONS, projects, settings_of
from evidra.model import Observation

_GROUP_KEPT = ("id", "name", "full_path", "web_url", "visibility", "require_two_factor_authentication",
               "two_factor_grace_period", "created_at")  # fmt: skip


@READERS.reader("gitlab.group", types=("scm.organization",))
def read_group(ctx: Context) -> list[Observation]:
    group = ctx.group
    outside = {
        m.get("username") for p in ctx.each(lambda p: settings_of(ctx, p), projects(ctx)) for m in p.outside
    }
    required = group.get("require_two_factor_authentication")
    return [
        ctx.observe(
            "scm.organization",
            str(group.get("web_url")),
            name=str(group.get("full_path")),
            attributes={
                "two_factor_required": required if isinstance(required, bool) else None,
                "members_without_2fa": None,
                "outside_collaborators": len(outside),
                "actions_allowed": None,
                "workflow_token_read_only": None,
                "unreadable": {
                    "members_without_2fa": "GitLab shows two-factor state to instance administrators only"
                },
                "inapplicable": {"actions_allowed": NO_ACTIONS, "workflow_token_read_only": NO_ACTIONS},
            },
            raw={"group": {k: group[k] for k in _GROUP_KEPT if k in group}},
            calls=[ctx.api.call("getGroup", group=group.get("full_path"))],
        )
    ]


@READERS.reader("gitlab.collaborators", types=("scm.collaborator",))
def read_collaborators(ctx: Context) -> list[Observation]:
    reach: dict[str, list[tuple[str, str]]] = {}
    people: dict[str, dict[str, Any]] = {}
    for found in ctx.each(lambda p: settings_of(ctx, p), projects(ctx)):
        for member in found.outside:
            login = str(member.get("username"))
            people.setdefault(login, member)
            level = ACCESS.get(int(member.get("access_level") or 0), "unknown")
            reach.setdefault(login, []).append((str(found.project.get("path_with_namespace")), level))
    calls = [ctx.api.call("listProjectMembers", group=ctx.group.get("full_path"))]
    return [
        ctx.observe(
            "scm.collaborator",
            str(person.get("web_url") or login),
            name=login,
            attributes={
                "login": login,
                "kind": "outside",
                "repositories": sorted(f"{repo}:{level}" for repo, level in reach[login]),
                "admin_on": sorted(repo for repo, level in reach[login] if level in ("maintainer", "owner")),
            },
            raw={"member": {k: person[k] for k in ("id", "username", "web_url", "state") if k in person}},
            calls=calls,
        )
        for login, person in sorted(people.items())
    ]
