"""From the System Log: deactivations, suspensions, deletions and MFA factor resets.

Each event is kept as its own observation (identity.event), not folded into the
user's: an event is a fact with its own time and actor, a user observation is a
state, and folding events in would make every user snapshot change whenever the
log window moves. The deprovisioning reader reads the same events (read once).

The query is bounded (`since` = log_days ago, `until` = the collection's start):
without `until`, Okta's System Log always offers a next page (it is built for
polling). Okta keeps the System Log 90 days and silently returns nothing older, so a
longer `log_days` is capped at 90 with a warning, and the provenance says 90.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from evidra.collectors.okta.context import READERS, Context
from evidra.collectors.okta.times import okta_time
from evidra.model import ApiCall, Observation, iso

ACTIONS = {
    "user.lifecycle.deactivate": "deactivated",
    "user.lifecycle.suspend": "suspended",
    "user.lifecycle.delete.initiated": "deleted",
    "user.mfa.factor.reset_all": "mfa_factors_reset",
    "user.mfa.factor.deactivate": "mfa_factor_removed",
}
REMOVALS = frozenset({"deactivated", "suspended", "deleted"})
LOG_PAGE = 1000  # the System Log's largest page
RETENTION_DAYS = 90  # Okta's System Log retention (System Log API reference, data retention)
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Events:
    items: list[dict[str, Any]]  # Okta's events, in published order
    call: ApiCall


async def events(ctx: Context) -> Events:
    return await ctx.shared("system_log", lambda: _read(ctx))


async def _read(ctx: Context) -> Events:
    days = min(ctx.settings.log_days, RETENTION_DAYS)
    if days < ctx.settings.log_days:
        log.warning(
            "okta log_days is %d, but Okta keeps the System Log %d days: reading the last %d days",
            ctx.settings.log_days,
            RETENTION_DAYS,
            days,
        )
    params = {
        "since": iso(ctx.observed_at - timedelta(days=days)),
        "until": iso(ctx.observed_at),
        "filter": " or ".join(f'eventType eq "{name}"' for name in ACTIONS),
        "limit": LOG_PAGE,
        "sortOrder": "ASCENDING",
    }
    found: list[dict[str, Any]] = []
    async for page in ctx.api.pages("listLogEvents", "/api/v1/logs", params):
        found.extend(e for e in page if isinstance(e, dict) and e.get("eventType") in ACTIONS)
    # The call's provenance names the window's length, not its moving dates.
    call = ctx.api.call("listLogEvents", filter=params["filter"], days=days)
    return Events(found, call)


@READERS.reader("okta.system_log", types=("identity.event",))
async def read_events(ctx: Context) -> list[Observation]:
    found = await events(ctx)
    return [
        ctx.observe(
            "identity.event",
            ctx.org_id("logs", str(event.get("uuid"))),
            name=event.get("displayMessage"),
            attributes=event_attributes(event),
            raw={"event": event},
            calls=[found.call],
        )
        for event in found.items
    ]


def user_target(event: dict[str, Any]) -> dict[str, Any]:
    for target in event.get("target") or []:
        if isinstance(target, dict) and target.get("type") == "User":
            return target
    return {}


def event_attributes(event: dict[str, Any]) -> dict[str, Any]:
    target = user_target(event)
    return {
        "event_type": event.get("eventType"),
        "action": ACTIONS.get(str(event.get("eventType"))),
        "published": okta_time(event.get("published")),
        "actor": (event.get("actor") or {}).get("alternateId"),
        "target": target.get("alternateId"),
        "target_id": target.get("id"),
        "outcome": (event.get("outcome") or {}).get("result"),
    }
