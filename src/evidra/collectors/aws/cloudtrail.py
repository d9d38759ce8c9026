"""CloudTrail: the trails homed in each region, and whether any trail covers every region.

A multi-region trail is listed only in its home region (includeShadowTrails=False),
so each trail is observed once. Coverage is an account-wide question, answered by a
global reader from one region's view, which does include the other regions'
multi-region trails: it stays right when the configured regions leave out the
trail's home region.
"""

from __future__ import annotations

from typing import Any

from evidra.collectors.aws.registry import GLOBAL, READERS, REGIONAL, Context
from evidra.model import Observation


@READERS.reader("cloudtrail.trail", service="cloudtrail", types=("logging.audit_trail",), plane=REGIONAL)
def read_trails(ctx: Context) -> list[Observation]:
    answer, describe = ctx.call("cloudtrail", "DescribeTrails", expect="trailList", includeShadowTrails=False)
    observations = []
    for trail in answer["trailList"]:
        status, status_call = ctx.call(
            "cloudtrail", "GetTrailStatus", expect="IsLogging", Name=trail["TrailARN"]
        )
        kms_key = trail.get("KmsKeyId")
        observations.append(
            ctx.observe(
                "logging.audit_trail",
                trail["TrailARN"],
                name=trail["Name"],
                attributes={
                    "logging": bool(status["IsLogging"]),
                    "multi_region": bool(trail.get("IsMultiRegionTrail")),
                    "log_file_validation": bool(trail.get("LogFileValidationEnabled")),
                    "encrypted_with_customer_key": bool(kms_key),
                    "kms_key": kms_key,
                    "home_region": trail.get("HomeRegion", ctx.region),
                },
                raw={"DescribeTrails": trail, "GetTrailStatus": stable_status(status)},
                calls=[describe, status_call],
            )
        )
    return observations


@READERS.reader("cloudtrail.coverage", service="cloudtrail", types=("account",), plane=GLOBAL)
def read_coverage(ctx: Context) -> list[Observation]:
    answer, describe = ctx.call("cloudtrail", "DescribeTrails", expect="trailList", includeShadowTrails=True)
    calls = [describe]
    statuses: dict[str, Any] = {}
    for trail in answer["trailList"]:
        if not trail.get("IsMultiRegionTrail"):
            continue
        # An ARN, not a name: that is how another region's trail is asked about.
        status, call = ctx.call("cloudtrail", "GetTrailStatus", expect="IsLogging", Name=trail["TrailARN"])
        calls.append(call)
        statuses[trail["TrailARN"]] = stable_status(status)
    return [
        ctx.observe(
            "account",
            ctx.account_arn(),
            name=ctx.account,
            attributes={"audit_trail_multi_region": any(s.get("IsLogging") for s in statuses.values())},
            raw={"DescribeTrails": answer, "GetTrailStatus": statuses},
            calls=calls,
        )
    ]


def stable_status(status: dict[str, Any] | None) -> dict[str, Any]:
    """GetTrailStatus without its delivery clocks (Latest*Time ...), which move on
    every delivery and would make a new evidence snapshot on every run; the errors
    and the logging switch stay."""
    return {k: v for k, v in (status or {}).items() if not k.startswith("Latest") or "Error" in k}
