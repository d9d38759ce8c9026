"""Entra ID users (identity.user): sign-in, MFA registration, directory roles, guests.

Listings joined by object id: the users, their authentication methods registration
(`userRegistrationDetails`, the report behind Entra's "MFA registered"), and who holds a
directory role (any directory role makes a user privileged, as an Okta admin role does):
active assignments, PIM eligibilities (an eligible administrator is one activation away
from the role), and the members of role-assignable groups holding either (such a group
cannot contain groups, so its members are people or service principals).

Licences. Without Entra ID P1 or P2, Graph refuses the registration report and
`signInActivity` (403 Authentication_RequestFromNonPremiumTenantOrB2CTenant): the users
are listed again without sign-in activity, and MFA and last sign-in are marked
`unreadable` with the licence they need, so their controls are `error` naming it rather
than every user lost. Without P2 there is no PIM (400 AadPremiumLicenseRequired), so
nobody can be eligible.

Kept as raw: the user reduced to what the controls and an auditor need (no phone
numbers, addresses or other profile data), the registration record, the roles.
"""

from __future__ import annotations

from typing import Any

from evidra.collectors.azure.context import GRAPH, READERS, AzureCallFailed, Directory
from evidra.model import ApiCall, Observation

USER_FIELDS = (
    "id",
    "userPrincipalName",
    "mail",
    "displayName",
    "accountEnabled",
    "userType",
    "createdDateTime",
    "externalUserState",
    "signInActivity",
)
# Graph's registered method names, in the mfa_methods vocabulary; TAP, passwords and
# security questions are not a second factor.
METHODS = {
    "microsoftAuthenticatorPush": "push",
    "microsoftAuthenticatorPasswordless": "push",
    "softwareOneTimePasscode": "authenticator_app",
    "hardwareOneTimePasscode": "hardware_token",
    "fido2": "hardware_token",
    "passKeyDeviceBound": "hardware_token",
    "passKeyDeviceBoundAuthenticator": "hardware_token",
    "windowsHelloForBusiness": "biometric",
    "macOsSecureEnclaveKey": "biometric",
    "platformCredential": "biometric",
    "mobilePhone": "sms",
    "alternateMobilePhone": "voice",
    "officePhone": "voice",
    "email": "email",
}
PAGE = "999"  # Graph's largest page for users (the registration report takes no $top)
# Graph's answers to a tenant without the licence a read needs -> the licence.
LICENCES = {
    "Authentication_RequestFromNonPremiumTenantOrB2CTenant": "Microsoft Entra ID P1 or P2",
    "AadPremiumLicenseRequired": "Microsoft Entra ID P2",
}
REGISTRATION = "/reports/authenticationMethods/userRegistrationDetails"


def unlicensed(exc: AzureCallFailed) -> str | None:
    """Why a refused call was refused, when it is the tenant's licence."""
    licence = LICENCES.get(exc.code or "")
    return f"{exc.operation} needs a {licence} licence (Graph answered {exc.code})" if licence else None


@READERS.reader("azure.users", types=("identity.user",), plane=GRAPH)
def read_users(directory: Directory) -> list[Observation]:
    graph = directory.graph
    unreadable: dict[str, str] = {}
    calls = [graph.call("userRegistrationDetails.list")]
    try:
        registrations: dict[str, dict[str, Any]] | None = {
            r["id"]: r for r in graph.items("userRegistrationDetails.list", REGISTRATION) if "id" in r
        }
    except AzureCallFailed as exc:
        if (reason := unlicensed(exc)) is None:
            raise
        registrations = None
        unreadable |= {"mfa_enabled": reason, "mfa_methods": reason}
    roles, role_calls = privileged_principals(directory)
    fields: tuple[str, ...] = USER_FIELDS
    try:
        users = _users(directory, fields)
    except AzureCallFailed as exc:
        if (reason := unlicensed(exc)) is None:
            raise
        fields = tuple(f for f in USER_FIELDS if f != "signInActivity")
        users = _users(directory, fields)
        unreadable |= {"last_login": reason, "last_activity": reason}
    calls += [graph.call("users.list", select=",".join(fields)), *role_calls]
    return [
        user_observation(
            directory,
            user,
            registrations.get(user["id"]) if registrations is not None else None,
            sorted(set(roles.get(user["id"], []))),
            calls,
            unreadable,
        )
        for user in users
    ]


def _users(directory: Directory, fields: tuple[str, ...]) -> list[dict[str, Any]]:
    return directory.graph.items("users.list", "/users", {"$select": ",".join(fields), "$top": PAGE})


def privileged_principals(directory: Directory) -> tuple[dict[str, list[str]], list[ApiCall]]:
    """Object id -> the directory roles it holds, actively, as eligible, or through a
    role-assignable group (named so in the role: `User Administrator (via sg-admins)`)."""
    graph = directory.graph
    expand = {"$expand": "roleDefinition"}
    calls = [
        graph.call("roleAssignments.list", expand="roleDefinition"),
        graph.call("roleEligibilityScheduleInstances.list", expand="roleDefinition"),
        graph.call("groups.list", filter="isAssignableToRole eq true"),
    ]
    roles: dict[str, list[str]] = {}
    held = graph.items("roleAssignments.list", "/roleManagement/directory/roleAssignments", expand)
    try:
        eligible = graph.items(
            "roleEligibilityScheduleInstances.list",
            "/roleManagement/directory/roleEligibilityScheduleInstances",
            expand,
        )
    except AzureCallFailed as exc:
        if exc.code != "AadPremiumLicenseRequired":
            raise
        eligible = []  # PIM needs P2: without it nobody can be made eligible
    for assignments, suffix in ((held, ""), (eligible, " (eligible)")):
        for assignment in assignments:
            name = (assignment.get("roleDefinition") or {}).get("displayName") or assignment.get(
                "roleDefinitionId"
            )
            roles.setdefault(str(assignment.get("principalId")), []).append(f"{name}{suffix}")
    groups = graph.items(
        "groups.list", "/groups", {"$filter": "isAssignableToRole eq true", "$select": "id,displayName"}
    )
    for group in groups:
        if group.get("id") not in roles:
            continue
        calls.append(graph.call("groups.members.list", group=group["id"]))
        for member in graph.items("groups.members.list", f"/groups/{group['id']}/members", {"$select": "id"}):
            via = [f"{role} (via {group.get('displayName') or group['id']})" for role in roles[group["id"]]]
            roles.setdefault(str(member.get("id")), []).extend(via)
    return roles, calls


def user_observation(
    directory: Directory,
    user: dict[str, Any],
    registration: dict[str, Any] | None,
    admin_roles: list[str],
    calls: list[ApiCall],
    unreadable: dict[str, str] | None = None,
) -> Observation:
    enabled = bool(user.get("accountEnabled"))
    methods = sorted(
        {METHODS[m] for m in (registration or {}).get("methodsRegistered") or [] if m in METHODS}
    )
    activity = user.get("signInActivity") or {}
    last_login = graph_time(
        activity.get("lastSuccessfulSignInDateTime") or activity.get("lastSignInDateTime")
    )
    created = graph_time(user.get("createdDateTime"))
    return directory.observe(
        "identity.user",
        directory.object_id("users", user["id"]),
        name=user.get("userPrincipalName") or user["id"],
        attributes={
            "name": user.get("userPrincipalName"),
            "kind": "human",
            "console_access": enabled,
            "mfa_enabled": bool(registration.get("isMfaRegistered")) if registration else None,
            "mfa_methods": methods if registration else None,
            "last_login": last_login,
            "created": created,
            "privileged": bool(admin_roles),
            "admin_roles": admin_roles,
            "disabled": not enabled,
            "status": "enabled" if enabled else "disabled",
            "last_activity": last_login or created,
            "user_type": user.get("userType"),
            # The mailbox address when there is one, else the sign-in name (usually an address).
            "email": str(user.get("mail") or user.get("userPrincipalName") or "").lower() or None,
            **({"unreadable": dict(unreadable)} if unreadable else {}),
        },
        raw={
            "user": {k: user[k] for k in USER_FIELDS if k in user},
            "userRegistrationDetails": _registration(registration),
            "directoryRoles": admin_roles,
        },
        calls=calls,
    )


def graph_time(value: Any) -> str | None:
    """Graph's ISO 8601 (sometimes with fractions of a second) in evidra's form."""
    if not value or not isinstance(value, str) or value.startswith("0001-"):
        return None
    return value.split(".")[0].rstrip("Z") + "Z"


def _registration(registration: dict[str, Any] | None) -> dict[str, Any] | None:
    if registration is None:
        return None
    # The report's refresh time moves daily; the registration is the evidence.
    return {k: v for k, v in registration.items() if k != "lastUpdatedDateTime"}
