"""EC2: the region's EBS encryption-by-default switch, and every EBS volume."""

from __future__ import annotations

from evidra.collectors.aws.registry import READERS, REGIONAL, Context
from evidra.model import Observation


@READERS.reader("ec2.ebs_encryption_by_default", service="ec2", types=("account",), plane=REGIONAL)
def read_ebs_default(ctx: Context) -> list[Observation]:
    answer, call = ctx.call("ec2", "GetEbsEncryptionByDefault", expect="EbsEncryptionByDefault")
    return [
        ctx.observe(
            "account",
            ctx.arn("ec2", "ebs-encryption-by-default", region=ctx.region),
            name=f"EBS encryption by default ({ctx.region})",
            attributes={
                "default_volume_encryption": bool(answer["EbsEncryptionByDefault"]),
                "region": ctx.region,
            },
            raw={"GetEbsEncryptionByDefault": answer},
            calls=[call],
        )
    ]


@READERS.reader("ec2.volume", service="ec2", types=("compute.volume",), plane=REGIONAL)
def read_volumes(ctx: Context) -> list[Observation]:
    volumes, call = ctx.items("ec2", "DescribeVolumes", "Volumes")
    observations = []
    for volume in volumes:
        encrypted = bool(volume.get("Encrypted"))
        tags = {t.get("Key"): t.get("Value") for t in volume.get("Tags", [])}
        observations.append(
            ctx.observe(
                "compute.volume",
                ctx.arn("ec2", f"volume/{volume['VolumeId']}", region=ctx.region),
                name=tags.get("Name") or volume["VolumeId"],
                attributes={
                    "encrypted": encrypted,
                    "kms_key": volume.get("KmsKeyId") if encrypted else None,
                    "attached": any(
                        a.get("State") in ("attaching", "attached") for a in volume.get("Attachments", [])
                    ),
                    "region": ctx.region,
                },
                raw={"DescribeVolumes": volume},
                calls=[call],
            )
        )
    return observations


@READERS.reader("ec2.snapshot", service="ec2", types=("backup.snapshot",), plane=REGIONAL)
def read_snapshots(ctx: Context) -> list[Observation]:
    # The account's own snapshots only: public and shared ones are someone else's backups.
    snapshots, call = ctx.items("ec2", "DescribeSnapshots", "Snapshots", OwnerIds=["self"])
    observations = []
    for snapshot in snapshots:
        encrypted = bool(snapshot.get("Encrypted"))
        tags = {t.get("Key"): t.get("Value") for t in snapshot.get("Tags", [])}
        observations.append(
            ctx.observe(
                "backup.snapshot",
                ctx.arn("ec2", f"snapshot/{snapshot['SnapshotId']}", region=ctx.region),
                name=tags.get("Name") or snapshot["SnapshotId"],
                attributes={
                    "kind": "volume_snapshot",
                    "encrypted": encrypted,
                    "kms_key": snapshot.get("KmsKeyId") if encrypted else None,
                    "region": ctx.region,
                },
                raw={"DescribeSnapshots": {k: v for k, v in snapshot.items() if k != "Progress"}},
                calls=[call],
            )
        )
    return observations
