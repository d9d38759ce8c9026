"""SNS: every topic in the region, and whether it is encrypted at rest."""

from __future__ import annotations

from evidra.collectors.aws.registry import READERS, REGIONAL, AwsCallFailed, Context
from evidra.model import Observation

# Subscription counts move as subscribers come and go: kept, they would make a new
# snapshot per run; the encryption setting is the evidence.
_VOLATILE = frozenset({"SubscriptionsConfirmed", "SubscriptionsPending", "SubscriptionsDeleted"})


@READERS.reader("sns.topic", service="sns", types=("messaging.topic",), plane=REGIONAL)
def read_topics(ctx: Context) -> list[Observation]:
    topics, list_call = ctx.items("sns", "ListTopics", "Topics")
    observations = []
    for topic in topics:
        arn = topic["TopicArn"]
        try:
            answer, call = ctx.call("sns", "GetTopicAttributes", expect="Attributes", TopicArn=arn)
        except AwsCallFailed as failure:
            if failure.code != "NotFound":  # else: deleted since it was listed
                ctx.skip(failure, arn)
            continue
        attributes = answer["Attributes"]
        kms_key = attributes.get("KmsMasterKeyId") or None
        observations.append(
            ctx.observe(
                "messaging.topic",
                arn,
                name=arn.rsplit(":", 1)[-1],
                attributes={"encrypted": kms_key is not None, "kms_key": kms_key, "region": ctx.region},
                raw={"GetTopicAttributes": {k: v for k, v in attributes.items() if k not in _VOLATILE}},
                calls=[list_call, call],
            )
        )
    return observations
