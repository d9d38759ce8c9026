"""The AWS collector on small, purpose-built accounts: the cases the demo estate lacks."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from evidra.collectors.aws import permissions
from evidra.collectors.aws.collector import AwsCollector
from evidra.collectors.aws.registry import READERS
from evidra.collectors.aws.session import AwsSession
from evidra.config.settings import AwsSettings
from evidra.controls.catalog import select
from evidra.controls.engine import evaluate
from evidra.controls.requirements import default_parameters
from evidra.model import Status, utcnow
from tests.collectors.aws.aws_support import of_type, one, run_collector

ACCOUNT = "123456789012"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
EVERYTHING = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)
ALL_S3 = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
)


def _public_policy(bucket: str, condition: dict[str, Any] | None = None) -> str:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": "*"},
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*",
    }
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def test_privileged_directly_through_groups_and_policies(moto_reset: str) -> None:
    iam = boto3.client("iam")
    for name in ("via-group", "via-inline", "via-managed", "via-group-inline", "s3-only", "read-only"):
        iam.create_user(UserName=name)
    iam.create_group(GroupName="admins")
    iam.attach_group_policy(GroupName="admins", PolicyArn=ADMIN)
    iam.add_user_to_group(GroupName="admins", UserName="via-group")
    iam.put_user_policy(UserName="via-inline", PolicyName="all", PolicyDocument=EVERYTHING)
    local = iam.create_policy(PolicyName="break-glass", PolicyDocument=EVERYTHING)["Policy"]["Arn"]
    iam.attach_user_policy(UserName="via-managed", PolicyArn=local)
    iam.create_group(GroupName="ops")
    iam.put_group_policy(GroupName="ops", PolicyName="all", PolicyDocument=EVERYTHING)
    iam.add_user_to_group(GroupName="ops", UserName="via-group-inline")
    iam.put_user_policy(UserName="s3-only", PolicyName="s3", PolicyDocument=ALL_S3)
    iam.attach_user_policy(UserName="read-only", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")

    users = of_type(run_collector(["us-east-1"]), "identity.user")

    assert {name: users[name].attributes["privileged"] for name in users} == {
        "via-group": True,
        "via-inline": True,
        "via-managed": True,
        "via-group-inline": True,
        "s3-only": False,
        "read-only": False,
    }
    managed = users["via-managed"].raw["GetAccountAuthorizationDetails"]
    assert [p["Arn"] for p in managed["Policies"]] == [local]
    grouped = users["via-group"].raw["GetAccountAuthorizationDetails"]
    assert [g["GroupName"] for g in grouped["GroupDetailList"]] == ["admins"]


def test_an_empty_account_reads_cleanly(moto_reset: str) -> None:
    collection = run_collector(["us-east-1"])
    assert collection.errors == []
    policy = one(collection, "identity.password_policy", "account password policy")
    # No policy: exists False and nothing else, so no control reads a made-up default.
    assert policy.attributes == {"exists": False, "applies_to": "account", "privileged": True}
    assert policy.raw == {"GetAccountPasswordPolicy": None}
    account = one(collection, "account", ACCOUNT)
    assert account.attributes["audit_trail_multi_region"] is False
    assert account.attributes["public_access_blocked"] is False
    assert of_type(collection, "storage.bucket") == {}


def test_account_public_access_block_protects_every_bucket(moto_reset: str) -> None:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="open-bucket")
    s3.put_bucket_policy(Bucket="open-bucket", Policy=_public_policy("open-bucket"))
    before = one(run_collector(["us-east-1"]), "storage.bucket", "open-bucket").attributes
    assert (before["public_access_blocked"], before["public"]) == (False, True)

    # Through our own session: S3 Control needs its account-prefixed host fixed for a local endpoint.
    s3control = AwsSession(AwsSettings()).client("s3control", "us-east-1")
    flags = dict.fromkeys(
        ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"), True
    )
    s3control.put_public_access_block(AccountId=ACCOUNT, PublicAccessBlockConfiguration=flags)

    collection = run_collector(["us-east-1"])
    after = one(collection, "storage.bucket", "open-bucket").attributes
    assert after["policy_grants_public"] is True  # the grant is still there ...
    assert (after["public_access_blocked"], after["public"]) == (True, False)  # ... but blocked
    assert one(collection, "account", ACCOUNT).attributes["public_access_blocked"] is True


def test_public_acl_and_its_block(moto_reset: str) -> None:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="acl-open", ACL="public-read")
    s3.create_bucket(Bucket="acl-open-ignored", ACL="public-read")
    s3.put_public_access_block(
        Bucket="acl-open-ignored",
        PublicAccessBlockConfiguration={"IgnorePublicAcls": True, "BlockPublicAcls": True},
    )
    buckets = of_type(run_collector(["us-east-1"]), "storage.bucket")

    open_ = buckets["acl-open"].attributes
    assert (open_["acl_grants_public"], open_["policy_grants_public"], open_["public"]) == (True, False, True)
    ignored = buckets["acl-open-ignored"].attributes
    assert (ignored["acl_grants_public"], ignored["public"]) == (True, False)
    # Two of the four flags: not fully blocked.
    assert ignored["public_access_blocked"] is False


def test_policy_conditions_that_pin_callers_are_not_public(moto_reset: str) -> None:
    s3 = boto3.client("s3")
    for name, condition in (
        ("office-only", {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}),
        ("org-only", {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}),
        ("referer-only", {"StringLike": {"aws:Referer": "https://example.com/*"}}),
    ):
        s3.create_bucket(Bucket=name)
        s3.put_bucket_policy(Bucket=name, Policy=_public_policy(name, condition))
    buckets = of_type(run_collector(["us-east-1"]), "storage.bucket")
    assert buckets["office-only"].attributes["policy_grants_public"] is False
    assert buckets["org-only"].attributes["policy_grants_public"] is False
    # A Referer can be set by anyone: still public.
    assert buckets["referer-only"].attributes["policy_grants_public"] is True
    assert buckets["referer-only"].attributes["public"] is True


def test_trail_coverage_is_account_wide_and_needs_logging(estate: dict[str, Any]) -> None:
    # Only eu-west-1 is read, yet the multi-region trail homed in us-east-1 counts.
    collection = run_collector(["eu-west-1"])
    assert set(of_type(collection, "logging.audit_trail")) == {"payments-app"}
    assert one(collection, "account", ACCOUNT).attributes["audit_trail_multi_region"] is True

    boto3.client("cloudtrail", region_name="us-east-1").stop_logging(Name="org-audit")
    collection = run_collector(["us-east-1"])
    assert one(collection, "account", ACCOUNT).attributes["audit_trail_multi_region"] is False
    assert one(collection, "logging.audit_trail", "org-audit").attributes["logging"] is False


def test_a_multi_region_trail_without_management_events_is_no_coverage(estate: dict[str, Any]) -> None:
    cloudtrail = boto3.client("cloudtrail", region_name="us-east-1")
    # As AWS does, the emulator answers a trail made without selectors with the default
    # one: all management events, reads and writes.
    assert cloudtrail.get_event_selectors(TrailName="org-audit")["EventSelectors"][0][
        "IncludeManagementEvents"
    ]
    data_only = {"ReadWriteType": "All", "IncludeManagementEvents": False, "DataResources": [
        {"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}]}  # fmt: skip
    cloudtrail.put_event_selectors(TrailName="org-audit", EventSelectors=[data_only])
    collection = run_collector(["us-east-1"])
    assert one(collection, "account", ACCOUNT).attributes["audit_trail_multi_region"] is False
    assert one(collection, "logging.audit_trail", "org-audit").attributes["management_events"] is False

    writes_only = {"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True, "DataResources": []}
    cloudtrail.put_event_selectors(TrailName="org-audit", EventSelectors=[writes_only])
    assert (
        one(run_collector(["us-east-1"]), "account", ACCOUNT).attributes["audit_trail_multi_region"] is False
    )

    management = [
        {"Name": "all management", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]}
    ]
    cloudtrail.put_event_selectors(TrailName="org-audit", AdvancedEventSelectors=management)
    assert (
        one(run_collector(["us-east-1"]), "account", ACCOUNT).attributes["audit_trail_multi_region"] is True
    )


def test_a_service_linked_config_recorder_is_not_the_customers_recording(moto_reset: str) -> None:
    config = boto3.client("config", region_name="us-east-1")
    # Another AWS service's recorder (it has a servicePrincipal): recording, every type.
    config.put_service_linked_configuration_recorder(ServicePrincipal="securityhub.amazonaws.com")
    (linked,) = config.describe_configuration_recorders()["ConfigurationRecorders"]
    assert linked["servicePrincipal"] == "securityhub.amazonaws.com"
    recorder = one(
        run_collector(["us-east-1"]), "monitoring.config_recorder", "AWS Config recorder (us-east-1)"
    )
    assert recorder.attributes["recording"] is False
    assert recorder.attributes["all_resources"] is False

    config.put_configuration_recorder(
        ConfigurationRecorder={
            "name": "default",
            "roleARN": f"arn:aws:iam::{ACCOUNT}:role/config",
            "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True},
        }
    )
    config.put_delivery_channel(DeliveryChannel={"name": "default", "s3BucketName": "config-bucket"})
    config.start_configuration_recorder(ConfigurationRecorderName="default")
    recorder = one(
        run_collector(["us-east-1"]), "monitoring.config_recorder", "AWS Config recorder (us-east-1)"
    )
    assert recorder.attributes["recording"] is True


def test_keys_that_cannot_rotate_are_not_applicable_with_the_reason(moto_reset: str) -> None:
    kms = boto3.client("kms", region_name="us-east-1")
    signing = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    symmetric = kms.create_key()["KeyMetadata"]["KeyId"]
    # As AWS does, the emulator refuses to say whether a signing key rotates.
    with pytest.raises(kms.exceptions.UnsupportedOperationException):
        kms.get_key_rotation_status(KeyId=signing)
    collection = run_collector(["us-east-1"])
    assert collection.errors == []
    keys = of_type(collection, "crypto.key")
    assert keys[signing].attributes["inapplicable"] == {
        "rotation_enabled": "an asymmetric key (ECC_NIST_P256) cannot rotate automatically"
    }
    assert "inapplicable" not in keys[symmetric].attributes
    results = evaluate(select(["key-rotation"]), collection, default_parameters(), utcnow())
    verdicts = {r.resource.id.rsplit("/", 1)[-1]: r.status for r in results}
    assert verdicts == {signing: Status.NOT_APPLICABLE, symmetric: Status.FAIL}


def test_databases_refuse_plaintext_only_when_their_parameter_group_says_so(moto_reset: str) -> None:
    rds = boto3.client("rds", region_name="us-east-1")
    rds.create_db_parameter_group(
        DBParameterGroupName="strict-pg13", DBParameterGroupFamily="postgres13", Description="TLS only"
    )
    rds.modify_db_parameter_group(
        DBParameterGroupName="strict-pg13",
        Parameters=[{"ParameterName": "rds.force_ssl", "ParameterValue": "1", "ApplyMethod": "immediate"}],
    )
    common = {"DBInstanceClass": "db.t3.micro", "AllocatedStorage": 20, "MasterUsername": "admin_user"}
    common["MasterUserPassword"] = "not-a-real-password-1"
    rds.create_db_instance(
        DBInstanceIdentifier="strict", Engine="postgres", DBParameterGroupName="strict-pg13", **common
    )
    rds.create_db_instance(DBInstanceIdentifier="pg16", Engine="postgres", EngineVersion="16.3", **common)
    rds.create_db_instance(DBInstanceIdentifier="mysql", Engine="mysql", **common)
    # As AWS does, a default group answers its engine defaults.
    defaults = rds.describe_db_parameters(DBParameterGroupName="default.postgres16")["Parameters"]
    assert {"ParameterName": "rds.force_ssl", "ParameterValue": "1"}.items() <= defaults[0].items()

    collection = run_collector(["us-east-1"])
    assert collection.errors == []
    databases = of_type(collection, "database.instance")
    assert {n: o.attributes["tls_required"] for n, o in databases.items()} == {
        "strict": True,  # rds.force_ssl = 1 in its own group
        "pg16": True,  # PostgreSQL 15 and later force TLS by default
        "mysql": False,  # require_secure_transport is OFF by default
    }
    results = evaluate(select(["database-tls-required"]), collection, default_parameters(), utcnow())
    assert sorted(r.status.value for r in results) == ["fail", "pass", "pass"]


def test_an_aurora_instance_is_judged_by_its_clusters_parameter_group(moto_reset: str) -> None:
    rds = boto3.client("rds", region_name="us-east-1")
    rds.create_db_cluster_parameter_group(
        DBClusterParameterGroupName="aurora-tls",
        DBParameterGroupFamily="aurora-postgresql15",
        Description="TLS only",
    )
    rds.modify_db_cluster_parameter_group(
        DBClusterParameterGroupName="aurora-tls",
        Parameters=[{"ParameterName": "rds.force_ssl", "ParameterValue": "1", "ApplyMethod": "immediate"}],
    )
    rds.create_db_cluster(
        DBClusterIdentifier="orders-cluster",
        Engine="aurora-postgresql",
        MasterUsername="admin_user",
        MasterUserPassword="not-a-real-password-1",
        DBClusterParameterGroupName="aurora-tls",
    )
    rds.create_db_instance(
        DBInstanceIdentifier="orders-1",
        DBInstanceClass="db.r6g.large",
        Engine="aurora-postgresql",
        DBClusterIdentifier="orders-cluster",
    )
    collection = run_collector(["us-east-1"])
    assert collection.errors == []
    orders = of_type(collection, "database.instance")["orders-1"]
    assert orders.attributes["tls_required"] is True
    assert orders.raw["DescribeDBClusterParameters"]["group"] == "aurora-tls"


def test_configured_regions_limit_the_scopes(moto_reset: str) -> None:
    lines: list[str] = []
    collection = AwsCollector(AwsSettings(regions=["eu-west-1"])).collect(progress=lines.append)
    scopes = {s.scope for s in collection.scopes}
    # Identity Center is read where it lives, by default the home region (us-east-1 here).
    assert scopes == {f"aws:{ACCOUNT}:global", f"aws:{ACCOUNT}:eu-west-1", f"aws:{ACCOUNT}:us-east-1"}
    # One progress line per unit of work: each global reader once, each regional one in the region.
    readers = READERS.all()
    assert len(lines) == len(collection.scopes) == len(readers)


def test_default_regions_are_the_enabled_regions(moto_reset: str) -> None:
    enabled = {r["RegionName"] for r in boto3.client("ec2").describe_regions()["Regions"]}
    made: list[tuple[str, str]] = []
    session = boto3.Session()
    session.events.register(
        "before-call.*.*", lambda model, **_: made.append((model.service_model.service_name, model.name))
    )

    collection = run_collector(None, boto_session=session, max_workers=32)

    assert collection.errors == []
    regional = {s.scope.rsplit(":", 1)[1] for s in collection.scopes} - {"global"}
    assert regional == enabled
    assert len(enabled) > 2
    assert made.count(("ec2", "DescribeRegions")) == 1
    assert set(made) <= set(permissions.ACTIONS)  # DescribeRegions too is in the shipped policy
