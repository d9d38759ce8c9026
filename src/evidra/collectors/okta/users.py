"""Users (identity.user): status, sign-in, enrolled factors, administrator roles.

Users are streamed a page at a time (`limit` up to 200): each page's factors are read
concurrently, the page is turned into compact observations and dropped, so memory
holds observations, never the SDK's or Okta's full user objects for the whole org.
Factors are per user in Okta's API (there is no bulk listing); administrator roles
come from the shared admin index, not from a call per user.

What is kept as raw: Okta's user without `_links` (navigation, no evidence) and with
the profile reduced to login, email and names (data minimisation: the controls need
no other personal data); factors without their profile (phone numbers, emails).
"""

from __future__ import annotations

import asyncio
import re
from typing import Any
from urllib.parse import quote

from evidra.collectors.okta.admins import Admins, admins
from evidra.collectors.okta.context import READERS, Context
from evidra.collectors.okta.times import okta_time
from evidra.model import ApiCall, Observation
from evidra.spool import Spool

STATUSES = (
    "STAGED",
    "PROVISIONED",
    "ACTIVE",
    "RECOVERY",
    "PASSWORD_EXPIRED",
    "LOCKED_OUT",
    "SUSPENDED",
    "DEPROVISIONED",
)
# A plain listing leaves DEPROVISIONED users out; a filter on status includes them.
EVERY_STATUS = " or ".join(f'status eq "{status}"' for status in STATUSES)
DISABLED = frozenset({"SUSPENDED", "DEPROVISIONED"})
# Statuses of a user who can sign in (LOCKED_OUT and PASSWORD_EXPIRED users still hold
# a working identity; RECOVERY is mid password reset).
SIGN_IN = frozenset({"ACTIVE", "RECOVERY", "PASSWORD_EXPIRED", "LOCKED_OUT"})
# Users authenticated by another identity provider never present a password to Okta.
ELSEWHERE = frozenset({"FEDERATION", "SOCIAL"})
_PROFILE_KEPT = ("login", "email", "firstName", "lastName")
_FACTOR_KEPT = ("id", "factorType", "provider", "vendorName", "status", "created", "lastUpdated")
_PLATFORM_AUTHENTICATOR = re.compile(r"touch id|face id|windows hello|android|biometric", re.IGNORECASE)


@READERS.reader("okta.users", types=("identity.user",))
async def read_users(ctx: Context) -> Spool[Observation]:
    admin_index = await admins(ctx)
    params = {"filter": EVERY_STATUS, "limit": ctx.settings.page_size}
    list_call = ctx.api.call("listUsers", **params)
    observations: Spool[Observation] = Spool()  # on disk past a chunk: 50,000 users fit anywhere
    async for page in ctx.api.pages("listUsers", "/api/v1/users", params):
        factor_lists = await asyncio.gather(*(_factors(ctx, user) for user in page))
        for user, factors in zip(page, factor_lists, strict=True):
            observations.append(user_observation(ctx, user, factors, admin_index, list_call))
    return observations


def user_observation(
    ctx: Context,
    user: dict[str, Any],
    factors: list[dict[str, Any]] | None,
    found: Admins,
    list_call: ApiCall,
) -> Observation:
    user_id = str(user["id"])
    calls = [list_call]
    raw: dict[str, Any] = {"user": trim_user(user)}
    if factors is not None:
        calls.append(ctx.api.call("listFactors", userId=user_id))
        raw["factors"] = [trim_factor(f) for f in factors]
    calls.extend(found.calls)
    if user_id in found.roles:
        calls.append(ctx.api.call("listAssignedRolesForUser", userId=user_id))
        raw["roles"] = found.roles[user_id]
    profile = user.get("profile") or {}
    return ctx.observe(
        "identity.user",
        ctx.org_id("users", user_id),
        name=profile.get("login") or user_id,
        attributes=user_attributes(user, factors, found.role_types(user_id)),
        raw=raw,
        calls=calls,
    )


def user_attributes(
    user: dict[str, Any], factors: list[dict[str, Any]] | None, admin_roles: list[str]
) -> dict[str, Any]:
    status = str(user.get("status", ""))
    provider = ((user.get("credentials") or {}).get("provider") or {}).get("type", "OKTA")
    methods = mfa_methods(factors) if factors is not None else None
    last_login = okta_time(user.get("lastLogin"))
    return {
        "name": (user.get("profile") or {}).get("login"),
        "email": str((user.get("profile") or {}).get("email") or "").lower() or None,
        "kind": "human",
        "console_access": status in SIGN_IN and provider not in ELSEWHERE,
        "mfa_enabled": bool(methods) if methods is not None else None,
        "mfa_methods": methods,
        "last_login": last_login,
        "created": okta_time(user.get("created")),
        "privileged": bool(admin_roles),
        "admin_roles": admin_roles,
        "disabled": status in DISABLED,
        "status": status,
        "last_activity": last_login or okta_time(user.get("activated")) or okta_time(user.get("created")),
    }


def mfa_methods(factors: list[dict[str, Any]]) -> list[str]:
    """The vocabulary's names of the user's active factors; knowledge factors (security
    questions) are not a second factor and are left out."""
    found = {factor_method(f) for f in factors if f.get("status") == "ACTIVE"}
    return sorted(m for m in found if m is not None)


def factor_method(factor: dict[str, Any]) -> str | None:
    kind = str(factor.get("factorType", ""))
    simple = {
        "sms": "sms",
        "call": "voice",
        "email": "email",
        "push": "push",
        "token:software:totp": "authenticator_app",
        "signed_nonce": "authenticator_app",  # Okta Verify FastPass
        "token": "hardware_token",  # RSA SecurID, Symantec VIP
        "token:hardware": "hardware_token",  # YubiKey OTP
        "token:hotp": "hardware_token",
        "u2f": "hardware_token",
    }
    if kind in simple:
        return simple[kind]
    if kind == "webauthn":
        name = str((factor.get("profile") or {}).get("authenticatorName", ""))
        return "biometric" if _PLATFORM_AUTHENTICATOR.search(name) else "hardware_token"
    if kind == "web" and str(factor.get("provider", "")).upper() == "DUO":
        return "push"
    return None


def trim_user(user: dict[str, Any]) -> dict[str, Any]:
    kept = {k: v for k, v in user.items() if k not in ("_links", "_embedded", "profile", "credentials")}
    profile = user.get("profile") or {}
    kept["profile"] = {k: profile[k] for k in _PROFILE_KEPT if k in profile}
    credentials = user.get("credentials") or {}
    kept["credentials"] = {k: v for k, v in credentials.items() if k != "recovery_question"}
    return kept


def trim_factor(factor: dict[str, Any]) -> dict[str, Any]:
    kept = {k: factor[k] for k in _FACTOR_KEPT if k in factor}
    name = (factor.get("profile") or {}).get("authenticatorName")
    if name:
        kept["profile"] = {"authenticatorName": name}
    return kept


async def _factors(ctx: Context, user: dict[str, Any]) -> list[dict[str, Any]] | None:
    """A user's factors; None for deprovisioned users, who cannot sign in at all."""
    if user.get("status") == "DEPROVISIONED":
        return None
    answer = await ctx.api.get("listFactors", f"/api/v1/users/{quote(str(user['id']))}/factors")
    return [f for f in answer or [] if isinstance(f, dict)]
