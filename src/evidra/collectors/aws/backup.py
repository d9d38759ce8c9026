"""AWS Backup: every backup plan in the region, with its rules' retention and copies,
and every backup vault with the key its recovery points are encrypted with."""

from __future__ import annotations

from evidra.collectors.aws.registry import READERS, REGIONAL, AwsCallFailed, Context
from evidra.model import Observation


@READERS.reader("backup.plan", service="backup", types=("backup.plan",), plane=REGIONAL)
def read_plans(ctx: Context) -> list[Observation]:
    plans, list_call = ctx.items("backup", "ListBackupPlans", "BackupPlansList")
    observations = []
    for summary in plans:
        try:
            answer, call = ctx.call(
                "backup", "GetBackupPlan", expect="BackupPlan", BackupPlanId=summary["BackupPlanId"]
            )
        except AwsCallFailed as failure:
            if failure.code != "ResourceNotFoundException":  # else: deleted since it was listed
                ctx.skip(failure, summary["BackupPlanArn"])
            continue
        rules = answer["BackupPlan"].get("Rules", [])
        kept = [
            r["Lifecycle"]["DeleteAfterDays"] for r in rules if r.get("Lifecycle", {}).get("DeleteAfterDays")
        ]
        observations.append(
            ctx.observe(
                "backup.plan",
                summary["BackupPlanArn"],
                name=summary.get("BackupPlanName") or summary["BackupPlanId"],
                attributes={
                    "rules": len(rules),
                    # A rule without DeleteAfterDays keeps its backups forever.
                    "min_retention_days": min(kept) if kept else None,
                    "copies_to_other_region": any(
                        _elsewhere(copy.get("DestinationBackupVaultArn"), ctx)
                        for r in rules
                        for copy in r.get("CopyActions", [])
                    ),
                    "region": ctx.region,
                },
                raw={
                    "ListBackupPlans": {k: v for k, v in summary.items() if k != "LastExecutionDate"},
                    "GetBackupPlan": {k: v for k, v in answer.items() if k != "LastExecutionDate"},
                },
                calls=[list_call, call],
            )
        )
    return observations


def _elsewhere(vault_arn: str | None, ctx: Context) -> bool:
    """A copy's vault is in another region (or another account: another blast radius)."""
    parts = str(vault_arn or "").split(":")
    return len(parts) > 4 and (parts[3] != ctx.region or parts[4] != ctx.account)


@READERS.reader("backup.vault", service="backup", types=("backup.snapshot",), plane=REGIONAL)
def read_vaults(ctx: Context) -> list[Observation]:
    vaults, call = ctx.items("backup", "ListBackupVaults", "BackupVaultList")
    observations = []
    for vault in vaults:
        key = vault.get("EncryptionKeyArn")
        observations.append(
            ctx.observe(
                "backup.snapshot",
                vault["BackupVaultArn"],
                name=vault.get("BackupVaultName") or vault["BackupVaultArn"],
                attributes={
                    # AWS Backup encrypts every recovery point in a vault with the vault's key.
                    "kind": "backup_vault",
                    "encrypted": bool(key),
                    "kms_key": key,
                    "region": ctx.region,
                },
                raw={"ListBackupVaults": {k: v for k, v in vault.items() if k != "NumberOfRecoveryPoints"}},
                calls=[call],
            )
        )
    return observations
