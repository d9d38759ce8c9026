"""workbook.xlsx (openpyxl, streamed in write-only mode): a summary sheet, the
coverage of the policies, manual evidence, the scopes read, and per control a sheet
with its description, no-evidence days, results per run, exception windows, gaps and
results, and a population sheet. Numbers are stored as numbers (shares as numbers
formatted as percentages); one-table sheets have a frozen header and auto-filters.

A table longer than `SHEET_ROWS` (a population or the results of 10,000 resources)
is not copied into the workbook: its place says how many rows it has and links to the
package's CSV of the same rows (`controls/<id>.population.csv`, `controls/<id>.csv`,
`.findings.csv`, `.exceptions.csv`), which Excel opens as a sheet. Writing a million
cells took most of a year's build.
The workbook is the same bytes for the same report (fixed document and zip times)."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from evidra.reports import tables
from evidra.reports.coverage import CoverageRow
from evidra.reports.period import PeriodReport
from evidra.reports.sampling import Sample

_MAX_SHEET_NAME = 31  # Excel's limit
SHEET_ROWS = 5000  # longer tables are linked to their CSV file instead of copied
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # control characters Excel refuses


def render(report: PeriodReport, coverage: list[CoverageRow], sample: Sample | None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    bold = Font(bold=True)
    book = Workbook(write_only=True)
    book.properties.created = report.generated_at.astimezone(UTC).replace(tzinfo=None)

    def section(
        sheet: Any,
        title: str,
        columns: Sequence[str],
        rows: list[dict[str, Any]],
        csv: str | None = None,
        count: int | None = None,
    ) -> None:
        """`count`: how many rows there are, when `rows` are not made (linked)."""
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        sheet.append([cell])
        count = len(rows) if count is None else count
        if csv and count > SHEET_ROWS:
            sheet.append(_linked(sheet, count, csv))
            sheet.append([])
            return
        sheet.append(list(columns))
        for row in rows:
            sheet.append([_cell(sheet, row.get(name)) for name in columns])
        sheet.append([])

    def table(sheet: Any, columns: Sequence[str], rows: list[dict[str, Any]]) -> None:
        """A sheet that is one table: header frozen, every column filterable."""
        from openpyxl.utils import get_column_letter

        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(rows) + 1}"
        sheet.append([_header(sheet, name) for name in columns])
        for row in rows:
            sheet.append([_cell(sheet, row.get(name)) for name in columns])

    def _header(sheet: Any, name: str) -> Any:
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        return cell

    summary = book.create_sheet("Summary")
    summary.append([f"Evidence for the period {report.period}"])
    if report.in_progress:
        summary.append(["PERIOD IN PROGRESS: the period ends after the newest stored run"])
    for key in ("version", "owner", "approved_at"):
        if report.policy.get(key):
            summary.append([f"policy {key}", str(report.policy[key])])
    summary.append(["runs in the period", len(report.runs)])
    summary.append([])
    section(
        summary,
        "SOC 2 criteria (counts are resource-days; events once each)",
        CRITERIA_COLUMNS,
        [
            {
                "criterion": item.criterion,
                "requirements": len(item.requirements),
                "requirements evidenced": len(item.covered),
                "mappings inferred": len(item.inferred),
                "controls": len(item.controls),
                "with evidence": len(item.with_evidence),
                "pass": item.totals.get("pass", 0),
                "fail": item.totals.get("fail", 0),
                "excepted": item.totals.get("excepted", 0),
                "not readable": item.totals.get("error", 0),
                "share passing": _Percent(item.share_passing),
                "open exceptions and findings": item.open_exceptions,
                "of which excepted": item.open_excepted,
            }
            for item in report.criteria
        ],
    )
    section(
        summary,
        "Controls",
        CONTROL_COLUMNS,
        [
            {
                "control": item.control.id,
                "title": item.control.title,
                "tsc": " ".join(item.control.tsc),
                "cadence": item.control.frequency,
                "expected": len(item.schedule),
                "with evidence": len(item.schedule) - len(item.no_evidence),
                "ran": len(item.ran),
                "observed": len(item.population),
                "in scope": len(item.in_scope),
                "pass": item.totals["pass"],
                "fail": item.totals["fail"],
                "excepted": item.totals["excepted"],
                "not readable": item.totals["error"],
                "share passing": _Percent(item.share_passing),
                "exception windows": len(item.windows),
                "open": len(item.open_windows),
                "findings": len(item.findings),
            }
            for item in report.controls
        ],
    )
    table(book.create_sheet("Coverage"), tables.COVERAGE_COLUMNS, tables.coverage_rows(coverage))
    table(book.create_sheet("Manual evidence"), tables.MANUAL_COLUMNS, tables.manual_rows(coverage))
    table(book.create_sheet("Scopes"), tables.SCOPE_COLUMNS, tables.scope_rows(report))

    names: set[str] = {"Summary", "Coverage", "Manual evidence", "Scopes"}
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
                    "policy template example value, not confirmed" if entry["template_example"] else "",
                ]
            )
        sheet.append(["SOC 2", " ".join(item.control.tsc)])
        sheet.append(["expected cadence", item.control.frequency])
        sheet.append(["with evidence", len(item.schedule) - len(item.no_evidence), "of", len(item.schedule)])
        sheet.append(["ran", len(item.ran), "of", len(report.runs), "runs"])
        sheet.append([])
        section(sheet, "No evidence", tables.NO_EVIDENCE_STRETCH_COLUMNS, tables.no_evidence_stretches(item))
        section(
            sheet, "Results per run (runs in a row with the same counts: one line)",
            tables.RUN_STRETCH_COLUMNS, tables.run_stretches(item),
        )  # fmt: skip
        name = f"controls/{item.control.id}"
        windows = tables.window_rows(item)
        section(sheet, "Exception windows", tables.WINDOW_COLUMNS, windows, f"{name}.exceptions.csv")
        if item.is_event:
            findings = tables.finding_rows(item)
            section(sheet, "Findings", tables.FINDING_COLUMNS, findings, f"{name}.findings.csv")
        section(sheet, "Gaps (collection failed)", tables.GAP_COLUMNS, tables.gap_rows(item))
        # a year's results (100,000 rows) are linked: counted, not made
        copied = sample is not None or len(item.results) <= SHEET_ROWS
        results = tables.result_rows(item, report, sample) if copied else []
        count = None if copied else len(item.results)
        section(sheet, "Results", tables.RESULT_COLUMNS, results, f"{name}.csv", count)
        population = book.create_sheet(_sheet_name(f"{item.control.id[:20]} population", names))
        columns: tuple[str, ...] = tables.POPULATION_COLUMNS
        if not item.is_event:  # a state has no event time: two empty columns fewer to write
            columns = tuple(name for name in columns if name not in ("event_at", "closed_at"))
        if len(item.population) > SHEET_ROWS:
            population.append(_linked(population, len(item.population), f"{name}.population.csv"))
        else:
            table(population, columns, tables.population_rows(item))
    buffer = io.BytesIO()
    book.save(buffer)
    return _fixed_times(buffer.getvalue(), book, report.generated_at)


def _linked(sheet: Any, count: int, path: str) -> list[Any]:
    """In place of a table too long to copy: its size and a link to its CSV file."""
    from openpyxl.cell import WriteOnlyCell

    link = WriteOnlyCell(sheet, value=path)
    link.hyperlink = path  # relative: beside workbook.xlsx in the unpacked package
    return [f"{count} rows, more than a sheet here holds ({SHEET_ROWS}): the same rows are in", link]


def _fixed_times(xlsx: bytes, book: Any, stamp: datetime) -> bytes:
    """The workbook with its zip entries and its "modified" property dated `stamp`
    (openpyxl dates both when it saves), so that the same report gives the same bytes."""
    import zipfile

    from openpyxl.xml.functions import tostring

    book.properties.modified = stamp.astimezone(UTC).replace(tzinfo=None)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == "docProps/core.xml":
                body = tostring(book.properties.to_tree())
            entry = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, body, compresslevel=6)
    return out.getvalue()


CRITERIA_COLUMNS = (
    "criterion",
    "requirements",
    "requirements evidenced",
    "mappings inferred",
    "controls",
    "with evidence",
    "pass",
    "fail",
    "excepted",
    "not readable",
    "share passing",
    "open exceptions and findings",
    "of which excepted",
)
CONTROL_COLUMNS = (
    "control",
    "title",
    "tsc",
    "cadence",
    "expected",
    "with evidence",
    "ran",
    "observed",
    "in scope",
    "pass",
    "fail",
    "excepted",
    "not readable",
    "share passing",
    "exception windows",
    "open",
    "findings",
)


class _Percent(float):
    """A share, kept as a number and shown as a percentage."""

    def __new__(cls, value: float | None) -> Any:
        return None if value is None else super().__new__(cls, value)


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
    if isinstance(value, _Percent):
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(sheet, value=float(value))
        cell.number_format = "0.0%"
        return cell
    if value is None or isinstance(value, int | float | bool):
        return value
    text = _ILLEGAL.sub("", str(value))
    if not text.startswith("="):
        return text
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"
    return cell
