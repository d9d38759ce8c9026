"""S3: every bucket (listed once per account), and the account-wide public access block.

Per bucket: default encryption, public access (block, policy, ACL), TLS-only policy,
versioning and server access logging.

Each bucket is read in its own region. A bucket whose own policy denies us is
reported and stepped over, so one locked bucket does not hide the others.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from evidra.collectors.aws import policy_doc
from evidra.collectors.aws.registry import GLOBAL, READERS, AwsCallFailed, Context
from evidra.collectors.tags import aws_tags, classification_of
from evidra.model import ApiCall, Observation

_BLOCK_FLAGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
_PUBLIC_GROUPS = frozenset(
    {
        "http://acs.amazonaws.com/groups/global/AllUsers",
        "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
    }
)
# GetBucketLocation answers null for us-east-1 and "EU" for the oldest Irish buckets.
_LEGACY_LOCATIONS = {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}


@READERS.reader("s3.bucket", service="s3", types=("storage.bucket", "account"), plane=GLOBAL)
def read_buckets(ctx: Context) -> list[Observation]:
    account_block, account_call = ctx.optional(
        "s3control",
        "GetPublicAccessBlock",
        absent=("NoSuchPublicAccessBlockConfiguration",),
        expect="PublicAccessBlockConfiguration",
        AccountId=ctx.account,
    )
    account_flags = _flags(account_block)
    observations = [
        ctx.observe(
            "account",
            ctx.account_arn(),
            name=ctx.account,
            attributes={"public_access_blocked": all(account_flags.values())},
            raw={"GetPublicAccessBlock": account_block},
            calls=[account_call],
        )
    ]
    buckets, list_call = ctx.items("s3", "ListBuckets", "Buckets")

    def read(bucket: dict[str, Any]) -> Observation | None:
        try:
            return _read_bucket(ctx, bucket, account_flags, [list_call, account_call])
        except AwsCallFailed as failure:
            if failure.code != "NoSuchBucket":  # else: deleted since it was listed
                ctx.skip(failure, f"arn:{ctx.partition}:s3:::{bucket['Name']}")
            return None

    # Six calls a bucket, and buckets are listed once per account: read them in
    # parallel or the S3 unit alone sets the length of the whole run.
    with ThreadPoolExecutor(ctx.session.settings.max_workers, thread_name_prefix="evidra-s3") as pool:
        observations.extend(found for found in pool.map(read, buckets) if found is not None)
    return observations


def _read_bucket(
    ctx: Context, bucket: dict[str, Any], account_flags: dict[str, bool], calls: list[ApiCall]
) -> Observation:
    name = bucket["Name"]
    calls = list(calls)
    raw: dict[str, Any] = {"ListBuckets": bucket}
    region = ctx.region  # GetBucketLocation works from any region; the rest go to the bucket's

    def get(operation: str, *, absent: tuple[str, ...] = (), expect: str | None = None) -> Any:
        answer, call = ctx.optional("s3", operation, absent=absent, region=region, expect=expect, Bucket=name)
        calls.append(call)
        raw[operation] = answer
        return answer

    location = get("GetBucketLocation")
    region = _LEGACY_LOCATIONS.get(location.get("LocationConstraint"), location.get("LocationConstraint"))

    encryption = get("GetBucketEncryption", absent=("ServerSideEncryptionConfigurationNotFoundError",))
    bucket_block = get("GetPublicAccessBlock", absent=("NoSuchPublicAccessBlockConfiguration",))
    policy = get("GetBucketPolicy", absent=("NoSuchBucketPolicy",))
    policy_status = get("GetBucketPolicyStatus", absent=("NoSuchBucketPolicy",)) if policy else None
    acl = get("GetBucketAcl")
    tagging = get("GetBucketTagging", absent=("NoSuchTagSet",))
    lifecycle = get("GetBucketLifecycleConfiguration", absent=("NoSuchLifecycleConfiguration",))
    versioning = get("GetBucketVersioning")
    logging_ = get("GetBucketLogging")

    algorithm, kms_key = _default_encryption(encryption)
    flags = {flag: bucket_flag or account_flags[flag] for flag, bucket_flag in _flags(bucket_block).items()}
    document = (policy or {}).get("Policy")
    # AWS's own verdict counts when it says public; ours covers what it may not know.
    aws_says_public = bool((policy_status or {}).get("PolicyStatus", {}).get("IsPublic"))
    policy_public = aws_says_public or policy_doc.grants_public(document)
    acl_public = any(g.get("Grantee", {}).get("URI") in _PUBLIC_GROUPS for g in acl.get("Grants", []))
    public = (policy_public and not flags["RestrictPublicBuckets"]) or (
        acl_public and not flags["IgnorePublicAcls"]
    )
    return ctx.observe(
        "storage.bucket",
        f"arn:{ctx.partition}:s3:::{name}",
        name=name,
        attributes={
            "encrypted": algorithm is not None,
            "encryption_algorithm": algorithm,
            "kms_key": kms_key,
            "public_access_blocked": all(flags.values()),
            "policy_grants_public": policy_public,
            "acl_grants_public": acl_public,
            "public": public,
            "tls_only": policy_doc.denies_insecure_transport(document),
            "region": region,
            # "Suspended" keeps old versions but makes no new ones: not versioning.
            "versioning": versioning.get("Status") == "Enabled",
            "access_logging": bool(logging_.get("LoggingEnabled")),
            "classification": classification_of(aws_tags((tagging or {}).get("TagSet"))),
            "lifecycle_expiry": expires_objects(lifecycle),
        },
        raw=raw,
        calls=calls,
    )


def expires_objects(lifecycle: dict[str, Any] | None) -> bool:
    """An enabled lifecycle rule deletes current objects after a time or on a date
    (deleting only old versions or delete markers disposes of nothing that is current)."""
    for rule in (lifecycle or {}).get("Rules", []):
        expiration = rule.get("Expiration") or {}
        if rule.get("Status") == "Enabled" and (expiration.get("Days") or expiration.get("Date")):
            return True
    return False


def _flags(answer: dict[str, Any] | None) -> dict[str, bool]:
    config = (answer or {}).get("PublicAccessBlockConfiguration", {})
    return {flag: bool(config.get(flag)) for flag in _BLOCK_FLAGS}


def _default_encryption(answer: dict[str, Any] | None) -> tuple[str | None, str | None]:
    rules = (answer or {}).get("ServerSideEncryptionConfiguration", {}).get("Rules", [])
    for rule in rules:
        default = rule.get("ApplyServerSideEncryptionByDefault") or {}
        algorithm = default.get("SSEAlgorithm")
        if algorithm:
            return algorithm, default.get("KMSMasterKeyID") if algorithm.startswith("aws:kms") else None
    return None, None
