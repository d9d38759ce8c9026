"""Managed disks (compute.volume): encryption at rest and its key.

Azure encrypts every managed disk (`EncryptionAtRestWithPlatformKey` at least); a
customer key comes through a disk encryption set, whose id is the key reported.
"""

from __future__ import annotations

from evidra.collectors.azure.context import ARM, READERS, Arm
from evidra.model import Observation

_ENCRYPTED = frozenset(
    {
        "EncryptionAtRestWithPlatformKey",
        "EncryptionAtRestWithCustomerKey",
        "EncryptionAtRestWithPlatformAndCustomerKeys",
    }
)


@READERS.reader("azure.disks", types=("compute.volume",), plane=ARM)
def read_disks(arm: Arm) -> list[Observation]:
    disks, call = arm.items("compute", "disks.list", lambda c: c.disks.list())
    observations = []
    for disk in disks:
        props = disk.get("properties") or {}
        encryption = props.get("encryption") or {}
        kind = encryption.get("type")
        observations.append(
            arm.observe(
                "compute.volume",
                disk["id"],
                name=disk["name"],
                attributes={
                    "encrypted": kind in _ENCRYPTED,
                    "encryption_type": kind,
                    "kms_key": encryption.get("diskEncryptionSetId") if kind and "Customer" in kind else None,
                    "attached": props.get("diskState") in ("Attached", "Reserved"),
                    "region": disk.get("location"),
                },
                raw={"disk": disk},
                calls=[call],
            )
        )
    return observations
