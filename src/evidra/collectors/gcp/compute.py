"""Compute Engine: persistent disks (their encryption key) and VPC firewall rules open to
the Internet."""

from __future__ import annotations

from typing import Any

from evidra.collectors.gcp.context import DISK, FIREWALL, READERS, Context, data, stable
from evidra.model import Observation

ANY_ADDRESS = frozenset({"0.0.0.0/0", "::/0"})


@READERS.reader("gcp.compute.disk", needs=("resources",), types=("compute.volume",))
def read_disks(ctx: Context) -> list[Observation]:
    observations = []
    for asset in ctx.assets(DISK):
        disk = data(asset)
        kms_key = (disk.get("diskEncryptionKey") or {}).get("kmsKeyName")
        observations.append(
            ctx.observe(
                "compute.volume",
                asset["name"],
                name=disk.get("name") or asset["name"].rsplit("/", 1)[-1],
                attributes={
                    "encrypted": True,  # always; the key is Google's, the customer's or supplied
                    "kms_key": kms_key.split("/cryptoKeyVersions/")[0] if kms_key else None,
                    "attached": bool(disk.get("users")),
                    "region": _last(disk.get("zone") or disk.get("region")),
                },
                raw={"asset": stable(asset)},
                calls=[ctx.call("resources")],
            )
        )
    return observations


@READERS.reader("gcp.compute.firewall", needs=("resources",), types=("network.firewall_rule",))
def read_firewalls(ctx: Context) -> list[Observation]:
    observations = []
    for asset in ctx.assets(FIREWALL):
        rule = data(asset)
        ports = internet_ports(rule)
        observations.append(
            ctx.observe(
                "network.firewall_rule",
                asset["name"],
                name=rule.get("name") or asset["name"].rsplit("/", 1)[-1],
                attributes={
                    "network": _last(rule.get("network")),
                    "open_to_internet": bool(ports),
                    "internet_ports": ports,
                    "region": "global",
                },
                raw={"asset": stable(asset)},
                calls=[ctx.call("resources")],
            )
        )
    return observations


def internet_ports(rule: dict[str, Any]) -> list[str]:
    """What any address may reach (ports, ranges, `all`, `icmp` ...) through an enabled
    ingress rule allowing 0.0.0.0/0 or ::/0; the control judges which ports matter."""
    if rule.get("disabled") or rule.get("direction", "INGRESS") != "INGRESS":
        return []
    if not ANY_ADDRESS & set(rule.get("sourceRanges", [])):
        return []
    found: dict[str, None] = {}  # insertion-ordered, no duplicates
    for allowed in rule.get("allowed", []):
        protocol = str(allowed.get("IPProtocol", "all")).lower()
        ports = allowed.get("ports") or []
        if protocol == "all" or (protocol in ("tcp", "udp", "sctp", "6", "17") and not ports):
            found["all"] = None
        elif protocol in ("icmp", "ipv6-icmp", "1", "58"):
            found.setdefault("icmp", None)
        elif ports:
            for port in ports:
                found[str(port)] = None
        else:
            found.setdefault(protocol, None)  # esp, ah ...: no ports to administer through
    return list(found)


def _last(url: Any) -> str | None:
    """`https://www.googleapis.com/compute/v1/projects/p/zones/europe-west1-b` -> `europe-west1-b`."""
    return str(url).rstrip("/").rsplit("/", 1)[-1] if url else None
