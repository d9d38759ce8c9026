"""Systems Manager Patch Manager: each managed instance's patch state (`compute.patch_state`).

Managed instances come from DescribeInstanceInformation; their latest patch scan or
install from DescribeInstancePatchStates (at most 50 ids a call); an instance with no
state was never assessed. Systems Manager's own verdict (COMPLIANT, NON_COMPLIANT) is its
patch compliance summary (ListResourceComplianceSummaries, ComplianceType Patch: one
listing a region). For instances missing critical or security patches, the missing
patches themselves (DescribeInstancePatches, State=Missing) are kept as raw evidence,
so the auditor sees which patches and CVEs: one call per non-compliant instance only.
SSM does not date a missing patch (PatchComplianceData has no release date), so the
oldest-missing dates stay None and the control cannot count such an instance in time.
Running EC2 instances Systems Manager does not manage (DescribeInstances) are servers no
patch tool assesses: they are observed too, never assessed, as GCP's and Azure's VMs are;
a stopped EC2 instance is left out whether managed or not (as stopped VMs are there).
"""

from __future__ import annotations

from typing import Any

from evidra.collectors.aws.registry import READERS, REGIONAL, AwsCallFailed, Context
from evidra.model import ApiCall, Observation, iso

_BATCH = 50  # DescribeInstancePatchStates takes at most 50 instance ids
_PATCH_FIELDS = ("Title", "KBId", "Classification", "Severity", "State", "CVEIds")


@READERS.reader("ssm.patch_states", service="ssm", types=("compute.patch_state",), plane=REGIONAL)
def read_patch_states(ctx: Context) -> list[Observation]:
    listed_instances, listed = ctx.items("ssm", "DescribeInstanceInformation", "InstanceInformationList")
    running, ec2_call = _running(ctx)
    # Servers that run: an EC2 instance stopped is neither patched nor assessed (as GCP's and
    # Azure's stopped VMs); a hybrid node (mi-...) has no EC2 state and always counts.
    instances = [
        i
        for i in listed_instances
        if i.get("InstanceId") and (not str(i["InstanceId"]).startswith("i-") or i["InstanceId"] in running)
    ]
    ids = [str(i["InstanceId"]) for i in instances]
    # Each instance with the batch call that asked for it: its answer, or its absence
    # (never assessed), is evidence from that call.
    states: dict[str, tuple[dict[str, Any], ApiCall]] = {}
    for start in range(0, len(ids), _BATCH):
        batch = ids[start : start + _BATCH]
        found, call = ctx.items(
            "ssm", "DescribeInstancePatchStates", "InstancePatchStates", InstanceIds=batch
        )
        answered = {str(s.get("InstanceId")): s for s in found}
        states.update({instance: (answered.get(instance, {}), call) for instance in batch})
    verdicts, judged = _verdicts(ctx) if ids else ({}, None)
    # (whether it runs was read too: DescribeInstances decided it is a server to judge)
    listing = [listed, ec2_call]
    managed = [
        _observe(
            ctx,
            info,
            *states[str(info["InstanceId"])],
            listing,
            verdicts.get(str(info["InstanceId"])),
            judged,
        )
        for info in instances
    ]
    known = {str(i.get("InstanceId")) for i in listed_instances}
    unmanaged = [_unmanaged(ctx, instance, listing) for key, instance in running.items() if key not in known]
    return managed + unmanaged


def _running(ctx: Context) -> tuple[dict[str, dict[str, Any]], ApiCall]:
    reservations, call = ctx.items(
        "ec2", "DescribeInstances", "Reservations",
        Filters=[{"Name": "instance-state-name", "Values": ["running"]}],
    )  # fmt: skip
    instances = (i for r in reservations for i in r.get("Instances") or [])
    return {str(i["InstanceId"]): i for i in instances if i.get("InstanceId")}, call


def _verdicts(ctx: Context) -> tuple[dict[str, dict[str, Any]], ApiCall]:
    """Systems Manager's own patch compliance verdict per instance: one listing a region."""
    items, call = ctx.items(
        "ssm", "ListResourceComplianceSummaries", "ResourceComplianceSummaryItems",
        Filters=[{"Key": "ComplianceType", "Values": ["Patch"], "Type": "EQUAL"}],
    )  # fmt: skip
    return {str(i.get("ResourceId")): i for i in items if i.get("ComplianceType") == "Patch"}, call


def _unmanaged(ctx: Context, instance: dict[str, Any], calls: list[ApiCall]) -> Observation:
    """A running EC2 instance Systems Manager does not manage: no patch tool assesses it."""
    tags = {t.get("Key"): t.get("Value") for t in instance.get("Tags") or []}
    kept = {k: instance.get(k) for k in ("InstanceId", "ImageId", "PlatformDetails", "State")}
    instance_id = str(instance["InstanceId"])
    attributes = {"os": instance.get("PlatformDetails"), "assessed": False}
    return _state(
        ctx, instance_id, str(tags.get("Name") or instance_id), attributes, {"DescribeInstances": kept}, calls
    )


def _observe(
    ctx: Context,
    info: dict[str, Any],
    state: dict[str, Any],
    asked: ApiCall,
    listing: list[ApiCall],
    verdict: dict[str, Any] | None,
    judged: ApiCall | None,
) -> Observation:
    instance = str(info["InstanceId"])
    calls = [*listing, asked, *([judged] if judged else [])]
    critical, security = state.get("CriticalNonCompliantCount"), state.get("SecurityNonCompliantCount")
    # The two counts may overlap (a critical security update is both): the larger never
    # double counts, and is zero exactly when both are.
    missing_security = None if critical is None and security is None else max(critical or 0, security or 0)
    raw: dict[str, Any] = {
        "DescribeInstanceInformation": info,
        "DescribeInstancePatchStates": state or None,
        "ListResourceComplianceSummaries": verdict,
    }
    if missing_security:
        try:
            patches, call = ctx.items(
                "ssm", "DescribeInstancePatches", "Patches", InstanceId=instance,
                Filters=[{"Key": "State", "Values": ["Missing"]}],
            )  # fmt: skip
            raw["DescribeInstancePatches"] = [{k: p.get(k) for k in _PATCH_FIELDS if k in p} for p in patches]
            calls.append(call)
        except AwsCallFailed as failure:
            ctx.skip(failure, instance)
    os_name = " ".join(str(info.get(k) or "") for k in ("PlatformName", "PlatformVersion")).strip()
    attributes = {
        "os": os_name or None,
        "assessed": bool(state),
        "last_assessed": iso(state.get("OperationEndTime")),
        "compliance": (verdict or {}).get("Status"),
        "missing_critical": critical,
        "missing_security": missing_security,
        "missing_other": state.get("OtherNonCompliantCount"),
    }
    return _state(ctx, instance, str(info.get("ComputerName") or instance), attributes, raw, calls)


def _state(
    ctx: Context,
    instance: str,
    name: str,
    attributes: dict[str, Any],
    raw: dict[str, Any],
    calls: list[ApiCall],
) -> Observation:
    return ctx.observe(
        "compute.patch_state",
        # An EC2 instance by its own ARN; a hybrid node (mi-...) as SSM names it.
        ctx.arn("ec2", f"instance/{instance}", region=ctx.region)
        if instance.startswith("i-")
        else ctx.arn("ssm", f"managed-instance/{instance}", region=ctx.region),
        name=name,
        # SSM does not date missing patches (see the module's docstring).
        attributes={
            "instance": instance,
            "source": "ssm",
            "oldest_missing_critical": None,
            "oldest_missing_security": None,
            "region": ctx.region,
            **attributes,
        },
        raw=raw,
        calls=calls,
    )
