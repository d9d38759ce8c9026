"""AWS Backup: every backup plan in the region, with its rules' retention."""

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
