"""Network security groups (network.firewall_rule): inbound rules open to the Internet.

A rule admits the Internet when it allows inbound traffic from `*`, `Internet`,
`Any`, `0.0.0.0/0` or `::/0`. Azure's default rules (`defaultSecurityRules`) admit only
the virtual network and the load balancer, but are read too: evidence is the whole
group. Rules are taken in priority order; a lower-priority Allow shadowed by a Deny
for the same traffic is still reported (the shadowing is rarely exact, and an
auditor will want to see the Allow).
"""

from __future__ import annotations

from typing import Any

from evidra.collectors.azure.context import ARM, READERS, Arm
from evidra.model import Observation

ANY_SOURCE = frozenset({"*", "internet", "any", "0.0.0.0/0", "::/0", "0.0.0.0"})  # noqa: S104 - sources
# Remote administration, and the databases AC-POL-001's segmentation names (as for AWS).
ADMIN_PORTS = frozenset({22, 3389, 1433, 3306, 5432, 6379, 27017})


@READERS.reader("azure.network", types=("network.firewall_rule",), plane=ARM)
def read_security_groups(arm: Arm) -> list[Observation]:
    groups, call = arm.items(
        "network", "networkSecurityGroups.listAll", lambda c: c.network_security_groups.list_all()
    )
    observations = []
    for group in groups:
        props = group.get("properties") or {}
        ports = internet_ports([*props.get("securityRules", []), *props.get("defaultSecurityRules", [])])
        networks = sorted(
            {"/".join(str(s.get("id", "")).split("/")[:9]) for s in props.get("subnets") or [] if s.get("id")}
        )
        observations.append(
            arm.observe(
                "network.firewall_rule",
                group["id"],
                name=group["name"],
                attributes={
                    "network": ", ".join(networks) or None,
                    "open_to_internet": bool(ports),
                    "internet_ports": [label for label, _ in ports],
                    "admin_ports_open_to_internet": any(admin for _, admin in ports),
                    "region": group.get("location"),
                },
                raw={"networkSecurityGroup": group},
                calls=[call],
            )
        )
    return observations


def internet_ports(rules: list[dict[str, Any]]) -> list[tuple[str, bool]]:
    """(what any address may reach, whether it includes an administration or database
    port) for each inbound Allow rule from the Internet, in priority order."""
    found: dict[str, bool] = {}
    ordered = sorted(rules, key=lambda r: (r.get("properties") or {}).get("priority", 65500))
    for rule in ordered:
        props = rule.get("properties") or {}
        if props.get("direction") != "Inbound" or props.get("access") != "Allow":
            continue
        sources = [props.get("sourceAddressPrefix"), *(props.get("sourceAddressPrefixes") or [])]
        if not any(str(s).lower() in ANY_SOURCE for s in sources if s):
            continue
        if str(props.get("protocol", "*")).lower() == "icmp":
            found.setdefault("icmp", False)
            continue
        ranges = [props.get("destinationPortRange"), *(props.get("destinationPortRanges") or [])]
        for port_range in (str(r) for r in ranges if r):
            if port_range in ("*", "0-65535"):
                found["all"] = True
                continue
            low, _, high = port_range.partition("-")
            first, last = int(low), int(high or low)
            found[port_range] = any(first <= port <= last for port in ADMIN_PORTS)
    return list(found.items())
