"""The people populations of an evidence package: the period's joiners, movers and
leavers with their accounts, removal times and delays, and the access reviews with their
decisions and follow-up.

    people/joiners.csv           people who started in the period: accounts, first access,
                                 background check, training
    people/movers.csv            moves seen in the period: from, to, access then and now
    people/leavers.csv           one row per leaver and account: removed when, hours after
                                 termination, delay beyond the deadline
    people/leaver_devices.csv    one row per leaver and managed device: wiped, retired,
                                 unenrolled, reassigned or gone, when, delay beyond the deadline
    people/access_reviews.csv    reviews recorded in the period: reviewer, time, decisions
    people/access_review_decisions.csv  every decision, and for a revoke its follow-up
    people/summary.json          the counts

Read from the people view as the last run of the period left it (`state_at` the period's
end, or now for a period still running) and from the recorded reviews.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol

from evidra.evidence_store.store import EvidenceStore
from evidra.reports import render_csv, render_json
from evidra.reports.period import PeriodReport

JOINER_COLUMNS = (
    "email",
    "name",
    "employment_type",
    "department",
    "start_date",
    "accounts",
    "first_access",
    "background_check_at",
    "background_check_before_access",
    "security_training",
    "security_training_detail",
)
MOVER_COLUMNS = (
    "email",
    "name",
    "previous_department",
    "department",
    "moved_at",
    "access_at_move",
    "access",
    "mover_access",
)
LEAVER_COLUMNS = (
    "email",
    "employment_type",
    "terminated_at",
    "provider",
    "account",
    "access_removed",
    "access_removed_at",
    "removed_by",
    "hours_to_removal",
    "deadline_hours",
    "hours_late",
    "status",
)
DEVICE_COLUMNS = (
    "email",
    "employment_type",
    "terminated_at",
    "device",
    "kind",
    "cleared",
    "cleared_by",
    "cleared_at",
    "hours_to_clear",
    "deadline_hours",
    "hours_late",
    "status",
)
REVIEW_COLUMNS = (
    "review_id",
    "period",
    "scopes",
    "started_at",
    "reviewer",
    "recorded_at",
    "accounts",
    "keep",
    "revoke",
    "change",
    "file_digest",
)
DECISION_COLUMNS = (
    "review_id",
    "reviewer",
    "recorded_at",
    "provider",
    "scope",
    "account",
    "owner",
    "privileged",
    "decision",
    "comment",
    "follow_up",
    "executed_at",
    "days_to_execute",
)


# The types read below; asked for by name, as the estate's other resources (a hundred
# thousand findings) would be read, hash-checked and dropped.
_TYPES = ("people.person", "identity.deprovisioning", "endpoint.offboarding", "access_review.revocation")


class Sink(Protocol):
    def add(self, name: str, data: bytes) -> None: ...


def write(sink: Sink, store: EvidenceStore, report: PeriodReport, parameters: dict[str, Any]) -> None:
    from evidra.people.access_review import load_reviews

    start, end = report.period.start, report.period.end
    at = min(report.period.end_at, report.generated_at)
    persons, leavers, devices, revocations = [], [], [], {}
    for resource in store.pointintime.state_at(at, _TYPES).resources:
        if not resource.present:
            continue
        if resource.type == "people.person":
            persons.append(resource.attributes)
        elif resource.type == "identity.deprovisioning" and resource.provider == "people":
            leavers.append(resource.attributes)
        elif resource.type == "endpoint.offboarding" and resource.provider == "people":
            devices.append(resource.attributes)
        elif resource.type == "access_review.revocation":
            revocations[(resource.attributes.get("review_id"), resource.attributes.get("account_ref"))] = (
                resource.attributes
            )
    deadline = parameters.get("ac.deprovisioning_deadline.max_hours_after_termination")
    joiners = [_joiner(p) for p in persons if _within(p.get("start_date"), start, end)]
    movers = [_mover(p) for p in persons if _within(p.get("moved_at"), start, end)]
    leaver_rows = [_leaver(row, deadline) for row in leavers if _within(row.get("terminated_at"), start, end)]
    device_deadline = parameters.get("endpoint.offboarding_wipe.deadline_hours")
    device_rows = [
        _leaver_device(row, device_deadline)
        for row in devices
        if _within(row.get("terminated_at"), start, end)
    ]
    reviews = [r for r in load_reviews(store.manual) if _within(r.get("recorded_at"), start, end)]
    decisions = [_decision(r, row, revocations) for r in reviews for row in r.get("rows") or []]
    sink.add("people/joiners.csv", render_csv.to_csv(JOINER_COLUMNS, sorted(joiners, key=_by("start_date"))))
    sink.add("people/movers.csv", render_csv.to_csv(MOVER_COLUMNS, sorted(movers, key=_by("moved_at"))))
    sink.add(
        "people/leavers.csv", render_csv.to_csv(LEAVER_COLUMNS, sorted(leaver_rows, key=_by("terminated_at")))
    )
    sink.add(
        "people/leaver_devices.csv",
        render_csv.to_csv(DEVICE_COLUMNS, sorted(device_rows, key=_by("terminated_at"))),
    )
    sink.add("people/access_reviews.csv", render_csv.to_csv(REVIEW_COLUMNS, [_review(r) for r in reviews]))
    sink.add("people/access_review_decisions.csv", render_csv.to_csv(DECISION_COLUMNS, decisions))
    summary = {
        "period": str(report.period),
        "as_of": at.isoformat(),
        "joiners": len(joiners),
        "movers": len(movers),
        "leavers": len({row["email"] for row in leaver_rows}),
        "leaver_accounts": len(leaver_rows),
        "leaver_accounts_removed_late_or_not": sum(row["status"] != "on time" for row in leaver_rows),
        "leaver_devices": len(device_rows),
        "leaver_devices_cleared_late_or_not": sum(row["status"] != "on time" for row in device_rows),
        "access_reviews": len(reviews),
        "revocations": sum(d["decision"] == "revoke" for d in decisions),
        "revocations_executed": sum(d["follow_up"] == "executed" for d in decisions),
    }
    sink.add("people/summary.json", render_json.dumps(summary))


def _joiner(person: dict[str, Any]) -> dict[str, Any]:
    row = {c: person.get(c) for c in JOINER_COLUMNS}
    row["accounts"] = "; ".join(person.get("accounts") or [])
    return row


def _mover(person: dict[str, Any]) -> dict[str, Any]:
    row = {c: person.get(c) for c in MOVER_COLUMNS}
    row["access_at_move"] = "; ".join(person.get("access_at_move") or [])
    row["access"] = "; ".join(person.get("access") or [])
    return row


def _leaver(attributes: dict[str, Any], deadline: Any) -> dict[str, Any]:
    late, status = _delay(attributes.get("access_removed"), attributes.get("hours_to_removal"), deadline)
    return {
        "email": attributes.get("user"),
        **{c: attributes.get(c) for c in LEAVER_COLUMNS if c in attributes},
        "deadline_hours": deadline,
        "hours_late": late,
        "status": {"not done": "not removed", "done time unknown": "removal time unknown"}.get(
            status, status
        ),
    }


def _leaver_device(attributes: dict[str, Any], deadline: Any) -> dict[str, Any]:
    late, status = _delay(attributes.get("cleared"), attributes.get("hours_to_clear"), deadline)
    return {
        "email": attributes.get("user"),
        **{c: attributes.get(c) for c in DEVICE_COLUMNS if c in attributes},
        "deadline_hours": deadline,
        "hours_late": late,
        "status": {"not done": "not cleared", "done time unknown": "clearing time unknown"}.get(
            status, status
        ),
    }


def _delay(done: Any, hours: Any, deadline: Any) -> tuple[float | None, str]:
    """Hours beyond the deadline, and on time | late | not done | done time unknown."""
    late = None
    if isinstance(hours, int | float) and isinstance(deadline, int | float):
        late = round(max(hours - deadline, 0.0), 1)
    if not done:
        return late, "not done"
    if late is None:
        return late, "done time unknown"
    return late, "on time" if late == 0 else "late"


def _review(review: dict[str, Any]) -> dict[str, Any]:
    rows = review.get("rows") or []
    meta = review["review"]
    return {
        "review_id": meta.get("id"),
        "period": meta.get("period"),
        "scopes": ", ".join(meta.get("scopes") or []) or "(all)",
        "started_at": meta.get("started_at"),
        "reviewer": review.get("reviewer"),
        "recorded_at": review.get("recorded_at"),
        "accounts": len(rows),
        **{d: sum(r.get("decision") == d for r in rows) for d in ("keep", "revoke", "change")},
        "file_digest": review.get("file_digest"),
    }


def _decision(
    review: dict[str, Any], row: dict[str, Any], revocations: dict[Any, dict[str, Any]]
) -> dict[str, Any]:
    ref = f"{row.get('provider')}|{row.get('scope')}|{row.get('account_id')}"
    check = revocations.get((review["review"]["id"], ref), {}) if row.get("decision") == "revoke" else {}
    return {
        "review_id": review["review"]["id"],
        "reviewer": review.get("reviewer"),
        "recorded_at": review.get("recorded_at"),
        **{
            c: row.get(c)
            for c in ("provider", "scope", "account", "owner", "privileged", "decision", "comment")
        },
        "follow_up": check.get("status")
        if check
        else ("not checked yet" if row.get("decision") == "revoke" else ""),
        "executed_at": check.get("executed_at"),
        "days_to_execute": check.get("days_to_execute") if check.get("executed") else None,
    }


def _within(value: Any, start: date, end: date) -> bool:
    if not value:
        return False
    try:
        day = date.fromisoformat(str(value)[:10])
    except ValueError:
        return False
    return start <= day <= end


def _by(column: str) -> Any:
    return lambda row: (str(row.get(column) or ""), str(row.get("email") or ""))
