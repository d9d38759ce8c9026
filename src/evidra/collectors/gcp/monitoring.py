"""Alerts on security events (CIS GCP 2.4-2.11): log-based metrics whose filter matches
the events, with an enabled alerting policy on the metric that notifies a channel, or
an alerting policy matching the log entries directly (`conditionMatchedLog`).

One observation per active project: metrics and alerting policies are a project's.
GCP has no root identity, and sign-ins are Cloud Identity's, not Cloud Audit Logs':
a project is asked for alerts on IAM policy and role changes, audit configuration
changes and firewall rule changes.
"""

from __future__ import annotations

import re
from typing import Any

from evidra.collectors.alerting import alerting_attributes
from evidra.collectors.gcp.context import ALERT_POLICY, LOG_METRIC, READERS, Context, data, node_of, stable
from evidra.model import Observation

# Every word of one alternative must appear in the filter.
EVENTS: dict[str, tuple[tuple[str, ...], ...]] = {
    "iam_policy_change": (
        ("ProjectOwnership",),
        ("projectOwnerInvitee",),
        ("google.iam.admin.v1.CreateRole",),
        ("google.iam.admin.v1.UpdateRole",),
        ("google.iam.admin.v1.DeleteRole",),
    ),
    "audit_config_change": (("SetIamPolicy", "auditConfigDeltas"), ("UpdateSink",), ("DeleteSink",)),
    "firewall_change": (("gce_firewall_rule",), ("compute.firewalls.",)),
    "key_disable_or_deletion": (("DestroyCryptoKeyVersion",), ("UpdateCryptoKeyVersion",)),
}
REQUIRED_EVENTS = ("iam_policy_change", "audit_config_change", "firewall_change")
_USER_METRIC = re.compile(r'metric\.type\s*=\s*"logging\.googleapis\.com/user/([^"]+)"')


def events_in(log_filter: str) -> set[str]:
    return {
        event
        for event, alternatives in EVENTS.items()
        if any(all(word in log_filter for word in words) for words in alternatives)
    }


def _project_of(asset: dict[str, Any]) -> str:
    return next((a for a in asset.get("ancestors", []) if str(a).startswith("projects/")), "")


@READERS.reader("gcp.monitoring", needs=("resources", "projects"), types=("monitoring.alerting",))
def read_alerting(ctx: Context) -> list[Observation]:
    metrics: dict[tuple[str, str], set[str]] = {}  # (project, metric name) -> events
    for asset in ctx.assets(LOG_METRIC):
        metric = data(asset)
        metrics[(_project_of(asset), str(metric.get("name", "")))] = events_in(str(metric.get("filter", "")))
    alerted: dict[str, set[str]] = {}
    policies: dict[str, list[dict[str, Any]]] = {}
    for asset in ctx.assets(ALERT_POLICY):
        owner, policy = _project_of(asset), data(asset)
        policies.setdefault(owner, []).append(stable(asset))
        if policy.get("enabled") is False or not policy.get("notificationChannels"):
            continue
        for condition in policy.get("conditions", []):
            matched = condition.get("conditionMatchedLog") or {}
            found = events_in(str(matched.get("filter", "")))
            threshold = condition.get("conditionThreshold") or condition.get("conditionAbsent") or {}
            for name in _USER_METRIC.findall(str(threshold.get("filter", ""))):
                found |= metrics.get((owner, name), set())
            alerted.setdefault(owner, set()).update(found)
    observations = []
    for project in ctx.items("projects"):
        if project.get("state", "ACTIVE") != "ACTIVE":
            continue
        node = node_of(str(project.get("name", "")))
        project_id = ctx.project_ids.get(node, node)
        events = alerted.get(node, set())
        observations.append(
            ctx.observe(
                "monitoring.alerting",
                f"//monitoring.googleapis.com/{node}/alertPolicies",
                name=f"Security alerts ({project_id})",
                attributes=alerting_attributes("cloud-monitoring", events, REQUIRED_EVENTS, "global"),
                raw={
                    "logMetrics": [
                        {"name": name, "events": sorted(found)}
                        for (p, name), found in sorted(metrics.items())
                        if p == node
                    ],
                    "alertPolicies": policies.get(node, []),
                },
                calls=[ctx.call("projects"), ctx.call("resources")],
            )
        )
    return observations
