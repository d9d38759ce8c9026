"""The collector's pure readers, on inputs the emulator cannot produce (a root user row,
policy shapes moto never returns)."""

from __future__ import annotations

import pytest

from evidra.collectors.aws import policy_doc
from evidra.collectors.aws.iam import mfa_method, parse_credential_report, report_date, user_attributes

# Shaped like AWS's report: the root row, with "not_supported" and "N/A" placeholders.
REPORT = (
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
    "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
    "access_key_1_last_used_date,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date\n"
    "<root_account>,arn:aws:iam::123456789012:root,2019-03-01T10:00:00+00:00,not_supported,"
    "2026-11-01T08:30:00+00:00,not_supported,not_supported,true,false,N/A,N/A,false,N/A,N/A\n"
    "dana,arn:aws:iam::123456789012:user/dana,2024-05-02T12:00:00+00:00,false,N/A,N/A,N/A,false,"
    "true,2024-05-02T12:00:00+00:00,N/A,false,N/A,N/A\n"
)


def test_the_root_row_is_the_root_user() -> None:
    root, dana = parse_credential_report(REPORT.encode())
    assert user_attributes(root, ["hardware_token"], True) == {
        "name": "<root_account>",
        "kind": "root",
        "console_access": True,
        "mfa_enabled": True,
        "mfa_methods": ["hardware_token"],
        "last_login": "2026-11-01T08:30:00Z",
        "created": "2019-03-01T10:00:00Z",
        "privileged": True,
        "disabled": False,
        "last_activity": "2026-11-01T08:30:00Z",
        "direct_policies": None,
    }
    assert user_attributes(dana, [], False)["console_access"] is False
    # Never signed in: inactivity runs from creation.
    assert user_attributes(dana, [], False, 2)["last_activity"] == "2024-05-02T12:00:00Z"
    assert user_attributes(dana, [], False, 2)["direct_policies"] == 2
    assert user_attributes(dana, [], False)["last_login"] is None


@pytest.mark.parametrize("placeholder", ["N/A", "no_information", "not_supported", "", None])
def test_report_placeholders_are_no_date(placeholder: str | None) -> None:
    assert report_date(placeholder) is None


def test_mfa_methods_by_serial() -> None:
    assert mfa_method("arn:aws:iam::123456789012:mfa/alice") == "authenticator_app"
    assert mfa_method("GAHT12345678") == "hardware_token"
    assert mfa_method("arn:aws:iam::123456789012:u2f/user/alice/key-ABC") == "hardware_token"


def test_administrator_policies() -> None:
    assert policy_doc.allows_everything({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}})
    assert policy_doc.allows_everything(
        '{"Statement": [{"Effect": "Allow", "Action": ["*:*"], "Resource": ["*"]}]}'
    )
    assert not policy_doc.allows_everything(
        {"Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}
    )
    assert not policy_doc.allows_everything(
        {"Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]}
    )
    assert not policy_doc.allows_everything("not json")


def test_public_grants() -> None:
    anyone = {"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::1:root", "*"]}, "Action": "s3:GetObject"}
    assert policy_doc.grants_public({"Statement": [anyone]})
    vpc_only = {**anyone, "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1"}}}
    assert not policy_doc.grants_public({"Statement": [vpc_only]})
    one_account = {**anyone, "Principal": {"AWS": "arn:aws:iam::1:root"}}
    assert not policy_doc.grants_public({"Statement": [one_account]})


def test_tls_only_needs_a_deny_on_insecure_transport() -> None:
    deny = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Condition": {"Bool": {"aws:SecureTransport": False}},
    }
    assert policy_doc.denies_insecure_transport({"Statement": [deny]})
    allow_tls = {**deny, "Effect": "Allow", "Condition": {"Bool": {"aws:SecureTransport": "true"}}}
    assert not policy_doc.denies_insecure_transport({"Statement": [allow_tls]})
    assert not policy_doc.denies_insecure_transport(None)
