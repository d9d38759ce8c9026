"""Entra ID users (identity.user): sign-in, MFA registration, directory roles, guests.

Three listings, joined by object id: the users, their authentication methods
registration (`userRegistrationDetails`, the report behind Entra's "MFA registered"),
and the directory role assignments (any directory role makes a user privileged, as an
Okta admin role does). A role held through a role-assignable group is not expanded to
its members.

Kept as raw: the user reduced to what the controls and an auditor need (no phone
numbers, addresses or other profile data), the registration record, the roles.
"""

from __future__ import annotations

from typing import Any

from evidra.collectors.azure.context import Directory, graph_reader
from evidra.model import ApiCall, Observation

USER_FIELDS = (
    "id",
    "userPrincipalName",
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
PAGE = "999"  # Graph's largest page for users and the registration report


@graph_reader("azure.users", types=("identity.user",))
def read_users(directory: Directory) -> list[Observation]:
    graph = directory.graph
    select = ",".join(USER_FIELDS)
    users_call = graph.call("users.list", select=select)
    registration_call = graph.call("userRegistrationDetails.list")
    roles_call = graph.call("roleAssignments.list", expand="roleDefinition")
    registrations = {
        r["id"]: r
        for r in graph.items(
            "userRegistrationDetails.list",
            "/reports/authenticationMethods/userRegistrationDetails",
            {"$top": PAGE},
        )
        if "id" in r
    }
    roles: dict[str, list[str]] = {}
    for assignment in graph.items(
        "roleAssignments.list", "/roleManagement/directory/roleAssignments", {"$expand": "roleDefinition"}
    ):
        name = (assignment.get("roleDefinition") or {}).get("displayName") or assignment.get(
            "roleDefinitionId"
        )
        roles.setdefault(str(assignment.get("principalId")), []).append(str(name))
    observations = []
    for page in graph.pages("users.list", "/users", {"$select": select, "$top": PAGE}):
        for user in page:
            observations.append(
                user_observation(
                    directory,
                    user,
                    registrations.get(user["id"]),
                    sorted(set(roles.get(user["id"], []))),
                    [users_call, registration_call, roles_call],
                )
            )
    return observations


def user_observation(
    directory: Directory,
    user: dict[str, Any],
    registration: dict[str, Any] | None,
    admin_roles: list[str],
    calls: list[ApiCall],
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
