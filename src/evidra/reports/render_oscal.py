"""oscal/assessment-results.json: the period as one OSCAL assessment result (OSCAL
1.1.2), for GRC tools that read OSCAL. One observation per control (the automated
test, its population and results over the period, citing the control's files in the
package) and one finding per control against the control as the objective:
`satisfied` when nothing failed in the period's last run that ran it, else
`not-satisfied`. Reviewed controls are the SOC 2 criteria, lower-case as OSCAL
catalogs write them (`cc6.1`). UUIDs are version 5, derived from the package's
period and contents, so the same evidence gives the same document.
"""

from __future__ import annotations

import uuid
from typing import Any

from evidra import __version__
from evidra.model import iso
from evidra.reports import tables
from evidra.reports.period import ControlPeriod, PeriodReport

OSCAL_VERSION = "1.1.2"
_NAMESPACE = uuid.UUID("5c0f3b7e-3a43-5a26-9d0b-6576696472a1")


def _uuid(*parts: object) -> str:
    return str(uuid.uuid5(_NAMESPACE, "/".join(str(part) for part in parts)))


def _satisfied(item: ControlPeriod) -> bool:
    last = next((point for point in reversed(item.points) if point.seq in item.ran), None)
    return last is not None and last.counts["fail"] == 0 and last.judged > 0


def render(report: PeriodReport) -> dict[str, Any]:
    period = str(report.period)
    start = iso(report.period.start_at)
    end = iso(report.period.end_at)
    head = report.runs[-1].digest if report.runs else "none"
    observations = []
    findings = []
    for item in report.controls:
        observation_uuid = _uuid(period, head, "observation", item.control.id)
        totals = item.totals
        observations.append(
            {
                "uuid": observation_uuid,
                "title": f"{item.control.id}: {item.control.title}",
                "description": (
                    f"{item.control.description or item.control.title} Ran in {len(item.ran)} of "
                    f"{len(report.runs)} runs; population {len(item.population)}; results over the period: "
                    f"{totals['pass']} pass, {totals['fail']} fail, {totals['excepted']} excepted, "
                    f"{totals['error']} error; {len(item.windows)} exception window(s), "
                    f"{len(item.open_windows)} open at the end of the period."
                ),
                "props": [
                    {"name": "control-id", "ns": "https://evidra.dev/ns/oscal", "value": item.control.id},
                    {
                        "name": "share-of-resource-days-passing",
                        "ns": "https://evidra.dev/ns/oscal",
                        "value": tables.percent(item.share_passing),
                    },
                ],
                "methods": ["TEST"],
                "types": ["control-objective"],
                "collected": iso(report.runs[-1].finished_at) if report.runs else start,
                "relevant-evidence": [
                    {
                        "href": f"../controls/{item.control.id}.json",
                        "description": "results, population, exceptions",
                    },
                    {"href": f"../controls/{item.control.id}.csv", "description": "results as CSV"},
                ],
            }
        )
        state = "satisfied" if _satisfied(item) else "not-satisfied"
        findings.append(
            {
                "uuid": _uuid(period, head, "finding", item.control.id),
                "title": item.control.title,
                "description": (
                    f"{item.control.id} evidences {', '.join(item.control.requirements)} "
                    f"({', '.join(item.control.tsc)}); {state} at the end of the period."
                ),
                "target": {
                    "type": "objective-id",
                    "target-id": item.control.id,
                    "status": {"state": state},
                },
                "related-observations": [{"observation-uuid": observation_uuid}],
            }
        )
    criteria = sorted({criterion.lower() for item in report.controls for criterion in item.control.tsc})
    result: dict[str, Any] = {
        "uuid": _uuid(period, head, "result"),
        "title": f"Automated evidence for {period}",
        "description": f"{len(report.runs)} evidra run(s) started between {start} and {end}.",
        "start": start,
        "end": end,
        "reviewed-controls": {
            "control-selections": [
                {"include-controls": [{"control-id": criterion} for criterion in criteria]}
                if criteria
                else {"include-all": {}}
            ]
        },
    }
    if observations:
        result["observations"] = observations
        result["findings"] = findings
    return {
        "assessment-results": {
            "uuid": _uuid(period, head, "assessment-results"),
            "metadata": {
                "title": f"SOC 2 evidence for {period}",
                "last-modified": iso(report.generated_at),
                "version": __version__,
                "oscal-version": OSCAL_VERSION,
            },
            "import-ap": {"href": "../index.html"},
            "results": [result],
        }
    }
