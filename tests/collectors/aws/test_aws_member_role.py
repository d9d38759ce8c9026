"""The shipped CloudFormation template for the member-account role: valid, granting
exactly the shipped read policy, trusting only the caller's account (with the
external id when one is given). test_aws_least_privilege.py deploys it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from cfnlint.api import lint_all

from evidra.collectors.aws import permissions

TEMPLATE = Path(permissions.__file__).with_name("member-role.cfn.yaml")


def template() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(TEMPLATE.read_text(encoding="utf-8"))
    return document


def the_role() -> dict[str, Any]:
    (resource,) = template()["Resources"].values()
    assert resource["Type"] == "AWS::IAM::Role"
    properties: dict[str, Any] = resource["Properties"]
    return properties


def test_cfn_lint_finds_no_error_or_warning() -> None:
    found = lint_all(TEMPLATE.read_text(encoding="utf-8"))
    # (as its command line: informational "I" rules are opt-in)
    assert [str(m) for m in found if m.rule.id[0] in "EW"] == []


def test_its_policy_is_the_shipped_policy_and_nothing_more() -> None:
    role = the_role()
    (inline,) = role["Policies"]
    assert inline["PolicyDocument"] == permissions.shipped_policy() == permissions.policy_document()
    # No managed policy (ReadOnlyAccess would read data, not just settings) and no boundary to widen.
    assert set(role) == {
        "RoleName",
        "Description",
        "MaxSessionDuration",
        "AssumeRolePolicyDocument",
        "Policies",
    }


def test_it_trusts_the_callers_account_with_the_external_id() -> None:
    role = the_role()
    assert role["RoleName"] == {"Ref": "RoleName"}
    assert template()["Parameters"]["RoleName"]["Default"] == permissions.EXAMPLE_ROLE_NAME
    (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == "sts:AssumeRole"
    assert statement["Principal"] == {
        "AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${TrustedAccountId}:root"}
    }
    condition, with_id, without = statement["Condition"]["Fn::If"]
    assert with_id == {"StringEquals": {"sts:ExternalId": {"Ref": "ExternalId"}}}
    assert without == {"Ref": "AWS::NoValue"}
    # The condition applies exactly when an external id is given.
    assert template()["Conditions"][condition] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "ExternalId"}, ""]}]}
    # Kept out of the stack's description like any secret-looking parameter.
    assert template()["Parameters"]["ExternalId"]["NoEcho"] is True
