"""A small, realistic AWS estate seeded into the emulator: some of it compliant, some not.

Every control in the catalog has something to pass and something to fail here, and
the raw answers carry two secrets (a tag value and a token inside a bucket policy)
that redaction must catch. Names are fixed, so a fresh emulator always holds the
same estate; call it once per fresh (or reset) server.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

DEFAULT_REGIONS = ("us-east-1", "eu-west-1")
ADMIN_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess"
READ_ONLY_POLICY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
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
    monitoring = _seed_monitoring(clients, primary)
    network = _seed_network(clients, primary, secondary)
    log_groups = _seed_log_groups(clients, primary, secondary)
    certificates = _seed_certificates(clients, primary, secondary)
    endpoints = _seed_endpoints(clients, primary, network["app_vpc"], certificates["rsa-2048"]["arn"])
    stores = _seed_tables_and_file_systems(clients, primary, secondary)
    plans = _seed_backup_plans(clients, primary, secondary, account, keys[secondary]["rotating"])
    snapshots = _seed_snapshots(clients, primary, secondary, volumes)
    alerting = _seed_alerting(clients, primary, account)
    peerings = _seed_peerings(clients, primary, network["app_vpc"]["id"])
    patching = _seed_patching(endpoint_url, account, primary)
    # Sensitive-data discovery in the primary region only (the emulator starts with it on everywhere).
    clients("macie2", primary).enable_macie()
    if secondary != primary:
        clients("macie2", secondary).disable_macie()
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
        "monitoring": monitoring,
        "network": network,
        "log_groups": log_groups,
        "certificates": certificates,
        "endpoints": endpoints,
        "stores": stores,
        "backup_plans": plans,
        "snapshots": snapshots,
        "alerting": alerting,
        "peerings": peerings,
        "patching": patching,
        "macie": [primary],
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
    iam.attach_user_policy(UserName="carol", PolicyArn=ADMIN_POLICY)  # directly, not through a group
    iam.create_group(GroupName="engineering")
    iam.attach_group_policy(GroupName="engineering", PolicyArn=READ_ONLY_POLICY)
    for name in ("alice", "bob"):
        iam.add_user_to_group(GroupName="engineering", UserName=name)
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
    s3_secondary.put_bucket_versioning(Bucket=BUCKET_SECURE, VersioningConfiguration={"Status": "Enabled"})
    s3_secondary.put_bucket_tagging(
        Bucket=BUCKET_SECURE, Tagging={"TagSet": [{"Key": "data-classification", "Value": "Confidential"}]}
    )

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
    # Its own access log goes into itself, under access/, written by S3's logging service.
    s3_primary.put_bucket_policy(
        Bucket=BUCKET_TRAIL,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "S3ServerAccessLogs",
                        "Effect": "Allow",
                        "Principal": {"Service": "logging.s3.amazonaws.com"},
                        "Action": "s3:PutObject",
                        "Resource": f"arn:aws:s3:::{BUCKET_TRAIL}/access/*",
                    }
                ],
            }
        ),
    )
    s3_primary.put_bucket_logging(
        Bucket=BUCKET_TRAIL,
        BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": BUCKET_TRAIL, "TargetPrefix": "access/"}},
    )
    # Audit logs are disposed of after 400 days; the other buckets keep everything forever.
    s3_primary.put_bucket_lifecycle_configuration(
        Bucket=BUCKET_TRAIL,
        LifecycleConfiguration={
            "Rules": [
                {"ID": "dispose", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 400}}
            ]
        },
    )
    return {
        BUCKET_SECURE: {
            "region": secondary,
            "encryption": "aws:kms",
            "public": False,
            "tls_only": True,
            "classification": "Confidential",
            "expiry": False,
        },
        BUCKET_PLAIN: {
            "region": primary,
            "encryption": None,
            "public": False,
            "tls_only": False,
            "classification": None,
            "expiry": False,
        },
        BUCKET_PUBLIC: {
            "region": primary,
            "encryption": None,
            "public": True,
            "tls_only": False,
            "classification": None,
            "expiry": False,
        },
        BUCKET_TRAIL: {
            "region": primary,
            "encryption": "AES256",
            "public": False,
            "tls_only": False,
            "classification": None,
            "expiry": True,
        },
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
        Tags=[{"Key": "data-classification", "Value": "Confidential"}],
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


def _seed_monitoring(clients: _Clients, primary: str) -> dict[str, Any]:
    """GuardDuty, AWS Config and Security Hub on in the primary region only."""
    clients("guardduty", primary).create_detector(Enable=True)
    config = clients("config", primary)
    config.put_configuration_recorder(
        ConfigurationRecorder={
            "name": "default",
            "roleARN": "arn:aws:iam::123456789012:role/aws-config",
            "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True},
        }
    )
    config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": BUCKET_TRAIL})
    config.start_configuration_recorder(ConfigurationRecorderName="default")
    hub = clients("securityhub", primary)
    hub.enable_security_hub()
    account = clients("sts", primary).get_caller_identity()["Account"]
    hub.batch_import_findings(Findings=_vulnerability_findings(account, primary))
    return {"guardduty": [primary], "config": [primary], "securityhub": [primary]}


def _vulnerability_findings(account: str, region: str) -> list[dict[str, Any]]:
    """Two of Inspector's CVE findings as Security Hub holds them (ASFF): a critical one
    fixed within its deadline (archived), and a high one open past its deadline."""
    now = datetime.now(UTC)

    def at(days: int) -> str:
        return (now - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S.000Z")

    def finding(cve: str, severity: str, first: int, updated: int, record: str) -> dict[str, Any]:
        return {
            "SchemaVersion": "2018-10-08",
            "Id": f"arn:aws:inspector2:{region}:{account}:finding/{cve.lower()}",
            "ProductArn": f"arn:aws:securityhub:{region}::product/aws/inspector",
            "ProductName": "Inspector",
            "GeneratorId": "AWSInspector",
            "AwsAccountId": account,
            "Region": region,
            "Types": ["Software and Configuration Checks/Vulnerabilities/CVE"],
            "CreatedAt": at(first),
            "FirstObservedAt": at(first),
            "LastObservedAt": at(updated),
            "UpdatedAt": at(updated),
            "Severity": {"Label": severity},
            "Title": f"{cve} - openssl",
            "Description": "A package with a known vulnerability",
            "Resources": [{"Type": "AwsEc2Instance", "Id": f"arn:aws:ec2:{region}:{account}:instance/i-web"}],
            "RecordState": record,
            "Workflow": {"Status": "NEW"},
        }

    return [
        finding("CVE-2026-0001", "CRITICAL", 9, 4, "ARCHIVED"),
        finding("CVE-2026-0002", "HIGH", 45, 0, "ACTIVE"),
    ]


def _seed_patching(endpoint_url: str, account: str, region: str) -> dict[str, str]:
    """Three on-premises servers Systems Manager manages (hybrid nodes, `mi-`), as its agent
    reports them: one patched, one missing a critical security update, one never scanned.
    (The estate's EC2 instance is not managed: a server no patch tool assesses.)"""
    from evidra.emulators.ssm_patching import seed

    now = datetime.now(UTC)

    def at(days: float) -> str:
        return (now - timedelta(days=days)).isoformat()

    def node(instance: str, name: str) -> dict[str, Any]:
        return {
            "InstanceId": instance, "PingStatus": "Online", "LastPingDateTime": at(0.01),
            "PlatformType": "Linux", "PlatformName": "Amazon Linux", "PlatformVersion": "2023",
            "ResourceType": "ManagedInstance", "ComputerName": name, "AgentVersion": "3.3.1142.0",
            "ActivationId": "7e1f2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b", "IamRole": "SSMServiceRole",
        }  # fmt: skip

    def state(instance: str, missing: int, critical: int, security: int) -> dict[str, Any]:
        return {
            "InstanceId": instance, "BaselineId": "pb-0c10e65780EXAMPLE", "Operation": "Scan",
            "OperationStartTime": at(1.01), "OperationEndTime": at(1), "InstalledCount": 410,
            "InstalledOtherCount": 3, "MissingCount": missing, "FailedCount": 0, "NotApplicableCount": 120,
            "CriticalNonCompliantCount": critical, "SecurityNonCompliantCount": security,
            "OtherNonCompliantCount": missing - security,
        }  # fmt: skip

    instances = {
        "patched": "mi-0a1b2c3d4e5f60001",
        "behind": "mi-0a1b2c3d4e5f60002",
        "unscanned": "mi-0a1b2c3d4e5f60003",
    }
    missing = {
        "Title": "Amazon Linux 2023 - openssl 3.0.8-1.amzn2023.0.14",
        "KBId": "openssl.x86_64:1:3.0.8-1.amzn2023.0.14",
        "Classification": "Security", "Severity": "Critical", "State": "MISSING",
        "InstalledTime": "1970-01-01T00:00:00+00:00", "CVEIds": "CVE-2024-5535",
    }  # fmt: skip
    seed(
        endpoint_url, account, region,
        instances=[node(i, f"web-{kind}") for kind, i in instances.items()],
        patch_states=[state(instances["patched"], 0, 0, 0), state(instances["behind"], 3, 1, 1)],
        patches={instances["behind"]: [missing]},
        compliance=[
            {
                "ComplianceType": "Patch", "ResourceType": "ManagedInstance", "ResourceId": instance,
                "Status": status, "OverallSeverity": severity,
                "ExecutionSummary": {"ExecutionTime": at(1), "ExecutionType": "Command"},
            }
            for instance, status, severity in (
                (instances["patched"], "COMPLIANT", "UNSPECIFIED"),
                (instances["behind"], "NON_COMPLIANT", "CRITICAL"),
            )
        ],
    )  # fmt: skip
    return instances


def _seed_network(clients: _Clients, primary: str, secondary: str) -> dict[str, Any]:
    """A flow-logged application VPC beside the unlogged default ones; a web security
    group open on 443, and one open to the world on SSH."""
    ec2 = clients("ec2", primary)
    vpc = ec2.create_vpc(
        CidrBlock="10.20.0.0/16",
        TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "app"}]}],
    )["Vpc"]["VpcId"]
    ec2.create_flow_logs(
        ResourceIds=[vpc],
        ResourceType="VPC",
        TrafficType="ALL",
        LogDestinationType="cloud-watch-logs",
        LogGroupName="/vpc/app",
        DeliverLogsPermissionArn="arn:aws:iam::123456789012:role/flow-logs",
    )
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.20.{i}.0/24", AvailabilityZone=f"{primary}{zone}")[
            "Subnet"
        ]["SubnetId"]
        for i, zone in enumerate("ab", start=1)
    ]
    web = ec2.create_security_group(GroupName="web", Description="HTTPS from anywhere", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=web,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ],
    )
    ec2_secondary = clients("ec2", secondary)
    ssh = ec2_secondary.create_security_group(GroupName="bastion", Description="SSH from anywhere")["GroupId"]
    ec2_secondary.authorize_security_group_ingress(
        GroupId=ssh,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
        ],
    )
    return {
        "app_vpc": {"id": vpc, "region": primary, "subnets": subnets, "flow_logs": True},
        "security_groups": {
            "web": {"id": web, "region": primary},
            "bastion": {"id": ssh, "region": secondary},
        },
    }


def _seed_log_groups(clients: _Clients, primary: str, secondary: str) -> dict[str, Any]:
    logs_primary, logs_secondary = clients("logs", primary), clients("logs", secondary)
    logs_primary.create_log_group(logGroupName="/app/orders")
    logs_primary.put_retention_policy(logGroupName="/app/orders", retentionInDays=400)
    logs_secondary.create_log_group(logGroupName="/app/debug")
    logs_secondary.put_retention_policy(logGroupName="/app/debug", retentionInDays=7)
    logs_secondary.create_log_group(logGroupName="/app/archive")  # kept forever
    return {
        "/app/orders": {"region": primary, "retention": 400},
        "/app/debug": {"region": secondary, "retention": 7},
        "/app/archive": {"region": secondary, "retention": None},
    }


def _self_signed(key: Any, domain: str, issued_days_ago: int, valid_days: int) -> tuple[bytes, bytes]:
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import NameOID

    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domain)])
    start = datetime.now(UTC) - timedelta(days=issued_days_ago)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=valid_days))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(domain)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    return certificate.public_bytes(serialization.Encoding.PEM), private


def _seed_certificates(clients: _Clients, primary: str, secondary: str) -> dict[str, Any]:
    """An RSA-2048 certificate issued recently (below the policy's 3072 bits) and an
    EC P-384 one issued 400 days ago (due for renewal), imported into ACM."""
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    pem, key = _self_signed(rsa.generate_private_key(65537, 2048), "shop.example.com", 10, 300)
    rsa_arn = clients("acm", primary).import_certificate(Certificate=pem, PrivateKey=key)["CertificateArn"]
    pem, key = _self_signed(ec.generate_private_key(ec.SECP384R1()), "api.example.com", 400, 800)
    ec_arn = clients("acm", secondary).import_certificate(Certificate=pem, PrivateKey=key)["CertificateArn"]
    return {
        "rsa-2048": {"arn": rsa_arn, "region": primary, "issued_days_ago": 10},
        "ec-384": {"arn": ec_arn, "region": secondary, "issued_days_ago": 400},
    }


def _seed_endpoints(clients: _Clients, primary: str, vpc: dict[str, Any], certificate: str) -> dict[str, Any]:
    """A load balancer with a modern HTTPS listener, an HTTP listener that redirects, a
    legacy HTTPS listener accepting TLS 1.0 and a plain HTTP one; a CDN distribution
    on its default certificate that serves HTTP too."""
    elb = clients("elbv2", primary)
    balancer = elb.create_load_balancer(Name="shop", Subnets=vpc["subnets"])["LoadBalancers"][0][
        "LoadBalancerArn"
    ]
    group = elb.create_target_group(Name="shop", Protocol="HTTP", Port=80, VpcId=vpc["id"])["TargetGroups"][
        0
    ]["TargetGroupArn"]
    forward = [{"Type": "forward", "TargetGroupArn": group}]
    redirect = [
        {"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}
    ]
    cert = [{"CertificateArn": certificate}]
    for port, protocol, policy, actions in (
        (443, "HTTPS", "ELBSecurityPolicy-TLS13-1-2-2021-06", forward),
        (80, "HTTP", None, redirect),
        (8443, "HTTPS", "ELBSecurityPolicy-2016-08", forward),
        (8080, "HTTP", None, forward),
    ):
        extra = {"SslPolicy": policy, "Certificates": cert} if policy else {}
        elb.create_listener(
            LoadBalancerArn=balancer, Protocol=protocol, Port=port, DefaultActions=actions, **extra
        )
    clients("cloudfront", primary).create_distribution(
        DistributionConfig={
            "CallerReference": "evidra-demo-website",
            "Comment": "the website",
            "Enabled": True,
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": "website",
                        "DomainName": f"{BUCKET_PUBLIC}.s3.amazonaws.com",
                        "S3OriginConfig": {"OriginAccessIdentity": ""},
                    }
                ],
            },
            "DefaultCacheBehavior": {
                "TargetOriginId": "website",
                "ViewerProtocolPolicy": "allow-all",
                "MinTTL": 0,
                "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
            },
            "ViewerCertificate": {"CloudFrontDefaultCertificate": True},
        }
    )
    return {
        "shop:443": {"min_tls": "TLSv1.2", "plaintext": False},
        "shop:80": {"plaintext": False},
        "shop:8443": {"min_tls": "TLSv1.0", "plaintext": False},
        "shop:8080": {"plaintext": True},
        "cloudfront": {"min_tls": "TLSv1.0", "plaintext": True},
    }


def _seed_tables_and_file_systems(clients: _Clients, primary: str, secondary: str) -> dict[str, Any]:
    """DynamoDB: a table with point-in-time recovery and one without; EFS: an
    encrypted file system and an unencrypted one."""
    dynamodb = clients("dynamodb", primary)
    for name in ("carts", "sessions"):
        dynamodb.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
    dynamodb.update_continuous_backups(
        TableName="carts", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )
    carts = dynamodb.describe_table(TableName="carts")["Table"]["TableArn"]
    dynamodb.tag_resource(ResourceArn=carts, Tags=[{"Key": "DataClassification", "Value": "internal"}])
    clients("efs", primary).create_file_system(
        CreationToken="shared", Encrypted=True, Tags=[{"Key": "Name", "Value": "shared"}]
    )
    clients("efs", secondary).create_file_system(
        CreationToken="scratch", Tags=[{"Key": "Name", "Value": "scratch-fs"}]
    )
    return {
        "tables": {
            "carts": {"region": primary, "pitr": True},
            "sessions": {"region": primary, "pitr": False},
        },
        "file_systems": {
            "shared": {"region": primary, "encrypted": True},
            "scratch-fs": {"region": secondary, "encrypted": False},
        },
    }


def _seed_backup_plans(
    clients: _Clients, primary: str, secondary: str, account: str, kms_key: str
) -> dict[str, Any]:
    """A daily plan keeping 35 days and monthly archives a year, the monthly ones copied
    to a vault in the other region; a weekly one keeping a week, in its region only."""
    for region in dict.fromkeys([primary, secondary]):
        clients("backup", region).create_backup_vault(BackupVaultName="Default", EncryptionKeyArn=kms_key)
    copies = f"arn:aws:backup:{secondary}:{account}:backup-vault:Default"

    def rule(name: str, schedule: str, days: int, copy_to: str | None = None) -> dict[str, Any]:
        copy = {"CopyActions": [{"DestinationBackupVaultArn": copy_to}]} if copy_to else {}
        return {
            "RuleName": name,
            "TargetBackupVaultName": "Default",
            "ScheduleExpression": schedule,
            "Lifecycle": {"DeleteAfterDays": days},
            **copy,
        }

    clients("backup", primary).create_backup_plan(
        BackupPlan={
            "BackupPlanName": "production",
            "Rules": [
                rule("daily", "cron(0 5 * * ? *)", 35),
                rule("monthly", "cron(0 5 1 * ? *)", 365, copy_to=copies),
            ],
        }
    )
    clients("backup", secondary).create_backup_plan(
        BackupPlan={"BackupPlanName": "scratch", "Rules": [rule("weekly", "cron(0 5 ? * 1 *)", 7)]}
    )
    return {
        "production": {"region": primary, "min_days": 35, "copied_elsewhere": primary != secondary},
        "scratch": {"region": secondary, "min_days": 7, "copied_elsewhere": False},
    }


def _seed_snapshots(
    clients: _Clients, primary: str, secondary: str, volumes: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """Snapshots of the encrypted data volume and of the unencrypted scratch one, and of
    both databases (the orders one encrypted, the legacy one not)."""
    clients("ec2", primary).create_snapshot(
        VolumeId=volumes["app-data"]["id"],
        TagSpecifications=[
            {"ResourceType": "snapshot", "Tags": [{"Key": "Name", "Value": "app-data-nightly"}]}
        ],
    )
    clients("ec2", secondary).create_snapshot(
        VolumeId=volumes["scratch"]["id"],
        TagSpecifications=[{"ResourceType": "snapshot", "Tags": [{"Key": "Name", "Value": "scratch-copy"}]}],
    )
    clients("rds", secondary).create_db_snapshot(
        DBInstanceIdentifier="orders", DBSnapshotIdentifier="orders-pre-migration"
    )
    clients("rds", primary).create_db_snapshot(
        DBInstanceIdentifier="legacy-reports", DBSnapshotIdentifier="legacy-reports-final"
    )
    return {
        "app-data-nightly": {"region": primary, "encrypted": True},
        "scratch-copy": {"region": secondary, "encrypted": False},
        "orders-pre-migration": {"region": secondary, "encrypted": True},
        "legacy-reports-final": {"region": primary, "encrypted": False},
    }


# CIS AWS Foundations section 4 metric filter patterns (4.3 root, 4.4 IAM policy, 4.2
# console sign-in without MFA, 4.5 CloudTrail configuration); 4.10 security groups is
# left out so the estate fails it.
_METRIC_FILTERS = {
    "root-usage": '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS '
    '&& $.eventType != "AwsServiceEvent" }',
    "iam-policy-changes": "{ ($.eventName = DeleteGroupPolicy) || ($.eventName = PutUserPolicy) || "
    "($.eventName = PutRolePolicy) || ($.eventName = AttachRolePolicy) || ($.eventName = CreatePolicy) }",
    "console-without-mfa": '{ ($.eventName = "ConsoleLogin") && ($.additionalEventData.MFAUsed != "Yes") }',
    "trail-changes": "{ ($.eventName = StopLogging) || ($.eventName = DeleteTrail) || "
    "($.eventName = UpdateTrail) }",
}


def _seed_alerting(clients: _Clients, primary: str, account: str) -> dict[str, Any]:
    """The multi-region trail delivers to a log group with CIS metric filters and alarms
    that notify a topic; an EventBridge rule on KMS key disabling and deletion."""
    group = "/aws/cloudtrail/org-audit"
    clients("logs", primary).create_log_group(logGroupName=group)
    clients("logs", primary).put_retention_policy(logGroupName=group, retentionInDays=400)
    clients("cloudtrail", primary).update_trail(
        Name="org-audit",
        CloudWatchLogsLogGroupArn=f"arn:aws:logs:{primary}:{account}:log-group:{group}:*",
        CloudWatchLogsRoleArn=f"arn:aws:iam::{account}:role/cloudtrail-to-logs",
    )
    topic = clients("sns", primary).create_topic(Name="security-alerts")["TopicArn"]
    for name, pattern in _METRIC_FILTERS.items():
        clients("logs", primary).put_metric_filter(
            logGroupName=group,
            filterName=name,
            filterPattern=pattern,
            metricTransformations=[
                {"metricName": name, "metricNamespace": "CISBenchmark", "metricValue": "1"}
            ],
        )
        clients("cloudwatch", primary).put_metric_alarm(
            AlarmName=name,
            MetricName=name,
            Namespace="CISBenchmark",
            Statistic="Sum",
            Period=300,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
            AlarmActions=[topic],
        )
    events = clients("events", primary)
    events.put_rule(
        Name="kms-key-misuse",
        EventPattern=json.dumps(
            {"source": ["aws.kms"], "detail": {"eventName": ["DisableKey", "ScheduleKeyDeletion"]}}
        ),
        State="ENABLED",
    )
    events.put_targets(Rule="kms-key-misuse", Targets=[{"Id": "security-alerts", "Arn": topic}])
    return {
        "alerted": ["audit_config_change", "console_login_without_mfa", "iam_policy_change", "root_usage"],
        "unalerted": ["firewall_change"],
        "key_misuse_alerted": True,
    }


def _seed_peerings(clients: _Clients, primary: str, app_vpc: str) -> dict[str, Any]:
    """The production application VPC peered with a production shared-services VPC, and
    (against the policy) with a staging VPC."""
    ec2 = clients("ec2", primary)
    ec2.create_tags(Resources=[app_vpc], Tags=[{"Key": "environment", "Value": "production"}])
    made = {}
    for name, environment, cidr in (
        ("shared", "production", "10.30.0.0/16"),
        ("staging", "staging", "10.40.0.0/16"),
    ):
        vpc = ec2.create_vpc(
            CidrBlock=cidr,
            TagSpecifications=[
                {
                    "ResourceType": "vpc",
                    "Tags": [{"Key": "Name", "Value": name}, {"Key": "Env", "Value": environment}],
                }
            ],
        )["Vpc"]["VpcId"]
        peering = ec2.create_vpc_peering_connection(
            VpcId=app_vpc,
            PeerVpcId=vpc,
            TagSpecifications=[
                {"ResourceType": "vpc-peering-connection", "Tags": [{"Key": "Name", "Value": f"app-{name}"}]}
            ],
        )["VpcPeeringConnection"]["VpcPeeringConnectionId"]
        ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=peering)
        made[f"app-{name}"] = {"region": primary, "crosses": environment != "production"}
    return made
