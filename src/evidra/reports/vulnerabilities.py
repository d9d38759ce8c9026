"""The vulnerability findings of an evidence package, for the auditor to test remediation
deadlines and sample from:

    vulnerabilities/findings.csv   every finding whose lifetime overlaps the period, with its
                                   dates (first observed, fixed or closed), days open, the
                                   deadline for its severity and its outcome
                                   and its review (`triaged_at`, the one-business-day due
                                   time and the triage outcome)
    vulnerabilities/summary.csv    per severity: opened in the period, fixed in time, fixed
                                   late, still open within / past the deadline, suppressed,
                                   no longer reported; reviewed in time, late, overdue,
                                   awaiting review, not recorded by the source

and a short section of index.html with the summary.

A finding is read from its latest snapshot up to the period's last run (its state when the
period ended). The deadline is the policy's `vuln.remediation_sla.<severity>_days` in force
at the period's last run. Days run from first observed to the fix, or, for a finding still
open, to the period's end (or now, for a period still running). A finding its source stopped
reporting without a fix (its resource went away) is "no longer reported", dated by the
first run that read its scope without it: neither fixed in time nor open.

Triage is judged as `vuln-triage-deadline` judges it: first observed to `triaged_at` in
business days (`vuln.triage_1_business_day`: its deadline and holidays), to the period's
end while unreviewed. A source that records no review (GitHub's open and fixed alerts) is
"review not recorded by source"; a review Security Hub's 90-day history no longer dates is
"review time unreadable". Neither is a late review.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from html import escape
from typing import Any, Protocol

from evidra.controls.conditions import add_business_days, business_days_between
from evidra.evidence_store.period_spans import StoredObservationSpan
from evidra.evidence_store.store import EvidenceStore
from evidra.model import iso
from evidra.reports import render_csv
from evidra.reports.period import PeriodReport, _timestamp

TYPE = "vuln.finding"
SEVERITIES = ("critical", "high", "medium", "low", "informational")
OUTCOMES = (
    "fixed in time",
    "fixed late",
    "open within deadline",
    "open past deadline",
    "suppressed",
    "no longer reported",
)
TRIAGE_OUTCOMES = (
    "reviewed in time",
    "reviewed late",
    "review overdue",
    "awaiting review",
    "review not recorded by source",
    "review time unreadable",
)
FINDING_COLUMNS = (
    "severity",
    "outcome",
    "source",
    "scope",
    "id",
    "title",
    "resource",
    "first_observed",
    "fixed_at",
    "closed_at",
    "days",
    "deadline_days",
    "due_by",
    "days_late",
    "opened_in_period",
    "suppression_reason",
    "suppression_comment",
    "dismissed_by",
    "triaged_at",
    "triage_due_by",
    "triage",
    "last_run",
)
SUMMARY_COLUMNS = ("severity", "deadline_days", "in_period", "opened_in_period", *OUTCOMES, *TRIAGE_OUTCOMES)


class Sink(Protocol):
    def add(self, name: str, data: bytes) -> None: ...


def write(sink: Sink, store: EvidenceStore, report: PeriodReport, parameters: dict[str, Any]) -> str:
    """Writes the two CSV files; returns the index.html section."""
    rows = findings(store, report, parameters)
    summary = summarise(rows, parameters)
    sink.add("vulnerabilities/findings.csv", render_csv.to_csv(FINDING_COLUMNS, rows))
    sink.add("vulnerabilities/summary.csv", render_csv.to_csv(SUMMARY_COLUMNS, summary))
    return section(summary, len(rows))


def findings(store: EvidenceStore, report: PeriodReport, parameters: dict[str, Any]) -> list[dict[str, Any]]:
    if not report.runs:
        return []
    last = report.runs[-1].seq
    as_of = min(report.period.end_at, report.generated_at)
    latest: dict[tuple[str, str, str], StoredObservationSpan] = {}
    versions: dict[tuple[str, str, str], list[str]] = {}  # each finding's snapshots, oldest first
    for span in sorted(store.spans.observations(1, last, [TYPE]), key=lambda s: s.first_seq):
        key = (span.provider, span.scope, span.resource_id)
        latest[key] = span
        if span.snapshot_hash not in versions.setdefault(key, []):
            versions[key].append(span.snapshot_hash)
    reads = _closings(store, list(latest.values()), last)
    bodies = attributes_of(store, {span.snapshot_hash for span in latest.values()})
    # A review Security Hub's history no longer dates was dated by an earlier version.
    undated = {
        key
        for key, span in latest.items()
        if "triaged_at" in (bodies[span.snapshot_hash].get("unreadable") or {})
    }
    bodies.update(attributes_of(store, {h for key in undated for h in versions[key]} - set(bodies)))
    rows = []
    for key, span in latest.items():
        provider, scope, resource_id = key
        attributes = bodies[span.snapshot_hash]
        dated = [bodies[h].get("triaged_at") for h in versions[key]] if key in undated else []
        if any(dated):
            attributes = {**attributes, "triaged_at": [d for d in dated if d][-1], "unreadable": {}}
        gone_at = _gone_at(span, reads, last)
        row = _row(attributes, parameters, as_of, gone_at)
        first = _timestamp(attributes.get("first_observed"))
        end = _timestamp(row["closed_at"])
        if first is not None and first >= report.period.end_at:
            continue
        if end is not None and end < report.period.start_at:
            continue
        row.update(
            scope=scope,
            id=resource_id,
            source=attributes.get("source") or provider,
            opened_in_period="yes" if first is None or first >= report.period.start_at else "no",
            last_run=min(span.last_seq, last),
        )
        rows.append(row)
    order = {name: index for index, name in enumerate(SEVERITIES)}
    rows.sort(key=lambda r: (order.get(r["severity"], len(order)), str(r["first_observed"] or ""), r["id"]))
    return rows


def attributes_of(store: EvidenceStore, keys: set[str], batch: int = 2_000) -> dict[str, dict[str, Any]]:
    """The normalized attributes of snapshots, read a batch at a time (one query each), the
    raw answers dropped as each is parsed: a year holds a hundred thousand findings."""
    ordered = sorted(keys)
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ordered), batch):
        for key, body in store.snapshots.bodies(ordered[start : start + batch]).items():
            found[key] = json.loads(body).get("attributes") or {}
    return found


def _closings(store: EvidenceStore, spans: list[StoredObservationSpan], last: int) -> dict[int, list[Any]]:
    """For findings whose latest span ended before run `last`: per run after the earliest
    such end, the scopes it read without error (a failed read is a gap, not a closing),
    with when each was read."""
    ended = [span.last_seq for span in spans if span.last_seq < last]
    if not ended:
        return {}
    first = min(ended) + 1
    failed = {
        (e.seq, e.scope) for e in store.spans.scope_errors(first, last) if not e.types or TYPE in e.types
    }
    reads: dict[int, list[Any]] = {}
    for record in store.spans.scope_records(first, last):
        if not record.error and (record.seq, record.scope) not in failed:
            reads.setdefault(record.seq, []).append((record.scope, record.finished_at))
    return reads


def _gone_at(span: StoredObservationSpan, reads: dict[int, list[Any]], last: int) -> datetime | None:
    """When a finding's latest span ended before the period's last run: when the first
    later run read its scope (or an enclosing one) and did not see it."""
    if span.last_seq >= last:
        return None
    scope = span.scope
    for seq in sorted(s for s in reads if s > span.last_seq):
        for read, at in reads[seq]:
            if scope == read or scope.startswith(read + ":"):
                return at
    return None


def _row(
    attributes: dict[str, Any], parameters: dict[str, Any], as_of: datetime, gone_at: datetime | None
) -> dict[str, Any]:
    severity = str(attributes.get("severity") or "informational")
    deadline = parameters.get(f"vuln.remediation_sla.{severity}_days")
    deadline = deadline if isinstance(deadline, int | float) and not isinstance(deadline, bool) else None
    first = _timestamp(attributes.get("first_observed"))
    fixed = _timestamp(attributes.get("fixed_at"))
    closed = _timestamp(attributes.get("closed_at")) or fixed
    suppressed = bool(attributes.get("suppressed")) or attributes.get("state") == "dismissed"
    if suppressed:
        outcome, end = "suppressed", closed
    elif fixed is not None:
        outcome, end = "fixed", fixed
    elif closed is not None or gone_at is not None:
        outcome, end = "no longer reported", closed or gone_at
        closed = end
    else:
        outcome, end = "open", as_of
    days = round((end - first).total_seconds() / 86400, 2) if first and end else None
    late = round(max(days - deadline, 0.0), 2) if days is not None and deadline is not None else None
    if outcome in ("fixed", "open"):
        if late is None:
            outcome += " (no deadline)" if deadline is None else " (no date)"
        elif outcome == "fixed":
            outcome = "fixed late" if late > 0 else "fixed in time"
        else:
            outcome = "open past deadline" if late > 0 else "open within deadline"
    due = first.timestamp() + deadline * 86400 if first and deadline is not None else None
    return {
        **_triage(attributes, parameters, first, as_of),
        "severity": severity,
        "outcome": outcome,
        "title": attributes.get("title"),
        "resource": attributes.get("resource"),
        "first_observed": iso(first),
        "fixed_at": iso(fixed),
        "closed_at": iso(closed),
        "days": days,
        "deadline_days": deadline,
        "due_by": iso(datetime.fromtimestamp(due, first.tzinfo)) if due is not None and first else None,
        "days_late": late if outcome in ("fixed late", "open past deadline") else None,
        "suppression_reason": attributes.get("suppression_reason") if suppressed else None,
        "suppression_comment": attributes.get("suppression_comment") if suppressed else None,
        "dismissed_by": attributes.get("dismissed_by") if suppressed else None,
    }


def _triage(
    attributes: dict[str, Any], parameters: dict[str, Any], first: datetime | None, as_of: datetime
) -> dict[str, Any]:
    triaged = _timestamp(attributes.get("triaged_at"))
    limit = parameters.get("vuln.triage_1_business_day.review_deadline_business_days")
    try:
        holidays = frozenset(
            date.fromisoformat(str(d)) for d in parameters.get("vuln.triage_1_business_day.holidays") or []
        )
    except ValueError:
        holidays = frozenset()
    days = float(limit) if isinstance(limit, int | float) and not isinstance(limit, bool) else None
    due = add_business_days(first, days, holidays) if first and days is not None else None
    if "triaged_at" in (attributes.get("inapplicable") or {}):
        outcome = "review not recorded by source"
    elif "triaged_at" in (attributes.get("unreadable") or {}):
        outcome = "review time unreadable"
    elif first is None or days is None:
        outcome = "no date" if first is None else "no deadline"
    elif triaged is not None:
        outcome = (
            "reviewed in time" if business_days_between(first, triaged, holidays) <= days else "reviewed late"
        )
    else:
        outcome = (
            "awaiting review" if business_days_between(first, as_of, holidays) <= days else "review overdue"
        )
    return {"triaged_at": iso(triaged), "triage_due_by": iso(due), "triage": outcome}


def summarise(rows: list[dict[str, Any]], parameters: dict[str, Any]) -> list[dict[str, Any]]:
    seen = {row["severity"] for row in rows}
    severities = [s for s in SEVERITIES if s != "informational" or s in seen]
    severities += sorted(seen - set(SEVERITIES))
    out = []
    for severity in severities:
        mine = [row for row in rows if row["severity"] == severity]
        out.append(
            {
                "severity": severity,
                "deadline_days": parameters.get(f"vuln.remediation_sla.{severity}_days"),
                "in_period": len(mine),
                "opened_in_period": sum(row["opened_in_period"] == "yes" for row in mine),
                **{outcome: sum(row["outcome"] == outcome for row in mine) for outcome in OUTCOMES},
                **{outcome: sum(row["triage"] == outcome for row in mine) for outcome in TRIAGE_OUTCOMES},
            }
        )
    return out


def section(summary: list[dict[str, Any]], total: int) -> str:
    head = "".join(f"<th>{escape(name)}</th>" for name in SUMMARY_COLUMNS)
    body = "".join(
        "<tr>" + "".join(f'<td class="num">{escape(_cell(row[c]))}</td>' for c in SUMMARY_COLUMNS) + "</tr>"
        for row in summary
    )
    return (
        '<section id="vulnerabilities"><h2>Vulnerability findings</h2>'
        f"<p>{total} finding(s) open at some time in the period, judged against the policy's "
        "remediation deadline for their severity (days from first observed to the fix, or to the "
        "period's end while open), and against the one business day allowed to review them. "
        "Every finding with its dates is in "
        "<code>vulnerabilities/findings.csv</code>, to sample from; these counts are in "
        "<code>vulnerabilities/summary.csv</code>.</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></section>"
    )


def _cell(value: Any) -> str:
    return "" if value is None else str(value)
