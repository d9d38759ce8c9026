"""The tables every format shows, as plain rows: HTML, CSV, the workbook and JSON all
render these, so the formats cannot disagree. Times are ISO 8601 UTC text."""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import Any

from evidra.model import iso
from evidra.reports.coverage import CoverageRow
from evidra.reports.period import ControlPeriod, PeriodReport
from evidra.reports.sampling import Sample

RESOURCE = ("provider", "scope", "type", "id")
RESULT_COLUMNS = ("first_run", "last_run", "from", "to", "runs", *RESOURCE, "status", "reason", "evidence")
POPULATION_COLUMNS = (*RESOURCE, "first_seen", "last_seen", "runs", "last_status")
WINDOW_COLUMNS = (
    *RESOURCE,
    "failing_from",
    "remediated_at",
    "state",
    "duration_days",
    "reason",
    "excepted_by",
    "exception_reason",
    "exception_expires",
)
GAP_COLUMNS = ("run", "at", *RESOURCE, "reason")
COVERAGE_COLUMNS = (
    "requirement",
    "title",
    "policy",
    "section",
    "tsc",
    "status",
    "controls",
    "manual_evidence",
)
RUN_COLUMNS = ("run", "at", "pass", "fail", "excepted", "error", "share_passing")


def sampled_runs(item: ControlPeriod, sample: Sample | None) -> list[int] | None:
    return sample.runs(item.control.id, item.ran) if sample else None


def result_rows(item: ControlPeriod, report: PeriodReport, sample: Sample | None) -> list[dict[str, Any]]:
    """Every result of the period as intervals (a result holding unchanged from one run
    to another is one row), or, when sampling, one row per result of each sampled run."""
    chosen = sampled_runs(item, sample)
    rows = []
    if chosen is None:
        for span in item.results:
            rows.append(_result(span.first_seq, span.last_seq, span.runs, span, report))
    else:
        for seq in chosen:
            for span in item.results:
                if span.first_seq <= seq <= span.last_seq:
                    rows.append(_result(seq, seq, 1, span, report))
    return rows


def _result(first: int, last: int, runs: int, span: Any, report: PeriodReport) -> dict[str, Any]:
    return {
        "first_run": first,
        "last_run": last,
        "from": iso(report.at(first)),
        "to": iso(report.at(last)),
        "runs": runs,
        **span.resource,
        "status": span.status,
        "reason": span.reason,
        "evidence": span.evidence,
    }


def population_rows(item: ControlPeriod) -> list[dict[str, Any]]:
    return [
        {**entry, "first_seen": iso(entry["first_seen"]), "last_seen": iso(entry["last_seen"])}
        for entry in item.population
    ]


def window_rows(item: ControlPeriod) -> list[dict[str, Any]]:
    rows = []
    for window in item.windows:
        exception = window.exception or {}
        rows.append(
            {
                **window.resource,
                "failing_from": iso(window.failing_from),
                "remediated_at": iso(window.remediated_at),
                "state": window.state,
                "duration_days": round(window.duration.total_seconds() / 86400, 2),
                "reason": window.reason,
                "excepted_by": exception.get("approved_by"),
                "exception_reason": exception.get("reason"),
                "exception_expires": exception.get("expires"),
            }
        )
    return rows


def gap_rows(item: ControlPeriod) -> list[dict[str, Any]]:
    return [
        {
            "run": gap["seq"],
            "at": iso(gap["at"]),
            **{name: gap[name] for name in RESOURCE},
            "reason": gap["reason"],
        }
        for gap in item.gaps
    ]


def run_rows(item: ControlPeriod) -> list[dict[str, Any]]:
    return [
        {
            "run": point.seq,
            "at": iso(point.at),
            "pass": point.counts["pass"],
            "fail": point.counts["fail"],
            "excepted": point.counts["excepted"],
            "error": point.counts["error"],
            "share_passing": None if point.share_passing is None else round(point.share_passing, 4),
        }
        for point in item.points
    ]


def coverage_rows(rows: list[CoverageRow]) -> list[dict[str, Any]]:
    return [
        {
            "requirement": row.requirement.id,
            "title": row.requirement.title,
            "policy": row.requirement.source_doc,
            "section": row.requirement.source_section,
            "tsc": " ".join(row.requirement.tsc),
            "status": row.status,
            "controls": " ".join(row.controls),
            "manual_evidence": " ".join(manual_path(e) for e in row.manual),
        }
        for row in rows
    ]


def manual_path(evidence: dict[str, Any]) -> str:
    """Where a manual evidence file is in the package: by hash, keeping a tidy suffix."""
    suffix = PurePath(evidence["file_name"]).suffix.lower()
    if not re.fullmatch(r"\.[a-z0-9]{1,8}", suffix):
        suffix = ""
    return f"manual/{evidence['file'].removeprefix('sha256:')}{suffix}"


def evidence_path(key: str) -> str:
    return f"evidence/{key.removeprefix('sha256:')}.json"


def percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"
