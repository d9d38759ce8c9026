"""`monitoring.alerting` from the security events a cloud's active alerts fire on, one
rule for every cloud: which of the events the policy names (the provider's `required`,
those its audit log can show) have no alert, and whether a key's disabling or deletion
raises one. Each collector only finds the events in its own alert definitions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

KEY_MISUSE = "key_disable_or_deletion"


def alerting_attributes(
    service: str, alerted: Iterable[str], required: Sequence[str], region: str
) -> dict[str, Any]:
    events = set(alerted)
    return {
        "service": service,
        "alerted_events": sorted(events),
        "unalerted_security_events": [e for e in required if e not in events],
        "key_misuse_alerted": KEY_MISUSE in events,
        "region": region,
    }
