"""Google endpoint management's devices (endpoint.device) through the Cloud Identity
devices API v1, with `devices: true`.

`devices.list` (customer `customers/<id>`, view USER_ASSIGNED_DEVICES: every device with
at least one user, pages of at most 100) gives the platform, OS version, encryption,
management and compromised states and the last sync; `devices.deviceUsers.list` with
parent `devices/-` (every device's users in one listing, pages of at most 20) gives each
device's users: the owner is its approved user's email (else the first listed), and
whether that user has a password set. Field names and values are the API's
(GoogleAppsCloudidentityDevicesV1Device and ...DeviceUser in the client's bundled
discovery document).

The API reports no screen lock timeout, and a malware protection state only for Android
(Google Play Protect's Verify Apps, with no harmful apps found): what it does not report
is `unreadable`, so those controls say it could not be read rather than pass. A domain
without endpoint management (or a delegation without the devices scope) answers 403
"The caller does not have permission": an error naming both causes.
"""

from __future__ import annotations

import re
from typing import Any

from evidra.collectors.google_workspace.api import WorkspaceCallFailed
from evidra.collectors.google_workspace.context import DEVICES, READERS, Context
from evidra.model import ApiCall, Observation

PLATFORMS = {
    "MAC_OS": "macOS",
    "WINDOWS": "Windows",
    "LINUX": "Linux",
    "CHROME_OS": "ChromeOS",
    "GOOGLEBOOK": "ChromeOS",
    "IOS": "iOS",
    "ANDROID": "Android",
    "GOOGLE_SYNC": "Google Sync",
}
_MOBILE = {"IOS", "ANDROID", "GOOGLE_SYNC"}
# managementState in endpoint.device's words (people/offboarding.py reads the wipes).
STATES = {
    "APPROVED": "managed",
    "WIPING": "wipe_pending",
    "WIPED": "wiped",
    "UNPROVISIONED": "unmanaged",
    "BLOCKED": "blocked",
    "PENDING": "pending",
}
DEVICE_FIELDS = (
    "name",
    "deviceId",
    "deviceType",
    "model",
    "serialNumber",
    "osVersion",
    "ownerType",
    "managementState",
    "encryptionState",
    "compromisedState",
    "lastSyncTime",
    "createTime",
    "securityPatchTime",
    "androidSpecificAttributes",
)
USER_FIELDS = ("name", "userEmail", "managementState", "passwordState", "compromisedState", "lastSyncTime")
NO_LOCK = "the Cloud Identity devices API reports no screen lock timeout"
NO_MALWARE = "the Cloud Identity devices API reports malware protection (Play Protect) for Android only"
NO_LICENCE = (
    "the Cloud Identity devices API refused: the domain needs endpoint management (a Google Workspace "
    "or Cloud Identity Premium edition with it), and the service account's domain-wide delegation the "
    "scope https://www.googleapis.com/auth/cloud-identity.devices.readonly"
)


@READERS.reader("google_workspace.devices", types=("endpoint.device",), plane=DEVICES)
def read_devices(ctx: Context) -> list[Observation]:
    api = ctx.api
    assert api.devices is not None  # built whenever `devices: true`
    customer = f"customers/{ctx.settings.customer_id}"
    devices, users = api.devices.devices(), api.devices.devices().deviceUsers()
    try:
        listed = list(
            api.items(
                "devices.list",
                devices,
                devices.list,
                "devices",
                customer=customer,
                view="USER_ASSIGNED_DEVICES",
                pageSize=min(ctx.settings.page_size, 100),
            )
        )
        by_device: dict[str, list[dict[str, Any]]] = {}
        for device_user in api.items(
            "devices.deviceUsers.list",
            users,
            users.list,
            "deviceUsers",
            parent="devices/-",
            customer=customer,
            pageSize=min(ctx.settings.page_size, 20),
        ):
            device = str(device_user.get("name") or "").split("/deviceUsers/")[0]
            by_device.setdefault(device, []).append(device_user)
    except WorkspaceCallFailed as exc:
        if "HTTP 403" in str(exc):
            raise WorkspaceCallFailed(f"{exc}: {NO_LICENCE}") from None
        raise
    calls = [
        ApiCall("cloudidentity", "devices.list", {"customer": customer, "view": "USER_ASSIGNED_DEVICES"}),
        ApiCall("cloudidentity", "devices.deviceUsers.list", {"parent": "devices/-", "customer": customer}),
    ]
    return [_device(ctx, device, by_device.get(str(device.get("name")), []), calls) for device in listed]


def _device(
    ctx: Context, device: dict[str, Any], users: list[dict[str, Any]], calls: list[Any]
) -> Observation:
    kind = str(device.get("deviceType") or "")
    approved = [u for u in users if u.get("managementState") == "APPROVED"]
    owner_user = (approved or users or [{}])[0]
    owner = owner_user.get("userEmail")
    password = owner_user.get("passwordState")
    encryption = device.get("encryptionState")
    android = device.get("androidSpecificAttributes") or {}
    unreadable = {"screen_lock_minutes": NO_LOCK}
    malware: bool | None = None
    if kind == "ANDROID" and isinstance(android.get("verifyAppsEnabled"), bool):
        malware = android["verifyAppsEnabled"] and not android.get("hasPotentiallyHarmfulApps")
    elif kind not in _MOBILE:
        unreadable["malware_protection"] = NO_MALWARE
    if encryption not in ("ENCRYPTED", "NOT_ENCRYPTED", "UNSUPPORTED_BY_DEVICE"):
        unreadable["encrypted"] = f"the device reports no encryption state ({encryption or 'none'})"
    version = _version(device.get("osVersion"))
    parts = (version or "").split(".")
    name = str(device.get("name") or "")
    return ctx.observe(
        "endpoint.device",
        ctx.object_id("devices", name.removeprefix("devices/")),
        name=str(device.get("model") or device.get("serialNumber") or name),
        attributes={
            "owner": owner.lower() if isinstance(owner, str) and owner else None,
            "platform": PLATFORMS.get(kind, kind or "unknown"),
            "kind": "mobile" if kind in _MOBILE else "workstation",
            "managed": device.get("managementState") == "APPROVED",
            "encrypted": encryption == "ENCRYPTED" if "encrypted" not in unreadable else None,
            "os_version": version,
            "os_major": int(parts[0]) if parts[0].isdigit() else None,
            # Windows 10 and 11 share major version 10: the build (third part) tells the release.
            "os_build": int(parts[2])
            if kind == "WINDOWS" and len(parts) > 2 and parts[2].isdigit()
            else None,
            "last_check_in": device.get("lastSyncTime"),
            "screen_lock_minutes": None,
            "passcode_required": {"PASSWORD_SET": True, "PASSWORD_NOT_SET": False}.get(str(password)),
            "malware_protection": malware,
            "lost_mode": False,  # the API has no lost state; a wiped device is not `managed`
            "management_state": STATES.get(str(device.get("managementState")), device.get("managementState")),
            "compromised": {"COMPROMISED": True, "UNCOMPROMISED": False}.get(
                str(device.get("compromisedState"))
            ),
            "unreadable": unreadable,
        },
        raw={
            "device": {k: device[k] for k in DEVICE_FIELDS if k in device},
            "deviceUsers": [{k: u[k] for k in USER_FIELDS if k in u} for u in users],
        },
        calls=calls,
    )


def _version(reported: Any) -> str | None:
    """The version in `MacOS 14.6.1`, `Android 14`, `iOS 17.5.1` (the API puts the OS name first)."""
    if not isinstance(reported, str):
        return None
    match = re.search(r"\d+(?:\.\d+)*", reported)
    return match.group(0) if match else reported or None
