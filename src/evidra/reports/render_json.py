"""The package's JSON: one document per control (`controls/<id>.json`) and one for the
whole report (`report.json`), built from the same tables as every other format."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from evidra import __version__
from evidra.model import iso
from evidra.reports import tables
from evidra.reports.coverage import CoverageRow
from evidra.reports.period import ControlPeriod, PeriodReport
from evidra.reports.sampling import Sample

CONTROL_SCHEMA = "evidra.package.control/v1"
REPORT_SCHEMA = "evidra.package.report/v1"


# The C encoder (json's pure-Python one runs whenever `indent` is given: ten times slower
# over a year's populations and proofs).
_COMPACT = json.JSONEncoder(ensure_ascii=False, default=str, separators=(", ", ": "))
_LAID_OUT = 2  # containers this deep are laid out one entry a line; deeper ones stay on it


def dumps(document: Any) -> bytes:
    """JSON laid out for reading and diffing: the document's keys and each section's
    entries (a population row, a result, a proof) one a line, each entry compact."""
    if isinstance(document, dict) and any(isinstance(value, Iterator) for value in document.values()):
        return b"".join(dump_chunks(document))
    return (_layout(document, 0) + "\n").encode()


def dump_chunks(document: dict[str, Any]) -> Iterator[bytes]:
    """`dumps` in pieces, the same text: a section given as an iterator (a year's
    population or results) is written as its entries are made, never held whole."""
    if not document:
        yield b"{}\n"
        return
    for number, (key, value) in enumerate(document.items()):
        lead = f"{',' if number else '{'}\n {_key(key)}: "
        if isinstance(value, Iterator):
            yield from _entries(lead, value)
        else:
            yield (lead + _layout(value, 1)).encode()
    yield b"\n}\n"


_BATCH = 2000  # entries per piece


def _entries(lead: str, entries: Iterator[Any]) -> Iterator[bytes]:
    """A list at depth 1 as _layout writes it: "[", one entry a line, " ]"."""
    encode, batch, opened = _COMPACT.encode, [], False
    for entry in entries:
        batch.append(encode(entry))
        if len(batch) == _BATCH:
            yield ((",\n  " if opened else lead + "[\n  ") + ",\n  ".join(batch)).encode()
            opened, batch = True, []
    if batch:
        yield ((",\n  " if opened else lead + "[\n  ") + ",\n  ".join(batch)).encode()
        opened = True
    yield b"\n ]" if opened else (lead + "[]").encode()


def _layout(value: Any, depth: int) -> str:
    if depth >= _LAID_OUT or not isinstance(value, dict | list) or not value:
        return _COMPACT.encode(value)
    inner, outer = " " * (depth + 1), " " * depth
    if isinstance(value, list):
        body = ",\n".join(inner + _layout(item, depth + 1) for item in value)
        return f"[\n{body}\n{outer}]"
    body = ",\n".join(f"{inner}{_key(key)}: {_layout(item, depth + 1)}" for key, item in value.items())
    return f"{{\n{body}\n{outer}}}"


def _key(key: Any) -> str:
    """A key as json writes it (a number or true/false/null becomes its text)."""
    return _COMPACT.encode(key if isinstance(key, str) else json.dumps(key))


def control_summary(item: ControlPeriod, report: PeriodReport) -> dict[str, Any]:
    control = item.control
    return {
        "id": control.id,
        "title": control.title,
        "description": control.description,
        "severity": control.severity,
        "remediation": control.remediation,
        "requirements": [
            {
                "id": requirement.id,
                "title": requirement.title,
                "policy": requirement.source_doc,
                "section": requirement.source_section,
                "text": requirement.text,
            }
            for requirement in item.requirements
        ],
        "parameters": [
            {**entry, "from": iso(report.at(entry["from_seq"])), "to": iso(report.at(entry["to_seq"]))}
            for entry in item.parameters
        ],
        "tsc": list(control.tsc),
        "resource_types": list(control.resource_types),
        "events": item.is_event,
        "expected_cadence": control.frequency,
        "runs_in_period": len(report.runs),
        "ran": len(item.ran),
        "expected": len(item.schedule),
        "with_evidence": len(item.schedule) - len(item.no_evidence),
        "no_evidence": [entry["day"] for entry in item.no_evidence],
        "population": len(item.population),
        "in_scope": len(item.in_scope),
        "counted_in": "events" if item.is_event else "resource-days",
        "results": {status: item.totals[status] for status in ("pass", "fail", "excepted", "error")},
        "share_passing": item.share_passing,
        "exception_windows": len(item.windows),
        "open_exceptions": len(item.open_windows),
        "findings": len(item.findings),
        "gaps": len(item.gaps),
    }


def control_document(
    item: ControlPeriod,
    report: PeriodReport,
    sample: Sample | None,
    results: Iterable[Sequence[Any]] | None = None,
    population: Iterable[Sequence[Any]] | None = None,
) -> dict[str, Any]:
    """`controls/<id>.json`. Its population and results are iterators, made as
    `dump_chunks` writes them (a year's are hundreds of thousands of entries), from
    `results` and `population` when given (tables.result_values, population_values)."""
    if results is None:
        results = tables.result_values(item, report, sample)
    if population is None:
        population = tables.population_values(item)
    return {
        "schema": CONTROL_SCHEMA,
        "period": {"start": report.period.start, "end": report.period.end},
        "control": control_summary(item, report),
        "sample": {**sample.to_dict(), "runs": tables.sampled_runs(item, sample)} if sample else None,
        "runs": tables.run_rows(item),
        "schedule": tables.schedule_rows(item),
        "population": (dict(zip(tables.POPULATION_COLUMNS, values, strict=True)) for values in population),
        "exceptions": tables.window_rows(item),
        "findings": tables.finding_rows(item),
        "gaps": tables.gap_rows(item),
        "results": (dict(zip(tables.RESULT_COLUMNS, values, strict=True)) for values in results),
    }


def report_document(
    report: PeriodReport, coverage: list[CoverageRow], sample: Sample | None
) -> dict[str, Any]:
    return {
        "schema": REPORT_SCHEMA,
        "generator": f"evidra {__version__}",
        "generated_at": iso(report.generated_at),
        "period": {"start": report.period.start, "end": report.period.end},
        "period_in_progress": report.in_progress,
        "policy": report.policy or None,
        "runs": len(report.runs),
        "sample": sample.to_dict() if sample else None,
        "criteria": [
            {
                "criterion": summary.criterion,
                "requirements": summary.requirements,
                "requirements_covered": summary.covered,
                "mapping_inferred": summary.inferred,
                "controls": summary.controls,
                "controls_with_evidence": summary.with_evidence,
                "results": summary.totals,
                "share_passing": summary.share_passing,
                "open_exceptions": summary.open_exceptions,
                "open_excepted": summary.open_excepted,
            }
            for summary in report.criteria
        ],
        "controls": [control_summary(item, report) for item in report.controls],
        "coverage": tables.coverage_rows(coverage),
        "manual_evidence": tables.manual_rows(coverage),
        "scope_errors": [
            {
                "run": error.seq,
                "at": iso(report.at(error.seq)),
                "provider": error.provider,
                "scope": error.scope,
                "service": error.service,
                "message": error.message,
            }
            for error in report.scope_errors
        ],
    }
