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

from evidra.collectors.alerting import alerting_attributes
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


# Activity log operations (ARM control plane) each security event is raised by. Root
# use and sign-ins without MFA are Entra ID sign-in events, not activity log ones: an
# activity log alert cannot express them, so they are not asked of Azure here.
ALERTED_OPERATIONS: dict[str, tuple[str, ...]] = {
    "iam_policy_change": (
        "microsoft.authorization/policyassignments/",
        "microsoft.authorization/roleassignments/",
        "microsoft.authorization/roledefinitions/",
    ),
    "firewall_change": (
        "microsoft.network/networksecuritygroups/",
        "microsoft.network/azurefirewalls/",
        "microsoft.sql/servers/firewallrules/",
    ),
    "audit_config_change": (
        "microsoft.insights/diagnosticsettings/",
        "microsoft.security/securitysolutions/",
        "microsoft.security/policies/",
    ),
    "key_disable_or_deletion": ("microsoft.keyvault/vaults/",),
}
AZURE_REQUIRED_EVENTS = ("iam_policy_change", "firewall_change", "audit_config_change")


def alert_events(alert: dict[str, Any]) -> set[str]:
    """The security events an enabled activity log alert with an action group fires on."""
    props = alert.get("properties") or {}
    if props.get("enabled") is False or not (props.get("actions") or {}).get("actionGroups"):
        return set()
    conditions = (props.get("condition") or {}).get("allOf") or []
    fields = {str(c.get("field", "")).lower(): str(c.get("equals", "")).lower() for c in conditions}
    if fields.get("category", "administrative") != "administrative":
        return set()
    operation = fields.get("operationname")
    if not operation:  # every administrative operation
        return set(ALERTED_OPERATIONS)
    return {event for event, prefixes in ALERTED_OPERATIONS.items() if operation.startswith(prefixes)}


@READERS.reader("azure.activity_log_alerts", types=("monitoring.alerting",), plane=ARM)
def read_activity_log_alerts(arm: Arm) -> list[Observation]:
    alerts, call = arm.items(
        "monitor",
        "activityLogAlerts.listBySubscriptionId",
        lambda c: c.activity_log_alerts.list_by_subscription_id(),
    )
    alerted = set().union(*(alert_events(a) for a in alerts))
    return [
        arm.observe(
            "monitoring.alerting",
            f"/subscriptions/{arm.subscription_id}/providers/Microsoft.Insights/activityLogAlerts",
            name=f"Activity log alerts ({arm.subscription_id})",
            attributes=alerting_attributes("activity_log_alerts", alerted, AZURE_REQUIRED_EVENTS, "global"),
            raw={"activityLogAlerts": alerts},
            calls=[call],
        )
    ]
