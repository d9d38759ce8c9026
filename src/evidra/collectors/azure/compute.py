"""Managed disks (compute.volume): encryption at rest and its key; virtual machines'
patch state (compute.patch_state) from Azure Update Manager's latest assessment.

Azure encrypts every managed disk (`EncryptionAtRestWithPlatformKey` at least); a
customer key comes through a disk encryption set, whose id is the key reported.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from evidra.collectors.azure.context import ARM, READERS, Arm, AzureCallFailed, resource_group
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


# The latest assessment Azure Update Manager made of a VM (periodic or on demand) is its
# instance view's `patchStatus.availablePatchSummary`: a read, where triggering one
# (`assessPatches`) would be a write. Its counts are not dated and critical updates are
# not counted apart, so the dates and `missing_critical` stay None. Only a finished
# assessment dates the state: a failed or running one leaves `last_assessed` unset.
_ASSESSED = frozenset({"Succeeded", "CompletedWithWarnings"})
_NOT_RUNNING = frozenset({"PowerState/stopped", "PowerState/deallocated"})


@READERS.reader("azure.vm_patch_state", types=("compute.patch_state",), plane=ARM)
def read_patch_states(arm: Arm) -> list[Observation]:
    vms, listed = arm.items("compute", "virtualMachines.listAll", lambda c: c.virtual_machines.list_all())
    observations = []
    for vm in vms:
        group, name = resource_group(vm["id"]), str(vm["name"])
        calls = [listed]
        try:
            view, call = arm.get(
                "compute", "virtualMachines.instanceView", _instance_view(group, name),
                resourceGroupName=group, vmName=name,
            )  # fmt: skip
            calls.append(call)
            unreadable = None
        except AzureCallFailed as failure:  # this VM alone: the others are still read
            view, unreadable = None, str(failure)
        power = {str(x.get("code")) for x in (view or {}).get("statuses") or []} & _NOT_RUNNING
        if power:
            continue  # a stopped or deallocated VM is neither patched nor assessed (as on GCP)
        summary = ((view or {}).get("patchStatus") or {}).get("availablePatchSummary") or {}
        status = summary.get("status")
        attributes: dict[str, Any] = {
            "instance": name,
            "source": "update_manager",
            "os": " ".join(str((view or {}).get(k) or "") for k in ("osName", "osVersion")).strip()
            or ((vm.get("properties") or {}).get("storageProfile") or {}).get("osDisk", {}).get("osType"),
            "assessed": bool(summary.get("startTime") or summary.get("lastModifiedTime")),
            "last_assessed": summary.get("lastModifiedTime") if status in _ASSESSED else None,
            "compliance": status,
            "missing_security": summary.get("criticalAndSecurityPatchCount"),
            "missing_other": summary.get("otherPatchCount"),
            "region": vm.get("location"),
        }
        if unreadable:
            attributes = {"instance": name, "source": "update_manager", "region": vm.get("location")}
            attributes["unreadable"] = {"assessed": unreadable}
        observations.append(
            arm.observe(
                "compute.patch_state",
                vm["id"],
                name=name,
                attributes=attributes,
                raw={"virtualMachine": vm, "patchStatus": (view or {}).get("patchStatus")},
                calls=calls,
            )
        )
    return observations


def _instance_view(group: str, name: str) -> Callable[[Any], Any]:
    return lambda client: client.virtual_machines.instance_view(group, name)
