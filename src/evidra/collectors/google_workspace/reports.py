"""Audit events (identity.event) from the Reports API: administrators suspending,
archiving or deleting users (`admin` application), and the sign-ins of users who are
now suspended or archived (`login` application, `login_success`): together they show
when a leaver's access ended and whether it was used after.

Active users' sign-ins are not kept as events: their last login is on the user, and a
year of every sign-in would make the evidence grow with time, not with change.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from evidra.collectors.google_workspace.context import READERS, Context
from evidra.model import Observation, iso

ADMIN_ACTIONS = {
    "SUSPEND_USER": "suspended",
    "ARCHIVE_USER": "suspended",
    "DELETE_USER": "deleted",
    "UNSUSPEND_USER": "reactivated",
    "TURN_OFF_2_STEP_VERIFICATION": "mfa_factor_removed",
}


@READERS.reader("google_workspace.audit", types=("identity.event",))
def read_audit(ctx: Context) -> list[Observation]:
    start = iso(ctx.observed_at - timedelta(days=ctx.settings.log_days))
    activities = ctx.api.reports.activities()
    observations = []
    admin_params = {"userKey": "all", "applicationName": "admin", "startTime": start, "maxResults": 1000}
    admin_call = ctx.api.call("activities.list", **admin_params)
    for activity in ctx.api.items("activities.list", activities, activities.list, "items", **admin_params):
        for event in activity.get("events") or []:
            action = ADMIN_ACTIONS.get(str(event.get("name")))
            if action is None:
                continue
            target = _parameter(event, "USER_EMAIL")
            observations.append(_event(ctx, activity, event, action, target, admin_call))
    if ctx.disabled_users:
        login_params = {
            "userKey": "all",
            "applicationName": "login",
            "eventName": "login_success",
            "startTime": start,
            "maxResults": 1000,
        }
        login_call = ctx.api.call("activities.list", **login_params)
        for activity in ctx.api.items(
            "activities.list", activities, activities.list, "items", **login_params
        ):
            who = str((activity.get("actor") or {}).get("email") or "").lower()
            if who not in ctx.disabled_users:
                continue
            for event in activity.get("events") or []:
                observations.append(_event(ctx, activity, event, "signed_in", who, login_call))
    return observations


def _event(
    ctx: Context, activity: dict[str, Any], event: dict[str, Any], action: str, target: str, call: Any
) -> Observation:
    ident = activity.get("id") or {}
    published = str(ident.get("time") or "")
    unique = f"{ident.get('applicationName')}/{published}/{ident.get('uniqueQualifier')}/{event.get('name')}"
    return ctx.observe(
        "identity.event",
        ctx.object_id("events", unique),
        name=f"{event.get('name')} {target}",
        attributes={
            "event_type": f"{ident.get('applicationName')}.{event.get('name')}",
            "action": action,
            "published": published.split(".")[0].rstrip("Z") + "Z" if published else None,
            "actor": (activity.get("actor") or {}).get("email"),
            "target": target.lower() if target else None,
            "target_id": None,
            "outcome": "SUCCESS",
        },
        raw={"activity": {k: activity[k] for k in ("id", "actor", "events") if k in activity}},
        calls=[call],
    )


def _parameter(event: dict[str, Any], name: str) -> str:
    for parameter in event.get("parameters") or []:
        if isinstance(parameter, dict) and parameter.get("name") == name:
            return str(parameter.get("value") or "")
    return ""
