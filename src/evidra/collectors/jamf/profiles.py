"""Configuration profiles as Jamf serves them: the screen-lock and passcode settings their
payloads enforce (Apple's payload reference: `com.apple.screensaver` idleTime,
askForPassword, askForPasswordDelay in seconds; `com.apple.mobiledevice.passwordpolicy`
maxInactivity in minutes)."""

from __future__ import annotations

import math
import plistlib
from dataclasses import dataclass
from typing import Any

MAX_PAYLOAD = 1 << 20  # a profile's plist is a few KB; refuse anything absurd


@dataclass(frozen=True)
class LockSettings:
    name: str
    screen_lock_minutes: int | None  # None: the profile enforces no lock
    passcode_required: bool


def lock_settings(name: str, payloads: Any) -> LockSettings:
    """What a profile's payloads enforce. An unparseable payload enforces nothing."""
    minutes: list[int] = []
    passcode = False
    for item in _payload_items(payloads):
        kind = item.get("PayloadType")
        if kind == "com.apple.screensaver" and item.get("askForPassword") is True:
            idle, delay = _int(item.get("idleTime")), _int(item.get("askForPasswordDelay")) or 0
            if idle is not None and idle > 0:
                minutes.append(math.ceil((idle + delay) / 60))
        elif kind == "com.apple.mobiledevice.passwordpolicy":
            passcode = True
            inactivity = _int(item.get("maxInactivity"))
            if inactivity is not None and inactivity > 0:
                minutes.append(inactivity)
    return LockSettings(name, min(minutes) if minutes else None, passcode)


def _payload_items(payloads: Any) -> list[dict[str, Any]]:
    if not isinstance(payloads, str) or not payloads or len(payloads) > MAX_PAYLOAD:
        return []
    try:
        document = plistlib.loads(payloads.encode("utf-8"), fmt=plistlib.FMT_XML)
    except Exception:  # plistlib raises several kinds on bad input; a bad plist enforces nothing
        return []
    content = document.get("PayloadContent") if isinstance(document, dict) else None
    return [item for item in content or [] if isinstance(item, dict)] if isinstance(content, list) else []


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
