"""RDS: every database instance in the region."""

from __future__ import annotations

from evidra.collectors.aws.registry import READERS, REGIONAL, Context
from evidra.collectors.tags import aws_tags, classification_of
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
                    "classification": classification_of(aws_tags(db.get("TagList"))),
                    "region": ctx.region,
                },
                raw={"DescribeDBInstances": {k: v for k, v in db.items() if k not in _VOLATILE}},
                calls=[call],
            )
        )
    return observations


@READERS.reader("rds.snapshot", service="rds", types=("backup.snapshot",), plane=REGIONAL)
def read_snapshots(ctx: Context) -> list[Observation]:
    """Manual and automated snapshots of instances and of Aurora clusters."""
    instances, instance_call = ctx.items("rds", "DescribeDBSnapshots", "DBSnapshots")
    clusters, cluster_call = ctx.items("rds", "DescribeDBClusterSnapshots", "DBClusterSnapshots")
    observations = []
    # An instance snapshot says `Encrypted`, a cluster snapshot `StorageEncrypted`.
    for kind, snapshots, arn_key, id_key, flag, call in (
        ("database_snapshot", instances, "DBSnapshotArn", "DBSnapshotIdentifier", "Encrypted", instance_call),
        (
            "cluster_snapshot",
            clusters,
            "DBClusterSnapshotArn",
            "DBClusterSnapshotIdentifier",
            "StorageEncrypted",
            cluster_call,
        ),
    ):
        for snapshot in snapshots:
            encrypted = bool(snapshot.get(flag))
            observations.append(
                ctx.observe(
                    "backup.snapshot",
                    snapshot[arn_key],
                    name=snapshot[id_key],
                    attributes={
                        "kind": kind,
                        "encrypted": encrypted,
                        "kms_key": snapshot.get("KmsKeyId") if encrypted else None,
                        "region": ctx.region,
                    },
                    raw={call.operation: {k: v for k, v in snapshot.items() if k != "PercentProgress"}},
                    # Both listings: the one that found it, and the one that would have.
                    calls=[instance_call, cluster_call],
                )
            )
    return observations
