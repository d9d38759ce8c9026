"""workbook.xlsx (openpyxl, streamed in write-only mode): a summary sheet, the
coverage of the policies, and one sheet per control with its description, results per
run, exception windows, gaps and results."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

from evidra.reports import tables
from evidra.reports.coverage import CoverageRow
from evidra.reports.period import PeriodReport

_MAX_SHEET_NAME = 31  # Excel's limit
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # control characters Excel refuses


def render(
    report: PeriodReport, coverage: list[CoverageRow], results: dict[str, list[dict[str, Any]]]
) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    bold = Font(bold=True)
    book = Workbook(write_only=True)

    def section(sheet: Any, title: str, columns: Sequence[str], rows: list[dict[str, Any]]) -> None:
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        sheet.append([cell])
        sheet.append(list(columns))
        for row in rows:
            sheet.append([_cell(sheet, row.get(name)) for name in columns])
        sheet.append([])

    summary = book.create_sheet("Summary")
    summary.append([f"Evidence for the period {report.period}"])
    summary.append(["runs in the period", len(report.runs)])
    summary.append([])
    section(
        summary,
        "SOC 2 criteria",
        ("criterion", "controls", "with evidence", "effectiveness", "open exceptions", "of which excepted"),
        [
            {
                "criterion": item.criterion,
                "controls": len(item.controls),
                "with evidence": len(item.with_evidence),
                "effectiveness": tables.percent(item.effectiveness),
                "open exceptions": item.open_exceptions,
                "of which excepted": item.open_excepted,
            }
            for item in report.criteria
        ],
    )
    section(
        summary,
        "Controls",
        (
            "control",
            "title",
            "tsc",
            "ran",
            "population",
            "effectiveness",
            "exception windows",
            "open",
            "gaps",
        ),
        [
            {
                "control": item.control.id,
                "title": item.control.title,
                "tsc": " ".join(item.control.tsc),
                "ran": len(item.ran),
                "population": len(item.population),
                "effectiveness": tables.percent(item.effectiveness),
                "exception windows": len(item.windows),
                "open": len(item.open_windows),
                "gaps": len(item.gaps),
            }
            for item in report.controls
        ],
    )
    section(
        book.create_sheet("Coverage"),
        "Policy requirements",
        tables.COVERAGE_COLUMNS,
        tables.coverage_rows(coverage),
    )

    names: set[str] = {"Summary", "Coverage"}
    for item in report.controls:
        sheet = book.create_sheet(_sheet_name(item.control.id, names))
        sheet.append([item.control.id, item.control.title])
        sheet.append(["what it checks", item.control.description])
        for requirement in item.requirements:
            sheet.append(
                [
                    "requirement",
                    requirement.id,
                    requirement.source_doc,
                    requirement.source_section,
                    requirement.text,
                ]
            )
        for entry in item.parameters:
            sheet.append(
                [
                    "parameter",
                    entry["name"],
                    _cell(sheet, entry["value"]),
                    f"runs {entry['from_seq']}-{entry['to_seq']}",
                ]
            )
        sheet.append(["SOC 2", " ".join(item.control.tsc)])
        sheet.append(["ran", f"{len(item.ran)} of {len(report.runs)} runs ({item.control.frequency})"])
        sheet.append([])
        section(sheet, "Results per run", tables.RUN_COLUMNS, tables.run_rows(item))
        section(sheet, "Exception windows", tables.WINDOW_COLUMNS, tables.window_rows(item))
        section(sheet, "Gaps (collection failed)", tables.GAP_COLUMNS, tables.gap_rows(item))
        section(sheet, "Results", tables.RESULT_COLUMNS, results[item.control.id])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet_name(control: str, taken: set[str]) -> str:
    name = control[:_MAX_SHEET_NAME]
    counter = 2
    while name in taken:
        suffix = f"~{counter}"
        name = control[: _MAX_SHEET_NAME - len(suffix)] + suffix
        counter += 1
    taken.add(name)
    return name


def _cell(sheet: Any, value: Any) -> Any:
    """A value as Excel keeps it: text stays text, even when it starts with `=` (a
    resource name must never become a formula)."""
    if value is None or isinstance(value, int | float | bool):
        return value
    text = _ILLEGAL.sub("", str(value))
    if not text.startswith("="):
        return text
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"
    return cell
