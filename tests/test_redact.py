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


# The security review's findings (issue 15, item 1): each got past the nets before.
AWS_KEY_40 = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"
PGP_BLOCK = (
    "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBF0Z8xQBCAC7xNRi\n=ab12\n"
    "-----END PGP PRIVATE KEY BLOCK-----"
)
AZURE_CONNECTION = (
    "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey="
    + "Zm9vYmFyYmF6cXV4" * 5
    + "Zm9vYmFy==;EndpointSuffix=core.windows.net"
)
SAS_URL = (
    "https://acme.blob.core.windows.net/c/f?sv=2022-11-02&se=2027-01-01&sp=r&sig=Q2ZlY3JldFNpZ25hdHVyZQ%3D"
)
SLACK_WEBHOOK = "https://hooks.slack.com/services/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"
SESSION_TOKEN = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD6example"


def test_secrets_in_tag_values_written_as_name_equals_value_are_redacted() -> None:
    for value, secret in [
        ("DB_PASS=hunter2isnotsafe", "hunter2isnotsafe"),
        ("passphrase=correct-horse-battery", "correct-horse-battery"),
        (f"AWS_SECRET_ACCESS_KEY={AWS_KEY_40}", AWS_KEY_40),
        ("apikey=0a1b2c3d4e5f", "0a1b2c3d4e5f"),
        (AZURE_CONNECTION, "Zm9vYmFyYmF6cXV4"),
        (SAS_URL, "Q2ZlY3JldFNpZ25hdHVyZQ"),
    ]:
        tags = {"TagSet": [{"Key": "note", "Value": value}], "Tags": [{"Key": "ops", "Value": value}]}
        out = str(redact(tags))
        assert secret not in out, value
        assert REDACTED in out
    # The name stays: it tells the auditor what was there.
    assert redact_text("DB_PASS=hunter2isnotsafe") == f"DB_PASS={REDACTED}"
    assert "AccountName=acme" in redact_text(AZURE_CONNECTION)


def test_provider_token_formats_are_redacted_anywhere() -> None:
    for secret in (PGP_BLOCK, SLACK_WEBHOOK, SESSION_TOKEN, "xoxb-123456789012-1234567890123-AbCdEfGhIjKl"):
        out = redact({"Description": f"see {secret} here"})["Description"]
        assert secret not in out and out.startswith("see "), secret
    assert "lQOYBF0Z8xQBCAC7xNRi" not in redact_text(PGP_BLOCK), "the whole block goes, not only its header"


def test_name_value_pairs_in_every_provider_shape_lose_their_values() -> None:
    pairs = [
        {"Key": "DB_PASS", "Value": "hunter2"},
        {"TagKey": "passphrase", "TagValue": "hunter2"},
        {"Name": "/prod/db/password", "Value": "hunter2", "Type": "SecureString"},
        {"ParameterKey": "MasterUserPassword", "ParameterValue": "hunter2"},
        {"name": "STORAGE_ACCOUNT_KEY", "value": "hunter2"},  # Azure app settings
        {"key": "startup-token", "value": "hunter2"},  # GCP instance metadata
        {"Key": "apiKey", "Value": ["hunter2", "hunter3"]},
    ]
    for pair in pairs:
        out = redact(pair)
        assert "hunter2" not in str(out), pair
        assert set(out) == set(pair)
    assert redact({"Key": "team", "Value": "payments"}) == {"Key": "team", "Value": "payments"}


def test_lists_and_maps_under_secret_names_lose_every_text() -> None:
    doc = {
        "passwords": ["hunter2", "hunter3"],
        "credentials": {"user": "svc", "nested": {"secret_value": "hunter4"}, "tokens": ["t1"]},
        "DbPass": "hunter5",
        # A password *policy* under a secret name keeps its numbers and switches.
        "password": {"complexity": {"minLength": 14, "excludeUsername": True}},
    }
    out = redact(doc)
    for secret in ("hunter2", "hunter3", "hunter4", "hunter5", "svc", "t1"):
        assert secret not in str(out), secret
    assert out["password"]["complexity"] == {"minLength": 14, "excludeUsername": True}
    assert out["credentials"]["user"] == REDACTED


def test_evidence_that_only_looks_like_a_secret_is_kept() -> None:
    doc = {
        "Action": ["secretsmanager:GetSecretValue", "kms:Decrypt"],
        "SecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf",
        "TopicArn": "arn:aws:sns:us-east-1:123456789012:cloudtrail-notifications-for-security-team",
        "NextPageToken": "abc",
        "AccessKeyId": "AKIAIOSFODNN7EXAMPLE",
        "name": "//storage.googleapis.com/projects/_/buckets/proj-0001-logs",
        "selfLink": "https://compute.googleapis.com/$discovery/rest?version=v1",
        "password_last_used": "2026-01-01T00:00:00Z",
    }
    out = redact(doc)
    assert out["Action"] == doc["Action"], "an action naming secrets is not a secret"
    assert out["TopicArn"] == doc["TopicArn"]
    kept = ("NextPageToken", "AccessKeyId", "name", "selfLink", "password_last_used")
    assert {k: out[k] for k in kept} == {k: doc[k] for k in kept}
