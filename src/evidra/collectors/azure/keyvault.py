"""Key Vault keys (crypto.key): rotation policy, expiry, and their vault's protection.

Read through Resource Manager (Reader suffices; no data-plane access policy is
needed): each vault's soft delete and purge protection, each key's attributes and
rotation policy. A key rotates when its policy has a `Rotate` action; the period is
the trigger's `timeAfterCreate`, or the key's lifetime (`expiryTime`) less
`timeBeforeExpiry`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import partial
from typing import Any

from evidra.collectors.azure.context import ARM, READERS, Arm, resource_group
from evidra.model import ApiCall, Observation, iso

_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?$", re.IGNORECASE)


@READERS.reader("azure.keyvault", types=("crypto.key",), plane=ARM)
def read_keys(arm: Arm) -> list[Observation]:
    vaults, list_call = arm.items(
        "keyvault", "vaults.listBySubscription", lambda c: c.vaults.list_by_subscription()
    )
    observations = []
    for vault in vaults:
        group, vault_name = resource_group(vault["id"]), vault["name"]
        keys, keys_call = arm.items(
            "keyvault",
            "keys.list",
            partial(_list_keys, group=group, vault=vault_name),
            resourceGroupName=group,
            vaultName=vault_name,
        )
        for key in keys:
            observations.append(_key(arm, vault, key, [list_call, keys_call]))
    return observations


def _list_keys(client: Any, *, group: str, vault: str) -> Any:
    return client.keys.list(group, vault)


def _key(arm: Arm, vault: dict[str, Any], key: dict[str, Any], calls: list[ApiCall]) -> Observation:
    vault_props = vault.get("properties") or {}
    props = key.get("properties") or {}
    attributes = props.get("attributes") or {}
    policy = props.get("rotationPolicy") or {}
    period = rotation_days(policy)
    expires = attributes.get("exp")
    return arm.observe(
        "crypto.key",
        key["id"],
        name=f"{vault['name']}/{key['name']}",
        attributes={
            "managed_by": "customer",
            "enabled": attributes.get("enabled") is not False,
            "rotation_enabled": period is not None,
            "rotation_period_days": period,
            "key_spec": "-".join(
                str(p) for p in (props.get("kty"), props.get("keySize") or props.get("curveName")) if p
            ),
            "region": vault.get("location"),
            "expires": iso(datetime.fromtimestamp(expires, UTC)) if isinstance(expires, int) else None,
            "vault_soft_delete": vault_props.get("enableSoftDelete") is not False,
            "vault_purge_protection": bool(vault_props.get("enablePurgeProtection")),
        },
        raw={"vault": vault, "key": key},
        calls=calls,
    )


def rotation_days(policy: dict[str, Any]) -> int | None:
    """Days between automatic rotations, or None when the policy never rotates."""
    for action in policy.get("lifetimeActions") or []:
        if str((action.get("action") or {}).get("type", "")).lower() != "rotate":
            continue
        trigger = action.get("trigger") or {}
        if trigger.get("timeAfterCreate"):
            return _days(trigger["timeAfterCreate"])
        lifetime = _days((policy.get("attributes") or {}).get("expiryTime"))
        before = _days(trigger.get("timeBeforeExpiry"))
        if lifetime is not None and before is not None:
            return lifetime - before
    return None


def _days(duration: str | None) -> int | None:
    """ISO 8601 durations as Key Vault writes them (P90D, P1Y, P2M): whole days."""
    match = _DURATION.match(duration or "")
    if not match or not any(match.groups()):
        return None
    years, months, days = (int(g or 0) for g in match.groups())
    return years * 365 + months * 30 + days
