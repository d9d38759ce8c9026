"""index.html: the report an auditor opens first. One self-contained file (inline CSS,
charts as inline SVG, no script, no external URL), so it works offline and from inside
the zip. Long tables show their first rows; the CSV beside each is complete."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from evidra import __version__
from evidra.model import iso
from evidra.reports import tables
from evidra.reports.coverage import NOT_COVERED, CoverageRow
from evidra.reports.period import ControlPeriod, PeriodReport
from evidra.reports.sampling import METHOD, Sample

MAX_ROWS = 200
_WIDTH, _HEIGHT, _PAD = 720, 170, 34

_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:2px solid #ddd}h3{margin-bottom:.3em}
table{border-collapse:collapse;margin:.5em 0 1em;font-size:13px;display:block;overflow-x:auto}
th,td{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#f3f3f3}.num{text-align:right}.muted{color:#666}
.pass{color:#17692f}.fail{color:#b00020}.excepted{color:#8a5a00}.error{color:#6a1b9a}
section.control{border-top:1px solid #eee;margin-top:2em}
svg.chart{background:#fafafa;border:1px solid #ddd}
code{background:#f3f3f3;padding:0 3px}
"""


def render(
    report: PeriodReport,
    coverage: list[CoverageRow],
    sample: Sample | None,
    fingerprint: str,
) -> bytes:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>SOC 2 evidence {escape(str(report.period))}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>SOC 2 evidence for {escape(str(report.period))}</h1>",
        _intro(report, sample, fingerprint),
        _criteria(report),
        _controls_index(report),
    ]
    parts.extend(_control(item, report, sample) for item in report.controls)
    parts += [_coverage(coverage), "</body></html>"]
    return "\n".join(parts).encode()


def _intro(report: PeriodReport, sample: Sample | None, fingerprint: str) -> str:
    runs = report.runs
    span = f"runs {runs[0].seq} to {runs[-1].seq}" if runs else "no runs"
    sampling = (
        f"<p><b>Sample:</b> {sample.size} run(s) per control, seed {sample.seed}. {escape(METHOD)}</p>"
        if sample
        else "<p>Results cover the full population of every run in the period (no sampling).</p>"
    )
    return (
        f"<p>{len(runs)} run(s) in the period ({escape(span)}). "
        f"Generated {escape(iso(report.generated_at) or '')}"
        f" by evidra {escape(__version__)}. The package is signed with the Ed25519 key "
        f"<code>{escape(fingerprint)}</code>; README.txt says how to verify it without evidra. "
        'The <a href="#coverage">coverage of the policies</a> follows the controls.</p>' + sampling
    )


def _criteria(report: PeriodReport) -> str:
    rows = [
        [
            item.criterion,
            f"{len(item.with_evidence)} of {len(item.controls)}",
            tables.percent(item.effectiveness),
            f"{item.open_exceptions} ({item.open_excepted} excepted)",
        ]
        for item in report.criteria
    ]
    return "<h2>Summary per SOC 2 criterion</h2>" + _table(
        ["criterion", "controls with automated evidence", "operating effectiveness", "open exceptions"],
        rows,
        numeric={2},
    )


def _controls_index(report: PeriodReport) -> str:
    rows = [
        [
            f'<a href="#{escape(item.control.id)}">{escape(item.control.id)}</a>',
            escape(item.control.title),
            escape(" ".join(item.control.tsc)),
            f"{len(item.ran)} / {len(report.runs)}",
            str(len(item.population)),
            tables.percent(item.effectiveness),
            str(len(item.windows)),
            str(len(item.gaps)),
        ]
        for item in report.controls
    ]
    return "<h2>Controls</h2>" + _table(
        ["control", "what it checks", "SOC 2", "ran", "population", "passing", "exception windows", "gaps"],
        rows,
        numeric={3, 4, 5, 6, 7},
        escaped=True,
    )


def _coverage(coverage: list[CoverageRow]) -> str:
    counts: dict[str, int] = {}
    for row in coverage:
        counts[row.status] = counts.get(row.status, 0) + 1
    tally = ", ".join(f"{count} {status}" for status, count in sorted(counts.items()))
    rows = [
        [
            row["requirement"],
            row["title"],
            f"{row['policy']} {row['section']}",
            row["tsc"],
            row["status"],
            row["controls"] or row["manual_evidence"],
        ]
        for row in tables.coverage_rows(coverage)
    ]
    return (
        f'<h2 id="coverage">Coverage of the policies</h2><p>{len(coverage)} requirements: {escape(tally)}. '
        f"A requirement is <i>{NOT_COVERED}</i> when no control that ran in the period evidences it and no "
        "manual evidence was added for the period (<code>evidra evidence add</code>).</p>"
        + _table(
            ["requirement", "title", "policy section", "SOC 2", "evidenced by", "what"], rows, limit=None
        )
    )


def _control(item: ControlPeriod, report: PeriodReport, sample: Sample | None) -> str:
    control = item.control
    key = escape(control.id)
    requirements = "".join(
        f"<li><b>{escape(r.id)}</b>: {escape(r.title)} ({escape(r.source_doc)} {escape(r.source_section)})"
        f"<br><span class=muted>{escape(r.text)}</span></li>"
        for r in item.requirements
    )
    parameters = (
        "".join(
            f"<li><code>{escape(p['name'])}</code> = <b>{escape(str(p['value']))}</b>"
            f" (runs {p['from_seq']} to {p['to_seq']})</li>"
            for p in item.parameters
        )
        or "<li>none</li>"
    )
    chosen = tables.sampled_runs(item, sample)
    sampled = f"<p>Sampled runs: {escape(', '.join(map(str, chosen)))}</p>" if chosen is not None else ""
    files = " ".join(
        f'<a href="controls/{key}{suffix}">{escape(label)}</a>'
        for suffix, label in (
            (".csv", "results.csv"),
            (".population.csv", "population.csv"),
            (".exceptions.csv", "exceptions.csv"),
            (".json", "all as JSON"),
        )
    )
    return "\n".join(
        [
            f'<section class="control" id="{key}"><h2>{key}: {escape(control.title)}</h2>',
            f"<p>{escape(control.description)}</p>",
            f"<p><b>Evidences</b></p><ul>{requirements}</ul>",
            f"<p><b>Parameters in force</b></p><ul>{parameters}</ul>",
            f"<p><b>SOC 2:</b> {escape(', '.join(control.tsc))}. <b>Resource types:</b> "
            f"{escape(', '.join(control.resource_types))}. <b>Runs:</b> {control.frequency}; ran in "
            f"{len(item.ran)} of the period's {len(report.runs)} run(s). <b>Population:</b> "
            f"{len(item.population)} resource(s). <b>Passing over the period:</b> "
            f"{tables.percent(item.effectiveness)}.</p>",
            f"<p>Files: {files}</p>",
            sampled,
            "<h3>Results over time (share passing per run)</h3>",
            chart(item),
            "<h3>Exception windows</h3>",
            _rows_table(tables.WINDOW_COLUMNS, tables.window_rows(item), "no failure in the period"),
            "<h3>Gaps: runs in which collection failed</h3>",
            _rows_table(tables.GAP_COLUMNS, tables.gap_rows(item), "none"),
            "<h3>Population</h3>",
            _rows_table(tables.POPULATION_COLUMNS, tables.population_rows(item), "no resource in scope"),
            "</section>",
        ]
    )


def chart(item: ControlPeriod) -> str:
    """Share passing per run as a line, runs with gaps as marks under it."""
    points = item.points
    title = f"{item.control.id}: share of resources passing in each run"
    plot_w, plot_h = _WIDTH - 2 * _PAD, _HEIGHT - 2 * _PAD
    step = plot_w / max(len(points) - 1, 1)

    def x(position: int) -> float:
        return _PAD + position * step

    def y(share: float) -> float:
        return _PAD + (1 - share) * plot_h

    line = " ".join(
        f"{x(i):.1f},{y(p.share_passing):.1f}" for i, p in enumerate(points) if p.share_passing is not None
    )
    gaps = "".join(
        f'<line class="gap" x1="{x(i):.1f}" x2="{x(i):.1f}" '
        f'y1="{_HEIGHT - _PAD + 4}" y2="{_HEIGHT - _PAD + 10}" stroke="#6a1b9a"/>'
        for i, p in enumerate(points)
        if p.counts["error"]
    )
    marks = (
        "".join(
            f'<circle cx="{x(i):.1f}" cy="{y(p.share_passing):.1f}" r="2" fill="#17692f"/>'
            for i, p in enumerate(points)
            if p.share_passing is not None
        )
        if len(points) <= 60
        else ""
    )
    grid = "".join(
        f'<line x1="{_PAD}" x2="{_WIDTH - _PAD}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#ddd"/>'
        f'<text x="2" y="{y(v) + 4:.1f}" font-size="10">{int(v * 100)}%</text>'
        for v in (0.0, 0.5, 1.0)
    )
    labels = (
        f'<text x="{_PAD}" y="{_HEIGHT - 6}" font-size="10">{escape(iso(points[0].at) or "")}</text>'
        f'<text x="{_WIDTH - _PAD}" y="{_HEIGHT - 6}" font-size="10" text-anchor="end">'
        f"{escape(iso(points[-1].at) or '')}</text>"
        if points
        else f'<text x="{_PAD}" y="{_HEIGHT / 2}" font-size="12">no run in the period</text>'
    )
    polyline = f'<polyline fill="none" stroke="#17692f" stroke-width="1.5" points="{line}"/>' if line else ""
    return (
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{_HEIGHT}" '
        f'viewBox="0 0 {_WIDTH} {_HEIGHT}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>"
        f"{grid}{polyline}{marks}{gaps}{labels}</svg>"
    )


def _rows_table(columns: Sequence[str], rows: list[dict[str, Any]], empty: str) -> str:
    if not rows:
        return f"<p class=muted>{escape(empty)}</p>"
    body = [["" if row.get(name) is None else str(row[name]) for name in columns] for row in rows]
    return _table(list(columns), body)


def _table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    numeric: set[int] | None = None,
    limit: int | None = MAX_ROWS,
    escaped: bool = False,
) -> str:
    numeric = numeric or set()
    shown = rows if limit is None else rows[:limit]
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    lines = []
    for row in shown:
        cells = []
        for index, value in enumerate(row):
            text = value if escaped else escape(value)
            css = ' class="num"' if index in numeric else (f' class="{text}"' if text in _STATUS else "")
            cells.append(f"<td{css}>{text}</td>")
        lines.append("<tr>" + "".join(cells) + "</tr>")
    more = (
        f"<p class=muted>{len(rows) - len(shown)} more row(s) in the CSV file.</p>"
        if len(rows) > len(shown)
        else ""
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(lines)}</tbody></table>{more}"


_STATUS = {"pass", "fail", "excepted", "error", "open", "remediated"}
