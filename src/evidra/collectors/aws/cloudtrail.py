"""CloudTrail: the trails homed in each region, and whether any trail covers every region.

A multi-region trail is listed only in its home region (includeShadowTrails=False),
so each trail is observed once. Coverage is an account-wide question, answered by a
global reader from one region's view, which does include the other regions'
multi-region trails: it stays right when the configured regions leave out the
trail's home region.

Coverage needs a trail that is logging, records every region, and records management
events, reads and writes (GetEventSelectors): a trail selecting only data events is not
an audit trail of the account. A member account sees its organisation's trail, but AWS
refuses it the trail's status (TrailNotFoundException: the trail belongs to the
management account). That trail's failure does not cost the account's own trails: when
no trail of the account's own proves coverage, coverage is `unreadable`, naming the
account where the organisation trail can be read.
"""

from __future__ import annotations

from typing import Any

from evidra.collectors.aws.registry import GLOBAL, READERS, REGIONAL, AwsCallFailed, Context
from evidra.model import ApiCall, Observation


@READERS.reader("cloudtrail.trail", service="cloudtrail", types=("logging.audit_trail",), plane=REGIONAL)
def read_trails(ctx: Context) -> list[Observation]:
    answer, describe = ctx.call("cloudtrail", "DescribeTrails", expect="trailList", includeShadowTrails=False)
    observations = []
    for trail in answer["trailList"]:
        status, status_call = ctx.call(
            "cloudtrail", "GetTrailStatus", expect="IsLogging", Name=trail["TrailARN"]
        )
        selectors, selectors_call = event_selectors(ctx, trail)
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
                    "management_events": records_management_events(selectors),
                },
                raw={
                    "DescribeTrails": trail,
                    "GetTrailStatus": stable_status(status),
                    "GetEventSelectors": selectors,
                },
                calls=[describe, status_call, selectors_call],
            )
        )
    return observations


@READERS.reader("cloudtrail.coverage", service="cloudtrail", types=("account",), plane=GLOBAL)
def read_coverage(ctx: Context) -> list[Observation]:
    answer, describe = ctx.call("cloudtrail", "DescribeTrails", expect="trailList", includeShadowTrails=True)
    calls: list[ApiCall] = [describe]
    statuses: dict[str, Any] = {}
    selectors: dict[str, Any] = {}
    foreign: dict[str, str] = {}  # trail ARN -> why it could not be read here
    for trail in answer["trailList"]:
        if not trail.get("IsMultiRegionTrail"):
            continue
        arn = trail["TrailARN"]
        try:
            # An ARN, not a name: that is how another region's trail is asked about.
            status, call = ctx.call("cloudtrail", "GetTrailStatus", expect="IsLogging", Name=arn)
            calls.append(call)
            chosen, selectors_call = event_selectors(ctx, trail)
            calls.append(selectors_call)
        except AwsCallFailed as failure:
            owner = arn.split(":")[4]
            if owner == ctx.account:
                raise
            foreign[arn] = f"{failure.code}: the trail belongs to account {owner}; read it there"
            continue
        statuses[arn] = stable_status(status)
        selectors[arn] = chosen
    covered = any(s.get("IsLogging") and records_management_events(selectors[a]) for a, s in statuses.items())
    attributes: dict[str, Any] = {"audit_trail_multi_region": covered}
    if foreign and not covered:
        attributes = {
            "audit_trail_multi_region": None,
            "unreadable": {
                "audit_trail_multi_region": "; ".join(f"{arn}: {why}" for arn, why in sorted(foreign.items()))
            },
        }
    return [
        ctx.observe(
            "account",
            ctx.account_arn(),
            name=ctx.account,
            attributes=attributes,
            raw={
                "DescribeTrails": answer,
                "GetTrailStatus": statuses,
                "GetEventSelectors": selectors,
            },
            calls=calls,
        )
    ]


def event_selectors(ctx: Context, trail: dict[str, Any]) -> tuple[dict[str, Any], ApiCall]:
    """The trail's event selectors, asked in its home region (where the trail lives)."""
    answer, call = ctx.call(
        "cloudtrail",
        "GetEventSelectors",
        region=trail.get("HomeRegion") or ctx.region,
        TrailName=trail["TrailARN"],
    )
    return {k: v for k, v in answer.items() if k in ("EventSelectors", "AdvancedEventSelectors")}, call


def records_management_events(selectors: dict[str, Any]) -> bool:
    """Whether the selectors record management events, reads and writes. Basic selectors
    (EventSelector: IncludeManagementEvents, ReadWriteType, both defaulting to all) or
    advanced ones (a selector on eventCategory = Management not narrowed by readOnly);
    a trail has one kind or the other."""
    advanced = selectors.get("AdvancedEventSelectors") or []
    if advanced:
        for selector in advanced:
            fields = selector.get("FieldSelectors") or []
            management = any(
                f.get("Field") == "eventCategory" and "Management" in (f.get("Equals") or []) for f in fields
            )
            if management and not any(f.get("Field") == "readOnly" for f in fields):
                return True
        return False
    return any(
        s.get("IncludeManagementEvents", True) and s.get("ReadWriteType", "All") == "All"
        for s in selectors.get("EventSelectors") or []
    )


def stable_status(status: dict[str, Any] | None) -> dict[str, Any]:
    """GetTrailStatus without its delivery clocks (Latest*Time ...), which move on
    every delivery and would make a new evidence snapshot on every run; the errors
    and the logging switch stay."""
    return {k: v for k, v in (status or {}).items() if not k.startswith("Latest") or "Error" in k}
