"""ACM: every certificate in the region, with its validity and key."""

from __future__ import annotations

import re
from typing import Any

from evidra.collectors.aws.registry import READERS, REGIONAL, AwsCallFailed, Context
from evidra.model import ApiCall, Observation, iso

# ListCertificates leaves out every key type but RSA_1024 and RSA_2048 unless asked.
KEY_TYPES = ["RSA_1024", "RSA_2048", "RSA_3072", "RSA_4096", "EC_prime256v1", "EC_secp384r1", "EC_secp521r1"]
_EC_BITS = {"prime256v1": 256, "secp384r1": 384, "secp521r1": 521}


@READERS.reader("acm.certificate", service="acm", types=("certificate",), plane=REGIONAL)
def read_certificates(ctx: Context) -> list[Observation]:
    summaries, list_call = ctx.items(
        "acm",
        "ListCertificates",
        "CertificateSummaryList",
        Includes={"keyTypes": KEY_TYPES},
        PaginationConfig={"PageSize": 1000},  # the API's largest page
    )
    observations = []
    for summary in summaries:
        try:
            observations.append(_read_certificate(ctx, summary["CertificateArn"], list_call))
        except AwsCallFailed as failure:
            if failure.code != "ResourceNotFoundException":  # else: deleted since it was listed
                ctx.skip(failure, summary["CertificateArn"])
    return observations


def _read_certificate(ctx: Context, arn: str, list_call: ApiCall) -> Observation:
    answer, call = ctx.call("acm", "DescribeCertificate", expect="Certificate", CertificateArn=arn)
    cert = answer["Certificate"]
    family, bits = key_size(str(cert.get("KeyAlgorithm", "")))
    return ctx.observe(
        "certificate",
        arn,
        name=cert.get("DomainName") or arn,
        attributes={
            "domain": cert.get("DomainName"),
            "status": cert.get("Status"),
            # An imported certificate was issued when its validity began, not when imported.
            "issued": iso(cert.get("IssuedAt") or cert.get("NotBefore") or cert.get("ImportedAt")),
            "expires": iso(cert.get("NotAfter")),
            "key_algorithm": cert.get("KeyAlgorithm"),
            "key_family": family,
            "key_bits": bits,
            "in_use": bool(cert.get("InUseBy")),
            "managed_renewal": cert.get("Type") == "AMAZON_ISSUED",
            "region": ctx.region,
        },
        raw={"DescribeCertificate": _stable(cert)},
        calls=[list_call, call],
    )


def key_size(algorithm: str) -> tuple[str | None, int | None]:
    """ACM's KeyAlgorithm (RSA_2048, EC_prime256v1 ...) as family and bits."""
    if match := re.fullmatch(r"RSA[-_](\d+)", algorithm):
        return "RSA", int(match.group(1))
    if algorithm.startswith("EC_"):
        return "EC", _EC_BITS.get(algorithm.removeprefix("EC_"))
    return None, None


def _stable(cert: dict[str, Any]) -> dict[str, Any]:
    # The renewal summary's clock moves while AWS retries validation.
    return {k: v for k, v in cert.items() if k != "RenewalSummary"}
