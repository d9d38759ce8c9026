"""What later runs check of recorded access reviews.

- `access_review.revocation`, one per `revoke` decision: executed once the account is
  gone or disabled in a run that read its provider; when (the first run that saw it so,
  kept from run to run); and the days from the decision against
  `ac.access_review.revocations_executed.removal_deadline_days`.
- `access_review.cadence`, two: the latest review of every account (`all`) and the latest
  one covering privileged accounts (`privileged`), judged against the policies'
  intervals (`ac.access_review.cadence`, `ac.access_review.privileged`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from evidra.model import ApiCall, Collection, Observation, iso

PROVIDER = "access_review"
SCOPE = "access_review:reviews"
_CALL = ApiCall("evidra", "access_review.check", {})


def review_observations(
    collection: Collection,
    reviews: list[dict[str, Any]],
    previous: Mapping[str, dict[str, Any]],
    parameters: Mapping[str, Any],
    now: datetime,
) -> list[Observation]:
    present: dict[str, bool] = {}  # account ref -> disabled
    for observation in collection.observations:
        if observation.type == "identity.user" and observation.provider != "people":
            present[f"{observation.provider}|{observation.scope}|{observation.id}"] = bool(
                observation.attributes.get("disabled")
            )
    unread = {(e.provider, e.scope) for e in collection.errors if not e.types or "identity.user" in e.types}
    read = {s.provider for s in collection.scopes}
    deadline_days = parameters.get("ac.access_review.revocations_executed.removal_deadline_days")
    observations = [
        *_cadence(reviews, now),
    ]
    for review in reviews:
        for row in review.get("rows") or []:
            if row.get("decision") != "revoke":
                continue
            ref = f"{row['provider']}|{row['scope']}|{row['account_id']}"
            ident = f"access_review:{review['review']['id']}/{ref}"
            before = previous.get(ident, {})
            if row["provider"] not in read or (row["provider"], row["scope"]) in unread:
                if not before:
                    continue
                attributes = dict(before)  # not read this run: as the last run that could saw it
            else:
                executed = ref not in present or present[ref]
                executed_at = before.get("executed_at") if before.get("executed") else None
                if executed and executed_at is None:
                    executed_at = iso(now)
                attributes = _revocation(review, row, executed, executed_at, deadline_days, now)
            observations.append(
                Observation(
                    provider=PROVIDER,
                    scope=SCOPE,
                    type="access_review.revocation",
                    id=ident,
                    name=f"{row['provider']}:{row['account']} (review {review['review']['id'][:8]})",
                    attributes=attributes,
                    raw={"review": review["review"], "reviewer": review["reviewer"], "row": row},
                    calls=[_CALL],
                    principal="evidra",
                    observed_at=now,
                )
            )
    return observations


def _revocation(
    review: dict[str, Any],
    row: dict[str, Any],
    executed: bool,
    executed_at: str | None,
    deadline: Any,
    now: datetime,
) -> dict[str, Any]:
    decided = _time(review["recorded_at"]) or now
    # Days from the decision to the removal; while pending, the days elapsed so far.
    until = _time(executed_at) if executed_at else now
    days = round((until - decided).total_seconds() / 86400, 1) if until else None
    due = decided + timedelta(days=deadline) if isinstance(deadline, int | float) else None
    if executed:
        status = "executed"
    elif due is not None and now > due:
        status = "overdue"
    else:
        status = "pending"
    return {
        "review_id": review["review"]["id"],
        "reviewer": review["reviewer"],
        "decided_at": review["recorded_at"],
        "provider": row["provider"],
        "account": row["account"],
        "account_ref": f"{row['provider']}|{row['scope']}|{row['account_id']}",
        "owner": row.get("owner") or None,
        "comment": row.get("comment") or None,
        "executed": executed,
        "executed_at": executed_at,
        "days_to_execute": days,
        "due_by": iso(due),
        "status": status,
    }


def _cadence(reviews: list[dict[str, Any]], now: datetime) -> list[Observation]:
    observations = []
    for kind in ("all", "privileged"):
        chosen = [
            r
            for r in reviews
            if kind == "all" or any(row.get("privileged") == "yes" for row in r.get("rows") or [])
        ]
        last = chosen[-1] if chosen else None
        observations.append(
            Observation(
                provider=PROVIDER,
                scope=SCOPE,
                type="access_review.cadence",
                id=f"access_review:cadence/{kind}",
                name=f"access reviews ({kind} accounts)",
                attributes={
                    "kind": kind,
                    "reviews": len(chosen),
                    "last_review_id": last["review"]["id"] if last else None,
                    "last_review_at": last["recorded_at"] if last else None,
                    "last_reviewer": last["reviewer"] if last else None,
                    "last_period": last["review"].get("period") if last else None,
                },
                raw={"reviews": [{"id": r["review"]["id"], "recorded_at": r["recorded_at"]} for r in chosen]},
                calls=[_CALL],
                principal="evidra",
                observed_at=now,
            )
        )
    return observations


def _time(value: Any) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
