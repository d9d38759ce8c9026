"""Regional monitoring switches: GuardDuty (threat detection), AWS Config (configuration
recording) and Security Hub (posture against security standards).

Each is one observation per region, with a stable id for the region's setting, so
the same resource is followed over the audit period whether the service is on or
off (a detector's own id changes when it is recreated).
"""

from __future__ import annotations

from typing import Any

from evidra.collectors.aws.registry import Context, resource
from evidra.model import Observation


@resource("guardduty.detector", service="guardduty", types=("monitoring.threat_detection",))
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


@resource("config.recorder", service="config", types=("monitoring.config_recorder",))
def read_config_recorders(ctx: Context) -> list[Observation]:
    recorders, describe = ctx.call(
        "config", "DescribeConfigurationRecorders", expect="ConfigurationRecorders"
    )
    statuses, status_call = ctx.call(
        "config", "DescribeConfigurationRecorderStatus", expect="ConfigurationRecordersStatus"
    )
    recording = {s["name"] for s in statuses["ConfigurationRecordersStatus"] if s.get("recording")}
    active = [r for r in recorders["ConfigurationRecorders"] if r.get("name") in recording]
    groups = [r.get("recordingGroup", {}) for r in active]
    return [
        ctx.observe(
            "monitoring.config_recorder",
            ctx.arn("config", "configuration-recorder", region=ctx.region),
            name=f"AWS Config recorder ({ctx.region})",
            attributes={
                "recording": bool(active),
                "all_resources": any(g.get("allSupported") for g in groups),
                "global_resources": any(g.get("includeGlobalResourceTypes") for g in groups),
                "region": ctx.region,
            },
            raw={
                "DescribeConfigurationRecorders": recorders,
                # Without the clocks (lastStartTime ...), which move on every recording.
                "DescribeConfigurationRecorderStatus": {
                    "ConfigurationRecordersStatus": [
                        {k: v for k, v in s.items() if not k.endswith("Time")}
                        for s in statuses["ConfigurationRecordersStatus"]
                    ]
                },
            },
            calls=[describe, status_call],
        )
    ]


@resource("securityhub.hub", service="securityhub", types=("monitoring.security_posture",))
def read_security_hub(ctx: Context) -> list[Observation]:
    # Not subscribed: AWS answers InvalidAccessException.
    hub, call = ctx.optional(
        "securityhub", "DescribeHub", absent=("InvalidAccessException",), expect="HubArn"
    )
    return [
        ctx.observe(
            "monitoring.security_posture",
            ctx.arn("securityhub", "hub/default", region=ctx.region),
            name=f"Security Hub ({ctx.region})",
            attributes={"service": "securityhub", "enabled": hub is not None, "region": ctx.region},
            raw={"DescribeHub": hub},
            calls=[call],
        )
    ]
