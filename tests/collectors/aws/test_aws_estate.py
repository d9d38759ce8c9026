"""The AWS collector on the demo estate: every normalized attribute, pass and fail side.

The estate is seeded and collected once for this module; the tests only read.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from evidra.canonical import canonical_bytes
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
    # 5 global units + 5 regional managers in each of the 2 regions.
    assert len(collection.scopes) == 15
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
    }
    assert alice.attributes["created"].endswith("Z")
    bob = users["bob"].attributes
    assert (bob["console_access"], bob["mfa_enabled"], bob["mfa_methods"]) == (True, False, [])
    carol = users["carol"].attributes
    assert (carol["privileged"], carol["mfa_enabled"]) == (True, False)
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
        "region": "eu-west-1",
    }
    assert one(collection, "database.instance", "legacy-reports").attributes == {
        "engine": "mysql",
        "encrypted": False,
        "kms_key": None,
        "publicly_accessible": True,
        "backup_retention_days": 1,
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
    }
    assert trails["payments-app"].attributes == {
        "logging": False,
        "multi_region": False,
        "log_file_validation": False,
        "encrypted_with_customer_key": True,
        "kms_key": summary["kms_keys"]["eu-west-1"]["rotating"],
        "home_region": "eu-west-1",
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
