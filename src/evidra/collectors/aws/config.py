"""AWS Config: configuration recording, one observation per region with a stable id,
followed over the audit period whether recording is on or off."""

from __future__ import annotations

from evidra.collectors.aws.registry import READERS, REGIONAL, Context
from evidra.model import Observation


@READERS.reader("config.recorder", service="config", types=("monitoring.config_recorder",), plane=REGIONAL)
def read_config_recorders(ctx: Context) -> list[Observation]:
    recorders, describe = ctx.call(
        "config", "DescribeConfigurationRecorders", expect="ConfigurationRecorders"
    )
    statuses, status_call = ctx.call(
        "config", "DescribeConfigurationRecorderStatus", expect="ConfigurationRecordersStatus"
    )
    recording = {s["name"] for s in statuses["ConfigurationRecordersStatus"] if s.get("recording")}
    # A service-linked recorder (with a servicePrincipal) records for another AWS service,
    # not for the customer: only the customer's own recorder is evidence of recording.
    active = [
        r
        for r in recorders["ConfigurationRecorders"]
        if r.get("name") in recording and not r.get("servicePrincipal")
    ]
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
