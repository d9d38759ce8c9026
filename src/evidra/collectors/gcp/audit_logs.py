"""Cloud Logging: the sinks that route audit logs (GCP's audit trails) with the Data
Access audit logging configured in IAM policies, and the log buckets that keep logs.

Admin Activity audit logs are always written and cannot be turned off; Data Access
audit logs (ADMIN_READ, DATA_READ, DATA_WRITE) are switched on in the `auditConfigs` of
the organisation's, folders' and projects' IAM policies, and apply downwards. A sink is
an audit trail when it routes audit logs: `_Required` (Admin Activity, System Event,
Access Transparency, kept 400 days), and any sink with no filter or a filter naming
`cloudaudit.googleapis.com`. `_Default` carries the rest of a project's logs and is
judged as a log bucket, not as a trail.
"""

from __future__ import annotations

from typing import Any

from evidra.collectors.gcp.context import BUCKET, LOG_BUCKET, LOG_SINK, READERS, Context, data, stable
from evidra.model import Observation

DATA_ACCESS = frozenset({"DATA_READ", "DATA_WRITE"})
LOGGING_DESTINATION = "logging.googleapis.com/"
STORAGE_DESTINATION = "storage.googleapis.com/"


@READERS.reader(
    "gcp.logging.sinks", needs=("resources", "hierarchy_policies", "projects"), types=("logging.audit_trail",)
)
def read_sinks(ctx: Context) -> list[Observation]:
    log_buckets = {_by_id(ctx, str(data(a).get("name", ""))): a for a in ctx.assets(LOG_BUCKET)}
    storage_buckets = {str(data(a).get("name", "")): a for a in ctx.assets(BUCKET)}
    observations = []
    for asset in ctx.assets(LOG_SINK):
        sink = data(asset)
        if not _routes_audit_logs(sink):
            continue
        destination = str(sink.get("destination", ""))
        kept_in = _destination(ctx, destination, log_buckets, storage_buckets)
        ancestors = asset.get("ancestors", [])
        owner = ancestors[0] if ancestors else asset["name"]  # the project, folder or organisation
        audit_types = ctx.audit_log_types(ancestors, "allServices")
        above = ctx.unread_ancestors(ancestors)
        unreadable = {}
        if above and not set(audit_types) >= DATA_ACCESS:
            # Data Access logging set on the organisation or a folder above the scope applies
            # here too, but is not listed under the scope.
            why = (
                f"Data Access audit logging set on {', '.join(above)}, above this scope, is not read: "
                "configure the organization scope (providers.gcp.organization) to read it"
            )
            unreadable = {"audit_log_types": why, "data_access_logging": why}
        observations.append(
            ctx.observe(
                "logging.audit_trail",
                asset["name"],
                name=f"{sink.get('name')} ({ctx.project_ids.get(owner, owner)})",
                attributes={
                    "logging": not sink.get("disabled"),
                    "multi_region": True,  # audit logs are global: a sink routes every region's
                    "log_file_validation": kept_in["locked"],
                    "encrypted_with_customer_key": bool(kept_in["kms_key"]) if kept_in["seen"] else None,
                    "kms_key": kept_in["kms_key"],
                    "home_region": kept_in["region"],
                    "destination": destination,
                    "covers_children": bool(sink.get("includeChildren"))
                    or bool(ancestors and ancestors[0].startswith("projects/")),
                    "audit_log_types": audit_types,
                    "data_access_logging": set(audit_types) >= DATA_ACCESS,
                    **({"unreadable": unreadable} if unreadable else {}),
                },
                raw={"asset": stable(asset), "destination": kept_in["raw"], "auditLogTypes": audit_types},
                calls=[ctx.call("resources"), ctx.call("hierarchy_policies"), ctx.call("projects")],
            )
        )
    return observations


@READERS.reader("gcp.logging.buckets", needs=("resources",), types=("logging.log_group",))
def read_log_buckets(ctx: Context) -> list[Observation]:
    observations = []
    for asset in ctx.assets(LOG_BUCKET):
        bucket = data(asset)
        kms_key = (bucket.get("cmekSettings") or {}).get("kmsKeyName")
        retention = bucket.get("retentionDays")
        observations.append(
            ctx.observe(
                "logging.log_group",
                asset["name"],
                name=str(bucket.get("name") or asset["name"]),
                attributes={
                    # Log buckets never keep logs forever; an unset retention is the default, 30 days.
                    "retention_days": int(retention) if retention is not None else 30,
                    "encrypted_with_customer_key": bool(kms_key),
                    "kms_key": kms_key,
                    "locked": bool(bucket.get("locked")),
                    "region": asset.get("resource", {}).get("location") or "global",
                },
                raw={"asset": stable(asset)},
                calls=[ctx.call("resources")],
            )
        )
    return observations


def _routes_audit_logs(sink: dict[str, Any]) -> bool:
    if sink.get("name") == "_Required":
        return True
    if sink.get("name") == "_Default":
        return False
    log_filter = str(sink.get("filter") or "")
    return not log_filter.strip() or "cloudaudit.googleapis.com" in log_filter


def _destination(
    ctx: Context, destination: str, log_buckets: dict[str, Any], storage_buckets: dict[str, Any]
) -> dict[str, Any]:
    """Where a sink's logs are kept, as far as this scope's inventory shows: locked
    (integrity), customer key, region. `seen` False: the destination is outside the scope
    (or not a bucket), and what it does is unknown."""
    if destination.startswith(LOGGING_DESTINATION):
        asset = log_buckets.get(_by_id(ctx, destination[len(LOGGING_DESTINATION) :]))
        if asset is not None:
            bucket = data(asset)
            return {
                "seen": True,
                "locked": bool(bucket.get("locked")),
                "kms_key": (bucket.get("cmekSettings") or {}).get("kmsKeyName"),
                "region": asset.get("resource", {}).get("location") or "global",
                "raw": {
                    "name": asset["name"],
                    "locked": bucket.get("locked"),
                    "cmekSettings": bucket.get("cmekSettings"),
                },
            }
    if destination.startswith(STORAGE_DESTINATION):
        asset = storage_buckets.get(destination[len(STORAGE_DESTINATION) :])
        if asset is not None:
            bucket = data(asset)
            retention = bucket.get("retentionPolicy") or {}
            return {
                "seen": True,
                "locked": bool(retention.get("isLocked")),
                "kms_key": (bucket.get("encryption") or {}).get("defaultKmsKeyName"),
                "region": str(bucket.get("location", "")).lower() or None,
                "raw": {
                    "name": asset["name"],
                    "retentionPolicy": retention,
                    "encryption": bucket.get("encryption"),
                },
            }
    return {"seen": False, "locked": None, "kms_key": None, "region": None, "raw": None}


def _by_id(ctx: Context, name: str) -> str:
    """A log bucket's name with its project as an id (`projects/1001/...` and
    `projects/acme-prod/...` name the same bucket)."""
    parts = name.split("/")
    if len(parts) > 1 and parts[0] == "projects":
        parts[1] = ctx.project_ids.get(f"projects/{parts[1]}", parts[1])
    return "/".join(parts)
