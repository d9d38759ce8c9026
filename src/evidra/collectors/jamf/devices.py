"""Computers and mobile devices from Jamf Pro's inventory, as `endpoint.device`.

Computers: `GET /api/v3/computers-inventory` with the sections read below, a page at a
time. Encryption is FileVault on the boot partition (`ENCRYPTED`); the screen lock is the
shortest one enforced by a Jamf configuration profile installed on the computer;
malware protection is macOS's own (XProtect reporting a version, Gatekeeper on).
Mobile devices: `GET /api/v2/mobile-devices/detail`; encryption is data protection, the
lock is the passcode profile's `maxInactivity`, matched by profile UUID to the
profiles listed by the Classic API. Owners are the MDM's user and location email.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from evidra.collectors.jamf.context import READERS, Context
from evidra.collectors.jamf.profiles import LockSettings, lock_settings
from evidra.model import ApiCall, Observation

COMPUTER_SECTIONS = [
    "GENERAL",
    "DISK_ENCRYPTION",
    "OPERATING_SYSTEM",
    "USER_AND_LOCATION",
    "SECURITY",
    "CONFIGURATION_PROFILES",
]
MOBILE_SECTIONS = ["GENERAL", "SECURITY", "USER_AND_LOCATION", "PROFILES"]
_GATEKEEPER_ON = {"APP_STORE_AND_IDENTIFIED_DEVELOPERS", "APP_STORE"}
# A Jamf answer is outside data: a page is at most this many records however it asks.
MAX_PAGE = 2000


def _pages(ctx: Context, path: str, sections: list[str]) -> Iterator[tuple[dict[str, Any], ApiCall]]:
    size = ctx.api.settings.page_size
    page = 0
    while True:
        params = {"section": sections, "page": page, "page-size": size, "sort": "id:asc"}
        if path.startswith("v2/mobile"):
            params["sort"] = "mobileDeviceId:asc"
        answer, call = ctx.api.get("pro", path, params)
        results = answer.get("results") if isinstance(answer, dict) else None
        if not isinstance(results, list) or len(results) > MAX_PAGE:
            raise ValueError(f"GET /api/{path}: the answer has no list of results")
        for record in results:
            if isinstance(record, dict):
                yield record, call
        total = answer.get("totalCount")
        page += 1
        if not results or not isinstance(total, int) or page * size >= total:
            return


def _bool_or_none(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _os_major(version: Any) -> int | None:
    match = re.match(r"^\s*(\d+)", version) if isinstance(version, str) else None
    return int(match.group(1)) if match else None


def _section(record: dict[str, Any], name: str) -> dict[str, Any]:
    found = record.get(name)
    return found if isinstance(found, dict) else {}


def _strongest(locks: list[LockSettings]) -> LockSettings:
    minutes = [lock.screen_lock_minutes for lock in locks if lock.screen_lock_minutes is not None]
    return LockSettings(
        ", ".join(lock.name for lock in locks),
        min(minutes) if minutes else None,
        any(lock.passcode_required for lock in locks),
    )


def _macos_profile(ctx: Context, profile_id: str) -> tuple[LockSettings, ApiCall]:
    key = f"macos:{profile_id}"
    if key not in ctx.profiles:
        answer, call = ctx.api.get("classic", f"osxconfigurationprofiles/id/{profile_id}")
        general = _section(_section(answer, "os_x_configuration_profile"), "general")
        name = str(general.get("name") or profile_id)
        ctx.profiles[key] = (lock_settings(name, general.get("payloads")), call)
    found: tuple[LockSettings, ApiCall] = ctx.profiles[key]
    return found


@READERS.reader("jamf.computers", types=("endpoint.device",))
def read_computers(ctx: Context) -> list[Observation]:
    observations = []
    for record, call in _pages(ctx, "v3/computers-inventory", COMPUTER_SECTIONS):
        general = _section(record, "general")
        encryption = _section(_section(record, "diskEncryption"), "bootPartitionEncryptionDetails")
        system = _section(record, "operatingSystem")
        security = _section(record, "security")
        user = _section(record, "userAndLocation")
        calls = [call]
        locks = []
        for profile in record.get("configurationProfiles") or []:
            profile_id = str(profile.get("id", "")) if isinstance(profile, dict) else ""
            if profile_id.isdigit() and int(profile_id) > 0:  # Jamf-deployed (others have no id)
                lock, profile_call = _macos_profile(ctx, profile_id)
                locks.append(lock)
                calls.append(profile_call)
        lock = _strongest(locks)
        device_id = str(record.get("id", ""))
        observations.append(
            ctx.observe(
                "endpoint.device",
                f"{ctx.scope}/computers/{device_id}",
                name=str(general.get("name") or device_id),
                attributes={
                    "owner": (user.get("email") or None),
                    "platform": "macOS"
                    if (general.get("platform") or "Mac") == "Mac"
                    else general["platform"],
                    "kind": "workstation",
                    "managed": bool(_section(general, "remoteManagement").get("managed")),
                    "encrypted": encryption.get("partitionFileVault2State") == "ENCRYPTED",
                    "os_version": system.get("version"),
                    "os_major": _os_major(system.get("version")),
                    "last_check_in": general.get("lastContactTime"),
                    "screen_lock_minutes": lock.screen_lock_minutes,
                    "passcode_required": lock.passcode_required or lock.screen_lock_minutes is not None,
                    "malware_protection": bool(security.get("xprotectVersion"))
                    and security.get("gatekeeperStatus") in _GATEKEEPER_ON,
                    "lost_mode": False,  # Lost Mode is an iOS/iPadOS state
                    "management_state": "managed"
                    if _section(general, "remoteManagement").get("managed")
                    else "unmanaged",
                },
                raw={"computer": record, "lock_profiles": lock.name},
                calls=calls,
            )
        )
    return observations


def _ios_profiles(ctx: Context) -> tuple[dict[str, LockSettings], list[ApiCall]]:
    """Every mobile configuration profile's lock settings, by UUID (one list, one read
    each; a device's inventory names its profiles by UUID only)."""
    if "ios" not in ctx.profiles:
        listing, call = ctx.api.get("classic", "mobiledeviceconfigurationprofiles")
        calls = [call]
        by_uuid: dict[str, LockSettings] = {}
        for item in (listing or {}).get("configuration_profiles") or []:
            profile_id = str(item.get("id", "")) if isinstance(item, dict) else ""
            if not profile_id.isdigit():
                continue
            answer, profile_call = ctx.api.get(
                "classic", f"mobiledeviceconfigurationprofiles/id/{profile_id}"
            )
            calls.append(profile_call)
            general = _section(_section(answer, "configuration_profile"), "general")
            if general.get("uuid"):
                by_uuid[str(general["uuid"])] = lock_settings(
                    str(general.get("name")), general.get("payloads")
                )
        ctx.profiles["ios"] = (by_uuid, calls)
    found: tuple[dict[str, LockSettings], list[ApiCall]] = ctx.profiles["ios"]
    return found


@READERS.reader("jamf.mobile_devices", types=("endpoint.device",))
def read_mobile_devices(ctx: Context) -> list[Observation]:
    observations = []
    for record, call in _pages(ctx, "v2/mobile-devices/detail", MOBILE_SECTIONS):
        general = _section(record, "general")
        security = _section(record, "security")
        user = _section(record, "userAndLocation")
        installed = [p.get("uuid") for p in record.get("profiles") or [] if isinstance(p, dict)]
        calls = [call]
        locks = []
        if installed:
            by_uuid, profile_calls = _ios_profiles(ctx)
            calls.extend(profile_calls)
            locks = [by_uuid[u] for u in installed if u in by_uuid]
        lock = _strongest(locks)
        device_id = str(record.get("mobileDeviceId", ""))
        device_type = str(record.get("deviceType") or "iOS")
        observations.append(
            ctx.observe(
                "endpoint.device",
                f"{ctx.scope}/mobile-devices/{device_id}",
                name=str(general.get("displayName") or device_id),
                attributes={
                    "owner": (user.get("emailAddress") or None),
                    "platform": device_type,
                    "kind": "mobile",
                    "managed": bool(general.get("managed")),
                    "encrypted": bool(security.get("dataProtected")),
                    "os_version": general.get("osVersion"),
                    "os_major": _os_major(general.get("osVersion")),
                    "last_check_in": general.get("lastInventoryUpdateDate"),
                    "screen_lock_minutes": lock.screen_lock_minutes,
                    "passcode_required": bool(security.get("passcodePresent")) or lock.passcode_required,
                    "malware_protection": None,  # iOS has no malware protection the MDM reports
                    "lost_mode": bool(security.get("lostModeEnabled")),
                    # security.jailBreakDetected: a bool in jamf-pro-sdk's MobileDevice model of
                    # GET v2/mobile-devices/detail; absent when Jamf has not assessed it.
                    "compromised": (
                        security["jailBreakDetected"]
                        if isinstance(security.get("jailBreakDetected"), bool)
                        else None
                    ),
                    "management_state": "managed" if general.get("managed") else "unmanaged",
                },
                raw={"mobile_device": record, "lock_profiles": lock.name},
                calls=calls,
            )
        )
    return observations
