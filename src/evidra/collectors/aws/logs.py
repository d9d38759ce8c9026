"""CloudWatch Logs: every log group in the region, with its retention and key."""

from __future__ import annotations

from evidra.collectors.aws.registry import READERS, REGIONAL, Context
from evidra.model import Observation

# Change with every event written: kept, they would make a new snapshot per run.
_VOLATILE = frozenset({"storedBytes"})


@READERS.reader("logs.log_group", service="logs", types=("logging.log_group",), plane=REGIONAL)
def read_log_groups(ctx: Context) -> list[Observation]:
    groups, call = ctx.items("logs", "DescribeLogGroups", "logGroups")
    observations = []
    for group in groups:
        kms_key = group.get("kmsKeyId")
        arn = group.get("logGroupArn") or str(group.get("arn", "")).removesuffix(":*")
        observations.append(
            ctx.observe(
                "logging.log_group",
                arn or ctx.arn("logs", f"log-group:{group['logGroupName']}", region=ctx.region),
                name=group["logGroupName"],
                attributes={
                    "retention_days": group.get("retentionInDays"),
                    "encrypted_with_customer_key": bool(kms_key),
                    "kms_key": kms_key,
                    "region": ctx.region,
                },
                raw={"DescribeLogGroups": {k: v for k, v in group.items() if k not in _VOLATILE}},
                calls=[call],
            )
        )
    return observations
