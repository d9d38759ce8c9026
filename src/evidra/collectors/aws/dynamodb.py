"""DynamoDB tables: encryption at rest, point-in-time recovery, exposure through a resource policy."""

from __future__ import annotations

from typing import Any

from evidra.collectors.aws import policy_doc
from evidra.collectors.aws.registry import READERS, REGIONAL, AwsCallFailed, Context
from evidra.collectors.tags import aws_tags, classification_of
from evidra.model import ApiCall, Observation

# DynamoDB's point-in-time recovery keeps 35 days of restorable state.
PITR_DAYS = 35
_VOLATILE_TABLE = frozenset({"ItemCount", "TableSizeBytes", "ProvisionedThroughput"})


@READERS.reader("dynamodb.table", service="dynamodb", types=("database.instance",), plane=REGIONAL)
def read_tables(ctx: Context) -> list[Observation]:
    names, list_call = ctx.items("dynamodb", "ListTables", "TableNames")
    observations = []
    for name in names:
        try:
            observations.append(_read_table(ctx, name, list_call))
        except AwsCallFailed as failure:
            if failure.code != "ResourceNotFoundException":  # else: deleted since it was listed
                ctx.skip(failure, ctx.arn("dynamodb", f"table/{name}", region=ctx.region))
    return observations


def _read_table(ctx: Context, name: str, list_call: ApiCall) -> Observation:
    described, describe = ctx.call("dynamodb", "DescribeTable", expect="Table", TableName=name)
    table = described["Table"]
    backups, backups_call = ctx.call(
        "dynamodb", "DescribeContinuousBackups", expect="ContinuousBackupsDescription", TableName=name
    )
    policy, policy_call = ctx.optional(
        "dynamodb", "GetResourcePolicy", absent=("PolicyNotFoundException",), ResourceArn=table["TableArn"]
    )
    tags, tags_call = ctx.items("dynamodb", "ListTagsOfResource", "Tags", ResourceArn=table["TableArn"])
    sse = table.get("SSEDescription") or {}
    pitr = backups["ContinuousBackupsDescription"].get("PointInTimeRecoveryDescription", {})
    pitr_on = pitr.get("PointInTimeRecoveryStatus") == "ENABLED"
    return ctx.observe(
        "database.instance",
        table["TableArn"],
        name=name,
        attributes={
            "engine": "dynamodb",
            # Every table is encrypted at rest: with an AWS-owned key unless SSEDescription names KMS.
            "encrypted": True,
            "kms_key": sse.get("KMSMasterKeyArn") if sse.get("Status") == "ENABLED" else None,
            # No network endpoint of its own: public only through a resource policy granting anyone.
            "publicly_accessible": policy_doc.grants_public((policy or {}).get("Policy")),
            "backup_retention_days": int(pitr.get("RecoveryPeriodInDays") or PITR_DAYS) if pitr_on else 0,
            "classification": classification_of(aws_tags(tags)),
            "region": ctx.region,
        },
        raw={
            "DescribeTable": {k: v for k, v in table.items() if k not in _VOLATILE_TABLE},
            "DescribeContinuousBackups": _stable_backups(backups),
            "GetResourcePolicy": policy,
            "ListTagsOfResource": {"Tags": tags},
        },
        calls=[list_call, describe, backups_call, policy_call, tags_call],
    )


def _stable_backups(answer: dict[str, Any]) -> dict[str, Any]:
    # The restorable window's edges move every second.
    description = dict(answer["ContinuousBackupsDescription"])
    pitr = {
        k: v
        for k, v in description.get("PointInTimeRecoveryDescription", {}).items()
        if not k.endswith("RestorableDateTime")
    }
    return {"ContinuousBackupsDescription": {**description, "PointInTimeRecoveryDescription": pitr}}
