"""OS Config: each running Compute Engine VM's patch state (`compute.patch_state`).

The VMs come from the scope's Cloud Asset listing; OS Config answers per project and
zone, for every VM of the zone at once (`instances/-`): the inventory (FULL view: the
updates available, i.e. missing) and the vulnerability report (each CVE with its
severity, when it was first detected on the VM, and the available update that fixes
it). So a missing update that fixes a CVE is a security patch, dated by the CVE's first
detection; a critical one when the CVE is CRITICAL; every other available update is
"other". A VM without an inventory has an agent that never reported: never assessed. A
zone OS Config cannot answer (the API not enabled in the project, a refusal, throttling
past the retries) leaves its VMs `unreadable`, so the control says `error`, not `fail`.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from evidra.collectors.gcp.api import AssetCallFailed
from evidra.collectors.gcp.context import INSTANCE, READERS, Context, data, stable
from evidra.model import ApiCall, Observation, iso

SERVICE = "osconfig"
# OS Config documents no largest page; FULL inventories are large, so pages stay small.
MAX_PAGE = {"ListInventories": 100, "ListVulnerabilityReports": 100}
_FULL_VIEW = 2  # InventoryView.FULL


@READERS.reader("gcp.osconfig", needs=("resources",), types=("compute.patch_state",))
def read_patch_states(ctx: Context) -> list[Observation]:
    zones: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for asset in ctx.assets(INSTANCE):
        vm = data(asset)
        if vm.get("status") == "RUNNING":  # a stopped VM is neither patched nor assessed
            project = asset["name"].split("/projects/", 1)[1].split("/", 1)[0]
            zones.setdefault((project, _last(vm.get("zone"))), []).append(asset)
    # Zones are read concurrently (an organisation has hundreds), their VMs in a fixed order.
    keys = sorted(zones)
    with ThreadPoolExecutor(
        max(1, min(ctx.workers, len(keys))), thread_name_prefix="evidra-osconfig"
    ) as pool:
        answers = list(pool.map(lambda key: _zone(ctx, *key), keys))
    observations = []
    for (project, zone), (reports, calls, unreadable) in zip(keys, answers, strict=True):
        for asset in zones[(project, zone)]:
            found = reports.get(str(data(asset).get("id")), {})
            observations.append(_observe(ctx, asset, found, calls, zone, unreadable))
    return observations


def _zone(
    ctx: Context, project: str, zone: str
) -> tuple[dict[str, dict[str, Any]], list[ApiCall], str | None]:
    """One zone's reports, or why OS Config would not answer (its VMs are then unreadable)."""
    try:
        reports, calls = _reports(ctx, f"projects/{project}/locations/{zone}/instances/-")
    except AssetCallFailed as failure:
        return {}, [], str(failure)
    return reports, calls, None


def _reports(ctx: Context, parent: str) -> tuple[dict[str, dict[str, Any]], list[ApiCall]]:
    """Instance id -> {"inventory": ..., "vulnerabilityReport": ...} for one zone."""
    api = ctx.osconfig
    inventories = api.every("ListInventories", parent, {"parent": parent, "view": _FULL_VIEW}, "inventories")
    vulnerabilities = api.every(
        "ListVulnerabilityReports", parent, {"parent": parent}, "vulnerabilityReports"
    )
    found: dict[str, dict[str, Any]] = {}
    for kind, reports in (("inventory", inventories), ("vulnerabilityReport", vulnerabilities)):
        for report in reports:
            # projects/{number}/locations/{zone}/instances/{instance id}/inventory
            parts = str(report.get("name", "")).split("/")
            if len(parts) > 5:
                found.setdefault(parts[5], {})[kind] = report
    calls = [
        ApiCall(SERVICE, "ListInventories", {"parent": parent, "view": "FULL"}),
        ApiCall(SERVICE, "ListVulnerabilityReports", {"parent": parent}),
    ]
    return found, calls


def _observe(
    ctx: Context,
    asset: dict[str, Any],
    found: dict[str, Any],
    calls: list[ApiCall],
    zone: str,
    unreadable: str | None,
) -> Observation:
    vm = data(asset)
    inventory = found.get("inventory") or {}
    report = found.get("vulnerabilityReport") or {}
    available = {
        key for key, item in (inventory.get("items") or {}).items() if item.get("type") == "AVAILABLE_PACKAGE"
    }
    # Each missing update that fixes a CVE: the CVE's severity and first detection.
    fixes: dict[str, list[tuple[str, str]]] = {}
    for vulnerability in report.get("vulnerabilities") or []:
        severity = str((vulnerability.get("details") or {}).get("severity") or "")
        ids = [i.get("availableInventoryItemId") for i in vulnerability.get("items") or []]
        for item in {*ids, *(vulnerability.get("availableInventoryItemIds") or [])} - {None, ""}:
            fixes.setdefault(str(item), []).append((severity, str(vulnerability.get("createTime") or "")))
    security = {item: found_ for item, found_ in fixes.items() if item in available}
    critical = {item: f for item, f in security.items() if any(s == "CRITICAL" for s, _ in f)}
    attributes: dict[str, Any] = {
        "instance": str(vm.get("name") or asset["name"].rsplit("/", 1)[-1]),
        "source": "osconfig",
        "os": (inventory.get("osInfo") or {}).get("longName"),
        "assessed": bool(inventory),
        "last_assessed": iso(_time(inventory.get("updateTime"))),
        "compliance": report.get("highestUpgradableCveSeverity"),
        "missing_critical": len(critical) if inventory else None,
        "missing_security": len(security) if inventory else None,
        "missing_other": len(available - set(security)) if inventory else None,
        "oldest_missing_critical": _oldest(critical, "CRITICAL"),
        "oldest_missing_security": _oldest(security, None),
        "region": zone,
    }
    if unreadable:
        attributes = {"instance": attributes["instance"], "source": "osconfig", "region": zone}
        attributes["unreadable"] = {"assessed": unreadable}
    return ctx.observe(
        "compute.patch_state",
        asset["name"],
        name=attributes["instance"],
        attributes=attributes,
        raw={
            "asset": stable(asset),
            # The missing updates and the CVEs they fix (not the whole installed inventory).
            "inventory": {
                "name": inventory.get("name"),
                "osInfo": inventory.get("osInfo"),
                "updateTime": inventory.get("updateTime"),
                "availableItems": {k: inventory["items"][k] for k in sorted(available)},
            }
            if inventory
            else None,
            "vulnerabilityReport": report or None,
        },
        calls=[ctx.call("resources"), *calls],
    )


def _oldest(fixes: dict[str, list[tuple[str, str]]], severity: str | None) -> str | None:
    dates = [
        _time(first) for found in fixes.values() for s, first in found if severity is None or s == severity
    ]
    return iso(min(d for d in dates if d is not None)) if any(dates) else None


def _time(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None
    except ValueError:
        return None


def _last(url: Any) -> str:
    return str(url or "").rstrip("/").rsplit("/", 1)[-1]
