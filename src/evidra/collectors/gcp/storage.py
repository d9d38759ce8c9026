"""Cloud Storage buckets: encryption key, uniform access, public access prevention,
grants to allUsers / allAuthenticatedUsers, retention, versioning, access logging.

Public access prevention `inherited` (or the older `unspecified`) takes the
`storage.publicAccessPrevention` organisation policy in force at the bucket: enforced
there, the bucket is blocked. Inherited settings (that constraint, Data Access audit
logging) set above a folder or project scope are not listed under it: when they could
decide the answer, the attribute is `unreadable`, naming the ancestors to read (an
organisation scope reads them)."""

from __future__ import annotations

from typing import Any

from evidra.collectors.gcp.context import BUCKET, READERS, Context, data, days, stable
from evidra.collectors.tags import classification_of
from evidra.model import Observation

PUBLIC_MEMBERS = frozenset({"allUsers", "allAuthenticatedUsers"})
# A bucket's reads and writes are logged by its usage logs or by Data Access audit logs.
DATA_ACCESS = frozenset({"DATA_READ", "DATA_WRITE"})
READ_ABOVE = "configure the organization scope (providers.gcp.organization) to read it"


@READERS.reader(
    "gcp.storage",
    needs=("resources", "bucket_policies", "hierarchy_policies", "org_policies"),
    types=("storage.bucket",),
)
def read_buckets(ctx: Context) -> list[Observation]:
    policies = {p.get("resource"): p.get("policy") or {} for p in ctx.items("bucket_policies")}
    observations = []
    for asset in ctx.assets(BUCKET):
        bucket = data(asset)
        policy = policies.get(asset["name"], {})
        iam = bucket.get("iamConfiguration") or {}
        uniform = bool((iam.get("uniformBucketLevelAccess") or {}).get("enabled"))
        ancestors = asset.get("ancestors", [])
        above = ctx.unread_ancestors(ancestors)
        prevention = iam.get("publicAccessPrevention") or "inherited"
        inherited = prevention in ("inherited", "unspecified")
        blocked = prevention == "enforced" or (
            inherited and ctx.enforced("storage.publicAccessPrevention", ancestors)
        )
        unreadable: dict[str, str] = {}
        if inherited and not blocked and above:
            why = f"public access prevention is inherited from {', '.join(above)}; {READ_ABOVE}"
            unreadable |= {"public_access_blocked": why, "public": why}
        public_grants = sorted(
            f"{binding.get('role')} {member}"
            for binding in policy.get("bindings", [])
            for member in binding.get("members", [])
            if member in PUBLIC_MEMBERS
        )
        # With uniform access, ACLs are switched off and grant nothing.
        acl_public = not uniform and any(
            entry.get("entity") in PUBLIC_MEMBERS
            for entry in [*bucket.get("acl", []), *bucket.get("defaultObjectAcl", [])]
        )
        kms_key = (bucket.get("encryption") or {}).get("defaultKmsKeyName")
        retention = bucket.get("retentionPolicy") or {}
        audit_types = ctx.audit_log_types(ancestors, "storage.googleapis.com")
        usage_logs = bool((bucket.get("logging") or {}).get("logBucket"))
        if not usage_logs and not set(audit_types) >= DATA_ACCESS and above:
            why = (
                f"Data Access audit logging on {', '.join(above)} (above the scope) is not read; {READ_ABOVE}"
            )
            unreadable["access_logging"] = why
        observations.append(
            ctx.observe(
                "storage.bucket",
                asset["name"],
                name=bucket.get("name") or asset["name"].rsplit("/", 1)[-1],
                attributes={
                    "encrypted": True,  # Cloud Storage always encrypts; the key is Google's or the customer's
                    "encryption_algorithm": "cloud-kms" if kms_key else "google-managed",
                    "kms_key": kms_key,
                    "public_access_blocked": blocked,
                    "policy_grants_public": bool(public_grants),
                    "acl_grants_public": acl_public,
                    "public": (bool(public_grants) or acl_public) and not blocked,
                    "public_grants": public_grants,
                    # No bucket setting refuses plain HTTP (the XML API answers http:// too).
                    "tls_only": False,
                    "region": str(
                        bucket.get("location", asset.get("resource", {}).get("location", ""))
                    ).lower(),
                    "versioning": bool((bucket.get("versioning") or {}).get("enabled")),
                    "access_logging": usage_logs or set(audit_types) >= DATA_ACCESS,
                    "uniform_access": uniform,
                    "retention_days": days(retention.get("retentionPeriod")),
                    "retention_locked": bool(retention.get("isLocked")),
                    "classification": classification_of(bucket.get("labels")),
                    "lifecycle_expiry": deletes_objects(bucket),
                    **({"unreadable": unreadable} if unreadable else {}),
                },
                raw={"asset": stable(asset), "iamPolicy": policy, "auditLogTypes": audit_types},
                calls=[
                    ctx.call("resources"),
                    ctx.call("bucket_policies"),
                    ctx.call("hierarchy_policies"),
                    ctx.call("org_policies"),
                ],
            )
        )
    return observations


def deletes_objects(bucket: dict[str, Any]) -> bool:
    """A lifecycle rule deletes live objects by age or date (a rule on old versions only,
    `isLive: false` or `numNewerVersions`, disposes of nothing current)."""
    for rule in (bucket.get("lifecycle") or {}).get("rule") or []:
        condition = rule.get("condition") or {}
        if (rule.get("action") or {}).get("type") != "Delete" or condition.get("isLive") is False:
            continue
        if "numNewerVersions" in condition or "daysSinceNoncurrentTime" in condition:
            continue
        if any(k in condition for k in ("age", "createdBefore", "customTimeBefore", "daysSinceCustomTime")):
            return True
    return False
