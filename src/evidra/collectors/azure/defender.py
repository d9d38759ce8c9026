"""Microsoft Defender for Cloud plans (monitoring.threat_detection), one per subscription.

Defender's threat detection comes in plans per resource kind (servers, storage, SQL,
Key Vault, Resource Manager ...), each `Free` or `Standard`. Threat detection is on when
some detection plan is on the Standard tier; `features` lists those plans.
`CloudPosture` (posture management, not detection) does not count. A subscription not
registered for Microsoft.Security (409 MissingSubscriptionRegistration) has no plan on.
"""

from __future__ import annotations

from evidra.collectors.azure.context import ARM, READERS, Arm, AzureCallFailed
from evidra.collectors.azure.pipeline import UNREGISTERED
from evidra.model import Observation

NOT_DETECTION = frozenset({"CloudPosture"})


@READERS.reader("azure.defender", types=("monitoring.threat_detection",), plane=ARM)
def read_defender(arm: Arm) -> list[Observation]:
    scope = f"subscriptions/{arm.subscription_id}"
    try:
        answer, call = arm.get("security", "pricings.list", lambda c: c.pricings.list(scope), scopeId=scope)
    except AzureCallFailed as failed:
        if failed.code != UNREGISTERED:
            raise
        answer, call = {}, arm.call("security", "pricings.list", scopeId=scope)
    plans = (answer or {}).get("value") or []
    standard = sorted(
        p["name"]
        for p in plans
        if (p.get("properties") or {}).get("pricingTier") == "Standard" and p["name"] not in NOT_DETECTION
    )
    return [
        arm.observe(
            "monitoring.threat_detection",
            f"/subscriptions/{arm.subscription_id}/providers/Microsoft.Security/pricings",
            name=f"Defender for Cloud ({arm.subscription_id})",
            attributes={
                "service": "defender-for-cloud",
                "enabled": bool(standard),
                "features": standard,
                "region": "global",
            },
            raw={"pricings": [_stable(p) for p in plans]},
            calls=[call],
        )
    ]


def _stable(plan: dict[str, object]) -> dict[str, object]:
    # The free trial's countdown changes daily; the tier and plan are the evidence.
    props = {k: v for k, v in dict(plan.get("properties") or {}).items() if k != "freeTrialRemainingTime"}  # type: ignore[call-overload]
    return {**plan, "properties": props}
