"""KMS: every enabled key in the region, with its rotation setting.

Only symmetric encryption keys whose material KMS generated rotate automatically
(KMS API reference, GetKeyRotationStatus): for an asymmetric or HMAC key, imported key
material or a custom key store, rotation is `inapplicable`, with the reason, and the
status is not asked (AWS would answer UnsupportedOperationException)."""

from __future__ import annotations

from typing import Any

from evidra.collectors.aws.registry import READERS, REGIONAL, AwsCallFailed, Context
from evidra.model import ApiCall, Observation

# AWS's default and, for AWS-managed keys, fixed rotation period.
DEFAULT_ROTATION_DAYS = 365


@READERS.reader("kms.key", service="kms", types=("crypto.key",), plane=REGIONAL)
def read_keys(ctx: Context) -> list[Observation]:
    # The API's largest page (the default is 100).
    keys, list_call = ctx.items("kms", "ListKeys", "Keys", PaginationConfig={"PageSize": 1000})
    observations = []
    for key in keys:
        try:
            observation = _read_key(ctx, key, list_call)
        except AwsCallFailed as failure:
            if failure.code == "NotFoundException":
                continue  # deleted since it was listed
            ctx.skip(failure, key.get("KeyArn", key["KeyId"]))
            continue
        if observation is not None:
            observations.append(observation)
    return observations


def _read_key(ctx: Context, key: dict[str, Any], list_call: ApiCall) -> Observation | None:
    described, describe_call = ctx.call("kms", "DescribeKey", expect="KeyMetadata", KeyId=key["KeyId"])
    meta = described["KeyMetadata"]
    if meta.get("KeyState") != "Enabled":
        return None  # disabled or pending deletion: protects nothing new
    calls = [list_call, describe_call]
    raw: dict[str, Any] = {"ListKeys": key, "DescribeKey": described}
    customer = meta.get("KeyManager") == "CUSTOMER"
    why_not = cannot_rotate(meta)
    if why_not is not None:
        return _observe(ctx, meta, customer, False, None, raw, calls, {"rotation_enabled": why_not})
    try:
        # Asymmetric, HMAC and imported-material keys cannot rotate automatically.
        status, status_call = ctx.optional(
            "kms",
            "GetKeyRotationStatus",
            absent=("UnsupportedOperationException",),
            expect="KeyRotationEnabled",
            KeyId=key["KeyId"],
        )
        calls.append(status_call)
        raw["GetKeyRotationStatus"] = status
        enabled = bool(status and status["KeyRotationEnabled"])
        period = (status or {}).get("RotationPeriodInDays") or (DEFAULT_ROTATION_DAYS if enabled else None)
    except AwsCallFailed:
        if customer:
            raise
        # AWS-managed keys rotate every year and some accounts may not ask about them.
        enabled, period = True, DEFAULT_ROTATION_DAYS
    return _observe(ctx, meta, customer, enabled, period, raw, calls, {})


def cannot_rotate(meta: dict[str, Any]) -> str | None:
    """Why a key cannot rotate automatically (from DescribeKey), or None when it can."""
    spec = meta.get("KeySpec") or meta.get("CustomerMasterKeySpec") or "SYMMETRIC_DEFAULT"
    origin = meta.get("Origin") or "AWS_KMS"
    if meta.get("CustomKeyStoreId") or origin in ("AWS_CLOUDHSM", "EXTERNAL_KEY_STORE"):
        return f"a key in a custom key store (origin {origin}) cannot rotate automatically"
    if origin == "EXTERNAL":
        return "a key with imported key material cannot rotate automatically (rotate it by hand)"
    if spec.startswith("HMAC_"):
        return f"an HMAC key ({spec}) cannot rotate automatically"
    if spec != "SYMMETRIC_DEFAULT":
        return f"an asymmetric key ({spec}) cannot rotate automatically"
    return None


def _observe(
    ctx: Context,
    meta: dict[str, Any],
    customer: bool,
    enabled: bool,
    period: int | None,
    raw: dict[str, Any],
    calls: list[ApiCall],
    inapplicable: dict[str, str],
) -> Observation:
    return ctx.observe(
        "crypto.key",
        meta["Arn"],
        name=meta["KeyId"],
        attributes={
            "managed_by": "customer" if customer else "provider",
            "enabled": True,
            "rotation_enabled": enabled,
            "rotation_period_days": period,
            "key_spec": meta.get("KeySpec") or meta.get("CustomerMasterKeySpec"),
            "region": ctx.region,
            **({"inapplicable": inapplicable} if inapplicable else {}),
        },
        raw=raw,
        calls=calls,
    )
