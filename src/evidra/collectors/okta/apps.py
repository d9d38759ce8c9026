"""Applications people sign in to through Okta (identity.application), with whether the
authentication policy bound to each demands a second factor, and each as an entry of
the SaaS inventory (inventory.scope).

Okta Identity Engine binds every app to one authentication policy (the app's
`_links.accessPolicy`); the app requires MFA when every active rule of that policy
that allows access does. Classic Engine apps have no such link: their sign-on rules
are not in the Management API, so `access_policy` stays unset and the control fails
with that reason rather than guessing.
"""

from __future__ import annotations

import asyncio
from typing import Any

from evidra.collectors.okta.context import READERS, Context
from evidra.collectors.okta.policies import _policies, _rules, signon_attributes
from evidra.model import Observation

# Okta's own apps (the dashboard, the admin console, the browser plugin) are the
# organisation's sign-in itself, judged through the global session policy.
_OKTA_OWN_APPS = frozenset({"okta_enduser", "saasure", "okta_browser_plugin", "okta_flow_sso"})


def _policy_id(app: dict[str, Any]) -> str | None:
    href = str(((app.get("_links") or {}).get("accessPolicy") or {}).get("href") or "")
    return href.rstrip("/").rsplit("/", 1)[-1] or None


@READERS.reader("okta.apps", types=("identity.application", "inventory.scope"))
async def read_apps(ctx: Context) -> list[Observation]:
    apps: list[dict[str, Any]] = []
    async for page in ctx.api.pages("listApplications", "/api/v1/apps", {"limit": 200}):
        apps.extend(a for a in page if isinstance(a, dict) and a.get("name") not in _OKTA_OWN_APPS)
    list_call = ctx.api.call("listApplications", limit=200)
    bound = sorted({pid for pid in map(_policy_id, apps) if pid})
    policies, policies_call = await _policies(ctx, "ACCESS_POLICY") if bound else ([], None)
    names = {str(p["id"]): str(p.get("name")) for p in policies}
    rule_lists = await asyncio.gather(*(_rules(ctx, pid) for pid in bound))
    demands_mfa = {}
    for pid, rules in zip(bound, rule_lists, strict=True):
        allowing = [
            signon_attributes({"name": names.get(pid)}, rule, "authentication", "")
            for rule in rules
            if ((rule.get("actions") or {}).get("appSignOn") or {}).get("access", "ALLOW") == "ALLOW"
        ]
        demands_mfa[pid] = bool(allowing) and all(a["mfa_required"] for a in allowing)
    observations = []
    for app in apps:
        bound_to = _policy_id(app)
        calls = [list_call]
        if bound_to:
            calls += [c for c in (policies_call,) if c is not None]
            calls.append(ctx.api.call("listPolicyRules", policyId=bound_to))
        raw = {"app": {k: v for k, v in app.items() if k not in ("credentials", "settings", "_embedded")}}
        status = str(app.get("status"))
        label = str(app.get("label") or app.get("name") or app["id"])
        observations.append(
            ctx.observe(
                "identity.application",
                ctx.org_id("apps", str(app["id"])),
                name=label,
                attributes={
                    "status": status,
                    "sign_on_mode": app.get("signOnMode"),
                    "access_policy": names.get(bound_to, bound_to) if bound_to else None,
                    "mfa_required": demands_mfa.get(bound_to, False) if bound_to else False,
                },
                raw=raw,
                calls=calls,
            )
        )
        observations.append(
            ctx.observe(
                "inventory.scope",
                ctx.org_id("apps", str(app["id"])),
                name=label,
                attributes={
                    "kind": "saas_app",
                    "status": status,
                    "active": status == "ACTIVE",
                    # Signing in through the IdP puts the application in the inventory evidra reads.
                    "collected": True,
                },
                raw=raw,
                calls=[list_call],
            )
        )
    return observations
