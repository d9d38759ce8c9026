"""Amazon VPC: VPCs and their flow logs, and security groups open to the Internet."""

from __future__ import annotations

from typing import Any

from evidra.collectors.aws.registry import READERS, REGIONAL, Context
from evidra.model import Observation

ANY_ADDRESS = frozenset({"0.0.0.0/0", "::/0"})
# Remote administration, and the databases AC-POL-001's segmentation names.
ADMIN_PORTS = frozenset({22, 3389, 1433, 3306, 5432, 6379, 27017})


@READERS.reader("ec2.vpc", service="ec2", types=("network.virtual_network",), plane=REGIONAL)
def read_vpcs(ctx: Context) -> list[Observation]:
    vpcs, vpc_call = ctx.items("ec2", "DescribeVpcs", "Vpcs")
    flow_logs, flow_call = ctx.items("ec2", "DescribeFlowLogs", "FlowLogs")
    by_resource: dict[str, list[dict[str, Any]]] = {}
    for flow_log in flow_logs:
        by_resource.setdefault(flow_log.get("ResourceId", ""), []).append(flow_log)
    observations = []
    for vpc in vpcs:
        logs = by_resource.get(vpc["VpcId"], [])
        tags = {t.get("Key"): t.get("Value") for t in vpc.get("Tags", [])}
        observations.append(
            ctx.observe(
                "network.virtual_network",
                ctx.arn("ec2", f"vpc/{vpc['VpcId']}", region=ctx.region),
                name=tags.get("Name") or vpc["VpcId"],
                attributes={
                    "default": bool(vpc.get("IsDefault")),
                    "flow_logs_enabled": any(f.get("FlowLogStatus") == "ACTIVE" for f in logs),
                    "region": ctx.region,
                },
                raw={"DescribeVpcs": vpc, "DescribeFlowLogs": {"FlowLogs": [_stable(f) for f in logs]}},
                calls=[vpc_call, flow_call],
            )
        )
    return observations


@READERS.reader("ec2.security_group", service="ec2", types=("network.firewall_rule",), plane=REGIONAL)
def read_security_groups(ctx: Context) -> list[Observation]:
    groups, call = ctx.items("ec2", "DescribeSecurityGroups", "SecurityGroups")
    observations = []
    for group in groups:
        ports = internet_ports(group.get("IpPermissions", []))
        observations.append(
            ctx.observe(
                "network.firewall_rule",
                group.get("SecurityGroupArn")
                or ctx.arn("ec2", f"security-group/{group['GroupId']}", region=ctx.region),
                name=f"{group.get('GroupName', group['GroupId'])} ({group['GroupId']})",
                attributes={
                    "network": group.get("VpcId"),
                    "open_to_internet": bool(ports),
                    "internet_ports": [label for label, _ in ports],
                    "admin_ports_open_to_internet": any(admin for _, admin in ports),
                    "region": ctx.region,
                },
                raw={"DescribeSecurityGroups": group},
                calls=[call],
            )
        )
    return observations


def internet_ports(permissions: list[dict[str, Any]]) -> list[tuple[str, bool]]:
    """(what any address may reach, whether it includes an administration or database
    port) for each inbound rule open to 0.0.0.0/0 or ::/0, in rule order."""
    found: dict[str, bool] = {}
    for rule in permissions:
        sources = {r.get("CidrIp") for r in rule.get("IpRanges", [])}
        sources |= {r.get("CidrIpv6") for r in rule.get("Ipv6Ranges", [])}
        if not sources & ANY_ADDRESS:
            continue
        protocol = str(rule.get("IpProtocol", "-1"))
        low, high = rule.get("FromPort"), rule.get("ToPort")
        if protocol in ("-1", "all"):
            found["all"] = True
        elif protocol in ("icmp", "icmpv6", "1", "58"):
            found.setdefault("icmp", False)
        elif low is None or high is None or (low in (-1, 0) and high in (-1, 65535)):
            found["all"] = True
        else:
            label = str(low) if low == high else f"{low}-{high}"
            found[label] = any(low <= port <= high for port in ADMIN_PORTS)
    return list(found.items())


def _stable(flow_log: dict[str, Any]) -> dict[str, Any]:
    # Delivery status flips with every delivery hiccup; the evidence is the setting.
    return {k: v for k, v in flow_log.items() if k not in ("DeliverLogsStatus", "DeliverLogsErrorMessage")}
