"""The AWS collector on the demo estate: every normalized attribute, pass and fail side.

The estate is seeded and collected once for this module; the tests only read.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from evidra.canonical import canonical_bytes
from evidra.collectors.aws.registry import GLOBAL as GLOBAL_PLANE
from evidra.collectors.aws.registry import ORGANIZATION as ORGANIZATION_PLANE
from evidra.collectors.aws.registry import READERS
from evidra.demo.estate import (
    BUCKET_PLAIN,
    BUCKET_PUBLIC,
    BUCKET_SECURE,
    BUCKET_TRAIL,
    POLICY_TOKEN,
    TAG_SECRET,
)
from evidra.model import Collection
from evidra.resource_types import RESOURCE_TYPES
from tests.collectors.aws.aws_support import TEST_REGIONS, of_type, one, run_collector
from tests.fakes.verdicts import admin_ports_open, fails

ACCOUNT = "123456789012"
GLOBAL = f"aws:{ACCOUNT}:global"


@pytest.fixture(scope="module")
def seeded(emulator: Any) -> tuple[dict[str, Any], Collection]:
    summary = emulator.shared_estate()
    return summary, run_collector(TEST_REGIONS)


@pytest.fixture(scope="module")
def collection(seeded: tuple[dict[str, Any], Collection]) -> Collection:
    return seeded[1]


@pytest.fixture(scope="module")
def summary(seeded: tuple[dict[str, Any], Collection]) -> dict[str, Any]:
    return seeded[0]


def test_the_estate_reads_without_errors(collection: Collection) -> None:
    assert collection.errors == []
    # The global and organisation (Identity Center) readers once, the regional ones in each of the 2 regions.
    once = READERS.all(GLOBAL_PLANE) + READERS.all(ORGANIZATION_PLANE)
    assert len(collection.scopes) == len(once) + 2 * (len(READERS.all()) - len(once))
    assert all(s.error is None and s.started_at <= s.finished_at for s in collection.scopes)
    assert {s.scope for s in collection.scopes} == {
        GLOBAL,
        f"aws:{ACCOUNT}:us-east-1",
        f"aws:{ACCOUNT}:eu-west-1",
    }


def test_users_from_the_credential_report(collection: Collection) -> None:
    users = of_type(collection, "identity.user")
    assert set(users) == {"alice", "bob", "carol", "deploy"}
    alice = users["alice"]
    assert alice.id == f"arn:aws:iam::{ACCOUNT}:user/alice"
    assert alice.scope == GLOBAL
    assert alice.attributes == {
        "name": "alice",
        "kind": "human",
        "console_access": True,
        "mfa_enabled": True,
        "mfa_methods": ["authenticator_app"],
        "last_login": None,
        "created": alice.attributes["created"],
        "privileged": False,
        "disabled": False,
        # Never signed in: inactive since creation.
        "last_activity": alice.attributes["created"],
        # Permissions through the engineering group only.
        "direct_policies": 0,
    }
    assert alice.attributes["created"].endswith("Z")
    bob = users["bob"].attributes
    assert (bob["console_access"], bob["mfa_enabled"], bob["mfa_methods"]) == (True, False, [])
    carol = users["carol"].attributes
    assert (carol["privileged"], carol["mfa_enabled"], carol["direct_policies"]) == (True, False, 1)
    deploy = users["deploy"].attributes
    assert (deploy["console_access"], deploy["privileged"], deploy["kind"]) == (False, False, "human")


def test_user_raw_holds_the_report_row_and_the_authorization_slice(collection: Collection) -> None:
    carol = one(collection, "identity.user", "carol")
    assert carol.raw["GetCredentialReport"]["user"] == "carol"
    attached = carol.raw["GetAccountAuthorizationDetails"]["UserDetailList"][0]["AttachedManagedPolicies"]
    assert [p["PolicyName"] for p in attached] == ["AdministratorAccess"]
    alice = one(collection, "identity.user", "alice")
    assert alice.raw["ListMFADevices"]["MFADevices"][0]["SerialNumber"].endswith(":mfa/alice")


def test_access_keys_are_credentials(collection: Collection, summary: dict[str, Any]) -> None:
    credentials = list(of_type(collection, "identity.credential").values())
    assert len(credentials) == 1
    key = credentials[0]
    assert key.id == f"arn:aws:iam::{ACCOUNT}:user/deploy/access-key/1"
    assert key.attributes["owner"] == f"arn:aws:iam::{ACCOUNT}:user/deploy"
    assert key.attributes["kind"] == "access_key"
    assert key.attributes["active"] is True
    assert key.attributes["created"].endswith("Z")
    assert key.attributes["last_used"] is None
    # deploy has no console password: a service account; never used, so idle since issued.
    assert key.attributes["owner_interactive"] is False
    assert key.attributes["last_activity"] == key.attributes["created"]
    assert set(key.raw["GetCredentialReport"]) >= {"user", "arn", "access_key_1_active"}
    assert not any(k.startswith("access_key_2") for k in key.raw["GetCredentialReport"])


def test_weak_password_policy(collection: Collection) -> None:
    policy = one(collection, "identity.password_policy", "account password policy")
    assert policy.id == f"arn:aws:iam::{ACCOUNT}:account-password-policy"
    assert policy.attributes == {
        "exists": True,
        "applies_to": "account",
        "privileged": True,
        "min_length": 8,
        "require_uppercase": False,
        "require_lowercase": True,
        "require_numbers": True,
        "require_symbols": False,
        "character_classes": 2,
        "max_age_days": None,
        "history_count": None,
    }


def test_account_settings_merge_from_iam_s3_and_cloudtrail(collection: Collection) -> None:
    account = one(collection, "account", ACCOUNT)
    assert account.id == f"arn:aws:iam::{ACCOUNT}:account"
    assert account.scope == GLOBAL
    assert account.attributes == {
        # moto has no way to give the root user MFA or keys.
        "root_mfa_enabled": False,
        "root_access_keys": 0,
        "public_access_blocked": False,
        "audit_trail_multi_region": True,
    }
    assert {"GetAccountSummary", "GetPublicAccessBlock", "DescribeTrails", "GetTrailStatus"} <= set(
        account.raw
    )
    assert {c.service for c in account.calls} == {"iam", "s3control", "cloudtrail"}


def test_default_volume_encryption_per_region(collection: Collection) -> None:
    for region, expected in (("us-east-1", True), ("eu-west-1", False)):
        switch = one(collection, "account", f"EBS encryption by default ({region})")
        assert switch.id == f"arn:aws:ec2:{region}:{ACCOUNT}:ebs-encryption-by-default"
        assert switch.scope == f"aws:{ACCOUNT}:{region}"
        assert switch.attributes == {"default_volume_encryption": expected, "region": region}


EXPECTED_BUCKETS = {
    BUCKET_SECURE: {
        "encrypted": True,
        "encryption_algorithm": "aws:kms",
        "public_access_blocked": True,
        "policy_grants_public": False,
        "acl_grants_public": False,
        "public": False,
        "tls_only": True,
        "region": "eu-west-1",
        "versioning": True,
        "access_logging": False,
        "classification": "Confidential",
        "lifecycle_expiry": False,
    },
    BUCKET_PLAIN: {
        "encrypted": False,
        "encryption_algorithm": None,
        "kms_key": None,
        "public_access_blocked": False,
        "policy_grants_public": False,
        "acl_grants_public": False,
        "public": False,
        "tls_only": False,
        "region": "us-east-1",
        "versioning": False,
        "access_logging": False,
        "classification": None,
        "lifecycle_expiry": False,
    },
    BUCKET_PUBLIC: {
        "encrypted": False,
        "encryption_algorithm": None,
        "kms_key": None,
        "public_access_blocked": False,
        "policy_grants_public": True,
        "acl_grants_public": False,
        "public": True,
        "tls_only": False,
        "region": "us-east-1",
        "versioning": False,
        "access_logging": False,
        "classification": None,
        "lifecycle_expiry": False,
    },
    BUCKET_TRAIL: {
        "encrypted": True,
        "encryption_algorithm": "AES256",
        "kms_key": None,
        "public_access_blocked": True,
        "policy_grants_public": False,
        "acl_grants_public": False,
        "public": False,
        "tls_only": False,
        "region": "us-east-1",
        "versioning": False,
        "access_logging": True,
        "classification": None,
        "lifecycle_expiry": True,
    },
}


@pytest.mark.parametrize("name", sorted(EXPECTED_BUCKETS))
def test_buckets(collection: Collection, summary: dict[str, Any], name: str) -> None:
    bucket = one(collection, "storage.bucket", name)
    assert bucket.id == f"arn:aws:s3:::{name}"
    assert bucket.scope == GLOBAL
    expected = dict(EXPECTED_BUCKETS[name])
    if name == BUCKET_SECURE:
        expected["kms_key"] = summary["kms_keys"]["eu-west-1"]["rotating"]
    assert bucket.attributes == expected
    # Read in the bucket's own region, and recorded as such.
    encryption_call = next(c for c in bucket.calls if c.operation == "GetBucketEncryption")
    assert encryption_call.region == expected["region"]
    assert encryption_call.parameters == {"Bucket": name}


def test_keys_enabled_only_with_rotation(collection: Collection, summary: dict[str, Any]) -> None:
    keys = {o.id: o for o in collection.observations if o.type == "crypto.key"}
    for region in TEST_REGIONS:
        rotating = keys[summary["kms_keys"][region]["rotating"]]
        assert rotating.scope == f"aws:{ACCOUNT}:{region}"
        assert rotating.attributes == {
            "managed_by": "customer",
            "enabled": True,
            "rotation_enabled": True,
            "rotation_period_days": 365,
            "key_spec": "SYMMETRIC_DEFAULT",
            "region": region,
        }
        static = keys[summary["kms_keys"][region]["static"]].attributes
        assert (static["rotation_enabled"], static["rotation_period_days"]) == (False, None)
    assert summary["kms_keys"]["us-east-1"]["disabled"] not in keys


def test_volumes(collection: Collection, summary: dict[str, Any]) -> None:
    for name in ("app-data", "app-root"):
        volume = one(collection, "compute.volume", name)
        assert volume.scope == f"aws:{ACCOUNT}:us-east-1"
        assert volume.id.startswith(f"arn:aws:ec2:us-east-1:{ACCOUNT}:volume/vol-")
        assert volume.attributes == {
            "encrypted": True,
            "kms_key": summary["kms_keys"]["us-east-1"]["rotating"],
            "attached": True,
            "region": "us-east-1",
        }
    assert one(collection, "compute.volume", "scratch").attributes == {
        "encrypted": False,
        "kms_key": None,
        "attached": False,
        "region": "eu-west-1",
    }


def test_databases(collection: Collection, summary: dict[str, Any]) -> None:
    orders = one(collection, "database.instance", "orders")
    assert orders.id == f"arn:aws:rds:eu-west-1:{ACCOUNT}:db:orders"
    assert orders.attributes == {
        "engine": "postgres",
        "encrypted": True,
        "kms_key": summary["kms_keys"]["eu-west-1"]["rotating"],
        "publicly_accessible": False,
        "backup_retention_days": 7,
        "classification": "Confidential",
        "tls_required": False,  # PostgreSQL 13's default group: rds.force_ssl 0
        "region": "eu-west-1",
    }
    assert one(collection, "database.instance", "legacy-reports").attributes == {
        "engine": "mysql",
        "encrypted": False,
        "kms_key": None,
        "publicly_accessible": True,
        "backup_retention_days": 1,
        "classification": None,
        "tls_required": False,  # MySQL's default: require_secure_transport OFF
        "region": "us-east-1",
    }


def test_trails_each_once_in_their_home_region(collection: Collection, summary: dict[str, Any]) -> None:
    trails = of_type(collection, "logging.audit_trail")
    assert set(trails) == {"org-audit", "payments-app"}
    org = trails["org-audit"]
    assert org.id == f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/org-audit"
    assert org.scope == f"aws:{ACCOUNT}:us-east-1"
    assert org.attributes == {
        "logging": True,
        "multi_region": True,
        "log_file_validation": True,
        "encrypted_with_customer_key": False,
        "kms_key": None,
        "home_region": "us-east-1",
        "management_events": True,  # no selectors set: AWS's default records them all
    }
    assert trails["payments-app"].attributes == {
        "logging": False,
        "multi_region": False,
        "log_file_validation": False,
        "encrypted_with_customer_key": True,
        "kms_key": summary["kms_keys"]["eu-west-1"]["rotating"],
        "home_region": "eu-west-1",
        "management_events": True,
    }


def test_every_observation_carries_its_provenance(collection: Collection) -> None:
    principal = collection.observations[0].principal
    assert principal.startswith("arn:aws:") and f":{ACCOUNT}:" in principal
    for observation in collection.observations:
        assert observation.provider == "aws"
        assert observation.principal == principal
        assert observation.observed_at.tzinfo is not None
        assert observation.name
        operations = {c.operation for c in observation.calls}
        # Every raw answer is named after an operation that was recorded.
        assert set(observation.raw) <= operations, observation.id
        assert "ResponseMetadata" not in json.dumps(observation.raw, default=str)
        assert observation.evidence_hash.startswith("sha256:")
        # Only the shared vocabulary: controls read nothing else.
        assert set(observation.attributes) <= set(RESOURCE_TYPES[observation.type]), observation.id


def test_secrets_never_land_in_the_evidence(collection: Collection) -> None:
    everything = b"".join(
        canonical_bytes([o.snapshot(), o.provenance()]) for o in collection.observations
    ).decode()
    assert TAG_SECRET not in everything
    assert POLICY_TOKEN not in everything
    public = one(collection, "storage.bucket", BUCKET_PUBLIC)
    tags = public.raw["GetBucketTagging"]["TagSet"]
    assert {"Key": "db_password", "Value": "[REDACTED]"} in tags
    assert {"Key": "team", "Value": "web"} in tags
    assert "aws:Referer" in public.raw["GetBucketPolicy"]["Policy"]


def regional(collection: Collection, type_: str) -> dict[str, dict[str, Any]]:
    return {o.attributes["region"]: o.attributes for o in collection.observations if o.type == type_}


def test_monitoring_switches_per_region(collection: Collection) -> None:
    # On in the primary region, off in the other: one observation per region either way.
    assert regional(collection, "monitoring.threat_detection") == {
        "us-east-1": {"service": "guardduty", "enabled": True, "features": [], "region": "us-east-1"},
        "eu-west-1": {"service": "guardduty", "enabled": False, "features": [], "region": "eu-west-1"},
    }
    guardduty = one(collection, "monitoring.threat_detection", "GuardDuty (us-east-1)")
    assert guardduty.id == f"arn:aws:guardduty:us-east-1:{ACCOUNT}:threat-detection"
    assert guardduty.raw["GetDetector"]
    assert regional(collection, "monitoring.config_recorder") == {
        "us-east-1": {
            "recording": True,
            "all_resources": True,
            "global_resources": True,
            "region": "us-east-1",
        },
        "eu-west-1": {
            "recording": False,
            "all_resources": False,
            "global_resources": False,
            "region": "eu-west-1",
        },
    }
    assert regional(collection, "monitoring.security_posture") == {
        "us-east-1": {"service": "securityhub", "enabled": True, "region": "us-east-1"},
        "eu-west-1": {"service": "securityhub", "enabled": False, "region": "eu-west-1"},
    }


def test_vpcs_and_their_flow_logs(collection: Collection, summary: dict[str, Any]) -> None:
    vpcs = [o for o in collection.observations if o.type == "network.virtual_network"]
    app = one(collection, "network.virtual_network", "app")
    assert app.id == f"arn:aws:ec2:us-east-1:{ACCOUNT}:vpc/{summary['network']['app_vpc']['id']}"
    assert app.attributes == {"default": False, "flow_logs_enabled": True, "region": "us-east-1"}
    assert app.raw["DescribeFlowLogs"]["FlowLogs"][0]["ResourceId"] == summary["network"]["app_vpc"]["id"]
    defaults = [o.attributes for o in vpcs if o.attributes["default"]]
    assert len(defaults) == 2 and not any(d["flow_logs_enabled"] for d in defaults)


def test_security_groups_open_to_the_internet(collection: Collection, summary: dict[str, Any]) -> None:
    groups = {
        o.name.split(" ")[0]: o
        for o in collection.observations
        if o.type == "network.firewall_rule" and o.name
    }
    web = groups["web"]
    assert web.attributes == {
        "network": summary["network"]["app_vpc"]["id"],
        "open_to_internet": True,
        "internet_ports": ["443"],
        "region": "us-east-1",
    }
    assert admin_ports_open(web) is False
    bastion = groups["bastion"].attributes
    assert (bastion["internet_ports"], admin_ports_open(groups["bastion"])) == (["22"], True)
    assert bastion["region"] == "eu-west-1"
    # The default groups admit only their own members.
    assert groups["default"].attributes["open_to_internet"] is False


def test_log_groups_and_their_retention(collection: Collection) -> None:
    orders = one(collection, "logging.log_group", "/app/orders")
    assert orders.id == f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/app/orders"
    assert orders.attributes == {
        "retention_days": 400,
        "encrypted_with_customer_key": False,
        "kms_key": None,
        "region": "us-east-1",
    }
    assert one(collection, "logging.log_group", "/app/debug").attributes["retention_days"] == 7
    assert one(collection, "logging.log_group", "/app/archive").attributes["retention_days"] is None


def test_endpoints_and_their_tls(collection: Collection) -> None:
    endpoints = {o.name: o.attributes for o in collection.observations if o.type == "network.endpoint"}
    assert endpoints["shop:443 (HTTPS)"] == {
        "kind": "load_balancer_listener",
        "protocol": "HTTPS",
        "tls_policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
        "min_tls_protocol": "TLSv1.2",
        "cipher_algorithms": ["AES", "CHACHA20", "SHA-256", "SHA-384"],
        "plaintext_allowed": False,
        "region": "us-east-1",
    }
    assert endpoints["shop:8443 (HTTPS)"]["min_tls_protocol"] == "TLSv1.0"
    # ELBSecurityPolicy-2016-08 still offers the *-SHA suites: HMAC-SHA-1.
    assert "SHA-1" in endpoints["shop:8443 (HTTPS)"]["cipher_algorithms"]
    assert endpoints["shop:8080 (HTTP)"]["cipher_algorithms"] is None
    # HTTP that only redirects to HTTPS is not plaintext service; HTTP that forwards is.
    assert (endpoints["shop:80 (HTTP)"]["plaintext_allowed"], endpoints["shop:80 (HTTP)"]["tls_policy"]) == (
        False,
        None,
    )
    assert endpoints["shop:8080 (HTTP)"]["plaintext_allowed"] is True
    [cdn] = [a for a in endpoints.values() if a["kind"] == "cdn_distribution"]
    assert cdn == {
        "kind": "cdn_distribution",
        "protocol": "HTTPS",
        "tls_policy": "TLSv1",
        "min_tls_protocol": "TLSv1.0",  # the default *.cloudfront.net certificate
        "cipher_algorithms": ["3DES", "AES", "CHACHA20", "SHA-1", "SHA-256", "SHA-384"],
        "plaintext_allowed": True,
        "region": "global",
    }
    assert one(collection, "network.endpoint", cdn_name(collection)).scope == GLOBAL


def cdn_name(collection: Collection) -> str:
    return next(o.name or "" for o in collection.observations if o.id.startswith("arn:aws:cloudfront::"))


def test_certificates(collection: Collection, summary: dict[str, Any]) -> None:
    certificates = {o.id: o.attributes for o in collection.observations if o.type == "certificate"}
    shop = certificates[summary["certificates"]["rsa-2048"]["arn"]]
    assert (shop["domain"], shop["status"], shop["key_family"], shop["key_bits"]) == (
        "shop.example.com",
        "ISSUED",
        "RSA",
        2048,
    )
    assert (shop["managed_renewal"], shop["region"]) == (False, "us-east-1")
    assert shop["expires"] > shop["issued"]
    api = certificates[summary["certificates"]["ec-384"]["arn"]]
    assert (api["key_algorithm"], api["key_family"], api["key_bits"], api["region"]) == (
        "EC_secp384r1",
        "EC",
        384,
        "eu-west-1",
    )
    # Issued (not imported) 400 days ago: the certificate's own validity start.
    assert api["issued"] < shop["issued"]


def test_tables_file_systems_and_backup_plans(collection: Collection) -> None:
    carts = one(collection, "database.instance", "carts")
    assert carts.id == f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/carts"
    assert carts.attributes == {
        "engine": "dynamodb",
        "encrypted": True,
        "kms_key": None,
        "publicly_accessible": False,
        "backup_retention_days": 35,
        "classification": "Internal",  # tagged DataClassification=internal
        "region": "us-east-1",
    }
    assert one(collection, "database.instance", "sessions").attributes["backup_retention_days"] == 0
    assert one(collection, "database.instance", "sessions").attributes["classification"] is None
    assert one(collection, "storage.file_system", "shared").attributes == {
        "encrypted": True,
        "kms_key": one(collection, "storage.file_system", "shared").attributes["kms_key"],
        "region": "us-east-1",
    }
    assert one(collection, "storage.file_system", "scratch-fs").attributes == {
        "encrypted": False,
        "kms_key": None,
        "region": "eu-west-1",
    }
    assert one(collection, "backup.plan", "production").attributes == {
        "rules": 2,
        "min_retention_days": 35,
        "copies_to_other_region": True,
        "region": "us-east-1",
    }
    assert one(collection, "backup.plan", "scratch").attributes["copies_to_other_region"] is False
    assert one(collection, "backup.plan", "scratch").attributes["min_retention_days"] == 7


def test_backups_and_snapshots_and_their_encryption(collection: Collection, summary: dict[str, Any]) -> None:
    snapshots = of_type(collection, "backup.snapshot")
    for name, expected in summary["snapshots"].items():
        assert (snapshots[name].attributes["encrypted"], snapshots[name].attributes["region"]) == (
            expected["encrypted"],
            expected["region"],
        ), name
    assert snapshots["orders-pre-migration"].attributes["kind"] == "database_snapshot"
    assert (
        snapshots["orders-pre-migration"].attributes["kms_key"]
        == summary["kms_keys"]["eu-west-1"]["rotating"]
    )
    assert snapshots["scratch-copy"].attributes == {
        "kind": "volume_snapshot",
        "encrypted": False,
        "kms_key": None,
        "region": "eu-west-1",
    }
    vaults = [
        o
        for o in collection.observations
        if o.type == "backup.snapshot" and o.attributes["kind"] == "backup_vault"
    ]
    assert {v.attributes["region"] for v in vaults} == {"us-east-1", "eu-west-1"}
    assert all(v.attributes["encrypted"] for v in vaults)


def test_security_alerting_from_metric_filters_alarms_and_event_rules(
    collection: Collection, summary: dict[str, Any]
) -> None:
    alerting = one(collection, "monitoring.alerting", f"Security alerts ({ACCOUNT})")
    assert alerting.scope == GLOBAL
    expected = summary["alerting"]
    assert alerting.attributes == {
        "service": "cloudwatch+eventbridge",
        # The metric filters' events, and the EventBridge rule's KMS events.
        "alerted_events": sorted([*expected["alerted"], "key_disable_or_deletion"]),
        "unalerted_security_events": expected["unalerted"],
        "key_misuse_alerted": True,
        "region": "us-east-1",
    }
    assert {c.operation for c in alerting.calls} == {
        "DescribeTrails",
        "DescribeAlarms",
        "DescribeMetricFilters",
        "ListRules",
        "ListTargetsByRule",
    }


def test_macie_per_region(collection: Collection) -> None:
    macie = of_type(collection, "monitoring.data_loss_prevention")
    assert macie["Macie (us-east-1)"].attributes["enabled"] is True
    # Off: moto answers ResourceNotFoundException (AWS: AccessDeniedException "Macie is not enabled").
    assert macie["Macie (eu-west-1)"].attributes == {
        "service": "macie",
        "enabled": False,
        "region": "eu-west-1",
    }


def test_peerings_and_the_environments_they_join(collection: Collection, summary: dict[str, Any]) -> None:
    peerings = of_type(collection, "network.peering")
    assert set(peerings) == set(summary["peerings"])
    assert peerings["app-shared"].attributes["environments"] == ["production", "production"]
    assert peerings["app-shared"].attributes["crosses_environments"] is False
    assert peerings["app-staging"].attributes["environments"] == ["production", "staging"]
    assert peerings["app-staging"].attributes["crosses_environments"] is True


def test_sns_topics_and_their_encryption(moto_reset: str) -> None:
    sns = boto3.client("sns", region_name="eu-west-1")
    sns.create_topic(Name="alerts")
    sns.create_topic(Name="payments", Attributes={"KmsMasterKeyId": "alias/aws/sns"})

    collection = run_collector(["eu-west-1"])

    assert collection.errors == []
    topics = of_type(collection, "messaging.topic")
    assert topics["alerts"].attributes == {"encrypted": False, "kms_key": None, "region": "eu-west-1"}
    assert topics["payments"].attributes["kms_key"] == "alias/aws/sns"
    assert {c.operation for c in topics["payments"].calls} == {"ListTopics", "GetTopicAttributes"}
    assert fails("topic-encryption", topics["alerts"])
    assert not fails("topic-encryption", topics["payments"])
