"""Alerts on security events (CIS AWS Foundations section 4): CloudWatch Logs metric
filters on the audit trail's log group with an alarm that notifies someone, and
EventBridge rules matching CloudTrail events with a target.

One observation per account, read where the multi-region trails deliver: a metric
filter only sees events of the trail whose log group it is on, and EventBridge rules
are read in the home region, where global services (IAM, sign-in) deliver their events.
"""

from __future__ import annotations

import json
from typing import Any

from evidra.collectors.alerting import alerting_attributes
from evidra.collectors.aws.registry import GLOBAL, READERS, Context
from evidra.model import ApiCall, Observation

# The events SEC-POL alerting names, and how a filter or rule pattern mentions them:
# every word of one of the alternatives must appear in the pattern.
SECURITY_EVENTS: dict[str, tuple[tuple[str, ...], ...]] = {
    "root_usage": (("userIdentity", "Root"),),
    "iam_policy_change": tuple(
        (name,)
        for name in (
            "PutUserPolicy",
            "PutRolePolicy",
            "PutGroupPolicy",
            "AttachUserPolicy",
            "AttachRolePolicy",
            "AttachGroupPolicy",
            "CreatePolicy",
            "DeletePolicy",
            "CreatePolicyVersion",
        )
    ),
    "console_login_without_mfa": (("ConsoleLogin", "MFAUsed"),),
    "audit_config_change": (("StopLogging",), ("DeleteTrail",), ("UpdateTrail",)),
    "firewall_change": (
        ("AuthorizeSecurityGroupIngress",),
        ("RevokeSecurityGroupIngress",),
        ("CreateNetworkAclEntry",),
        ("DeleteSecurityGroup",),
        ("ModifySecurityGroupRules",),
    ),
}
OTHER_EVENTS: dict[str, tuple[tuple[str, ...], ...]] = {
    "unauthorized_api_calls": (("UnauthorizedOperation",), ("AccessDenied",)),
    "key_disable_or_deletion": (("DisableKey",), ("ScheduleKeyDeletion",)),
}
REQUIRED_EVENTS = tuple(SECURITY_EVENTS)


def events_in(pattern: str) -> set[str]:
    """The security events a metric filter or event pattern fires on (by the names in it)."""
    return {
        event
        for event, alternatives in {**SECURITY_EVENTS, **OTHER_EVENTS}.items()
        if any(all(word in pattern for word in words) for words in alternatives)
    }


@READERS.reader("cloudwatch.alerting", service="cloudwatch", types=("monitoring.alerting",), plane=GLOBAL)
def read_alerting(ctx: Context) -> list[Observation]:
    trails, describe = ctx.call("cloudtrail", "DescribeTrails", expect="trailList", includeShadowTrails=True)
    calls: list[ApiCall] = [describe]
    raw: dict[str, Any] = {}
    alerted: set[str] = set()
    # Where multi-region trails deliver to CloudWatch Logs: {region: {log group name}}.
    groups: dict[str, set[str]] = {}
    for trail in trails["trailList"]:
        arn = str(trail.get("CloudWatchLogsLogGroupArn") or "")
        parts = arn.split(":")
        if trail.get("IsMultiRegionTrail") and len(parts) > 6 and parts[2] == "logs":
            groups.setdefault(parts[3], set()).add(parts[6])
    # The raw answers keep what the verdict rests on, by operation; AWS's own fields only.
    raw["DescribeTrails"] = [
        {k: trail.get(k) for k in ("TrailARN", "IsMultiRegionTrail", "CloudWatchLogsLogGroupArn")}
        for trail in trails["trailList"]
    ]
    for region, names in sorted(groups.items()):
        alarms, alarm_call = ctx.items("cloudwatch", "DescribeAlarms", "MetricAlarms", region=region)
        calls.append(alarm_call)
        raw.setdefault("DescribeAlarms", {})[region] = [
            {k: a.get(k) for k in ("AlarmName", "Namespace", "MetricName", "ActionsEnabled", "AlarmActions")}
            for a in alarms
        ]
        notifying = {
            (a.get("Namespace"), a.get("MetricName"))
            for a in alarms
            if a.get("AlarmActions") and a.get("ActionsEnabled", True)
        }
        for name in sorted(names):
            filters, filter_call = ctx.items(
                "logs", "DescribeMetricFilters", "metricFilters", region=region, logGroupName=name
            )
            calls.append(filter_call)
            for metric_filter in filters:
                metrics = {
                    (t.get("metricNamespace"), t.get("metricName"))
                    for t in metric_filter.get("metricTransformations", [])
                }
                found = events_in(str(metric_filter.get("filterPattern", "")))
                alarmed = bool(metrics & notifying)
                raw.setdefault("DescribeMetricFilters", []).append(
                    {k: v for k, v in metric_filter.items() if k != "creationTime"}
                )
                if alarmed:
                    alerted |= found
    rules, rules_call = ctx.items("events", "ListRules", "Rules")
    calls.append(rules_call)
    for rule in rules:
        if rule.get("State") != "ENABLED" or not rule.get("EventPattern"):
            continue
        found = events_in(_pattern_text(str(rule["EventPattern"])))
        if not found:
            continue
        targets, targets_call = ctx.items("events", "ListTargetsByRule", "Targets", Rule=rule["Name"])
        calls.append(targets_call)
        raw.setdefault("ListRules", []).append(rule)
        raw.setdefault("ListTargetsByRule", {})[rule["Name"]] = [
            {k: t.get(k) for k in ("Id", "Arn")} for t in targets
        ]
        if targets:
            alerted |= found
    return [
        ctx.observe(
            "monitoring.alerting",
            ctx.arn("cloudwatch", "security-alerting"),
            name=f"Security alerts ({ctx.account})",
            attributes=alerting_attributes("cloudwatch+eventbridge", alerted, REQUIRED_EVENTS, ctx.region),
            raw=raw,
            calls=calls,
        )
    ]


def _pattern_text(pattern: str) -> str:
    """An EventBridge pattern as text whose words a metric-filter pattern would use:
    {"detail": {"userIdentity": {"type": ["Root"]}}} mentions userIdentity and Root."""
    try:
        return json.dumps(json.loads(pattern))
    except ValueError:
        return pattern
