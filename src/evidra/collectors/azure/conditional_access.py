"""Entra ID sign-on rules (identity.signon_policy): who must present a second factor.

Conditional Access policies are cumulative: every enabled policy that applies to a
sign-in must be satisfied, so a policy that does not ask for MFA never lets anyone in
without it by itself. What matters is whether MFA is demanded of everyone, and of
administrators. Two observations answer that for the tenant (`MFA for all users`,
`MFA for administrators`), and each enabled policy demanding MFA is observed as well.
Security defaults, when on, demand MFA of everyone. Report-only and disabled policies
enforce nothing and do not count.

A policy counts toward "everyone" (or "administrators") only if nothing narrows it: it
excludes no user, group or role beyond the configured break-glass accounts
(`providers.azure.break_glass`), and applies to every location, client app type and
device platform. A narrowed policy is named with why it was not counted.
"""

from __future__ import annotations

from typing import Any

from evidra.collectors.azure.context import GRAPH, READERS, Directory
from evidra.model import Observation

GLOBAL_ADMINISTRATOR = "62e90394-69f5-4237-9190-012177145e10"  # the role's template id


@READERS.reader("azure.conditional_access", types=("identity.signon_policy",), plane=GRAPH)
def read_signon(directory: Directory) -> list[Observation]:
    graph = directory.graph
    policies = graph.items("conditionalAccessPolicies.list", "/identity/conditionalAccess/policies")
    defaults = graph.get("securityDefaults.get", "/policies/identitySecurityDefaultsEnforcementPolicy")
    calls = [graph.call("conditionalAccessPolicies.list"), graph.call("securityDefaults.get")]
    enforcing = [p for p in policies if p.get("state") == "enabled" and requires_mfa(p)]
    defaults_on = bool(defaults.get("isEnabled"))
    narrowed = {
        str(p.get("displayName")): why for p in enforcing if (why := narrowing(p, directory.break_glass))
    }
    whole = [p for p in enforcing if str(p.get("displayName")) not in narrowed]
    everyone = [p for p in whole if _all_users(p) and _all_apps(p)]
    admins = [
        p for p in whole if (_all_users(p) or GLOBAL_ADMINISTRATOR in _users(p).get("includeRoles", []))
    ]
    raw = {
        "conditionalAccessPolicies": [_stable(p) for p in policies],
        "securityDefaults": {"isEnabled": defaults_on},
        "breakGlass": sorted(directory.break_glass),
        "notCounted": narrowed,
    }
    observations = [
        _coverage(
            directory, "all-users", "MFA for all users", "all users", everyone, defaults_on, raw, calls
        ),
        _coverage(
            directory,
            "administrators",
            "MFA for administrators",
            "administrators",
            admins,
            defaults_on,
            raw,
            calls,
        ),
    ]
    for policy in enforcing:
        applies_to = describe_users(policy)
        observations.append(
            directory.observe(
                "identity.signon_policy",
                directory.object_id("conditionalAccessPolicies", policy["id"]),
                name=policy.get("displayName"),
                attributes={
                    "policy": policy.get("displayName"),
                    "rule": "grant controls",
                    "kind": "authentication",
                    "applies_to": applies_to,
                    "access": "allow",
                    "mfa_required": True,
                    "mfa_required_for": applies_to,
                    "allowed_factor_types": None,
                },
                raw={"conditionalAccessPolicy": _stable(policy)},
                calls=calls[:1],
            )
        )
    return observations


def _coverage(
    directory: Directory,
    key: str,
    rule: str,
    whom: str,
    policies: list[dict[str, Any]],
    defaults_on: bool,
    raw: dict[str, Any],
    calls: list[Any],
) -> Observation:
    by = [p.get("displayName") for p in policies] + (["security defaults"] if defaults_on else [])
    not_counted = "; ".join(f"{name!r} {why}" for name, why in raw["notCounted"].items())
    return directory.observe(
        "identity.signon_policy",
        directory.object_id("mfaCoverage", key),
        name=rule,
        attributes={
            "policy": f"Conditional Access (not counted: {not_counted})"
            if not_counted and not by
            else ("Conditional Access"),
            "rule": rule,
            "kind": "global_session",
            "applies_to": whom,
            "access": "allow",
            "mfa_required": bool(by),
            "mfa_required_for": whom if by else None,
            "allowed_factor_types": None,
            "enforced_by": by,
        },
        raw=raw,
        calls=calls,
    )


def requires_mfa(policy: dict[str, Any]) -> bool:
    grant = policy.get("grantControls") or {}
    controls = [str(c).lower() for c in grant.get("builtInControls") or []]
    # With OR, another control (a compliant device ...) can stand in for MFA.
    alone = (
        grant.get("operator", "OR") == "AND" or len(controls) + bool(grant.get("authenticationStrength")) == 1
    )
    return alone and ("mfa" in controls or bool(grant.get("authenticationStrength")))


def narrowing(policy: dict[str, Any], break_glass: frozenset[str]) -> str | None:
    """Why a policy demanding MFA does not cover everyone it names, or None when nothing
    narrows it (Graph's conditionalAccessConditionSet: users, locations, clientAppTypes,
    platforms)."""
    users = _users(policy)
    excluded = [x for k in ("excludeUsers", "excludeGroups", "excludeRoles") for x in users.get(k) or []]
    beyond = [x for x in excluded if x not in break_glass]
    conditions = policy.get("conditions") or {}
    if beyond:
        return f"excludes {len(beyond)} user(s), group(s) or role(s) beyond the break-glass accounts"
    client_apps = [str(c) for c in conditions.get("clientAppTypes") or ["all"]]
    if "all" not in client_apps:
        return f"applies only to client app types {', '.join(client_apps)}"
    locations = conditions.get("locations") or {}
    if locations and (
        "All" not in (locations.get("includeLocations") or []) or locations.get("excludeLocations")
    ):
        return "applies only to some locations"
    platforms = conditions.get("platforms") or {}
    if platforms and (
        "all" not in (platforms.get("includePlatforms") or []) or platforms.get("excludePlatforms")
    ):
        return "applies only to some device platforms"
    return None


def describe_users(policy: dict[str, Any]) -> str:
    users = _users(policy)
    parts = []
    if "All" in users.get("includeUsers", []):
        parts.append("all users")
    if users.get("includeRoles"):
        parts.append(f"{len(users['includeRoles'])} directory role(s)")
    if users.get("includeGroups"):
        parts.append(f"{len(users['includeGroups'])} group(s)")
    named = [u for u in users.get("includeUsers", []) if u not in ("All", "None")]
    if named:
        parts.append(f"{len(named)} user(s)")
    excluded = sum(len(users.get(k) or []) for k in ("excludeUsers", "excludeGroups", "excludeRoles"))
    return ", ".join(parts or ["nobody"]) + (f" (except {excluded} exclusion(s))" if excluded else "")


def _users(policy: dict[str, Any]) -> dict[str, Any]:
    return dict((policy.get("conditions") or {}).get("users") or {})


def _all_users(policy: dict[str, Any]) -> bool:
    return "All" in _users(policy).get("includeUsers", [])


def _all_apps(policy: dict[str, Any]) -> bool:
    applications = (policy.get("conditions") or {}).get("applications") or {}
    return "All" in (applications.get("includeApplications") or [])


def _stable(policy: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in policy.items() if k not in ("modifiedDateTime", "@odata.context")}
