"""A small, realistic AWS estate seeded into the emulator: some of it compliant, some not.

Every control in the catalog has something to pass and something to fail here, and
the raw answers carry two secrets (a tag value and a token inside a bucket policy)
that redaction must catch. Names are fixed, so a fresh emulator always holds the
same estate; call it once per fresh (or reset) server.
"""

from __future__ import annotations

import json
from typing import Any

DEFAULT_REGIONS = ("us-east-1", "eu-west-1")
ADMIN_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess"
# Secrets planted for the redaction tests. Never real: the estate lives in an emulator.
TAG_SECRET = "hunter2-secret"  # noqa: S105
POLICY_TOKEN = "ghp_" + "EvidraDemo0nlyT0ken" + "0123456789abcdefg"
_DEMO_PASSWORD = "Demo-only-Passw0rd!"  # noqa: S105

BUCKET_SECURE = "evidra-demo-records"
BUCKET_PLAIN = "evidra-demo-exports"
BUCKET_PUBLIC = "evidra-demo-website"
BUCKET_TRAIL = "evidra-demo-audit-logs"


def seed_estate(endpoint_url: str, regions: tuple[str, ...] | list[str] = DEFAULT_REGIONS) -> dict[str, Any]:
    """Create the demo estate against the emulator at `endpoint_url`; return what was made.

    The first region is the primary one (default EBS encryption on, the multi-region
    trail's home); the last is the secondary one (default EBS encryption off).
    """
    if not regions:
        raise ValueError("seed_estate needs at least one region")
    primary, secondary = regions[0], regions[-1]
    clients = _Clients(endpoint_url)
    account = clients("sts", primary).get_caller_identity()["Account"]

    users = _seed_iam(clients("iam", primary))
    keys = _seed_kms(clients, primary, secondary)
    buckets = _seed_buckets(clients, primary, secondary, keys[secondary]["rotating"])
    volumes = _seed_ec2(clients, primary, secondary, keys[primary]["rotating"])
    databases = _seed_rds(clients, primary, secondary, keys[secondary]["rotating"])
    trails = _seed_cloudtrail(clients, primary, secondary, keys[secondary]["rotating"])
    return {
        "account": account,
        "regions": list(dict.fromkeys([primary, secondary])),
        "users": users,
        "password_policy": {"min_length": 8, "classes": ["lowercase", "numbers"]},
        "kms_keys": keys,
        "buckets": buckets,
        "volumes": volumes,
        "db_instances": databases,
        "trails": trails,
        "ebs_encryption_by_default": {primary: True, **({secondary: False} if secondary != primary else {})},
    }


class _Clients:
    """boto3 clients pointed at the emulator, with its placeholder credentials (so a
    real AWS identity in the environment is never used to sign anything here)."""

    def __init__(self, endpoint_url: str) -> None:
        import boto3

        self._session = boto3.Session(
            aws_access_key_id="testing",
            aws_secret_access_key="testing",  # noqa: S106 - the emulator's placeholder
            region_name=DEFAULT_REGIONS[0],
        )
        self._endpoint = endpoint_url

    def __call__(self, service: str, region: str) -> Any:
        make_client: Any = self._session.client  # the stubs want a literal service name
        return make_client(service, region_name=region, endpoint_url=self._endpoint)


def _seed_iam(iam: Any) -> dict[str, dict[str, Any]]:
    for name in ("alice", "bob", "carol", "deploy"):
        iam.create_user(UserName=name)
    for name in ("alice", "bob", "carol"):
        iam.create_login_profile(UserName=name, Password=_DEMO_PASSWORD)
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice")["VirtualMFADevice"]
    iam.enable_mfa_device(
        UserName="alice",
        SerialNumber=device["SerialNumber"],
        AuthenticationCode1="123456",
        AuthenticationCode2="234567",
    )
    iam.attach_user_policy(UserName="carol", PolicyArn=ADMIN_POLICY)
    key_id = iam.create_access_key(UserName="deploy")["AccessKey"]["AccessKeyId"]
    # Weak on purpose: short, two character classes, no expiry, reuse allowed.
    iam.update_account_password_policy(
        MinimumPasswordLength=8,
        RequireLowercaseCharacters=True,
        RequireNumbers=True,
        RequireUppercaseCharacters=False,
        RequireSymbols=False,
        AllowUsersToChangePassword=True,
    )
    return {
        "alice": {"console": True, "mfa": "virtual", "admin": False},
        "bob": {"console": True, "mfa": None, "admin": False},
        "carol": {"console": True, "mfa": None, "admin": True},
        "deploy": {"console": False, "mfa": None, "admin": False, "access_key": key_id},
    }


def _seed_kms(clients: _Clients, primary: str, secondary: str) -> dict[str, dict[str, str]]:
    made: dict[str, dict[str, str]] = {}
    for region in dict.fromkeys([primary, secondary]):
        kms = clients("kms", region)
        rotating = kms.create_key(Description="evidra demo: rotating data key")["KeyMetadata"]
        kms.enable_key_rotation(KeyId=rotating["KeyId"])
        static = kms.create_key(Description="evidra demo: key without rotation")["KeyMetadata"]
        made[region] = {"rotating": rotating["Arn"], "static": static["Arn"]}
    retired = clients("kms", primary).create_key(Description="evidra demo: disabled key")["KeyMetadata"]
    clients("kms", primary).disable_key(KeyId=retired["KeyId"])
    made[primary]["disabled"] = retired["Arn"]
    return made


def _create_bucket(s3: Any, name: str, region: str) -> None:
    if region == "us-east-1":
        s3.create_bucket(Bucket=name)
    else:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})


def _block_public_access(s3: Any, name: str) -> None:
    s3.put_public_access_block(
        Bucket=name,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )


def _seed_buckets(clients: _Clients, primary: str, secondary: str, kms_key: str) -> dict[str, dict[str, Any]]:
    s3_primary, s3_secondary = clients("s3", primary), clients("s3", secondary)

    # Compliant: SSE-KMS, public access blocked, TLS required.
    _create_bucket(s3_secondary, BUCKET_SECURE, secondary)
    s3_secondary.put_bucket_encryption(
        Bucket=BUCKET_SECURE,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": kms_key}}
            ]
        },
    )
    _block_public_access(s3_secondary, BUCKET_SECURE)
    s3_secondary.put_bucket_policy(Bucket=BUCKET_SECURE, Policy=json.dumps(_tls_only_policy(BUCKET_SECURE)))

    # No default encryption (moto's default; AWS would apply SSE-S3 since 2023).
    _create_bucket(s3_primary, BUCKET_PLAIN, primary)

    # Public: anyone may read; a secret-named tag and a token in the policy.
    _create_bucket(s3_primary, BUCKET_PUBLIC, primary)
    s3_primary.put_bucket_policy(Bucket=BUCKET_PUBLIC, Policy=json.dumps(_public_policy(BUCKET_PUBLIC)))
    s3_primary.put_bucket_tagging(
        Bucket=BUCKET_PUBLIC,
        Tagging={"TagSet": [{"Key": "db_password", "Value": TAG_SECRET}, {"Key": "team", "Value": "web"}]},
    )

    # The audit trail's bucket: SSE-S3, blocked.
    _create_bucket(s3_primary, BUCKET_TRAIL, primary)
    s3_primary.put_bucket_encryption(
        Bucket=BUCKET_TRAIL,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    _block_public_access(s3_primary, BUCKET_TRAIL)
    return {
        BUCKET_SECURE: {"region": secondary, "encryption": "aws:kms", "public": False, "tls_only": True},
        BUCKET_PLAIN: {"region": primary, "encryption": None, "public": False, "tls_only": False},
        BUCKET_PUBLIC: {"region": primary, "encryption": None, "public": True, "tls_only": False},
        BUCKET_TRAIL: {"region": primary, "encryption": "AES256", "public": False, "tls_only": False},
    }


def _tls_only_policy(bucket: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            }
        ],
    }


def _public_policy(bucket: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "PublicRead",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
            },
            {
                # Hotlink "protection" by a shared token in the Referer: still public.
                "Sid": "PartnerHotlink",
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/partners/*",
                "Condition": {"StringLike": {"aws:Referer": [POLICY_TOKEN]}},
            },
        ],
    }


def _seed_ec2(clients: _Clients, primary: str, secondary: str, kms_key: str) -> dict[str, dict[str, Any]]:
    ec2_primary = clients("ec2", primary)
    ec2_primary.enable_ebs_encryption_by_default()
    # The emulator does not apply the default itself, so volumes here say it
    # explicitly, with a named key (else it invents one that never rotates).
    encrypted = {"Encrypted": True, "KmsKeyId": kms_key}
    data = ec2_primary.create_volume(
        AvailabilityZone=f"{primary}a",
        Size=20,
        **encrypted,
        TagSpecifications=[{"ResourceType": "volume", "Tags": [{"Key": "Name", "Value": "app-data"}]}],
    )
    # Our own image, so the estate does not depend on the emulator's catalogue of public ones.
    image = ec2_primary.register_image(
        Name="evidra-demo-base",
        Architecture="x86_64",
        VirtualizationType="hvm",
        RootDeviceName="/dev/xvda",
        BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 8}}],
    )["ImageId"]
    instance = ec2_primary.run_instances(
        ImageId=image,
        InstanceType="t3.micro",
        MinCount=1,
        MaxCount=1,
        BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 8, **encrypted}}],
        TagSpecifications=[{"ResourceType": "volume", "Tags": [{"Key": "Name", "Value": "app-root"}]}],
    )
    instance_id = instance["Instances"][0]["InstanceId"]
    ec2_primary.attach_volume(Device="/dev/sdf", InstanceId=instance_id, VolumeId=data["VolumeId"])

    scratch = clients("ec2", secondary).create_volume(
        AvailabilityZone=f"{secondary}a",
        Size=8,
        Encrypted=False,
        TagSpecifications=[{"ResourceType": "volume", "Tags": [{"Key": "Name", "Value": "scratch"}]}],
    )
    return {
        "app-root": {"region": primary, "instance": instance_id, "encrypted": True, "attached": True},
        "app-data": {"region": primary, "id": data["VolumeId"], "encrypted": True, "attached": True},
        "scratch": {"region": secondary, "id": scratch["VolumeId"], "encrypted": False, "attached": False},
    }


def _seed_rds(clients: _Clients, primary: str, secondary: str, kms_key: str) -> dict[str, dict[str, Any]]:
    clients("rds", secondary).create_db_instance(
        DBInstanceIdentifier="orders",
        DBInstanceClass="db.t3.micro",
        Engine="postgres",
        AllocatedStorage=20,
        MasterUsername="orders_admin",
        MasterUserPassword=_DEMO_PASSWORD,
        StorageEncrypted=True,
        KmsKeyId=kms_key,
        PubliclyAccessible=False,
        BackupRetentionPeriod=7,
    )
    clients("rds", primary).create_db_instance(
        DBInstanceIdentifier="legacy-reports",
        DBInstanceClass="db.t3.micro",
        Engine="mysql",
        AllocatedStorage=20,
        MasterUsername="reports_admin",
        MasterUserPassword=_DEMO_PASSWORD,
        StorageEncrypted=False,
        PubliclyAccessible=True,
        BackupRetentionPeriod=1,
    )
    return {
        "orders": {"region": secondary, "encrypted": True, "public": False},
        "legacy-reports": {"region": primary, "encrypted": False, "public": True},
    }


def _seed_cloudtrail(
    clients: _Clients, primary: str, secondary: str, kms_key: str
) -> dict[str, dict[str, Any]]:
    trail_primary = clients("cloudtrail", primary)
    trail_primary.create_trail(
        Name="org-audit", S3BucketName=BUCKET_TRAIL, IsMultiRegionTrail=True, EnableLogFileValidation=True
    )
    trail_primary.start_logging(Name="org-audit")
    made = {"org-audit": {"region": primary, "multi_region": True, "logging": True, "kms": False}}
    if secondary != primary:
        # A forgotten application trail: encrypted, but stopped and unvalidated.
        clients("cloudtrail", secondary).create_trail(
            Name="payments-app", S3BucketName=BUCKET_TRAIL, KmsKeyId=kms_key, IsMultiRegionTrail=False
        )
        made["payments-app"] = {"region": secondary, "multi_region": False, "logging": False, "kms": True}
    return made
