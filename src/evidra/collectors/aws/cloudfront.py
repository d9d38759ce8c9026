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
                        "cipher_algorithms": cloudfront_algorithms(certificate),
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


# The algorithms of CloudFront's viewer security policies, from the table "Supported
# protocols and ciphers between viewers and CloudFront" (CloudFront Developer Guide):
# SSLv3 and TLSv1 still offer DES-CBC3-SHA (SSLv3 RC4-MD5 too); up to TLSv1.1_2016 the
# *-SHA suites (HMAC-SHA-1); from TLSv1.2_2018 only SHA-256/384 and AEAD suites.
_CLOUDFRONT_MODERN = ["AES", "CHACHA20", "SHA-256", "SHA-384"]
_CLOUDFRONT_ALGORITHMS = {
    "SSLv3": ["3DES", "AES", "CHACHA20", "MD5", "RC4", "SHA-1", "SHA-256", "SHA-384"],
    "TLSv1": ["3DES", "AES", "CHACHA20", "SHA-1", "SHA-256", "SHA-384"],
    "TLSv1_2016": ["AES", "CHACHA20", "SHA-1", "SHA-256", "SHA-384"],
    "TLSv1.1_2016": ["AES", "CHACHA20", "SHA-1", "SHA-256", "SHA-384"],
}


def cloudfront_algorithms(certificate: dict[str, Any]) -> list[str] | None:
    if certificate.get("CloudFrontDefaultCertificate"):
        return _CLOUDFRONT_ALGORITHMS["TLSv1"]  # *.cloudfront.net: the TLSv1 policy, whatever is set
    version = str(certificate.get("MinimumProtocolVersion") or "")
    if version in _CLOUDFRONT_ALGORITHMS:
        return _CLOUDFRONT_ALGORITHMS[version]
    return _CLOUDFRONT_MODERN if version.startswith(("TLSv1.2_", "TLSv1.3_")) else None
