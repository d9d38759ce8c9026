"""GuardDuty: threat detection, one observation per region (a detector's own id changes
when it is recreated, so the id is the region's setting, followed whether on or off)."""

from __future__ import annotations

from typing import Any

from evidra.collectors.aws.registry import READERS, REGIONAL, Context
from evidra.model import Observation


@READERS.reader(
    "guardduty.detector", service="guardduty", types=("monitoring.threat_detection",), plane=REGIONAL
)
def read_guardduty(ctx: Context) -> list[Observation]:
    ids, list_call = ctx.items("guardduty", "ListDetectors", "DetectorIds")
    calls = [list_call]
    raw: dict[str, Any] = {"ListDetectors": {"DetectorIds": ids}}
    detectors = {}
    for detector_id in ids:  # at most one per region and account
        answer, call = ctx.call("guardduty", "GetDetector", expect="Status", DetectorId=detector_id)
        calls.append(call)
        detectors[detector_id] = {k: v for k, v in answer.items() if k != "UpdatedAt"}
    if detectors:
        raw["GetDetector"] = detectors
    enabled = [d for d in detectors.values() if d.get("Status") == "ENABLED"]
    features = sorted(
        {f["Name"] for d in enabled for f in d.get("Features", []) if f.get("Status") == "ENABLED"}
    )
    return [
        ctx.observe(
            "monitoring.threat_detection",
            ctx.arn("guardduty", "threat-detection", region=ctx.region),
            name=f"GuardDuty ({ctx.region})",
            attributes={
                "service": "guardduty",
                "enabled": bool(enabled),
                "features": features,
                "region": ctx.region,
            },
            raw=raw,
            calls=calls,
        )
    ]
