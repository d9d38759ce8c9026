"""Azure Monitor: the activity log's export (logging.audit_trail).

Azure records every subscription's control-plane activity itself, but keeps it only
90 days: an audit trail is a diagnostic setting exporting the activity log's
`Administrative` and `Security` categories to a workspace, storage account or event
hub. One observation per subscription says whether one does: the activity log covers
every region of the subscription. Azure does not sign exported entries
(`log_file_validation` is false); the export is encrypted with a customer key when
its storage account destination uses one.
"""

from __future__ import annotations

from typing import Any

from evidra.collectors.azure.context import ARM, READERS, Arm
from evidra.collectors.azure.storage import storage_accounts
from evidra.model import Observation

REQUIRED_CATEGORIES = frozenset({"Administrative", "Security"})
_DESTINATIONS = ("workspaceId", "storageAccountId", "eventHubAuthorizationRuleId")


@READERS.reader("azure.activity_log", types=("logging.audit_trail",), plane=ARM)
def read_activity_log(arm: Arm) -> list[Observation]:
    settings, call = arm.items(
        "monitor",
        "subscriptionDiagnosticSettings.list",
        lambda c: c.subscription_diagnostic_settings.list(),
    )
    exporting = [s for s in settings if exports_activity(s)]
    calls = [call]
    destinations = {
        str((s.get("properties") or {}).get("storageAccountId", "")).lower()
        for s in exporting
        if (s.get("properties") or {}).get("storageAccountId")
    }
    keys: list[str] = []
    if destinations:
        accounts, accounts_call = storage_accounts(arm)
        calls.append(accounts_call)
        for account in accounts:
            encryption = (account.get("properties") or {}).get("encryption") or {}
            if account["id"].lower() in destinations and encryption.get("keySource") == "Microsoft.Keyvault":
                keys.append(str((encryption.get("keyvaultproperties") or {}).get("keyvaulturi")))
    return [
        arm.observe(
            "logging.audit_trail",
            f"/subscriptions/{arm.subscription_id}/providers/Microsoft.Insights/activityLog",
            name=f"Activity log ({arm.subscription_id})",
            attributes={
                "logging": bool(exporting),
                "multi_region": True,
                "log_file_validation": False,
                "encrypted_with_customer_key": bool(keys),
                "kms_key": keys[0] if keys else None,
                "home_region": "global",
                "exported_to": sorted(
                    str(v)
                    for s in exporting
                    for k, v in (s.get("properties") or {}).items()
                    if k in _DESTINATIONS and v
                ),
            },
            raw={"subscriptionDiagnosticSettings": settings},
            calls=calls,
        )
    ]


def exports_activity(setting: dict[str, Any]) -> bool:
    """The setting sends at least the Administrative and Security categories somewhere."""
    props = setting.get("properties") or {}
    if not any(props.get(k) for k in _DESTINATIONS):
        return False
    logs = [log for log in props.get("logs") or [] if log.get("enabled")]
    if any(log.get("categoryGroup") == "allLogs" for log in logs):
        return True
    return {log.get("category") for log in logs} >= REQUIRED_CATEGORIES
