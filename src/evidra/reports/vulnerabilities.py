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

import csv
import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime
from html import escape
from operator import itemgetter
from typing import Any, Protocol, TypeGuard

from evidra.controls.conditions import add_business_days, business_days_between
from evidra.evidence_store.period_spans import StoredObservationSpan
from evidra.evidence_store.store import EvidenceStore
from evidra.model import Observation, iso
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
    """Writes the two CSV files; returns the index.html section. A year holds a hundred
    thousand findings: each row is rendered to its CSV line as it is made and only the
    line is kept (with its sort key), the summary counted as the rows go."""
    order = {name: index for index, name in enumerate(SEVERITIES)}
    cells = itemgetter(*FINDING_COLUMNS)
    lines = _Lines()
    writer = csv.writer(lines, lineterminator="\r\n")  # as render_csv.to_csv writes them
    keyed: list[tuple[tuple[int, str, str], bytes]] = []
    counts: Counter[tuple[str, str, str, str]] = Counter()
    for row in _findings(store, report, parameters):
        writer.writerow(cells(row))  # None is written empty, as in to_csv
        key = (order.get(row["severity"], len(order)), str(row["first_observed"] or ""), row["id"])
        keyed.append((key, lines.pop().encode()))
        counts[row["severity"], row["outcome"], row["triage"], row["opened_in_period"]] += 1
    keyed.sort(key=itemgetter(0))
    header = render_csv.to_csv(FINDING_COLUMNS, [])
    sink.add("vulnerabilities/findings.csv", b"".join([header, *(line for _, line in keyed)]))
    summary = summarise(counts, parameters)
    sink.add("vulnerabilities/summary.csv", render_csv.to_csv(SUMMARY_COLUMNS, summary))
    return section(summary, len(keyed))


class _Lines(list[str]):
    """A file for csv.writer that keeps each row's line apart (it writes a row at once)."""

    def write(self, line: str) -> None:
        self.append(line)


def _findings(
    store: EvidenceStore, report: PeriodReport, parameters: dict[str, Any]
) -> Iterator[dict[str, Any]]:
    """The period's findings, in the order their latest version was first seen."""
    if not report.runs:
        return
    last = report.runs[-1].seq
    as_of = min(report.period.end_at, report.generated_at)
    policy = _Policy(parameters)
    period_start, period_end = report.period.start_at, report.period.end_at
    latest: dict[tuple[str, str, str], StoredObservationSpan] = {}
    versions: dict[tuple[str, str, str], list[str]] = {}  # each finding's snapshots, oldest first
    for span in sorted(store.spans.observations(1, last, [TYPE]), key=lambda s: s.first_seq):
        key = (span.provider, span.scope, span.resource_id)
        latest[key] = span
        if span.snapshot_hash not in versions.setdefault(key, []):
            versions[key].append(span.snapshot_hash)
    reads = _closings(store, list(latest.values()), last)
    keys = list(latest)
    for start in range(0, len(keys), _BATCH):
        chunk = keys[start : start + _BATCH]
        # Latest versions with the bases of those kept as deltas: often the older versions.
        bodies = store.snapshots.bodies({latest[key].snapshot_hash for key in chunk}, with_bases=True)
        found = {key: _attributes(bodies[latest[key].snapshot_hash]) for key in chunk}
        # A review Security Hub's history no longer dates was dated by an earlier version.
        undated = [key for key in chunk if "triaged_at" in (found[key].get("unreadable") or {})]
        older = {h for key in undated for h in versions[key]} - bodies.keys()
        if older:
            bodies.update(store.snapshots.bodies(older))
        for key in chunk:
            provider, scope, resource_id = key
            span = latest[key]
            attributes = found.pop(key)
            if "triaged_at" in (attributes.get("unreadable") or {}):
                dated = [
                    (attributes if h == span.snapshot_hash else _attributes(bodies[h])).get("triaged_at")
                    for h in versions[key]
                ]
                if any(dated):
                    attributes = {**attributes, "triaged_at": [d for d in dated if d][-1], "unreadable": {}}
            row, first, closed = _row(attributes, policy, as_of, _gone_at(span, reads, last))
            if first is not None and first >= period_end:
                continue
            if closed is not None and closed.replace(microsecond=0) < period_start:  # as closed_at reads
                continue
            row.update(
                scope=scope,
                id=resource_id,
                source=attributes.get("source") or provider,
                opened_in_period="yes" if first is None or first >= period_start else "no",
                last_run=min(span.last_seq, last),
            )
            yield row


_BATCH = 2_000  # findings whose snapshots are read together
_attributes = Observation.snapshot_attributes


def attributes_of(store: EvidenceStore, keys: set[str], batch: int = 2_000) -> dict[str, dict[str, Any]]:
    """The normalized attributes of snapshots, read a batch at a time (one query each), the
    raw answers dropped as each is parsed: a year holds a hundred thousand findings."""
    ordered = sorted(keys)
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ordered), batch):
        for key, body in store.snapshots.bodies(ordered[start : start + batch]).items():
            found[key] = _attributes(body)
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


class _Policy:
    """The policy's deadlines, read once for all the rows."""

    def __init__(self, parameters: dict[str, Any]) -> None:
        self.parameters = parameters
        limit = parameters.get("vuln.triage_1_business_day.review_deadline_business_days")
        self.triage_days = float(limit) if _is_number(limit) else None
        try:
            self.holidays = frozenset(
                date.fromisoformat(str(d))
                for d in parameters.get("vuln.triage_1_business_day.holidays") or []
            )
        except ValueError:
            self.holidays = frozenset()

    def deadline(self, severity: str) -> Any:
        deadline = self.parameters.get(f"vuln.remediation_sla.{severity}_days")
        return deadline if _is_number(deadline) else None


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _row(
    attributes: dict[str, Any], policy: _Policy, as_of: datetime, gone_at: datetime | None
) -> tuple[dict[str, Any], datetime | None, datetime | None]:
    """A finding's row, with when it was first observed and closed (fixed, suppressed or gone)."""
    severity = str(attributes.get("severity") or "informational")
    deadline = policy.deadline(severity)
    first_text, fixed_text = attributes.get("first_observed"), attributes.get("fixed_at")
    first, fixed = _timestamp(first_text), _timestamp(fixed_text)
    closed_text = attributes.get("closed_at")
    closed = _timestamp(closed_text)
    if closed is None:
        closed, closed_text = fixed, fixed_text
    suppressed = bool(attributes.get("suppressed")) or attributes.get("state") == "dismissed"
    if suppressed:
        outcome, end = "suppressed", closed
    elif fixed is not None:
        outcome, end = "fixed", fixed
    elif closed is not None or gone_at is not None:
        outcome, end = "no longer reported", closed or gone_at
        if closed is None:
            closed, closed_text = end, None
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
    row = {
        **_triage(attributes, policy, first, as_of),
        "severity": severity,
        "outcome": outcome,
        "title": attributes.get("title"),
        "resource": attributes.get("resource"),
        "first_observed": _text(first_text, first),
        "fixed_at": _text(fixed_text, fixed),
        "closed_at": _text(closed_text, closed),
        "days": days,
        "deadline_days": deadline,
        "due_by": _iso(datetime.fromtimestamp(due, first.tzinfo)) if due is not None and first else None,
        "days_late": late if outcome in ("fixed late", "open past deadline") else None,
        "suppression_reason": attributes.get("suppression_reason") if suppressed else None,
        "suppression_comment": attributes.get("suppression_comment") if suppressed else None,
        "dismissed_by": attributes.get("dismissed_by") if suppressed else None,
    }
    return row, first, closed


def _triage(
    attributes: dict[str, Any], policy: _Policy, first: datetime | None, as_of: datetime
) -> dict[str, Any]:
    triaged_text = attributes.get("triaged_at")
    triaged = _timestamp(triaged_text)
    days, holidays = policy.triage_days, policy.holidays
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
    return {"triaged_at": _text(triaged_text, triaged), "triage_due_by": _iso(due), "triage": outcome}


_ISO = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")


def _text(text: Any, ts: datetime | None) -> str | None:
    """`ts` as `model.iso` writes it: `text`, the attribute it was read from, when that is
    already written so (as a collector writes a timestamp), rather than formatted again."""
    if ts is not None and type(text) is str and _ISO.fullmatch(text):
        return text
    return _iso(ts)


def _iso(ts: datetime | None) -> str | None:
    """`model.iso` without strftime, a row's costliest step; the same text for 4-digit years."""
    if ts is None:
        return None
    if ts.tzinfo is not UTC:
        ts = ts.astimezone(UTC)
    return ts.isoformat(timespec="seconds")[:19] + "Z" if ts.year >= 1000 else iso(ts)


def summarise(counts: Counter[tuple[str, str, str, str]], parameters: dict[str, Any]) -> list[dict[str, Any]]:
    """Per severity, from the number of rows of each (severity, outcome, triage, opened_in_period)."""
    seen = {severity for severity, *_ in counts}
    severities = [s for s in SEVERITIES if s != "informational" or s in seen]
    severities += sorted(seen - set(SEVERITIES))
    out = []
    for severity in severities:
        mine = [
            (outcome, triage, opened, n)
            for (s, outcome, triage, opened), n in counts.items()
            if s == severity
        ]
        out.append(
            {
                "severity": severity,
                "deadline_days": parameters.get(f"vuln.remediation_sla.{severity}_days"),
                "in_period": sum(n for *_, n in mine),
                "opened_in_period": sum(n for _, _, opened, n in mine if opened == "yes"),
                **{name: sum(n for outcome, _, _, n in mine if outcome == name) for name in OUTCOMES},
                **{name: sum(n for _, triage, _, n in mine if triage == name) for name in TRIAGE_OUTCOMES},
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
