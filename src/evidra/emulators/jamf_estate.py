"""A small Jamf Pro estate for the tests and the demo: one computer or phone per way a
device passes or fails the endpoint controls, in the Jamf Pro API's shapes (see
jamf_server.py). `estate(now)` dates every check-in relative to `now`."""

from __future__ import annotations

import plistlib
from datetime import datetime, timedelta
from typing import Any

CLIENT_ID = "evidra-read-only"


def _plist(*payloads: dict[str, Any]) -> str:
    document = {"PayloadType": "Configuration", "PayloadContent": list(payloads)}
    return plistlib.dumps(document, fmt=plistlib.FMT_XML).decode()


SCREENSAVER_10_MIN = _plist(
    {
        "PayloadType": "com.apple.screensaver",
        "idleTime": 540,
        "askForPassword": True,
        "askForPasswordDelay": 60,
    }
)
SCREENSAVER_30_MIN = _plist(
    {
        "PayloadType": "com.apple.screensaver",
        "idleTime": 1800,
        "askForPassword": True,
        "askForPasswordDelay": 0,
    }
)
PASSCODE_5_MIN = _plist({"PayloadType": "com.apple.mobiledevice.passwordpolicy", "maxInactivity": 5})


def _computer(
    id_: int,
    name: str,
    email: str,
    now: datetime,
    *,
    encrypted: bool = True,
    os_version: str = "15.1",
    days_since_contact: int = 1,
    profiles: tuple[int, ...] = (1,),
    xprotect: str | None = "5290",
    managed: bool = True,
) -> dict[str, Any]:
    contact = (now - timedelta(days=days_since_contact)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return {
        "id": str(id_),
        "udid": f"00000000-0000-0000-0000-{id_:012d}",
        "general": {
            "name": name,
            "platform": "Mac",
            "lastContactTime": contact,
            "reportDate": contact,
            # Jamf returns the management account's password field (empty unless asked for
            # with privileges we do not hold); redaction must drop it whatever it holds.
            "remoteManagement": {
                "managed": managed,
                "managementUsername": "jamfadmin",
                "managementPassword": "x",
            },
            "supervised": True,
        },
        "diskEncryption": {
            "bootPartitionEncryptionDetails": {
                "partitionName": "Macintosh HD (Boot Partition)",
                "partitionFileVault2State": "ENCRYPTED" if encrypted else "UNENCRYPTED",
                "partitionFileVault2Percent": 100 if encrypted else 0,
            },
            "fileVault2EnabledUserNames": [email.split("@")[0]] if encrypted else [],
        },
        "operatingSystem": {"name": "macOS", "version": os_version, "build": "24B83"},
        "userAndLocation": {"username": email.split("@")[0], "realname": name, "email": email},
        "security": {
            "sipStatus": "ENABLED",
            "gatekeeperStatus": "APP_STORE_AND_IDENTIFIED_DEVELOPERS",
            "xprotectVersion": xprotect,
            "firewallEnabled": True,
        },
        "configurationProfiles": [
            {"id": str(p), "displayName": f"profile {p}", "profileIdentifier": f"com.acme.{p}"}
            for p in profiles
        ]
        + [{"id": "-1", "displayName": "MDM Profile", "profileIdentifier": "com.jamfsoftware.tcc"}],
    }


def _phone(
    id_: int,
    name: str,
    email: str,
    now: datetime,
    *,
    os_version: str = "18.1",
    passcode: bool = True,
    profiles: tuple[str, ...] = ("5b0b1a6e-0000-4000-8000-000000000001",),
    lost: bool = False,
    jailbroken: bool = False,
) -> dict[str, Any]:
    seen = (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return {
        "mobileDeviceId": str(id_),
        "deviceType": "iOS",
        "general": {
            "udid": f"m-{id_}",
            "displayName": name,
            "osVersion": os_version,
            "managed": True,
            "supervised": True,
            "lastInventoryUpdateDate": seen,
        },
        "security": {
            "dataProtected": passcode,
            "passcodePresent": passcode,
            "passcodeCompliant": passcode,
            "lostModeEnabled": lost,
            "jailBreakDetected": jailbroken,  # jamf-pro-sdk MobileDeviceSecurity
        },
        "userAndLocation": {"username": email.split("@")[0], "realName": name, "emailAddress": email},
        "profiles": [
            {"displayName": "Passcode", "uuid": u, "identifier": "com.acme.passcode"} for u in profiles
        ],
    }


def estate(now: datetime) -> dict[str, Any]:
    """computers, mobile_devices and profiles for FakeJamf."""
    return {
        "computers": [
            _computer(1, "alice-mbp", "alice@acme.example", now),
            _computer(2, "bob-mbp", "bob@acme.example", now, encrypted=False),
            _computer(3, "carol-mbp", "carol@acme.example", now, os_version="13.6.9", profiles=(2,)),
            _computer(
                4, "dave-mbp", "dave@acme.example", now, days_since_contact=75, profiles=(), xprotect=None
            ),
        ],
        "mobile_devices": [
            _phone(1, "alice-iphone", "alice@acme.example", now),
            _phone(
                2, "bob-iphone", "bob@acme.example", now, os_version="16.7.10", passcode=False, profiles=()
            ),
        ],
        "profiles": {
            "macos:1": {"name": "Screen saver 10 min", "payloads": SCREENSAVER_10_MIN},
            "macos:2": {"name": "Screen saver 30 min", "payloads": SCREENSAVER_30_MIN},
            "ios:7": {
                "name": "Passcode",
                "uuid": "5b0b1a6e-0000-4000-8000-000000000001",
                "payloads": PASSCODE_5_MIN,
            },
        },
    }
