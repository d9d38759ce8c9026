"""CloudFront distributions (global) and their TLS: the minimum protocol is named in the
distribution; its default certificate (*.cloudfront.net) still accepts TLS 1.0."""

from __future__ import annotations

from typing import Any

from evidra.collectors.aws.registry import GLOBAL, READERS, Context
from evidra.model import Observation


@READERS.reader("cloudfront.distribution", service="cloudfront", types=("network.endpoint",), plane=GLOBAL)
def read_distributions(ctx: Context) -> list[Observation]:
    pages, call = ctx.pages("cloudfront", "ListDistributions", "DistributionList")
    observations = []
    for page in pages:
        for distribution in page.get("DistributionList", {}).get("Items", []):
            certificate = distribution.get("ViewerCertificate", {})
            behaviours = [distribution.get("DefaultCacheBehavior", {})]
            behaviours += distribution.get("CacheBehaviors", {}).get("Items", [])
            observations.append(
                ctx.observe(
                    "network.endpoint",
                    distribution["ARN"],
                    name=distribution.get("DomainName") or distribution["Id"],
                    attributes={
                        "kind": "cdn_distribution",
                        "protocol": "HTTPS",
                        "tls_policy": certificate.get("MinimumProtocolVersion"),
                        "min_tls_protocol": cloudfront_minimum(certificate),
                        "plaintext_allowed": any(
                            b.get("ViewerProtocolPolicy") == "allow-all" for b in behaviours
                        ),
                        "region": "global",
                    },
                    raw={"ListDistributions": {k: v for k, v in distribution.items() if k != "Status"}},
                    calls=[call],
                )
            )
    return observations


def cloudfront_minimum(certificate: dict[str, Any]) -> str | None:
    """CloudFront's MinimumProtocolVersion (TLSv1.2_2021 ...) as a protocol name."""
    if certificate.get("CloudFrontDefaultCertificate"):
        return "TLSv1.0"  # the *.cloudfront.net certificate accepts TLS 1.0 whatever is set
    version = str(certificate.get("MinimumProtocolVersion") or "")
    if version == "SSLv3":
        return "SSLv3"
    for prefix, name in (("TLSv1.3", "TLSv1.3"), ("TLSv1.2", "TLSv1.2"), ("TLSv1.1", "TLSv1.1")):
        if version.startswith(prefix):
            return name
    return "TLSv1.0" if version.startswith("TLSv1") else None
