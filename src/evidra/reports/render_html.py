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
.banner{background:#fff3cd;border:1px solid #c99a00;padding:.4em .8em;font-weight:bold}
.flag{background:#fff3cd}
section.control{border-top:1px solid #eee;margin-top:2em}
svg.chart{background:#fafafa;border:1px solid #ddd;max-width:100%;height:auto}
code{background:#f3f3f3;padding:0 3px}
.legend span{margin-right:1em}
@media print{
 @page{size:A4 landscape;margin:12mm}
 body{max-width:none;margin:0;padding:0;font-size:9pt}
 table{display:table;width:100%;table-layout:fixed;font-size:6.5pt;overflow:visible}
 th,td{overflow-wrap:anywhere;word-break:break-word;padding:1px 2px}
 section.control{break-before:page}
 .banner{position:fixed;top:0;right:0;font-size:8pt;padding:1px 4px}
 a{color:inherit;text-decoration:none}
}
"""
_COLOURS = (("pass", "#17692f"), ("excepted", "#c99a00"), ("fail", "#b00020"), ("error", "#6a1b9a"))
_LABELS = {"pass": "pass", "excepted": "excepted", "fail": "fail", "error": "not readable"}


def render(
    report: PeriodReport,
    coverage: list[CoverageRow],
    sample: Sample | None,
    fingerprint: str,
    sections: Sequence[str] = (),
) -> bytes:
    """`sections`: further HTML sections (already escaped), placed before the coverage."""
    banner = (
        '<p class="banner">Period in progress: the period ends after the newest stored run; '
        "this is the evidence so far, not the period's final evidence.</p>"
        if report.in_progress
        else ""
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>SOC 2 evidence {escape(str(report.period))}"
        f"{' (period in progress)' if report.in_progress else ''}</title>",
        f"<style>{_CSS}</style></head><body>",
        banner,
        f"<h1>SOC 2 evidence for {escape(str(report.period))}</h1>",
        _intro(report, sample, fingerprint),
        _criteria(report),
        _template_parameters(report),
        _controls_index(report),
    ]
    parts.extend(_control(item, report, sample) for item in report.controls)
    parts.extend(sections)
    parts += [_coverage(coverage), _scopes(report), "</body></html>"]
    return "\n".join(parts).encode()


def _intro(report: PeriodReport, sample: Sample | None, fingerprint: str) -> str:
    runs = report.runs
    span = f"runs {runs[0].seq} to {runs[-1].seq}" if runs else "no runs"
    sampling = (
        f"<p><b>Sample:</b> {sample.size} run(s) per control, seed {sample.seed}. {escape(METHOD)}</p>"
        if sample
        else "<p>Results cover the full population of every run in the period (no sampling). "
        "To draw your own sample: <code>evidra sample --population controls/ID.population.csv "
        "--size N --seed S</code> (README.txt shows the same draw without evidra).</p>"
    )
    policy = report.policy
    policy_line = (
        "<p><b>Policy set:</b> "
        + escape(
            ", ".join(
                f"{label} {policy[key]}"
                for key, label in (("version", "version"), ("owner", "owner"), ("approved_at", "approved"))
                if policy.get(key)
            )
        )
        + "</p>"
        if policy
        else '<p class="muted">Policy set: version, owner and approval date not given '
        "(config <code>policy: {version, owner, approved_at}</code>).</p>"
    )
    return (
        f"<p>{len(runs)} run(s) in the period ({escape(span)}). "
        f"Generated {escape(iso(report.generated_at) or '')}"
        f" by evidra {escape(__version__)}. The package is signed with the Ed25519 key "
        f"<code>{escape(fingerprint)}</code>; README.txt says how to verify it without evidra. "
        'The <a href="#coverage">coverage of the policies</a> follows the controls.</p>'
        + policy_line
        + "<p>Counts are resource-days (each day's last run; events: each event once). "
        "Whether controls operated effectively is the auditor's conclusion; this package gives "
        "the counts, the gaps and the population to reach it.</p>" + sampling
    )


def _criteria(report: PeriodReport) -> str:
    rows = []
    for item in report.criteria:
        totals = item.totals
        rows.append(
            [
                escape(item.criterion),
                f"{len(item.covered)} of {len(item.requirements)}"
                + (f" ({len(item.inferred)} mapping(s) inferred)" if item.inferred else ""),
                f"{len(item.with_evidence)} of {len(item.controls)}",
                str(totals.get("pass", 0)),
                str(totals.get("fail", 0)),
                str(totals.get("excepted", 0)),
                str(totals.get("error", 0)),
                tables.percent(item.share_passing),
                f"{item.open_exceptions} ({item.open_excepted} excepted)",
            ]
        )
    return (
        "<h2>Summary per SOC 2 criterion</h2><p>Every criterion the policy set maps, with or "
        "without automated evidence. A mapping marked inferred is the extractor's, not stated "
        "in the policy.</p>"
        + _table(
            [
                "criterion",
                "requirements evidenced",
                "controls with automated evidence",
                "pass",
                "fail",
                "excepted",
                "not readable",
                "share passing",
                "open exceptions and findings",
            ],
            rows,
            numeric={3, 4, 5, 6, 7},
            escaped=True,
            limit=None,
        )
    )


def _template_parameters(report: PeriodReport) -> str:
    flagged = sorted(
        {
            (p["name"], str(p["value"]))
            for item in report.controls
            for p in item.parameters
            if p["template_example"]
        }
    )
    if not flagged:
        return ""
    rows = [[name, value] for name, value in flagged]
    return (
        "<h2>Parameters still at the policy template's example value</h2><p class=flag>The policy "
        "template gives these only as examples to confirm or replace; the organisation has not "
        "set its own value (config <code>parameters:</code>).</p>"
        + _table(["parameter", "value in force"], rows, limit=None)
    )


def _controls_index(report: PeriodReport) -> str:
    rows = []
    for item in report.controls:
        totals = item.totals
        expected = len(item.schedule)
        rows.append(
            [
                f'<a href="#{escape(item.control.id)}">{escape(item.control.id)}</a>',
                escape(item.control.title),
                escape(" ".join(item.control.tsc)),
                escape(item.control.frequency),
                f"{expected - len(item.no_evidence)} of {expected}",
                f"{len(item.in_scope)} of {len(item.population)}",
                str(totals["pass"]),
                str(totals["fail"]),
                str(totals["excepted"]),
                str(totals["error"]),
                tables.percent(item.share_passing),
                str(len(item.windows) + len(item.findings)),
            ]
        )
    return "<h2>Controls</h2>" + _table(
        [
            "control",
            "what it checks",
            "SOC 2",
            "cadence",
            "days (weeks) with evidence",
            "in scope of observed",
            "pass",
            "fail",
            "excepted",
            "not readable",
            "share passing",
            "exception windows and findings",
        ],
        rows,
        numeric={4, 5, 6, 7, 8, 9, 10, 11},
        escaped=True,
        limit=None,
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
            " ".join(filter(None, [row["controls"], row["manual_evidence"]])),
            row["occurrences"],
            row["outside_the_period"],
        ]
        for row in tables.coverage_rows(coverage)
    ]
    return (
        f'<h2 id="coverage">Coverage of the policies</h2><p>{len(coverage)} requirements: {escape(tally)}. '
        f"A requirement is <i>{NOT_COVERED}</i> when no control that ran in the period evidences it and no "
        "manual evidence was added for the period (<code>evidra evidence add</code>). Requirements kept "
        "on a cadence (quarterly reviews ...) list each occurrence the period expects and the file that "
        "covers it, or <i>missing</i>. Manual evidence just outside the period is listed apart.</p>"
        + _table(
            [
                "requirement",
                "title",
                "policy section",
                "SOC 2",
                "evidenced by",
                "what",
                "occurrences",
                "outside the period",
            ],
            rows,
            limit=None,
        )
    )


def _scopes(report: PeriodReport) -> str:
    failed = [row for row in tables.scope_rows(report) if row["status"] == "failed"]
    read = {(row.provider, row.scope) for row in report.scopes}
    return (
        f"<h2>Scopes read</h2><p>{len(read)} scope(s) (accounts, regions, subscriptions, projects, "
        f"organisations) across the period's runs; every read is in runs/scopes.csv. "
        f"{len(failed)} failed read(s):</p>" + _rows_table(tables.SCOPE_COLUMNS, failed, "none")
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
            f"<li{' class=flag' if p['template_example'] else ''}><code>{escape(p['name'])}</code> = "
            f"<b>{escape(str(p['value']))}</b> (runs {p['from_seq']} to {p['to_seq']})"
            f"{' (the policy template example value, not confirmed)' if p['template_example'] else ''}</li>"
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
            (".schedule.csv", "schedule.csv"),
            (".exceptions.csv", "exceptions.csv"),
            (".findings.csv", "findings.csv"),
            (".json", "all as JSON"),
        )
    )
    expected = len(item.schedule)
    unit = "week" if control.frequency == "weekly" else "day"
    counted = "events (each once)" if item.is_event else "resource-days"
    totals = item.totals
    out_of_scope = len(item.population) - len(item.in_scope)
    return "\n".join(
        [
            f'<section class="control" id="{key}"><h2>{key}: {escape(control.title)}</h2>',
            f"<p>{escape(control.description)}</p>",
            f"<p><b>Severity:</b> {escape(control.severity)}. <b>Remediation:</b> "
            f"{escape(control.remediation or 'none given')}</p>",
            f"<p><b>Evidences</b></p><ul>{requirements}</ul>",
            f"<p><b>Parameters in force</b></p><ul>{parameters}</ul>",
            f"<p><b>SOC 2:</b> {escape(', '.join(control.tsc))}. <b>Resource types:</b> "
            f"{escape(', '.join(control.resource_types))}. "
            f"<b>Expected cadence:</b> {escape(control.frequency)}; "
            f"evidence on {expected - len(item.no_evidence)} of the period's {expected} {unit}(s) "
            f"({len(item.ran)} of {len(report.runs)} run(s) ran it). <b>Population:</b> "
            f"{len(item.population)} observed, {len(item.in_scope)} in scope, {out_of_scope} out of scope. "
            f"<b>{escape(counted)}:</b> {totals['pass']} pass, {totals['fail']} fail, "
            f"{totals['excepted']} excepted, {totals['error']} not readable; share passing "
            f"{tables.percent(item.share_passing)}.</p>",
            f"<p>Files: {files}</p>",
            sampled,
            f"<h3>No evidence: {unit}s without a run or with only failed reads</h3>",
            _rows_table(tables.SCHEDULE_COLUMNS, tables.no_evidence_rows(item), f"evidence every {unit}"),
            "<h3>Results over time</h3>",
            chart(item),
            "<h3>Findings: one-time events that failed</h3>" if item.is_event else "",
            _rows_table(tables.FINDING_COLUMNS, tables.finding_rows(item), "none") if item.is_event else "",
            "<h3>Exception windows</h3>",
            _rows_table(tables.WINDOW_COLUMNS, tables.window_rows(item), "no failure in the period"),
            "<h3>Gaps: runs in which a scope could not be read</h3>",
            _rows_table(tables.GAP_COLUMNS, tables.gap_rows(item), "none"),
            "<h3>Population</h3>",
            _rows_table(
                tables.POPULATION_COLUMNS,
                tables.population_rows(item, MAX_ROWS),
                "no resource observed",
                len(item.population),
            ),
            "</section>",
        ]
    )


def chart(item: ControlPeriod) -> str:
    """Each run's results as stacked shares: pass, excepted, fail and not readable, each
    its own band (a read failure is never drawn as a failure); runs with a gap are also
    marked under the axis."""
    points = item.points
    title = f"{item.control.id}: share of results per run: pass, excepted, fail, not readable"
    plot_w, plot_h = _WIDTH - 2 * _PAD, _HEIGHT - 2 * _PAD
    step = plot_w / max(len(points) - 1, 1)

    def x(position: int) -> float:
        return _PAD + position * step

    def y(share: float) -> float:
        return _PAD + (1 - share) * plot_h

    bands = []
    below = [0.0] * len(points)
    for status, colour in _COLOURS:
        above = [
            b + (p.counts[status] / total if (total := sum(p.counts[s] for s, _ in _COLOURS)) else 0.0)
            for b, p in zip(below, points, strict=True)
        ]
        if any(a > b for a, b in zip(above, below, strict=True)):
            upper = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(above))
            lower = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in reversed(list(enumerate(below))))
            bands.append(
                f'<polygon class="band {status}" fill="{colour}" fill-opacity="0.75" '
                f'points="{upper} {lower}">'
                f"<title>{_LABELS[status]}</title></polygon>"
            )
        below = above
    gaps = "".join(
        f'<line class="gap" x1="{x(i):.1f}" x2="{x(i):.1f}" '
        f'y1="{_HEIGHT - _PAD + 4}" y2="{_HEIGHT - _PAD + 10}" stroke="#6a1b9a"/>'
        for i, p in enumerate(points)
        if p.counts["error"]
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
    legend = (
        '<p class="legend">'
        + "".join(
            f'<span style="color:{colour}">&#9632; {_LABELS[status]}</span>' for status, colour in _COLOURS
        )
        + "</p>"
    )
    return (
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{_HEIGHT}" '
        f'viewBox="0 0 {_WIDTH} {_HEIGHT}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>"
        f"{grid}{''.join(bands)}{gaps}{labels}</svg>{legend}"
    )


def _rows_table(
    columns: Sequence[str], rows: list[dict[str, Any]], empty: str, total: int | None = None
) -> str:
    """The first MAX_ROWS of `rows` (of `total`, when only those are given)."""
    if not rows:
        return f"<p class=muted>{escape(empty)}</p>"
    body = [["" if row.get(name) is None else str(row[name]) for name in columns] for row in rows[:MAX_ROWS]]
    return _table(list(columns), body, total=len(rows) if total is None else total)


def _table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    numeric: set[int] | None = None,
    limit: int | None = MAX_ROWS,
    escaped: bool = False,
    total: int | None = None,
) -> str:
    """`total`: how many rows there are, when `rows` holds only the first."""
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
    total = len(rows) if total is None else total
    more = (
        f"<p class=muted>{total - len(shown)} more row(s) in the CSV file.</p>" if total > len(shown) else ""
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(lines)}</tbody></table>{more}"


_STATUS = {"pass", "fail", "excepted", "error", "open", "remediated", "no"}
