"""EFS file systems: encryption at rest."""

from __future__ import annotations

from evidra.collectors.aws.registry import READERS, REGIONAL, Context
from evidra.model import Observation


@READERS.reader("efs.file_system", service="efs", types=("storage.file_system",), plane=REGIONAL)
def read_file_systems(ctx: Context) -> list[Observation]:
    systems, call = ctx.items("efs", "DescribeFileSystems", "FileSystems")
    observations = []
    for system in systems:
        encrypted = bool(system.get("Encrypted"))
        observations.append(
            ctx.observe(
                "storage.file_system",
                system.get("FileSystemArn")
                or ctx.arn("elasticfilesystem", f"file-system/{system['FileSystemId']}", region=ctx.region),
                name=system.get("Name") or system["FileSystemId"],
                attributes={
                    "encrypted": encrypted,
                    "kms_key": system.get("KmsKeyId") if encrypted else None,
                    "region": ctx.region,
                },
                raw={"DescribeFileSystems": {k: v for k, v in system.items() if k != "SizeInBytes"}},
                calls=[call],
            )
        )
    return observations
