"""Security Hub: posture against security standards, one observation per region with a
stable id, followed over the audit period whether the hub is on or off."""

from __future__ import annotations

from evidra.collectors.aws.registry import READERS, REGIONAL, Context
from evidra.model import Observation


@READERS.reader(
    "securityhub.hub", service="securityhub", types=("monitoring.security_posture",), plane=REGIONAL
)
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
