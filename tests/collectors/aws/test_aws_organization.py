"""The AWS collector across an organisation: accounts listed by Organizations, entered
through STS AssumeRole, each read in its own regions; an account or region that
cannot be reached is one error naming it, and the rest is still read.

moto's server plays the organisation: the caller (123456789012) is the management
account; member accounts are made with Organizations CreateAccount and filled through
credentials from AssumeRole, as the collector itself enters them (moto lets any
principal assume any role ARN)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from evidra.collectors.aws.collector import AwsCollector
from evidra.config.loader import ConfigError
from evidra.config.settings import AwsSettings
from evidra.model import Collection
from tests.fakes.aws_fault_proxy import AwsFaultProxy
from tests.fakes.cli import evidra

MANAGEMENT = "123456789012"
ROLE = "EvidraAudit"
EXTERNAL_ID = "evidra-test-external-id-3141"


def member_client(account: str, service: str, region: str = "us-east-1") -> Any:
    answer = boto3.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/{ROLE}", RoleSessionName="seed"
    )
    credentials = answer["Credentials"]
    return boto3.client(
        service,
        region_name=region,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


@pytest.fixture(scope="module")
def organization(emulator: Any) -> Iterator[dict[str, str]]:
    """An organisation of the management account, two active members (each with one
    user named after it) and a suspended one."""
    emulator.reset()
    org = boto3.client("organizations")
    org.create_organization(FeatureSet="ALL")
    made = {}
    for name in ("payments", "analytics", "closed"):
        made[name] = org.create_account(AccountName=name, Email=f"{name}@example.com")["CreateAccountStatus"][
            "AccountId"
        ]
    org.close_account(AccountId=made["closed"])
    boto3.client("iam").create_user(UserName="management-user")
    for name in ("payments", "analytics"):
        member_client(made[name], "iam").create_user(UserName=f"{name}-user")
    yield made
    emulator.touched()


def collect(settings: AwsSettings, session: Any = None) -> Collection:
    return AwsCollector(settings, boto_session=session).collect()


def users_by_account(collection: Collection) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for o in collection.observations:
        if o.type == "identity.user":
            found.setdefault(o.scope.split(":")[1], set()).add(o.name or "")
    return found


def test_every_active_account_is_entered_through_its_role(
    organization: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVIDRA_TEST_EXTERNAL_ID", EXTERNAL_ID)
    assumed: list[dict[str, Any]] = []
    clients: list[str] = []
    session = boto3.Session()
    session.events.register(
        "provide-client-params.sts.AssumeRole", lambda params, **_: assumed.append(params)
    )
    session.events.register("creating-client-class", lambda **_: clients.append("client"))
    services: set[str] = set()
    session.events.register("before-call", lambda model, **_: services.add(model.service_model.service_name))

    collection = collect(
        AwsSettings(
            regions=["us-east-1"],
            accounts="organization",
            role_name=ROLE,
            external_id_env="EVIDRA_TEST_EXTERNAL_ID",
        ),
        session,
    )

    assert collection.errors == []
    payments, analytics = organization["payments"], organization["analytics"]
    assert users_by_account(collection) == {
        MANAGEMENT: {"management-user"},
        payments: {"payments-user"},
        analytics: {"analytics-user"},
    }
    # The suspended account is not entered; the caller's own account needs no role.
    assert sorted(p["RoleArn"] for p in assumed) == sorted(
        f"arn:aws:iam::{a}:role/{ROLE}" for a in (payments, analytics)
    )
    assert {p["RoleSessionName"] for p in assumed} == {"evidra"}
    assert {p["ExternalId"] for p in assumed} == {EXTERNAL_ID}
    assert {s.scope for s in collection.scopes} == {
        f"aws:{a}:{where}" for a in (MANAGEMENT, payments, analytics) for where in ("global", "us-east-1")
    }
    # The scope inventory: every account of the organisation, the suspended one not read.
    listed = [o for o in collection.observations if o.type == "inventory.scope"]
    assert {o.name.split("(")[-1].rstrip(")") for o in listed} == {MANAGEMENT, *organization.values()}
    assert all(o.scope == f"aws:{MANAGEMENT}:global" for o in listed)
    (closed,) = [o for o in listed if organization["closed"] in (o.name or "")]
    assert (closed.attributes["active"], closed.attributes["collected"]) == (False, False)
    assert all(o.attributes["collected"] for o in listed if o.attributes["active"])
    # Each account's evidence names the principal it was read as.
    principals = {o.scope.split(":")[1]: o.principal for o in collection.observations}
    assert principals[payments] == f"arn:aws:sts::{payments}:assumed-role/{ROLE}/evidra"
    assert principals[MANAGEMENT].startswith("arn:aws:") and f":{MANAGEMENT}:" in principals[MANAGEMENT]
    # One client per (account, region, service), reused by every unit that needs it:
    # here one region, so each account's readers' services, plus the caller's
    # Organizations, STS and Identity Center's two (which only the caller calls).
    once = {"organizations", "sts", "sso-admin", "identitystore"}
    assert once <= services
    assert len(clients) == 3 * len(services - once) + len(once)
    # The external id is a secret: nowhere in the evidence.
    assert all(EXTERNAL_ID not in repr(o.snapshot()) + repr(o.provenance()) for o in collection.observations)


def test_a_list_of_ids_and_role_arns(organization: dict[str, str]) -> None:
    payments, analytics = organization["payments"], organization["analytics"]
    collection = collect(
        AwsSettings(
            regions=["us-east-1"],
            accounts=[payments, f"arn:aws:iam::{analytics}:role/SomeOtherRole", MANAGEMENT, payments],
            role_name=ROLE,
        )
    )
    assert collection.errors == []
    assert set(users_by_account(collection)) == {MANAGEMENT, payments, analytics}
    # In the order given, each account once.
    accounts = list(dict.fromkeys(s.scope.split(":")[1] for s in collection.scopes))
    assert accounts == [payments, analytics, MANAGEMENT]


def test_account_ids_need_a_role_name(organization: dict[str, str]) -> None:
    with pytest.raises(ConfigError, match=r"providers\.aws\.role_name"):
        collect(AwsSettings(regions=["us-east-1"], accounts=[organization["payments"]]))
    # The caller's own account needs none.
    assert collect(AwsSettings(regions=["us-east-1"], accounts=[MANAGEMENT])).errors == []


def test_a_missing_external_id_variable_is_a_config_error(
    organization: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EVIDRA_NO_SUCH_VARIABLE", raising=False)
    with pytest.raises(ConfigError, match="EVIDRA_NO_SUCH_VARIABLE is not set"):
        collect(
            AwsSettings(accounts="organization", role_name=ROLE, external_id_env="EVIDRA_NO_SUCH_VARIABLE")
        )


@pytest.fixture
def proxy(
    organization: dict[str, str], moto_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[AwsFaultProxy]:
    with AwsFaultProxy(moto_endpoint) as running:
        monkeypatch.setenv("AWS_ENDPOINT_URL", running.url)
        yield running


def test_an_account_that_cannot_be_entered_is_one_error(
    organization: dict[str, str], proxy: AwsFaultProxy
) -> None:
    payments, analytics = organization["payments"], organization["analytics"]
    # AssumeRole into the payments account is denied (its trust policy does not name us).
    fault = proxy.add("sts", None, "denied", body_contains=payments)

    collection = collect(AwsSettings(regions=["us-east-1"], accounts="organization", role_name=ROLE))

    assert fault.hits == 1  # access denied is not retried
    [error] = collection.errors
    assert (error.scope, error.service) == (f"aws:{payments}", "sts")
    assert error.message.startswith(
        f"account {payments}: cannot assume arn:aws:iam::{payments}:role/{ROLE}: "
        "sts AssumeRole failed in us-east-1: AccessDenied"
    )
    assert "identity.user" in error.types and "crypto.key" in error.types
    assert set(users_by_account(collection)) == {MANAGEMENT, analytics}
    record = next(s for s in collection.scopes if s.scope == error.scope)
    assert record.error == error.message


def test_an_unlistable_organization_still_reads_the_caller(
    organization: dict[str, str], proxy: AwsFaultProxy
) -> None:
    proxy.add("organizations", None, "denied")

    collection = collect(AwsSettings(regions=["us-east-1"], accounts="organization", role_name=ROLE))

    [error] = collection.errors
    assert (error.scope, error.service) == (f"aws:{MANAGEMENT}", "organizations")
    assert "cannot list the organization's accounts" in error.message
    assert "AccessDeniedException" in error.message
    assert set(users_by_account(collection)) == {MANAGEMENT}


def test_a_configured_region_not_enabled_in_an_account(organization: dict[str, str]) -> None:
    payments = organization["payments"]
    collection = collect(
        AwsSettings(regions=["us-east-1", "ap-nowhere-1"], accounts=[MANAGEMENT, payments], role_name=ROLE)
    )
    assert {(e.scope, e.service) for e in collection.errors} == {
        (f"aws:{MANAGEMENT}:ap-nowhere-1", "ec2"),
        (f"aws:{payments}:ap-nowhere-1", "ec2"),
    }
    error = next(e for e in collection.errors if payments in e.scope)
    assert error.message.startswith(f"account {payments}: region ap-nowhere-1 is not enabled")
    assert "compute.volume" in error.types and "identity.user" not in error.types
    # The enabled region is read in both accounts, and nothing is read in the other.
    regions = {s.scope.rsplit(":", 1)[1] for s in collection.scopes if s.error is None}
    assert regions == {"global", "us-east-1"}


def test_check_over_an_organization_exits_3_naming_the_unreachable_account(
    organization: dict[str, str], proxy: AwsFaultProxy, tmp_path: Path
) -> None:
    payments, analytics = organization["payments"], organization["analytics"]
    proxy.add("sts", None, "denied", body_contains=payments)
    (tmp_path / "evidra.yaml").write_text(
        "providers:\n  aws:\n    regions: [us-east-1]\n    accounts: organization\n"
        f"    role_name: {ROLE}\n    max_attempts: 2\n"
    )

    result = evidra("check", "aws", "--format", "json", cwd=tmp_path, endpoint=proxy.url)

    assert result.returncode == 3, result.stderr
    document = json.loads(result.stdout)
    [error] = document["errors"]
    assert error["scope"] == f"aws:{payments}"
    assert f"account {payments}" in error["message"] and "AccessDenied" in error["message"]
    assert "us-east-1" in error["message"]
    mfa = [r for r in document["results"] if r["control"] == "identity-user-mfa"]
    assert {r["resource"]["scope"] for r in mfa if r["status"] == "error"} == {f"aws:{payments}"}
    judged = {r["resource"]["scope"].split(":")[1] for r in document["results"] if r["status"] != "error"}
    assert judged == {MANAGEMENT, analytics}


def test_a_members_view_of_the_organisation_trail_does_not_cost_its_own_trails(
    organization: dict[str, str],
) -> None:
    from evidra.controls.catalog import select
    from evidra.controls.engine import evaluate
    from evidra.controls.requirements import default_parameters
    from evidra.model import Status, utcnow

    boto3.client("s3").create_bucket(Bucket="org-trail-logs")
    cloudtrail = boto3.client("cloudtrail", region_name="us-east-1")
    cloudtrail.create_trail(
        Name="organization-trail",
        S3BucketName="org-trail-logs",
        IsMultiRegionTrail=True,
        IsOrganizationTrail=True,
    )
    cloudtrail.start_logging(Name="organization-trail")
    payments = organization["payments"]
    member = member_client(payments, "cloudtrail")
    # As AWS does: the member sees the organisation's trail and is refused its status.
    org_trail = f"arn:aws:cloudtrail:us-east-1:{MANAGEMENT}:trail/organization-trail"
    assert org_trail in [t["TrailARN"] for t in member.describe_trails(includeShadowTrails=True)["trailList"]]
    with pytest.raises(member.exceptions.TrailNotFoundException):
        member.get_trail_status(Name=org_trail)
    member_client(payments, "s3").create_bucket(Bucket="own-trail-logs")
    try:
        settings = AwsSettings(regions=["us-east-1"], accounts=[payments], role_name=ROLE)
        collection = collect(settings)
        assert collection.errors == []
        (account,) = [o for o in collection.observations if o.type == "account" and o.name == payments]
        assert account.attributes["audit_trail_multi_region"] is None
        assert (
            f"belongs to account {MANAGEMENT}" in account.attributes["unreadable"]["audit_trail_multi_region"]
        )
        results = evaluate(select(["audit-trail-all-regions"]), collection, default_parameters(), utcnow())
        assert [r.status for r in results] == [Status.ERROR]

        # With a trail of its own, the member's coverage is proven whatever the organisation trail says.
        member.create_trail(Name="own-trail", S3BucketName="own-trail-logs", IsMultiRegionTrail=True)
        member.start_logging(Name="own-trail")
        collection = collect(settings)
        assert collection.errors == []
        (account,) = [o for o in collection.observations if o.type == "account" and o.name == payments]
        assert account.attributes["audit_trail_multi_region"] is True
        assert "unreadable" not in account.attributes
    finally:
        member.delete_trail(Name="own-trail")
        cloudtrail.delete_trail(Name="organization-trail")
