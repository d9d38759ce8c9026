"""Least privilege, proven under IAM enforcement: `evidra check aws` run as a principal
holding only the shipped policies reads a whole organisation without one denial, and
with one action taken away it reports an `error` naming that action.

moto's server runs in its own process (`evidra.emulators.moto_process`), since IAM
enforcement is a global switch of the server: the estate is seeded first, then every
request is checked against IAM. The management account (123456789012) holds the demo
estate and a user with `iam-policy.json` and `iam-policy-organization.json`; the member
account's role is made by deploying `member-role.cfn.yaml` with moto's CloudFormation,
so its reads are checked against the template's own inline policy.

What moto checks, and so what this proves, is listed in bench/README.md
(`bench/iam_enforcement.py`): every action of the policy the estate exercises except
`sts:GetCallerIdentity`, which AWS and moto allow to everyone. moto does not evaluate a
role's trust policy across accounts, so the template's trust and external id
condition are checked by reading the template (test_aws_member_role.py), not here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from evidra.collectors.aws import permissions
from evidra.demo.estate import seed_estate
from evidra.emulators.moto_process import MotoProcess
from tests.collectors.aws.identity_center_support import seed_identity_center

REGIONS = ("us-east-1", "eu-west-1")
MANAGEMENT = "123456789012"
ROLE = "EvidraAudit"
EXTERNAL_ID = "evidra-lp-external-id-2718"
EXTERNAL_ID_ENV = "AUDIT_EXTERNAL_ID"
TEMPLATE = Path(permissions.__file__).with_name("member-role.cfn.yaml")
# One action a test takes away, from each protocol family the collector speaks:
# S3's REST-XML (whose denial says only "Access Denied"), JSON (KMS), EC2's query
# protocol, and the organisation policy's ListAccounts; an operation moto's SSM was
# taught (emulators/ssm_patching.py), to show IAM checks it like any other; and Identity
# Center's (read once per run, whose action prefix `sso` is not its boto3 name `sso-admin`).
REMOVED = (
    "s3:GetEncryptionConfiguration",
    "kms:GetKeyRotationStatus",
    "ec2:DescribeVolumes",
    "organizations:ListAccounts",
    "ssm:DescribeInstancePatchStates",
    "sso:ListAccountAssignmentsForPrincipal",
)
ADMIN_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@pytest.fixture(scope="module")
def enforced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The organisation, the collector's users (one holding the shipped policies, one
    per action of REMOVED holding them without it), and IAM enforcement switched on."""
    with MotoProcess() as moto:
        seed_estate(moto.endpoint, regions=REGIONS)
        # Identity Center's users, groups and permission sets: every sso and identitystore action runs.
        seed_identity_center(moto.endpoint, MANAGEMENT, **ADMIN_CREDENTIALS)

        def client(service: str, **credentials: str) -> Any:
            return boto3.client(
                service,
                region_name="us-east-1",
                endpoint_url=moto.endpoint,
                **(credentials or ADMIN_CREDENTIALS),
            )

        organizations = client("organizations")
        organizations.create_organization(FeatureSet="ALL")
        member = organizations.create_account(AccountName="payments", Email="payments@example.com")[
            "CreateAccountStatus"
        ]["AccountId"]
        _deploy_member_account(client, member)

        users = {"": _collector_user(client("iam"), "evidra-collector", removed=None)}
        for index, action in enumerate(REMOVED):
            users[action] = _collector_user(client("iam"), f"evidra-collector-{index}", removed=action)
        moto.enforce_iam()
        yield {
            "endpoint": moto.endpoint,
            "member": member,
            "users": users,
            "workdir": tmp_path_factory.mktemp("least-privilege"),
        }


def _deploy_member_account(client: Any, member: str) -> None:
    """The member account's role from the shipped template, and a little to read."""
    credentials = client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{member}:role/OrganizationAccountAccessRole", RoleSessionName="setup"
    )["Credentials"]
    as_member = {
        "aws_access_key_id": credentials["AccessKeyId"],
        "aws_secret_access_key": credentials["SecretAccessKey"],
        "aws_session_token": credentials["SessionToken"],
    }
    client("cloudformation", **as_member).create_stack(
        StackName="evidra-member-role",
        TemplateBody=TEMPLATE.read_text(encoding="utf-8"),
        Parameters=[
            {"ParameterKey": "RoleName", "ParameterValue": ROLE},
            {"ParameterKey": "TrustedAccountId", "ParameterValue": MANAGEMENT},
            {"ParameterKey": "ExternalId", "ParameterValue": EXTERNAL_ID},
        ],
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )
    client("iam", **as_member).create_user(UserName="payments-user")
    client("s3", **as_member).create_bucket(Bucket="payments-ledger")
    key = client("kms", **as_member).create_key(Description="payments")["KeyMetadata"]["KeyId"]
    client("kms", **as_member).enable_key_rotation(KeyId=key)
    client("ec2", **as_member).create_volume(AvailabilityZone="us-east-1a", Size=8, Encrypted=True)


def _collector_user(iam: Any, name: str, removed: str | None) -> dict[str, str]:
    """A user holding the shipped read and organisation policies (less `removed`)."""
    iam.create_user(UserName=name)
    for policy_name, document in (
        ("evidra-read", permissions.shipped_policy()),
        ("evidra-organization", permissions.shipped_organization_policy()),
    ):
        for statement in document["Statement"]:
            statement["Action"] = [a for a in statement["Action"] if a != removed]
        document["Statement"] = [s for s in document["Statement"] if s["Action"]]
        iam.put_user_policy(UserName=name, PolicyName=policy_name, PolicyDocument=json.dumps(document))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return {"aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]}


def check_as(enforced: dict[str, Any], user: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], Any]:
    """`evidra check aws --format json` over the organisation, as `user`."""
    workdir: Path = enforced["workdir"]
    (workdir / "evidra.yaml").write_text(
        "providers:\n  aws:\n"
        f"    regions: [{', '.join(REGIONS)}]\n"
        "    max_attempts: 2\n"
        "    accounts: organization\n"
        f"    role_name: {ROLE}\n"
        f"    external_id_env: {EXTERNAL_ID_ENV}\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "EVIDRA_"))}
    env.update(
        AWS_ENDPOINT_URL=enforced["endpoint"],
        AWS_ACCESS_KEY_ID=user["aws_access_key_id"],
        AWS_SECRET_ACCESS_KEY=user["aws_secret_access_key"],
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
        COLUMNS="200",
    )
    env[EXTERNAL_ID_ENV] = EXTERNAL_ID
    result = subprocess.run(
        [sys.executable, "-m", "evidra", "check", "aws", "--format", "json"],
        cwd=workdir,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    return result, json.loads(result.stdout) if result.stdout.strip() else None


def test_enforcement_is_on(enforced: dict[str, Any]) -> None:
    """Without this, the tests below would pass against a server that allows anything."""
    iam = boto3.client(
        "iam", region_name="us-east-1", endpoint_url=enforced["endpoint"], **enforced["users"][""]
    )
    with pytest.raises(ClientError) as denied:
        iam.create_user(UserName="not-allowed")
    assert denied.value.response["Error"]["Code"] == "AccessDenied"
    with pytest.raises(ClientError):
        boto3.client(
            "iam", region_name="us-east-1", endpoint_url=enforced["endpoint"], **ADMIN_CREDENTIALS
        ).list_users()


def test_the_shipped_policies_are_all_the_collector_needs(enforced: dict[str, Any]) -> None:
    result, document = check_as(enforced, enforced["users"][""])

    assert document is not None, result.stderr
    assert document["errors"] == []
    assert [r for r in document["results"] if r["status"] == "error"] == []
    assert result.returncode == 1, result.stderr  # the estate fails controls on purpose; 3 would be an error
    assert "AccessDenied" not in result.stdout + result.stderr
    # Both accounts were read: the member through the role the template made.
    read = {r["resource"]["scope"].split(":")[1] for r in document["results"]}
    assert read == {MANAGEMENT, enforced["member"]}
    member_buckets = [r for r in document["results"] if r["resource"]["id"] == "arn:aws:s3:::payments-ledger"]
    assert member_buckets and {r["status"] for r in member_buckets} <= {"pass", "fail", "not_applicable"}


@pytest.mark.parametrize("action", REMOVED)
def test_a_missing_action_is_an_error_naming_it(enforced: dict[str, Any], action: str) -> None:
    result, document = check_as(enforced, enforced["users"][action])

    assert document is not None, result.stderr
    assert result.returncode == 3, result.stderr
    naming = [e for e in document["errors"] if f"evidra needs the IAM action {action}" in e["message"]]
    assert naming, [e["message"] for e in document["errors"]]
    # Every error is that action's: nothing else was missing.
    assert all(action in e["message"] for e in document["errors"]), document["errors"]
    errored = [r for r in document["results"] if r["status"] == "error"]
    assert errored and all(action in r["reason"] for r in errored)
    # The rest of the run still reports.
    assert {r["status"] for r in document["results"]} >= {"pass", "fail"}
