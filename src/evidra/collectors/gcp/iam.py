"""IAM: service accounts' user-managed keys (age), and roles granted on the organisation,
folders and projects (basic roles held by people)."""

from __future__ import annotations

from evidra.collectors.gcp.context import (
    CRM,
    READERS,
    SERVICE_ACCOUNT,
    SERVICE_ACCOUNT_KEY,
    Context,
    data,
    stable,
)
from evidra.model import Observation

# GCP's basic roles: every permission on (almost) every service of the resource.
BASIC_ROLES = frozenset({"roles/owner", "roles/editor"})
_MEMBER_KINDS = {
    "user": "user",
    "group": "group",
    "serviceAccount": "service_account",
    "domain": "domain",
    "allUsers": "public",
    "allAuthenticatedUsers": "public",
    "deleted": "deleted",
}


@READERS.reader("gcp.iam.keys", needs=("resources",), types=("identity.credential",))
def read_keys(ctx: Context) -> list[Observation]:
    accounts = {data(a).get("email"): data(a) for a in ctx.assets(SERVICE_ACCOUNT)}
    observations = []
    for asset in ctx.assets(SERVICE_ACCOUNT_KEY):
        key = data(asset)
        if key.get("keyType") != "USER_MANAGED":
            continue  # Google holds and rotates system-managed keys
        owner = _owner(str(key.get("name") or asset["name"]))
        account = accounts.get(owner, {})
        observations.append(
            ctx.observe(
                "identity.credential",
                asset["name"],
                name=f"{owner} key {str(key.get('name', '')).rsplit('/', 1)[-1][:12]}",
                attributes={
                    "owner": owner,
                    "kind": "service_account_key",
                    "active": not key.get("disabled") and not account.get("disabled"),
                    "created": key.get("validAfterTime"),
                    "owner_interactive": False,
                },
                raw={
                    "asset": stable(asset),
                    "serviceAccount": {k: account.get(k) for k in ("email", "displayName", "disabled")},
                },
                calls=[ctx.call("resources")],
            )
        )
    return observations


@READERS.reader("gcp.iam.bindings", needs=("hierarchy_policies",), types=("identity.role_binding",))
def read_bindings(ctx: Context) -> list[Observation]:
    observations = []
    for asset in ctx.items("hierarchy_policies"):
        resource = str(asset.get("name", ""))
        if not resource.startswith(CRM):
            continue
        for binding in (asset.get("iamPolicy") or {}).get("bindings", []):
            role = str(binding.get("role"))
            for member in binding.get("members", []):
                kind, _, _ = str(member).partition(":")
                observations.append(
                    ctx.observe(
                        "identity.role_binding",
                        f"{resource}#{role}#{member}",
                        name=f"{role} for {member} on {resource[len(CRM) :]}",
                        attributes={
                            "principal": member,
                            "principal_kind": _MEMBER_KINDS.get(kind, kind),
                            "role": role,
                            "basic_role": role in BASIC_ROLES,
                            "resource": resource,
                            "conditional": "condition" in binding,
                        },
                        raw={
                            "resource": resource,
                            "role": role,
                            "member": member,
                            "condition": binding.get("condition"),
                        },
                        calls=[ctx.call("hierarchy_policies")],
                    )
                )
    return observations


def _owner(key_name: str) -> str:
    """`projects/p/serviceAccounts/ci@p.iam.gserviceaccount.com/keys/abc` -> the email."""
    parts = key_name.split("/")
    return parts[parts.index("serviceAccounts") + 1] if "serviceAccounts" in parts[:-1] else key_name
