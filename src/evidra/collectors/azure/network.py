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
from evidra.collectors.azure.tls import min_tls_protocol
from evidra.collectors.ciphers import suite_algorithms
from evidra.collectors.tags import UNKNOWN_ENVIRONMENT, environment_of
from evidra.model import Observation

ANY_SOURCE = frozenset({"*", "internet", "any", "0.0.0.0/0", "::/0", "0.0.0.0"})  # noqa: S104 - sources


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
                    "internet_ports": ports,
                    "region": group.get("location"),
                },
                raw={"networkSecurityGroup": group},
                calls=[call],
            )
        )
    return observations


def internet_ports(rules: list[dict[str, Any]]) -> list[str]:
    """What any address may reach (ports, ranges, `all`, `icmp`) through the inbound Allow
    rules from the Internet, in priority order; the control judges which ports matter."""
    found: dict[str, None] = {}  # insertion-ordered, no duplicates
    ordered = sorted(rules, key=lambda r: (r.get("properties") or {}).get("priority", 65500))
    for rule in ordered:
        props = rule.get("properties") or {}
        if props.get("direction") != "Inbound" or props.get("access") != "Allow":
            continue
        sources = [props.get("sourceAddressPrefix"), *(props.get("sourceAddressPrefixes") or [])]
        if not any(str(s).lower() in ANY_SOURCE for s in sources if s):
            continue
        if str(props.get("protocol", "*")).lower() == "icmp":
            found.setdefault("icmp", None)
            continue
        ranges = [props.get("destinationPortRange"), *(props.get("destinationPortRanges") or [])]
        for port_range in (str(r) for r in ranges if r):
            if port_range in ("*", "0-65535"):
                found["all"] = None
                continue
            found[port_range] = None
    return list(found)


@READERS.reader("azure.vnet_peering", types=("network.peering",), plane=ARM)
def read_peerings(arm: Arm) -> list[Observation]:
    """Connected virtual network peerings, each side's environment from its VNet's tags
    (a remote VNet outside this subscription's listing is `unknown`)."""
    networks, call = arm.items("network", "virtualNetworks.listAll", lambda c: c.virtual_networks.list_all())
    tags = {str(n["id"]).lower(): n.get("tags") or {} for n in networks}
    observations = []
    for network in networks:
        for peering in (network.get("properties") or {}).get("virtualNetworkPeerings") or []:
            props = peering.get("properties") or {}
            if props.get("peeringState") != "Connected":
                continue
            remote = str((props.get("remoteVirtualNetwork") or {}).get("id", "")).lower()
            names = [environment_of(network.get("tags")), environment_of(tags.get(remote))]
            if remote not in tags:
                names[1] = UNKNOWN_ENVIRONMENT
            observations.append(
                arm.observe(
                    "network.peering",
                    peering["id"],
                    name=f"{network['name']}/{peering['name']}",
                    attributes={
                        "status": props.get("peeringState"),
                        "environments": names,
                        "crosses_environments": UNKNOWN_ENVIRONMENT in names or len(set(names)) > 1,
                        "region": network.get("location"),
                    },
                    raw={
                        "virtualNetwork": {k: v for k, v in network.items() if k != "properties"},
                        "peering": peering,
                        "remoteVirtualNetworkTags": tags.get(remote),
                    },
                    calls=[call],
                )
            )
    return observations


# Application Gateway's predefined TLS policies ("Application Gateway TLS policy overview"):
# the oldest protocol each accepts, and the prohibited algorithms among its suites. Before
# 2022 every predefined policy offers *_CBC_SHA suites (HMAC-SHA-1), and 20150501 also
# TLS_RSA_WITH_3DES_EDE_CBC_SHA; the 2022 policies offer GCM and SHA-256/384 suites only.
_APPGW_PREDEFINED: dict[str, tuple[str, list[str]]] = {
    "AppGwSslPolicy20150501": ("TLSv1.0", ["3DES", "AES", "SHA-1", "SHA-256", "SHA-384"]),
    "AppGwSslPolicy20170401": ("TLSv1.1", ["AES", "SHA-1", "SHA-256", "SHA-384"]),
    "AppGwSslPolicy20170401S": ("TLSv1.2", ["AES", "SHA-1", "SHA-256", "SHA-384"]),
    "AppGwSslPolicy20220101": ("TLSv1.2", ["AES", "SHA-256", "SHA-384"]),
    "AppGwSslPolicy20220101S": ("TLSv1.2", ["AES", "SHA-256", "SHA-384"]),
}


def gateway_tls(policy: dict[str, Any] | None) -> tuple[str | None, str | None, list[str] | None]:
    """(policy name, oldest protocol, cipher algorithms) of a gateway's sslPolicy. Without
    one, the default depends on the API version the gateway was made with: unknown."""
    if not policy:
        return None, None, None
    name = policy.get("policyName")
    if policy.get("policyType") == "Predefined" and name in _APPGW_PREDEFINED:
        oldest, found = _APPGW_PREDEFINED[str(name)]
        return str(name), oldest, found
    suites = [str(s) for s in policy.get("cipherSuites") or []]
    minimum = min_tls_protocol(str(policy.get("minProtocolVersion") or "").upper().replace("TLSV", "TLS"))
    return str(policy.get("policyType") or "Custom"), minimum, suite_algorithms(suites) if suites else None


@READERS.reader("azure.application_gateways", types=("network.endpoint",), plane=ARM)
def read_application_gateways(arm: Arm) -> list[Observation]:
    gateways, call = arm.items(
        "network", "applicationGateways.listAll", lambda c: c.application_gateways.list_all()
    )
    observations = []
    for gateway in gateways:
        props = gateway.get("properties") or {}
        listeners = props.get("httpListeners") or []
        protocols = {str((item.get("properties") or {}).get("protocol", "")).lower() for item in listeners}
        redirected = {
            str(((rule.get("properties") or {}).get("httpListener") or {}).get("id", "")).lower()
            for rule in props.get("requestRoutingRules") or []
            if (rule.get("properties") or {}).get("redirectConfiguration")
        }
        plaintext = any(
            str((item.get("properties") or {}).get("protocol", "")).lower() == "http"
            and str(item.get("id", "")).lower() not in redirected
            for item in listeners
        )
        name, minimum, algorithms = gateway_tls(props.get("sslPolicy"))
        https = "https" in protocols
        observations.append(
            arm.observe(
                "network.endpoint",
                gateway["id"],
                name=f"{gateway['name']} (application gateway)",
                attributes={
                    "kind": "application_gateway",
                    "protocol": "HTTPS" if https else "HTTP",
                    "tls_policy": name,
                    "min_tls_protocol": minimum if https else None,
                    "cipher_algorithms": algorithms if https else None,
                    "plaintext_allowed": plaintext,
                    "region": gateway.get("location"),
                },
                raw={"applicationGateway": {k: v for k, v in gateway.items() if k != "etag"}},
                calls=[call],
            )
        )
    return observations
