"""ELBv2 listeners and their TLS, per region: a listener's protocols come from its named
security policy (one DescribeSSLPolicies call for every policy in use in the region)."""

from __future__ import annotations

from typing import Any

from evidra.collectors.aws.registry import READERS, REGIONAL, Context
from evidra.collectors.ciphers import suite_algorithms
from evidra.model import ApiCall, Observation

# Oldest first; how AWS names each protocol in ELB policies and CloudFront settings.
PROTOCOLS = ("SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3")
_ELB_NAMES = {"SSLv2": "SSLv2", "SSLv3": "SSLv3", "TLSv1": "TLSv1.0", "TLSv1.1": "TLSv1.1",
              "TLSv1.2": "TLSv1.2", "TLSv1.3": "TLSv1.3"}  # fmt: skip
_TLS_LISTENERS = frozenset({"HTTPS", "TLS"})


@READERS.reader("elbv2.listener", service="elbv2", types=("network.endpoint",), plane=REGIONAL)
def read_listeners(ctx: Context) -> list[Observation]:
    balancers, lb_call = ctx.items("elbv2", "DescribeLoadBalancers", "LoadBalancers")
    listeners: list[tuple[dict[str, Any], ApiCall]] = []
    for balancer in balancers:
        found, call = ctx.items(
            "elbv2", "DescribeListeners", "Listeners", LoadBalancerArn=balancer["LoadBalancerArn"]
        )
        listeners.extend((listener, call) for listener in found)
    names = sorted(
        {
            str(item["SslPolicy"])
            for item, _ in listeners
            if item.get("Protocol") in _TLS_LISTENERS and item.get("SslPolicy")
        }
    )
    policies: dict[str, dict[str, Any]] = {}
    policy_call = None
    if names:
        answer, policy_call = ctx.call("elbv2", "DescribeSSLPolicies", expect="SslPolicies", Names=names)
        policies = {p["Name"]: p for p in answer["SslPolicies"]}
    observations = []
    for listener, call in listeners:
        protocol = str(listener.get("Protocol"))
        if protocol not in (*_TLS_LISTENERS, "HTTP"):
            continue  # TCP / UDP pass bytes through: TLS, if any, is the targets' business
        calls = [lb_call, call]
        raw: dict[str, Any] = {"DescribeListeners": listener}
        tls = protocol in _TLS_LISTENERS
        policy_name = listener.get("SslPolicy") if tls else None
        minimum = None
        ciphers = None
        if policy_name and policy_call is not None:
            policy = policies.get(policy_name, {})
            suites = [c["Name"] for c in policy.get("Ciphers", []) if c.get("Name")]
            raw["DescribeSSLPolicies"] = {
                "Name": policy_name,
                "SslProtocols": policy.get("SslProtocols"),
                "Ciphers": suites,
            }
            calls.append(policy_call)
            minimum = oldest(_ELB_NAMES.get(p, p) for p in policy.get("SslProtocols", []))
            ciphers = suite_algorithms(suites) if suites else None
        observations.append(
            ctx.observe(
                "network.endpoint",
                listener["ListenerArn"],
                name=f"{listener['ListenerArn'].split('/')[-3]}:{listener.get('Port')} ({protocol})",
                attributes={
                    "kind": "load_balancer_listener",
                    "protocol": protocol,
                    "tls_policy": policy_name,
                    "min_tls_protocol": minimum,
                    "cipher_algorithms": ciphers,
                    "plaintext_allowed": protocol == "HTTP" and not redirects_to_https(listener),
                    "region": ctx.region,
                },
                raw=raw,
                calls=calls,
            )
        )
    return observations


def oldest(protocols: Any) -> str | None:
    known = [p for p in protocols if p in PROTOCOLS]
    return min(known, key=PROTOCOLS.index) if known else None


def redirects_to_https(listener: dict[str, Any]) -> bool:
    return any(
        action.get("Type") == "redirect" and action.get("RedirectConfig", {}).get("Protocol") == "HTTPS"
        for action in listener.get("DefaultActions", [])
    )
