"""Okta's timestamps and durations in evidra's form."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from evidra.model import iso

_DURATION = re.compile(
    r"^P(?:(?P<days>\d+)D)?(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)


def parse_time(value: Any) -> datetime | None:
    """Okta's "2026-11-20T09:14:03.000Z" (or a date alone, read as its first moment, UTC)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def okta_time(value: Any) -> str | None:
    return iso(parse_time(value))


def parse_duration(value: Any) -> timedelta | None:
    """ISO 8601 durations as Okta writes them: P30D, PT2H, PT15M."""
    match = _DURATION.match(value) if isinstance(value, str) else None
    if match is None or value in ("P", "PT"):
        return None
    parts = {name: int(number) for name, number in match.groupdict().items() if number}
    return timedelta(**parts)
