"""Users (identity.user) from the Directory API: 2-Step Verification enrolment and
enforcement, administrator roles, suspended and archived accounts, last login.

`users.list` (customer, `maxResults` 500, the API's largest page) gives every user with
`isEnrolledIn2Sv`, `isEnforcedIn2Sv`, `isAdmin`, `suspended`, `archived`,
`lastLoginTime`, `creationTime`; administrator roles come from one `roles.list` and one
`roleAssignments.list` for the whole account, not a call per user. A super
administrator (`isAdmin`) holds the built-in `_SEED_ADMIN_ROLE` whatever the listing says.

2SV is Workspace's MFA: enrolled = `mfa_enabled`, as Okta's enrolment and Entra's
registration; the Directory API does not say which second factors a user has, so
`mfa_methods` is unset (a control on methods finds it not evidenced, never compliant).
Raw answers keep the fields judged and the names; phone numbers, addresses, recovery
email and custom schemas are not kept (data minimisation).
"""

from __future__ import annotations

from typing import Any

from evidra.collectors.google_workspace.context import READERS, Context
from evidra.model import Observation
from evidra.spool import Spool

USER_FIELDS = (
    "id",
    "primaryEmail",
    "name",
    "isAdmin",
    "isDelegatedAdmin",
    "isEnrolledIn2Sv",
    "isEnforcedIn2Sv",
    "suspended",
    "suspensionReason",
    "archived",
    "lastLoginTime",
    "creationTime",
    "orgUnitPath",
    "customerId",
    "agreedToTerms",
    "changePasswordAtNextLogin",
)
NEVER = "1970-01-01T00:00:00.000Z"  # the Directory API's lastLoginTime of a user who never signed in
SUPER_ADMIN = "_SEED_ADMIN_ROLE"


@READERS.reader("google_workspace.users", types=("identity.user",))
def read_users(ctx: Context) -> Spool[Observation]:
    customer = ctx.settings.customer_id
    directory = ctx.api.directory
    role_names = {
        str(role.get("roleId")): str(role.get("roleName"))
        for role in ctx.api.items(
            "roles.list",
            directory.roles(),
            directory.roles().list,
            "items",
            customer=customer,
            maxResults=100,
        )
    }
    held: dict[str, set[str]] = {}
    for assignment in ctx.api.items(
        "roleAssignments.list",
        directory.roleAssignments(),
        directory.roleAssignments().list,
        "items",
        customer=customer,
        maxResults=200,
    ):
        role = role_names.get(str(assignment.get("roleId")), str(assignment.get("roleId")))
        held.setdefault(str(assignment.get("assignedTo")), set()).add(role)
    calls = [
        ctx.api.call("users.list", customer=customer, maxResults=ctx.settings.page_size),
        ctx.api.call("roles.list", customer=customer),
        ctx.api.call("roleAssignments.list", customer=customer),
    ]
    observations: Spool[Observation] = Spool()
    disabled: set[str] = set()
    for user in ctx.api.items(
        "users.list",
        directory.users(),
        directory.users().list,
        "users",
        customer=customer,
        maxResults=ctx.settings.page_size,
        orderBy="email",
    ):
        roles = set(held.get(str(user.get("id")), set()))
        if user.get("isAdmin"):
            roles.add(SUPER_ADMIN)
        if user.get("suspended") or user.get("archived"):
            disabled.add(str(user.get("primaryEmail") or "").lower())
        observations.append(
            ctx.observe(
                "identity.user",
                ctx.object_id("users", str(user.get("id"))),
                name=str(user.get("primaryEmail") or user.get("id")),
                attributes=user_attributes(user, sorted(roles)),
                raw={"user": _trim(user), "adminRoles": sorted(roles)},
                calls=calls,
            )
        )
    ctx.disabled_users = disabled
    return observations


def user_attributes(user: dict[str, Any], admin_roles: list[str]) -> dict[str, Any]:
    suspended, archived = bool(user.get("suspended")), bool(user.get("archived"))
    last_login = workspace_time(user.get("lastLoginTime"))
    created = workspace_time(user.get("creationTime"))
    email = str(user.get("primaryEmail") or "").lower() or None
    return {
        "name": user.get("primaryEmail"),
        "email": email,
        "kind": "human",
        "console_access": not (suspended or archived),
        "mfa_enabled": bool(user.get("isEnrolledIn2Sv")),
        "mfa_enforced": bool(user.get("isEnforcedIn2Sv")),
        "mfa_methods": None,
        "last_login": last_login,
        "created": created,
        "privileged": bool(admin_roles) or bool(user.get("isDelegatedAdmin")),
        "admin_roles": admin_roles,
        "disabled": suspended or archived,
        "status": "archived" if archived else "suspended" if suspended else "active",
        "last_activity": last_login or created,
    }


def workspace_time(value: Any) -> str | None:
    if not value or not isinstance(value, str) or value == NEVER:
        return None
    return value.split(".")[0].rstrip("Z") + "Z"


def _trim(user: dict[str, Any]) -> dict[str, Any]:
    kept = {k: user[k] for k in USER_FIELDS if k in user}
    name = user.get("name")
    if isinstance(name, dict):
        kept["name"] = {k: name[k] for k in ("fullName", "givenName", "familyName") if k in name}
    return kept
