"""The tables every format shows, as plain rows: HTML, CSV, the workbook and JSON all
render these, so the formats cannot disagree. Times are ISO 8601 UTC text."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePath
from typing import Any

from evidra.model import iso
from evidra.reports.coverage import CoverageRow
from evidra.reports.period import POPULATION_FIELDS, ControlPeriod, PeriodReport
from evidra.reports.sampling import Sample

RESOURCE = ("provider", "scope", "type", "id")
RESULT_COLUMNS = (
    "first_run",
    "last_run",
    "observed_at",
    "last_observed_at",
    "runs",
    *RESOURCE,
    "name",
    "status",
    "reason",
    "evidence",
)
POPULATION_COLUMNS = POPULATION_FIELDS  # a population entry's values are in this order
WINDOW_COLUMNS = (
    *RESOURCE,
    "name",
    "failing_from",
    "before_period",
    "remediated_at",
    "state",
    "duration_days",
    "reason",
    "part",
    "part_status",
    "part_from",
    "part_to",
    "excepted_by",
    "approved_at",
    "ticket",
    "exception_reason",
    "exception_expires",
)
FINDING_COLUMNS = (
    *RESOURCE,
    "name",
    "happened_at",
    "resolved_at",
    "delay_hours",
    "status",
    "reason",
    "evidence",
)
SCHEDULE_COLUMNS = ("day", "runs", "evidence", "gap")
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
    "outside_the_period",
    "occurrences",
)
RUN_COLUMNS = ("run", "at", "pass", "fail", "excepted", "not_readable", "share_passing")
SCOPE_COLUMNS = ("run", "provider", "scope", "started_at", "finished_at", "status", "error")
MANUAL_COLUMNS = (
    "requirement",
    "file_name",
    "path",
    "date",
    "period_start",
    "period_end",
    "in_period",
    "added_by",
    "added_at",
    "note",
)


def sampled_runs(item: ControlPeriod, sample: Sample | None) -> list[int] | None:
    return sample.runs(item.control.id, item.ran) if sample else None


def result_rows(item: ControlPeriod, report: PeriodReport, sample: Sample | None) -> list[dict[str, Any]]:
    """Every result of the period as intervals (a result holding unchanged from one run
    to another is one row), or, when sampling, one row per result of each sampled run."""
    return [dict(zip(RESULT_COLUMNS, values, strict=True)) for values in result_values(item, report, sample)]


def result_values(
    item: ControlPeriod, report: PeriodReport, sample: Sample | None
) -> Iterator[tuple[Any, ...]]:
    """`result_rows` as tuples in RESULT_COLUMNS' order, made as they are written: a
    year's rows as dicts, kept for the whole build, were a gigabyte."""
    chosen = sampled_runs(item, sample)
    names = display_names(item)
    shown: dict[tuple[int, str], str | None] = {}  # a few runs' scopes: strftime once each

    def observed(seq: int, scope: str) -> str | None:
        text = shown.get((seq, scope), _UNSEEN)
        if text is _UNSEEN:
            text = shown[(seq, scope)] = iso(report.observed_at(seq, scope))
        return text

    def row(first: int, last: int, runs: int, span: Any) -> tuple[Any, ...]:
        key = span.key
        return (
            first,
            last,
            observed(first, key[1]),
            observed(last, key[1]),
            runs,
            *key,
            names.get(key),
            span.status,
            span.reason,
            span.evidence,
        )

    if chosen is None:
        for span in item.results:
            yield row(span.first_seq, span.last_seq, span.last_seq - span.first_seq + 1, span)
    else:
        for seq in chosen:
            for span in item.results:
                if span.first_seq <= seq <= span.last_seq:
                    yield row(seq, seq, 1, span)


_UNSEEN: Any = object()


def display_names(item: ControlPeriod) -> dict[tuple[str, ...], str | None]:
    return {tuple(entry[name] for name in RESOURCE): entry["name"] for entry in item.population}


_TIMES = ("first_seen", "last_seen", "event_at", "closed_at")


def population_rows(item: ControlPeriod, limit: int | None = None) -> list[dict[str, Any]]:
    """The population (its first `limit` entries), times as text."""
    return [dict(zip(POPULATION_COLUMNS, values, strict=True)) for values in population_values(item, limit)]


def population_values(
    item: ControlPeriod, limit: int | None = None, shown: dict[Any, str | None] | None = None
) -> Iterator[tuple[Any, ...]]:
    """`population_rows` as tuples in POPULATION_COLUMNS' order, made as they are written.
    `shown`: times already written as text, kept across the controls of one package
    (strftime is slow; most times are the same few runs', and the controls of one type
    share its events' times)."""
    shown = {} if shown is None else shown
    times = [POPULATION_COLUMNS.index(name) for name in _TIMES]
    for entry in item.population if limit is None else item.population[:limit]:
        values = list(entry.row)
        for place in times:
            value = values[place]
            if value is not None:
                text = shown.get(value)
                if text is None:
                    text = shown[value] = iso(value)
                values[place] = text
        yield tuple(values)


def window_rows(item: ControlPeriod) -> list[dict[str, Any]]:
    """One row per part of each window: an exception that expired mid-window shows its
    `excepted` part with the approval and then the `fail` part without."""
    rows = []
    for window in item.windows:
        for number, part in enumerate(window.parts or [None], start=1):
            exception = (part.exception if part else None) or {}
            rows.append(
                {
                    **window.resource,
                    "name": window.name,
                    "failing_from": iso(window.failing_from),
                    "before_period": window.before_period,
                    "remediated_at": iso(window.remediated_at),
                    "state": window.state,
                    "duration_days": round(window.duration.total_seconds() / 86400, 2),
                    "reason": window.reason,
                    "part": number,
                    "part_status": part.status if part else None,
                    "part_from": iso(part.from_at) if part else None,
                    "part_to": iso(part.to_at) if part else None,
                    "excepted_by": exception.get("approved_by"),
                    "approved_at": exception.get("approved_at"),
                    "ticket": exception.get("ticket"),
                    "exception_reason": exception.get("reason"),
                    "exception_expires": exception.get("expires"),
                }
            )
    return rows


def finding_rows(item: ControlPeriod) -> list[dict[str, Any]]:
    return [
        {
            **finding.resource,
            "name": finding.name,
            "happened_at": iso(finding.happened_at),
            "resolved_at": iso(finding.resolved_at),
            "delay_hours": None if finding.delay is None else round(finding.delay.total_seconds() / 3600, 1),
            "status": finding.status,
            "reason": finding.reason,
            "evidence": finding.evidence,
        }
        for finding in item.findings
    ]


def schedule_rows(item: ControlPeriod) -> list[dict[str, Any]]:
    return [dict(entry) for entry in item.schedule]


def no_evidence_rows(item: ControlPeriod) -> list[dict[str, Any]]:
    return [dict(entry) for entry in item.no_evidence]


# The workbook's per-control sheet shows the schedule's gaps and the results per run as
# stretches: consecutive days (weeks) with the same gap, consecutive runs with the same
# counts, one row each. A year of a control that never changes is one row, not 365; the
# CSV and JSON files keep a row per day and per run.
NO_EVIDENCE_STRETCH_COLUMNS = ("from", "to", "count", "gap")  # count: days (weeks, weekly)
RUN_STRETCH_COLUMNS = ("from_run", "to_run", "from", "to", "runs", *RUN_COLUMNS[2:])


def no_evidence_stretches(item: ControlPeriod) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    previous: dict[str, Any] | None = None
    for entry in item.schedule:
        if entry["gap"] and previous is not None and previous["gap"] == entry["gap"] and rows:
            rows[-1].update(to=entry["day"], count=rows[-1]["count"] + 1)
        elif entry["gap"]:
            rows.append({"from": entry["day"], "to": entry["day"], "count": 1, "gap": entry["gap"]})
        previous = entry
    return rows


def run_stretches(item: ControlPeriod) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for row in run_rows(item):
        counts = {name: row[name] for name in RUN_COLUMNS[2:]}
        if rows and all(rows[-1][name] == value for name, value in counts.items()):
            rows[-1].update(to_run=row["run"], to=row["at"], runs=rows[-1]["runs"] + 1)
        else:
            rows.append(
                {
                    "from_run": row["run"],
                    "to_run": row["run"],
                    "from": row["at"],
                    "to": row["at"],
                    "runs": 1,
                    **counts,
                }
            )
    return rows


def scope_rows(report: PeriodReport) -> list[dict[str, Any]]:
    """The scope inventory: every scope each run read, or failed to read, with the error."""
    return [
        {
            "run": row.seq,
            "provider": row.provider,
            "scope": row.scope,
            "started_at": iso(row.started_at),
            "finished_at": iso(row.finished_at),
            "status": "failed" if row.error else "read",
            "error": row.error,
        }
        for row in report.scopes
    ]


def manual_rows(rows: list[CoverageRow]) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        for evidence, inside in [(e, True) for e in row.manual] + [(e, False) for e in row.outside]:
            out.append(
                {
                    "requirement": row.requirement.id,
                    "file_name": evidence["file_name"],
                    "path": manual_path(evidence),
                    "date": evidence.get("date"),
                    "period_start": evidence["period_start"],
                    "period_end": evidence["period_end"],
                    "in_period": "yes" if inside else "outside the period",
                    "added_by": evidence["added_by"],
                    "added_at": iso(evidence["added_at"]),
                    "note": evidence["note"],
                }
            )
    return out


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
            "not_readable": point.counts["error"],
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
            "outside_the_period": " ".join(manual_path(e) for e in row.outside),
            "occurrences": "; ".join(
                f"{o['from']}..{o['to']}: {', '.join(o['files']) or 'missing'}" for o in row.occurrences
            ),
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
