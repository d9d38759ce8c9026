"""Amazon VPC: VPCs and their flow logs, and security groups open to the Internet."""

from __future__ import annotations

from typing import Any

from evidra.collectors.aws.registry import READERS, REGIONAL, Context
from evidra.collectors.tags import UNKNOWN_ENVIRONMENT, aws_tags, environment_of
from evidra.model import Observation

ANY_ADDRESS = frozenset({"0.0.0.0/0", "::/0"})


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
                    "internet_ports": ports,
                    "region": ctx.region,
                },
                raw={"DescribeSecurityGroups": group},
                calls=[call],
            )
        )
    return observations


def internet_ports(permissions: list[dict[str, Any]]) -> list[str]:
    """What any address may reach (ports, ranges, `all`, `icmp`) through the inbound rules
    open to 0.0.0.0/0 or ::/0, in rule order; the control judges which ports matter."""
    found: dict[str, None] = {}  # insertion-ordered, no duplicates
    for rule in permissions:
        sources = {r.get("CidrIp") for r in rule.get("IpRanges", [])}
        sources |= {r.get("CidrIpv6") for r in rule.get("Ipv6Ranges", [])}
        if not sources & ANY_ADDRESS:
            continue
        protocol = str(rule.get("IpProtocol", "-1"))
        low, high = rule.get("FromPort"), rule.get("ToPort")
        if protocol in ("-1", "all"):
            found["all"] = None
        elif protocol in ("icmp", "icmpv6", "1", "58"):
            found.setdefault("icmp", None)
        elif low is None or high is None or (low in (-1, 0) and high in (-1, 65535)):
            found["all"] = None
        else:
            label = str(low) if low == high else f"{low}-{high}"
            found[label] = None
    return list(found)


def _stable(flow_log: dict[str, Any]) -> dict[str, Any]:
    # Delivery status flips with every delivery hiccup; the evidence is the setting.
    return {k: v for k, v in flow_log.items() if k not in ("DeliverLogsStatus", "DeliverLogsErrorMessage")}


@READERS.reader("ec2.vpc_peering", service="ec2", types=("network.peering",), plane=REGIONAL)
def read_peerings(ctx: Context) -> list[Observation]:
    """Active VPC peerings requested from this region, with the environment each side's
    VPC is tagged with (a side in another account or region is `unknown` unless this
    account can see its VPC)."""
    peerings, call = ctx.items(
        "ec2",
        "DescribeVpcPeeringConnections",
        "VpcPeeringConnections",
        Filters=[{"Name": "status-code", "Values": ["active"]}],
    )
    peerings = [p for p in peerings if p.get("RequesterVpcInfo", {}).get("Region", ctx.region) == ctx.region]
    if not peerings:
        return []
    calls = [call]
    environments: dict[str, str] = {}
    tags_of: dict[str, dict[str, Any]] = {}
    wanted: dict[str, set[str]] = {}
    for peering in peerings:
        for side in (peering.get("RequesterVpcInfo", {}), peering.get("AccepterVpcInfo", {})):
            if side.get("OwnerId", ctx.account) == ctx.account and side.get("VpcId"):
                wanted.setdefault(side.get("Region") or ctx.region, set()).add(side["VpcId"])
    for region, vpc_ids in sorted(wanted.items()):
        vpcs, vpc_call = ctx.items("ec2", "DescribeVpcs", "Vpcs", region=region, VpcIds=sorted(vpc_ids))
        calls.append(vpc_call)
        for vpc in vpcs:
            tags_of[vpc["VpcId"]] = aws_tags(vpc.get("Tags"))
            environments[vpc["VpcId"]] = environment_of(tags_of[vpc["VpcId"]])
    observations = []
    for peering in peerings:
        sides = [peering.get("RequesterVpcInfo", {}), peering.get("AccepterVpcInfo", {})]
        names = [environments.get(str(side.get("VpcId")), UNKNOWN_ENVIRONMENT) for side in sides]
        tags = aws_tags(peering.get("Tags"))
        observations.append(
            ctx.observe(
                "network.peering",
                ctx.arn(
                    "ec2", f"vpc-peering-connection/{peering['VpcPeeringConnectionId']}", region=ctx.region
                ),
                name=tags.get("Name") or peering["VpcPeeringConnectionId"],
                attributes={
                    "status": peering.get("Status", {}).get("Code"),
                    "environments": names,
                    "crosses_environments": UNKNOWN_ENVIRONMENT in names or len(set(names)) > 1,
                    "region": ctx.region,
                },
                raw={
                    "DescribeVpcPeeringConnections": peering,
                    # The tags each side's environment was read from.
                    "DescribeVpcs": {
                        str(side.get("VpcId")): tags_of.get(str(side.get("VpcId"))) for side in sides
                    },
                },
                calls=calls,
            )
        )
    return observations
