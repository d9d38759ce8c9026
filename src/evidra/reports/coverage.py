"""Coverage of the policies: each of the packaged requirements, evidenced by an
automated control that ran in the period, by manual evidence for the period, by both,
or not covered. Nothing is left out: the table always has every requirement, and the
summary every SOC 2 criterion the policy set maps, covered or not.

Manual evidence counts for the period its own period overlaps, else for the period
its date (`evidence add --date`, default the day it was added) falls in. Evidence just
outside the period (within `NEARBY` days) is listed as "outside the period" rather than
dropped. A `record_cadence` requirement (a quarterly access review ...) expects one
record per interval of its shortest `*interval_days` parameter, counted from the
period's first day; each occurrence names the file that covers it, or is "missing".
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from evidra.controls.requirements import Requirement, requirements
from evidra.model import Status
from evidra.reports.period import JUDGED, Period, PeriodReport, criterion_order

AUTOMATED, MANUAL, BOTH, NOT_COVERED = "automated", "manual", "automated+manual", "not covered"
NEARBY = timedelta(days=92)


@dataclass(frozen=True)
class CoverageRow:
    requirement: Requirement
    status: str
    controls: list[str]  # controls evidencing it that ran in the period
    manual: list[dict[str, Any]]  # manual evidence for the period
    outside: list[dict[str, Any]] = field(default_factory=list)  # manual evidence just outside it
    occurrences: list[dict[str, Any]] = field(default_factory=list)  # record_cadence: due, file or missing


@dataclass(frozen=True)
class CriterionSummary:
    criterion: str
    requirements: list[str]  # every requirement mapping it
    inferred: list[str]  # of which the mapping is inferred, not stated in the policy
    covered: list[str]  # of which evidenced (automated, manual or both) in the period
    controls: list[str]
    with_evidence: list[str]  # controls that produced results in the period
    totals: dict[str, int]  # resource-days (events: events) per status, its controls together
    open_exceptions: int
    open_excepted: int  # of which risk-accepted (an exception in force at the period's end)

    @property
    def share_passing(self) -> float | None:
        judged = sum(self.totals.get(status, 0) for status in JUDGED)
        return self.totals.get("pass", 0) / judged if judged else None


def evidence_window(evidence: dict[str, Any]) -> tuple[date, date]:
    start, end = evidence.get("period_start"), evidence.get("period_end")
    if start is not None and end is not None:
        return start, end
    day = evidence.get("date") or evidence["added_at"].date()
    return day, day


def applies(evidence: dict[str, Any], period: Period) -> bool:
    """Manual evidence counts for the period its own period overlaps; without one,
    for the period its date falls in."""
    start, end = evidence_window(evidence)
    return bool(period.overlaps(start, end))


def nearby(evidence: dict[str, Any], period: Period) -> bool:
    start, end = evidence_window(evidence)
    return period.overlaps(start - NEARBY, end + NEARBY) and not applies(evidence, period)


def coverage(report: PeriodReport, manual: list[dict[str, Any]]) -> list[CoverageRow]:
    automated: dict[str, list[str]] = {}
    for item in report.controls:
        if item.ran:
            for requirement_id in item.control.requirements:
                automated.setdefault(requirement_id, []).append(item.control.id)
    rows = []
    for requirement in requirements().values():
        controls = automated.get(requirement.id, [])
        mine = [e for e in manual if e["requirement"] == requirement.id]
        evidence = [e for e in mine if applies(e, report.period)]
        outside = [e for e in mine if nearby(e, report.period)]
        status = (BOTH if evidence else AUTOMATED) if controls else (MANUAL if evidence else NOT_COVERED)
        occurrences = (
            cadence(requirement, report.period, evidence)
            if requirement.check_type == "record_cadence"
            else []
        )
        rows.append(CoverageRow(requirement, status, controls, evidence, outside, occurrences))
    return rows


def interval_days(requirement: Requirement) -> int | None:
    """The shortest `*interval_days` the requirement sets (None: it gives no number)."""
    values = [
        parameter.value
        for name, parameter in requirement.parameters.items()
        if name.endswith("interval_days") and isinstance(parameter.value, int) and parameter.value > 0
    ]
    return min(values) if values else None


def cadence(requirement: Requirement, period: Period, evidence: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each occurrence the requirement's cadence expects in the period, and the file
    whose date (or period) falls in it, or "missing"."""
    step = interval_days(requirement)
    length = (period.end - period.start).days + 1
    occurrences = []
    start = period.start
    while start <= period.end:
        end = min(period.end, start + timedelta(days=(step or length) - 1))
        covering = [e for e in evidence if Period(start, end).overlaps(*evidence_window(e))]
        occurrences.append(
            {
                "from": start,
                "to": end,
                "interval_days": step,
                "files": [e["file_name"] for e in covering],
                "status": "covered" if covering else "missing",
            }
        )
        start = end + timedelta(days=1)
    return occurrences


def criteria(report: PeriodReport, rows: list[CoverageRow]) -> list[CriterionSummary]:
    """Every SOC 2 criterion the policy set (or a control) maps, with what evidences it."""
    by_criterion: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"requirements": [], "inferred": [], "covered": [], "controls": []}
    )
    for row in rows:
        requirement = row.requirement
        for criterion in requirement.tsc:
            entry = by_criterion[criterion]
            entry["requirements"].append(requirement.id)
            if requirement.tsc_basis != "document":
                entry["inferred"].append(requirement.id)
            if row.status != NOT_COVERED:
                entry["covered"].append(requirement.id)
    known = requirements()
    for item in report.controls:
        stated = {c for name in item.control.requirements for c in known[name].tsc}
        for criterion in item.control.tsc:
            by_criterion[criterion]["controls"].append(item)
            if criterion not in stated:  # the control's own addition, not the policy's
                by_criterion[criterion]["inferred"].append(item.control.id)
    summaries = []
    for criterion in sorted(by_criterion, key=criterion_order):
        entry = by_criterion[criterion]
        items = entry["controls"]
        totals: Counter[str] = Counter()
        for item in items:
            totals.update(item.totals)
        open_windows = [window for item in items for window in item.open_windows]
        summaries.append(
            CriterionSummary(
                criterion=criterion,
                requirements=entry["requirements"],
                inferred=entry["inferred"],
                covered=entry["covered"],
                controls=[item.control.id for item in items],
                with_evidence=[item.control.id for item in items if item.ran and item.results],
                totals={status: totals[status] for status in (*JUDGED, Status.ERROR.value)},
                open_exceptions=len(open_windows) + sum(len(item.findings) for item in items),
                open_excepted=sum(1 for window in open_windows if window.exception),
            )
        )
    return summaries
