"""Leavers' access removal (identity.deprovisioning), when a terminations file is given.

The file is HR's list of leavers, a CSV with a header: `user` (Okta login or email)
and `terminated_at` (ISO 8601; a date alone means its first moment, UTC). For each
leaver evidra looks the account up (`/api/v1/users/{login}`) and in the System Log's
lifecycle events: access counts as removed at the first deactivation, suspension or
deletion at or after the termination time, else (removed ahead of the termination)
at the last one before it, else (older than the log window) at the account's last
status change.
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from evidra.collectors.okta.context import READERS, Context
from evidra.collectors.okta.system_log import ACTIONS, REMOVALS, events, user_target
from evidra.collectors.okta.times import parse_time
from evidra.model import Observation, iso

_STATUS_REMOVAL = {"SUSPENDED": "suspended", "DEPROVISIONED": "deactivated"}


class TerminationsFileError(Exception):
    pass


def read_terminations(path: str) -> list[tuple[str, datetime]]:
    try:
        with Path(path).expanduser().open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise TerminationsFileError(f"terminations_file {path} cannot be read ({exc.strerror})") from None
    leavers = []
    for number, row in enumerate(rows, start=2):
        user, when = (row.get("user") or "").strip(), parse_time((row.get("terminated_at") or "").strip())
        if not user or when is None:
            raise TerminationsFileError(
                f"terminations_file {path} line {number}: needs `user` and an ISO 8601 `terminated_at`"
            )
        leavers.append((user, when))
    return leavers


@READERS.reader("okta.deprovisioning", types=("identity.deprovisioning",))
async def read_deprovisioning(ctx: Context) -> list[Observation]:
    if not ctx.settings.terminations_file:
        return []
    leavers = read_terminations(ctx.settings.terminations_file)
    log = await events(ctx)
    observations = []
    for user, terminated_at in leavers:
        account = await ctx.api.get("getUser", f"/api/v1/users/{quote(user, safe='@')}", absent_ok=True)
        account = account if isinstance(account, dict) else None
        mine = [e for e in log.items if _concerns(e, user, account)]
        removals = [e for e in mine if ACTIONS.get(str(e.get("eventType"))) in REMOVALS and _succeeded(e)]
        observations.append(
            ctx.observe(
                "identity.deprovisioning",
                ctx.org_id("leavers", user.lower()),
                name=user,
                attributes=deprovisioning_attributes(user, terminated_at, account, removals, ctx.observed_at),
                raw={
                    "termination": {"user": user, "terminated_at": iso(terminated_at)},
                    "user": _account_summary(account),
                    "events": removals,
                },
                calls=[ctx.api.call("getUser", id=user), log.call],
            )
        )
    return observations


def deprovisioning_attributes(
    user: str,
    terminated_at: datetime,
    account: dict[str, Any] | None,
    removals: list[dict[str, Any]],
    now: datetime,
) -> dict[str, Any]:
    status = (account or {}).get("status")
    removed = (account is None and bool(removals)) or status in _STATUS_REMOVAL
    removed_at: datetime | None = None
    removed_by: str | None = None
    if removed:
        after = [e for e in removals if (parse_time(e.get("published")) or now) >= terminated_at]
        chosen = after[0] if after else (removals[-1] if removals else None)
        if chosen is not None:
            removed_at = parse_time(chosen.get("published"))
            removed_by = ACTIONS.get(str(chosen.get("eventType")))
        else:
            removed_at = parse_time((account or {}).get("statusChanged"))
            removed_by = _STATUS_REMOVAL.get(str(status))
    return {
        "user": user,
        "terminated_at": iso(terminated_at),
        "account_found": account is not None or bool(removals),
        "access_removed": removed,
        "access_removed_at": iso(removed_at),
        "removed_by": removed_by,
        "hours_to_removal": _hours(removed_at - terminated_at) if removed_at else None,
        "hours_since_termination": _hours(now - terminated_at),
    }


def _concerns(event: dict[str, Any], user: str, account: dict[str, Any] | None) -> bool:
    target = user_target(event)
    if account is not None and target.get("id") == account.get("id"):
        return True
    return str(target.get("alternateId", "")).lower() == user.lower()


def _succeeded(event: dict[str, Any]) -> bool:
    return (event.get("outcome") or {}).get("result", "SUCCESS") == "SUCCESS"


def _hours(delta: Any) -> float:
    return round(delta.total_seconds() / 3600, 1)


def _account_summary(account: dict[str, Any] | None) -> dict[str, Any] | None:
    if account is None:
        return None
    keep = ("id", "status", "created", "activated", "statusChanged", "lastLogin", "lastUpdated")
    return {
        **{k: account[k] for k in keep if k in account},
        "profile": {"login": (account.get("profile") or {}).get("login")},
    }
