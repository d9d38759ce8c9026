"""Which scannable resources a vulnerability scanner covered in the period, for the
auditor to sample (`vuln.scan.internal_monthly`):

    vulnerabilities/coverage.csv   every compute instance, container repository and
                                   function seen in the period's runs: whether a scanner
                                   covered it when last seen, the scanner's status, in how
                                   many of the period's runs it was seen and was uncovered

and a line per kind in index.html. Coverage is a state, judged as each run saw it; a
resource's row is its latest snapshot up to the period's last run.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from html import escape
from typing import Any, Protocol

from evidra.evidence_store.store import EvidenceStore
from evidra.reports import render_csv
from evidra.reports.period import PeriodReport
from evidra.reports.vulnerabilities import attributes_of

TYPE = "vuln.scan_coverage"
COLUMNS = (
    "kind",
    "covered",
    "scanner",
    "scan_status",
    "provider",
    "scope",
    "id",
    "name",
    "region",
    "runs_seen",
    "runs_uncovered",
    "last_run",
)


class Sink(Protocol):
    def add(self, name: str, data: bytes) -> None: ...


def write(sink: Sink, store: EvidenceStore, report: PeriodReport) -> str:
    rows = resources(store, report)
    sink.add("vulnerabilities/coverage.csv", render_csv.to_csv(COLUMNS, rows))
    return section(rows)


def resources(store: EvidenceStore, report: PeriodReport) -> list[dict[str, Any]]:
    if not report.runs:
        return []
    seqs = [run.seq for run in report.runs]
    first, last = seqs[0], seqs[-1]
    spans = store.spans.observations(first, last, [TYPE])
    bodies = attributes_of(store, {span.snapshot_hash for span in spans})
    rows: dict[tuple[str, str, str], dict[str, Any]] = {}
    for span in sorted(spans, key=lambda s: s.first_seq):
        attributes = bodies[span.snapshot_hash]
        end = min(span.last_seq, last)  # an open span's last_seq is the newest run's
        runs = bisect_right(seqs, end) - bisect_left(seqs, max(span.first_seq, first))
        key = (span.provider, span.scope, span.resource_id)
        row = rows.setdefault(key, {"runs_seen": 0, "runs_uncovered": 0})
        row["runs_seen"] += runs
        row["runs_uncovered"] += 0 if attributes.get("covered") else runs
        row.update(
            kind=attributes.get("kind"),
            covered="yes" if attributes.get("covered") else "no",
            scanner=attributes.get("scanner"),
            scan_status=attributes.get("scan_status"),
            provider=key[0],
            scope=key[1],
            id=key[2],
            name=span.name,
            region=attributes.get("region"),
            last_run=end,
        )
    return sorted(rows.values(), key=lambda r: (r["covered"], str(r["kind"]), r["id"]))


def section(rows: list[dict[str, Any]]) -> str:
    kinds = sorted({str(r["kind"]) for r in rows})
    lines = "".join(
        f"<tr><td>{escape(kind)}</td>"
        f'<td class="num">{sum(r["kind"] == kind for r in rows)}</td>'
        f'<td class="num">{sum(r["kind"] == kind and r["covered"] == "no" for r in rows)}</td>'
        f'<td class="num">{sum(r["kind"] == kind and r["runs_uncovered"] > 0 for r in rows)}</td></tr>'
        for kind in kinds
    )
    return (
        '<section id="scan-coverage"><h2>Vulnerability scan coverage</h2>'
        f"<p>{len(rows)} compute instance(s), container repositories and functions seen in the period; "
        "each, whether a scanner covered it and in how many runs it was not, is in "
        "<code>vulnerabilities/coverage.csv</code>.</p>"
        "<table><thead><tr><th>kind</th><th>resources</th><th>uncovered when last seen</th>"
        f"<th>uncovered at some time</th></tr></thead><tbody>{lines}</tbody></table></section>"
    )
