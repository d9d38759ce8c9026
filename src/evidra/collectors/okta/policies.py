"""Password policies (identity.password_policy) and sign-on policies with their rules
(identity.signon_policy).

Okta keeps one password policy per group of users, evaluated in priority order: the
first active policy whose groups include a user governs them. A policy is
`privileged` when one of its groups holds an admin role, or when it is the policy
that actually governs some administrator (their first match by priority): those
policies must meet SEC-POL-002's longer administrator length. Inactive policies and
rules govern nobody and are not observed.

Sign-on policies are the global session policy (OKTA_SIGN_ON: who may start a
session, with which factors, for how long) and the authentication policies
(ACCESS_POLICY: per application, Okta Identity Engine). One observation per active
rule, so a finding names the rule an administrator has to change. A Classic Engine org
has no authentication policies: Okta answers the ACCESS_POLICY listing 400 E0000002
("Invalid policy type specified"), read as none, and every sign-on observation records
the engine (`engine` in its raw answer).

An authentication rule demands a second factor when its verification method says 2FA
(`factorMode`, type ASSURANCE) or, for an AUTH_METHOD_CHAIN, when every chain takes at
least two steps. `reauthenticateIn: PT0S` means "every time" (0 minutes), not "no limit".
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

from evidra.collectors.okta.admins import admin_groups, admins, group, group_roles
from evidra.collectors.okta.api import OktaCallFailed
from evidra.collectors.okta.context import READERS, Context
from evidra.collectors.okta.times import parse_duration
from evidra.model import ApiCall, Observation

_SIGNON_KINDS = {"OKTA_SIGN_ON": "global_session", "ACCESS_POLICY": "authentication"}
# Okta's authenticator methods (constraints.possession.authenticationMethods) in the
# mfa_methods vocabulary.
_AUTHENTICATOR_METHODS = {
    "sms": "sms",
    "voice": "voice",
    "email": "email",
    "push": "push",
    "totp": "authenticator_app",
    "otp": "authenticator_app",
    "signed_nonce": "authenticator_app",
    "webauthn": "hardware_token",
    "cert": "hardware_token",
}


async def _policies(ctx: Context, policy_type: str) -> tuple[list[dict[str, Any]], ApiCall]:
    found: list[dict[str, Any]] = []
    async for page in ctx.api.pages("listPolicies", "/api/v1/policies", {"type": policy_type}):
        found.extend(p for p in page if isinstance(p, dict))
    active = [p for p in found if p.get("status") == "ACTIVE"]
    return sorted(active, key=lambda p: int(p.get("priority") or 0)), ctx.api.call(
        "listPolicies", type=policy_type
    )


def _groups_of(conditions: dict[str, Any] | None, which: str = "include") -> list[str]:
    people = (conditions or {}).get("people") or {}
    return [str(g) for g in ((people.get("groups") or {}).get(which) or [])]


async def _names(ctx: Context, group_ids: list[str]) -> str:
    if not group_ids:
        return "everyone"
    found = await asyncio.gather(*(group(ctx, gid) for gid in group_ids))
    return ", ".join(g["name"] if g else f"{gid} (deleted)" for gid, g in zip(group_ids, found, strict=True))


@READERS.reader("okta.password_policies", types=("identity.password_policy",))
async def read_password_policies(ctx: Context) -> list[Observation]:
    policies, list_call = await _policies(ctx, "PASSWORD")
    governing = governing_policies(policies, await admin_groups(ctx))
    admin_index = await admins(ctx)
    observations = []
    for policy in policies:
        included = _groups_of(policy.get("conditions"))
        roles = await asyncio.gather(*(group_roles(ctx, gid) for gid in included))
        admin_group_ids = [gid for gid, held in zip(included, roles, strict=True) if held]
        calls = [list_call, *admin_index.calls]
        calls += [ctx.api.call("listGroupAssignedRoles", groupId=gid) for gid in included]
        calls += [ctx.api.call("getGroup", groupId=gid) for gid in included]
        if governing:
            calls.append(ctx.api.call("listUserGroups"))
        governed_admins = sorted(uid for uid, pid in governing.items() if pid == policy.get("id"))
        observations.append(
            ctx.observe(
                "identity.password_policy",
                ctx.org_id("policies", str(policy["id"])),
                name=policy.get("name"),
                attributes=password_attributes(
                    policy, await _names(ctx, included), bool(admin_group_ids or governed_admins)
                ),
                raw={
                    "policy": {k: v for k, v in policy.items() if k != "_links"},
                    "admin_groups": admin_group_ids,
                    "governs_admins": governed_admins,
                },
                calls=calls,
            )
        )
    return observations


def governing_policies(policies: list[dict[str, Any]], memberships: dict[str, set[str]]) -> dict[str, str]:
    """Administrator id -> id of the password policy that governs them: the first
    active policy, by priority, including one of their groups and excluding none."""
    governing: dict[str, str] = {}
    for uid, groups in memberships.items():
        for policy in policies:  # already in priority order
            conditions = policy.get("conditions")
            if groups & set(_groups_of(conditions)) and not groups & set(_groups_of(conditions, "exclude")):
                governing[uid] = str(policy.get("id"))
                break
    return governing


def password_attributes(policy: dict[str, Any], applies_to: str, privileged: bool) -> dict[str, Any]:
    password = (policy.get("settings") or {}).get("password") or {}
    complexity = password.get("complexity") or {}
    age = password.get("age") or {}
    lockout = password.get("lockout") or {}
    required = {
        "require_uppercase": int(complexity.get("minUpperCase") or 0) > 0,
        "require_lowercase": int(complexity.get("minLowerCase") or 0) > 0,
        "require_numbers": int(complexity.get("minNumber") or 0) > 0,
        "require_symbols": int(complexity.get("minSymbol") or 0) > 0,
    }
    return {
        "exists": True,
        "applies_to": applies_to,
        "privileged": privileged,
        "min_length": int(complexity.get("minLength") or 0),
        **required,
        "character_classes": sum(required.values()),
        # Okta writes 0 for "never expires", "no history", "no lockout".
        "max_age_days": age.get("maxAgeDays") or None,
        "history_count": age.get("historyCount") or None,
        "lockout_attempts": lockout.get("maxAttempts") or None,
        # autoUnlockMinutes 0 (or unset): a locked account waits for an administrator.
        "lockout_minutes": lockout.get("autoUnlockMinutes") or None,
        "lockout_until_unlocked": bool(lockout.get("maxAttempts")) and not lockout.get("autoUnlockMinutes"),
    }


@READERS.reader("okta.signon_policies", types=("identity.signon_policy",))
async def read_signon_policies(ctx: Context) -> list[Observation]:
    observations: list[Observation] = []
    engine = "identity"
    listed: dict[str, tuple[list[dict[str, Any]], ApiCall]] = {}
    for policy_type in _SIGNON_KINDS:
        try:
            listed[policy_type] = await _policies(ctx, policy_type)
        except OktaCallFailed as failure:
            if policy_type != "ACCESS_POLICY" or (failure.status, failure.code) != (400, "E0000002"):
                raise
            engine = "classic"  # no authentication policies on the Classic Engine
    for policy_type, (policies, list_call) in listed.items():
        kind = _SIGNON_KINDS[policy_type]
        rule_lists = await asyncio.gather(*(_rules(ctx, str(p["id"])) for p in policies))
        for policy, rules in zip(policies, rule_lists, strict=True):
            for rule in rules:
                rule_groups = _groups_of(rule.get("conditions")) or _groups_of(policy.get("conditions"))
                applies_to = await _names(ctx, rule_groups)
                observations.append(
                    ctx.observe(
                        "identity.signon_policy",
                        ctx.org_id("policies", f"{policy['id']}/rules/{rule['id']}"),
                        name=f"{policy.get('name')} / {rule.get('name')}",
                        attributes=signon_attributes(policy, rule, kind, applies_to),
                        raw={
                            "policy": {k: v for k, v in policy.items() if k != "_links"},
                            "rule": {k: v for k, v in rule.items() if k != "_links"},
                            "engine": engine,
                        },
                        calls=[
                            list_call,
                            ctx.api.call("listPolicyRules", policyId=str(policy["id"])),
                            *(ctx.api.call("getGroup", groupId=gid) for gid in rule_groups),
                        ],
                    )
                )
    return observations


async def _rules(ctx: Context, policy_id: str) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    async for page in ctx.api.pages("listPolicyRules", f"/api/v1/policies/{quote(policy_id)}/rules"):
        rules.extend(r for r in page if isinstance(r, dict) and r.get("status") == "ACTIVE")
    return sorted(rules, key=lambda r: int(r.get("priority") or 0))


def signon_attributes(
    policy: dict[str, Any], rule: dict[str, Any], kind: str, applies_to: str
) -> dict[str, Any]:
    actions = rule.get("actions") or {}
    if kind == "global_session":
        signon = actions.get("signon") or {}
        session = signon.get("session") or {}
        access = signon.get("access")
        mfa_required = bool(signon.get("requireFactor"))
        allowed = None
        idle = session.get("maxSessionIdleMinutes")
        lifetime = session.get("maxSessionLifetimeMinutes") or None  # 0: no limit
    else:
        app_signon = actions.get("appSignOn") or {}
        verification = app_signon.get("verificationMethod") or {}
        access = app_signon.get("access")
        idle = None
        if verification.get("type") == "AUTH_METHOD_CHAIN":
            chains = [c for c in verification.get("chains") or [] if isinstance(c, dict)]
            mfa_required = bool(chains) and min(_steps(c) for c in chains) >= 2
            allowed = sorted({m for c in chains for m in _chain_methods(c)}) or None
            waits = [parse_duration(c.get("reauthenticateIn")) for c in chains]
            reauthenticate = max((w for w in waits if w is not None), default=None)
        else:
            mfa_required = verification.get("factorMode") == "2FA"
            allowed = allowed_factor_types(verification.get("constraints"))
            reauthenticate = parse_duration(verification.get("reauthenticateIn"))
        # PT0S: re-authenticate every time (0 minutes); absent: no limit.
        lifetime = int(reauthenticate.total_seconds() // 60) if reauthenticate is not None else None
    return {
        "policy": policy.get("name"),
        "rule": rule.get("name"),
        "kind": kind,
        "priority": rule.get("priority"),
        "applies_to": applies_to,
        "access": str(access or "").lower() or None,
        "mfa_required": mfa_required,
        "mfa_required_for": applies_to if mfa_required else None,
        "allowed_factor_types": allowed,
        "max_idle_minutes": int(idle) if isinstance(idle, int | float) else None,
        "max_session_minutes": lifetime,
    }


def _steps(chain: dict[str, Any]) -> int:
    """The fewest steps a user takes through an authentication method chain (Okta's
    AuthenticationMethodChain: this step's methods, then one of the `next` chains)."""
    following = [c for c in chain.get("next") or [] if isinstance(c, dict)]
    return 1 + (min(_steps(c) for c in following) if following else 0)


def _chain_methods(chain: dict[str, Any]) -> set[str]:
    found = {
        mapped
        for method in chain.get("authenticationMethods") or []
        if (mapped := _AUTHENTICATOR_METHODS.get(str((method or {}).get("method", "")).lower()))
    }
    for following in chain.get("next") or []:
        if isinstance(following, dict):
            found |= _chain_methods(following)
    return found


def allowed_factor_types(constraints: Any) -> list[str] | None:
    """The factor types an authentication rule admits, when it names them; None when
    it leaves the choice to the enrolled authenticators."""
    methods: set[str] = set()
    named = False
    for constraint in constraints or []:
        possession = (constraint or {}).get("possession") or {}
        for method in possession.get("authenticationMethods") or []:
            named = True
            mapped = _AUTHENTICATOR_METHODS.get(str(method.get("method", "")).lower())
            if mapped:
                methods.add(mapped)
        if possession.get("phishingResistant") == "REQUIRED" and not possession.get("authenticationMethods"):
            named = True
            methods.update({"hardware_token", "biometric", "authenticator_app"})
    return sorted(methods) if named else None
