"""Secrets never land: the redaction net, field by field."""

from __future__ import annotations

from evidra.redact import REDACTED, redact, redact_text

GITHUB = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def test_secret_named_fields_lose_their_values():
    doc = {
        "Password": "hunter2",
        "client_secret": "abc",
        "apiKey": "k",
        "PasswordEnabled": True,
        "MinimumPasswordLength": 8,
        "KmsKeyId": "arn:aws:kms:eu-west-1:1:key/x",
    }
    out = redact(doc)
    assert out["Password"] == REDACTED
    assert out["client_secret"] == REDACTED
    assert out["apiKey"] == REDACTED
    assert out["PasswordEnabled"] is True
    assert out["MinimumPasswordLength"] == 8
    assert out["KmsKeyId"] == "arn:aws:kms:eu-west-1:1:key/x"


def test_tag_pairs_named_like_secrets_lose_their_values():
    tags = {"TagSet": [{"Key": "db_password", "Value": "hunter2"}, {"Key": "team", "Value": "payments"}]}
    out = redact(tags)
    assert out["TagSet"][0] == {"Key": "db_password", "Value": REDACTED}
    assert out["TagSet"][1] == {"Key": "team", "Value": "payments"}


def test_secret_looking_values_are_replaced_anywhere():
    policy = '{"Condition": {"StringEquals": {"aws:Referer": "' + GITHUB + '"}}}'
    assert GITHUB not in redact_text(policy)
    assert "aws:Referer" in redact_text(policy)
    for secret in [
        AWS_SECRET,
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n-----END RSA PRIVATE KEY-----",
        "SSWS 00abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN",
        "postgresql://evidra:s3cretpw@db:5432/evidra",
    ]:
        out = redact({"note": f"before {secret} after"})["note"]
        assert secret not in out
        assert out.startswith("before")
    assert "s3cretpw" not in redact_text("could not connect to postgresql://evidra:s3cretpw@db/x")


def test_ordinary_evidence_is_kept():
    doc = {
        "Arn": "arn:aws:iam::123456789012:user/alice",
        "CreateDate": "2026-01-01T00:00:00Z",
        "evidence": "sha256:" + "ab" * 32,
        "AccessKeyId": "AKIAIOSFODNN7EXAMPLE",
    }
    assert redact(doc) == doc


def test_a_forty_letter_identifier_is_not_taken_for_an_aws_secret_key() -> None:
    # An Azure SDK class name of exactly 40 letters, in an error message.
    message = "SubscriptionDiagnosticSettingsOperations.list failed: 403"
    assert redact_text(message) == message
    key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    assert redact_text(f"secret {key} leaked") == f"secret {REDACTED} leaked"
