"""RDS: every database instance in the region, and whether it refuses unencrypted
connections.

That is a parameter: `rds.force_ssl` (PostgreSQL, SQL Server) or
`require_secure_transport` (MySQL, MariaDB), in the instance's parameter group, or for
an Aurora instance in its cluster's parameter group (DescribeDBClusters names it). A
group's parameters are read once per run of the region however many instances share it;
a group answers every parameter, those at the engine default included.
"""

from __future__ import annotations

from typing import Any

from evidra.collectors.aws.registry import READERS, REGIONAL, Context
from evidra.collectors.tags import aws_tags, classification_of
from evidra.model import ApiCall, Observation

# Fields that change every few minutes on an untouched instance: kept, they would
# make a new evidence snapshot on every run.
_VOLATILE = frozenset({"LatestRestorableTime"})
TLS_PARAMETERS = ("rds.force_ssl", "require_secure_transport")
_ON = frozenset({"1", "on", "true"})


@READERS.reader("rds.db_instance", service="rds", types=("database.instance",), plane=REGIONAL)
def read_instances(ctx: Context) -> list[Observation]:
    instances, call = ctx.items("rds", "DescribeDBInstances", "DBInstances")
    groups = _ParameterGroups(ctx)
    observations = []
    for db in instances:
        encrypted = bool(db.get("StorageEncrypted"))
        tls, tls_raw, tls_calls = groups.tls_setting(db)
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
                    "tls_required": tls,
                    "region": ctx.region,
                },
                raw={
                    "DescribeDBInstances": {k: v for k, v in db.items() if k not in _VOLATILE},
                    **tls_raw,
                },
                calls=[call, *tls_calls],
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


class _ParameterGroups:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._parameters: dict[tuple[str, str], tuple[list[dict[str, Any]], ApiCall]] = {}
        self._clusters: tuple[dict[str, dict[str, Any]], ApiCall] | None = None

    def tls_setting(self, db: dict[str, Any]) -> tuple[bool | None, dict[str, Any], list[ApiCall]]:
        """(refuses unencrypted connections, raw answers, calls); None: no such parameter."""
        calls: list[ApiCall] = []
        raw: dict[str, Any] = {}
        cluster_id = db.get("DBClusterIdentifier")
        if cluster_id:
            clusters, clusters_call = self._cluster_index()
            calls.append(clusters_call)
            group = (clusters.get(cluster_id) or {}).get("DBClusterParameterGroup")
            operation = "DescribeDBClusterParameters"
        else:
            groups = db.get("DBParameterGroups") or [{}]
            group = groups[0].get("DBParameterGroupName")
            operation = "DescribeDBParameters"
        if not group:
            return None, raw, calls
        parameters, call = self._group(operation, group)
        calls.append(call)
        found = [p for p in parameters if p.get("ParameterName") in TLS_PARAMETERS]
        raw[operation] = {"group": group, "Parameters": found}
        if not found:
            return None, raw, calls
        return str(found[0].get("ParameterValue", "")).lower() in _ON, raw, calls

    def _group(self, operation: str, name: str) -> tuple[list[dict[str, Any]], ApiCall]:
        key = (operation, name)
        if key not in self._parameters:
            argument = "DBClusterParameterGroupName" if "Cluster" in operation else "DBParameterGroupName"
            self._parameters[key] = self.ctx.items("rds", operation, "Parameters", **{argument: name})
        return self._parameters[key]

    def _cluster_index(self) -> tuple[dict[str, dict[str, Any]], ApiCall]:
        if self._clusters is None:
            clusters, call = self.ctx.items("rds", "DescribeDBClusters", "DBClusters")
            self._clusters = ({c["DBClusterIdentifier"]: c for c in clusters}, call)
        return self._clusters
