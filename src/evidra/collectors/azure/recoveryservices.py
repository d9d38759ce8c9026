"""Recovery Services vaults: where Azure Backup keeps backups, as a backup plan (whether
its copies survive a regional disaster) and as the backups' store (their encryption).

A vault's `redundancySettings.standardTierStorageRedundancy` is GeoRedundant (copied to
the paired region), ZoneRedundant or LocallyRedundant; only GeoRedundant keeps a copy in
another geography. Azure encrypts every vault's data at rest, with a platform key or the
customer's (`encryption.keyVaultProperties.keyUri`).
"""

from __future__ import annotations

from typing import Any

from evidra.collectors.azure.context import ARM, READERS, Arm
from evidra.model import Observation


@READERS.reader("azure.recovery_services", types=("backup.plan", "backup.snapshot"), plane=ARM)
def read_vaults(arm: Arm) -> list[Observation]:
    vaults, call = arm.items(
        "recoveryservices", "vaults.listBySubscriptionId", lambda c: c.vaults.list_by_subscription_id()
    )
    observations = []
    for vault in vaults:
        props: dict[str, Any] = vault.get("properties") or {}
        redundancy = (props.get("redundancySettings") or {}).get("standardTierStorageRedundancy")
        key = ((props.get("encryption") or {}).get("keyVaultProperties") or {}).get("keyUri")
        raw = {"vault": vault}
        observations.append(
            arm.observe(
                "backup.plan",
                vault["id"],
                name=vault["name"],
                attributes={
                    "copies_to_other_region": redundancy == "GeoRedundant",
                    "region": vault.get("location"),
                },
                raw=raw,
                calls=[call],
            )
        )
        observations.append(
            arm.observe(
                "backup.snapshot",
                vault["id"],
                name=vault["name"],
                attributes={
                    "kind": "backup_vault",
                    "encrypted": True,
                    "kms_key": key,
                    "region": vault.get("location"),
                },
                raw=raw,
                calls=[call],
            )
        )
    return observations
