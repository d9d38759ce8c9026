"""RDS: every database instance in the region."""

from __future__ import annotations

from evidra.collectors.aws.registry import READERS, REGIONAL, Context
from evidra.model import Observation

# Fields that change every few minutes on an untouched instance: kept, they would
# make a new evidence snapshot on every run.
_VOLATILE = frozenset({"LatestRestorableTime"})


@READERS.reader("rds.db_instance", service="rds", types=("database.instance",), plane=REGIONAL)
def read_instances(ctx: Context) -> list[Observation]:
    instances, call = ctx.items("rds", "DescribeDBInstances", "DBInstances")
    observations = []
    for db in instances:
        encrypted = bool(db.get("StorageEncrypted"))
        observations.append(
            ctx.observe(
                "database.instance",
                db["DBInstanceArn"],
                name=db["DBInstanceIdentifier"],
                attributes={
                    "engine": db.get("Engine"),
                    "encrypted": encrypted,
                    "kms_key": db.get("KmsKeyId") if encrypted else None,
                    "publicly_accessible": bool(db.get("PubliclyAccessible")),
                    "backup_retention_days": int(db.get("BackupRetentionPeriod", 0)),
                    "region": ctx.region,
                },
                raw={"DescribeDBInstances": {k: v for k, v in db.items() if k not in _VOLATILE}},
                calls=[call],
            )
        )
    return observations
