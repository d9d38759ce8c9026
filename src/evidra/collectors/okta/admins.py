"""Who holds an Okta administrator role, and which groups do: read once, shared by
the users reader (privileged) and the password policy reader (policies governing
administrators).

`/api/v1/iam/assignees/users` lists only the users holding a role, directly or
through a group, so the per-user role call is made for administrators (dozens), not
for every user (tens of thousands).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from evidra.collectors.okta.context import Context
from evidra.model import ApiCall

_ROLE_FIELDS = ("id", "type", "label", "status", "assignmentType", "created", "lastUpdated")


@dataclass(frozen=True)
class Admins:
    roles: dict[str, list[dict[str, Any]]]  # user id -> active role assignments (trimmed)
    calls: list[ApiCall]  # how the list of administrators was read

    def role_types(self, user_id: str) -> list[str]:
        return sorted({str(r.get("type")) for r in self.roles.get(user_id, [])})


async def admins(ctx: Context) -> Admins:
    return await ctx.shared("admins", lambda: _read_admins(ctx))


async def admin_groups(ctx: Context) -> dict[str, set[str]]:
    """Administrator id -> the ids of the groups they belong to."""
    return await ctx.shared("admin_groups", lambda: _read_admin_groups(ctx))


async def group_roles(ctx: Context, group_id: str) -> list[dict[str, Any]]:
    """The active admin roles assigned to a group."""

    async def read() -> list[dict[str, Any]]:
        answer = await ctx.api.get("listGroupAssignedRoles", f"/api/v1/groups/{quote(group_id)}/roles")
        return [trim_role(r) for r in answer or [] if r.get("status", "ACTIVE") == "ACTIVE"]

    return await ctx.shared(f"group_roles:{group_id}", read)


async def group(ctx: Context, group_id: str) -> dict[str, Any] | None:
    """A group's id, type and profile name, or None when it no longer exists."""

    async def read() -> dict[str, Any] | None:
        answer = await ctx.api.get("getGroup", f"/api/v1/groups/{quote(group_id)}", absent_ok=True)
        if not isinstance(answer, dict):
            return None
        return {"id": answer.get("id"), "type": answer.get("type"), "name": group_name(answer)}

    return await ctx.shared(f"group:{group_id}", read)


def group_name(answer: dict[str, Any]) -> str:
    if answer.get("type") == "BUILT_IN":
        return "everyone"  # Okta's one built-in group, "Everyone"
    return str((answer.get("profile") or {}).get("name") or answer.get("id"))


def trim_role(role: dict[str, Any]) -> dict[str, Any]:
    return {key: role[key] for key in _ROLE_FIELDS if key in role}


async def _read_admins(ctx: Context) -> Admins:
    ids: list[str] = []
    async for page in ctx.api.pages(
        "listUsersWithRoleAssignments", "/api/v1/iam/assignees/users", {"limit": 100}
    ):
        ids.extend(str(item["id"]) for item in page if isinstance(item, dict) and "id" in item)
    answers = await asyncio.gather(
        *(ctx.api.get("listAssignedRolesForUser", f"/api/v1/users/{quote(uid)}/roles") for uid in ids)
    )
    roles = {
        uid: [trim_role(r) for r in answer or [] if r.get("status", "ACTIVE") == "ACTIVE"]
        for uid, answer in zip(ids, answers, strict=True)
    }
    return Admins(
        roles={uid: found for uid, found in roles.items() if found},
        calls=[ctx.api.call("listUsersWithRoleAssignments", limit=100)],
    )


async def _read_admin_groups(ctx: Context) -> dict[str, set[str]]:
    found = await admins(ctx)
    ids = sorted(found.roles)

    async def groups_of(uid: str) -> set[str]:
        groups: set[str] = set()
        async for page in ctx.api.pages("listUserGroups", f"/api/v1/users/{quote(uid)}/groups"):
            groups.update(str(g["id"]) for g in page if isinstance(g, dict) and "id" in g)
        return groups

    memberships = await asyncio.gather(*(groups_of(uid) for uid in ids))
    return dict(zip(ids, memberships, strict=True))
