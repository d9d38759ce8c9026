"""Coverage of the policies: each of the packaged requirements, evidenced by an
automated control that ran in the period, by manual evidence for the period, by both,
or not covered. Nothing is left out: the table always has every requirement."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from evidra.controls.requirements import Requirement, requirements
from evidra.reports.period import Period, PeriodReport

AUTOMATED, MANUAL, BOTH, NOT_COVERED = "automated", "manual", "automated+manual", "not covered"


@dataclass(frozen=True)
class CoverageRow:
    requirement: Requirement
    status: str
    controls: list[str]  # controls evidencing it that ran in the period
    manual: list[dict[str, Any]]  # manual evidence for the period


def applies(evidence: dict[str, Any], period: Period) -> bool:
    """Manual evidence counts for the period its own period overlaps; without one,
    for the period it was added in."""
    start, end = evidence["period_start"], evidence["period_end"]
    if start is None or end is None:
        added = evidence["added_at"].date()
        return period.start <= added <= period.end
    return bool(period.overlaps(start, end))


def coverage(report: PeriodReport, manual: list[dict[str, Any]]) -> list[CoverageRow]:
    automated: dict[str, list[str]] = {}
    for item in report.controls:
        if item.ran:
            for requirement_id in item.control.requirements:
                automated.setdefault(requirement_id, []).append(item.control.id)
    rows = []
    for requirement in requirements().values():
        controls = automated.get(requirement.id, [])
        evidence = [e for e in manual if e["requirement"] == requirement.id and applies(e, report.period)]
        status = (BOTH if evidence else AUTOMATED) if controls else (MANUAL if evidence else NOT_COVERED)
        rows.append(CoverageRow(requirement, status, controls, evidence))
    return rows
