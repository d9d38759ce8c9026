"""Amazon Macie: sensitive-data discovery (DLP monitoring of S3) in each region.

GetMacieSession only: moto implements neither GetAutomatedDiscoveryConfiguration nor
ListClassificationJobs, so whether Macie scans automatically is not read (yet)."""

from __future__ import annotations

from evidra.collectors.aws.registry import READERS, REGIONAL, AwsCallFailed, Context
from evidra.model import ApiCall, Observation

# Macie off: AWS answers 403 AccessDeniedException "Macie is not enabled." (the code of a
# refused permission too, told apart by the message); moto answers ResourceNotFoundException.
_NOT_ENABLED = "is not enabled"


def _not_enabled(failure: AwsCallFailed) -> bool:
    return failure.code == "ResourceNotFoundException" or (
        failure.code == "AccessDeniedException" and _NOT_ENABLED in str(failure)
    )


@READERS.reader("macie.session", service="macie2", types=("monitoring.data_loss_prevention",), plane=REGIONAL)
def read_macie(ctx: Context) -> list[Observation]:
    # Macie is not offered in every region (botocore's endpoint data says where it is; its
    # endpoint elsewhere does not resolve): nothing there can be monitored, nor judged.
    if ctx.region not in ctx.session.boto.get_available_regions("macie2", partition_name=ctx.partition):
        return []
    try:
        session, call = ctx.call("macie2", "GetMacieSession", expect="status")
    except AwsCallFailed as failure:
        if not _not_enabled(failure):
            raise
        session, call = {}, ApiCall("macie2", "GetMacieSession", {}, ctx.region)
    return [
        ctx.observe(
            "monitoring.data_loss_prevention",
            ctx.arn("macie2", "session", region=ctx.region),
            name=f"Macie ({ctx.region})",
            attributes={
                "service": "macie",
                "enabled": session.get("status") == "ENABLED",
                "region": ctx.region,
            },
            raw={"GetMacieSession": {k: v for k, v in session.items() if k != "updatedAt"} or None},
            calls=[call],
        )
    ]
