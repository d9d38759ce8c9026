"""Intune's managed devices (endpoint.device) through Microsoft Graph v1.0.

`GET /deviceManagement/managedDevices` (managedDevice: operatingSystem, osVersion,
isEncrypted, complianceState, lastSyncDateTime, managementState, userPrincipalName),
`GET /deviceManagement/deviceCompliancePolicies` (each platform's policy: passwordRequired,
passwordMinutesOfInactivityBeforeLock, and on Windows defenderEnabled / rtpEnabled), and
per device `GET /deviceManagement/managedDevices/{id}/deviceCompliancePolicyStates`: which
policies apply to it and whether it complies. A setting counts for a device only when a
policy applied to it requires it and the device complies with that policy: Intune
reports no lock timeout or antivirus state of its own for a device.

A tenant without Intune answers 400 "Request not applicable to target tenant.": that is
an error naming the licence (the reader runs only when `intune: true` is configured).
"""

from __future__ import annotations

import re
from typing import Any

from evidra.collectors.azure.context import INTUNE, READERS, AzureCallFailed, Directory
from evidra.model import Observation

DEVICE_FIELDS = (
    "id",
    "deviceName",
    "userPrincipalName",
    "emailAddress",
    "operatingSystem",
    "osVersion",
    "isEncrypted",
    "complianceState",
    "managementState",
    "lastSyncDateTime",
    "jailBroken",
    "managedDeviceOwnerType",
    "deviceType",
)
_MOBILE = {"iOS", "iPadOS", "Android", "AndroidEnterprise", "AndroidForWork"}


@READERS.reader("azure.intune", types=("endpoint.device",), plane=INTUNE)
def read_devices(directory: Directory) -> list[Observation]:
    graph = directory.graph
    try:
        policies = {
            p["id"]: p
            for p in graph.items(
                "deviceCompliancePolicies.list", "/deviceManagement/deviceCompliancePolicies"
            )
            if isinstance(p, dict) and "id" in p
        }
        devices = graph.items(
            "managedDevices.list", "/deviceManagement/managedDevices", {"$select": ",".join(DEVICE_FIELDS)}
        )
    except AzureCallFailed as exc:
        if "not applicable to target tenant" in str(exc):
            raise AzureCallFailed(
                exc.operation,
                exc.status,
                exc.code,
                "Request not applicable to target tenant: the tenant has no Intune licence "
                "(set `intune: false` if its devices are managed elsewhere)",
            ) from None
        raise
    listed = [graph.call("deviceCompliancePolicies.list"), graph.call("managedDevices.list")]
    observations = []
    for device in devices:
        device_id = str(device.get("id", ""))
        states = graph.items(
            "managedDevices.deviceCompliancePolicyStates.list",
            f"/deviceManagement/managedDevices/{device_id}/deviceCompliancePolicyStates",
        )
        complied = [
            policies[s["id"]] for s in states if s.get("state") == "compliant" and s.get("id") in policies
        ]
        locks = [
            int(p["passwordMinutesOfInactivityBeforeLock"])
            for p in complied
            if p.get("passwordRequired") is True
            and isinstance(p.get("passwordMinutesOfInactivityBeforeLock"), int)
            and p["passwordMinutesOfInactivityBeforeLock"] > 0
        ]
        system = str(device.get("operatingSystem") or "")
        owner = device.get("userPrincipalName") or device.get("emailAddress") or None
        windows = system.lower().startswith("windows")
        version = device.get("osVersion")
        observations.append(
            directory.observe(
                "endpoint.device",
                directory.object_id("managedDevices", device_id),
                name=str(device.get("deviceName") or device_id),
                attributes={
                    "owner": owner.lower() if isinstance(owner, str) else None,
                    "platform": system,
                    "kind": "mobile" if system in _MOBILE else "workstation",
                    "managed": device.get("managementState") == "managed",
                    "encrypted": device.get("isEncrypted") is True,
                    "os_version": device.get("osVersion"),
                    "os_major": _major(device.get("osVersion")),
                    "last_check_in": device.get("lastSyncDateTime"),
                    "screen_lock_minutes": min(locks) if locks else None,
                    "passcode_required": any(p.get("passwordRequired") is True for p in complied),
                    "malware_protection": (
                        any(
                            p.get("defenderEnabled") is True and p.get("rtpEnabled") is True for p in complied
                        )
                        if windows
                        else None
                    ),
                    "lost_mode": False,
                    "management_state": _management_state(device.get("managementState")),
                    # jailBroken is a string: "True", "False" or "Unknown" (not reported).
                    "compromised": {"True": True, "False": False}.get(str(device.get("jailBroken"))),
                    "os_build": _build(version) if windows else None,
                },
                raw={
                    "managedDevice": {k: device.get(k) for k in DEVICE_FIELDS},
                    "compliancePolicyStates": [
                        {k: s.get(k) for k in ("id", "displayName", "state", "platformType")} for s in states
                    ],
                    "compliancePolicies": [_policy_summary(p) for p in complied],
                },
                calls=[
                    *listed,
                    graph.call("managedDevices.deviceCompliancePolicyStates.list", managedDeviceId=device_id),
                ],
            )
        )
    return observations


# Graph's managementState (managedDevice, beta and v1.0 enum managementState) in
# endpoint.device's words: a wipe or retire issued or pending removes company data.
_STATES = {
    "wipePending": "wipe_pending",
    "wipeIssued": "wipe_pending",
    "retirePending": "retire_pending",
    "retireIssued": "retire_pending",
    "deletePending": "delete_pending",
}


def _management_state(value: Any) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    return _STATES.get(value, value)


def _build(version: Any) -> int | None:
    """Windows' build, the third part of osVersion (10.0.22631.4460 -> 22631): Windows 10
    and 11 share the major version 10, so the build tells the release."""
    match = re.match(r"^\s*\d+\.\d+\.(\d+)", version) if isinstance(version, str) else None
    return int(match.group(1)) if match else None


def _major(version: Any) -> int | None:
    match = re.match(r"^\s*(\d+)", version) if isinstance(version, str) else None
    return int(match.group(1)) if match else None


def _policy_summary(policy: dict[str, Any]) -> dict[str, Any]:
    keep = (
        "id",
        "displayName",
        "@odata.type",
        "passwordRequired",
        "passwordMinutesOfInactivityBeforeLock",
        "defenderEnabled",
        "rtpEnabled",
        "osMinimumVersion",
    )
    return {k: policy.get(k) for k in keep if k in policy}
