"""Okta's rate limits, honoured before they bite.

Every Okta answer says how many calls its endpoint family has left in the current
window (`X-Rate-Limit-Remaining`) and when the window resets (`X-Rate-Limit-Reset`,
epoch seconds). When fewer calls remain than evidra may have in flight, new calls to
that family wait for the reset instead of collecting 429s. Waits are computed against
the server's own `Date`, so a skewed local clock neither stalls nor hammers.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from typing import Any

MAX_WAIT_SECONDS = 300.0  # Okta's windows are a minute; anything longer is a bad header
_MARGIN_SECONDS = 0.05


class RateLimitGate:
    def __init__(self, reserve: int) -> None:
        self.reserve = reserve
        self._resume_at: dict[str, float] = {}  # bucket -> time.monotonic() to wait for
        self.waited_seconds = 0.0

    def observe(self, bucket: str, headers: Mapping[str, Any]) -> None:
        remaining = _number(headers.get("X-Rate-Limit-Remaining"))
        if remaining is None or remaining > self.reserve:
            return
        wait = seconds_until_reset(headers)
        if wait is not None:
            self._resume_at[bucket] = max(self._resume_at.get(bucket, 0.0), time.monotonic() + wait)

    def delay(self, bucket: str) -> float:
        return self._resume_at.get(bucket, 0.0) - time.monotonic()

    async def wait(self, bucket: str) -> None:
        delay = self.delay(bucket)
        if delay > 0:
            self.waited_seconds += delay
            await asyncio.sleep(delay)


def seconds_until_reset(headers: Mapping[str, Any]) -> float | None:
    """How long until the window in `X-Rate-Limit-Reset` opens again, by the server's clock."""
    reset = _number(headers.get("X-Rate-Limit-Reset"))
    if reset is None:
        return None
    now = _server_time(headers.get("Date")) or time.time()
    return min(max(reset - now, 0.0) + _MARGIN_SECONDS, MAX_WAIT_SECONDS)


def _server_time(value: Any) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
