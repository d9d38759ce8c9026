"""The shared readings behind the cloud-requirement controls: tags and labels, cipher
suite names, and lifecycle rules that delete (or only look as if they did)."""

from __future__ import annotations

import pytest

from evidra.collectors.aws.s3 import expires_objects
from evidra.collectors.azure.storage import deletes_expired_blobs
from evidra.collectors.ciphers import algorithms, suite_algorithms
from evidra.collectors.gcp.storage import deletes_objects
from evidra.collectors.tags import classification_of, environment_of


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"data-classification": "confidential"}, "Confidential"),
        ({"DataClassification": "Internal"}, "Internal"),
        ({"data_classification": "PUBLIC"}, "Public"),
        ({"classification": "secret"}, "secret"),  # shown as written: the control names it
        ({"owner": "platform"}, None),
        ({"data-classification": "  "}, None),
        (None, None),
    ],
)
def test_classification_from_tags_and_labels(tags, expected) -> None:
    assert classification_of(tags) == expected


def test_environment_from_tags() -> None:
    assert environment_of({"Environment": "Prod"}) == "production"
    assert environment_of({"env": "stg"}) == "staging"
    assert environment_of({"stage": "qa"}) == "test"
    assert environment_of({"Name": "app"}) == "unknown"


@pytest.mark.parametrize(
    ("suite", "expected"),
    [
        ("DES-CBC3-SHA", {"3DES", "SHA-1"}),
        ("TLS_RSA_WITH_3DES_EDE_CBC_SHA", {"3DES", "SHA-1"}),
        ("RC4-MD5", {"RC4", "MD5"}),
        ("TLS_RSA_WITH_RC4_128_SHA", {"RC4", "SHA-1"}),
        ("DES-CBC-SHA", {"DES", "SHA-1"}),
        ("ECDHE-RSA-AES128-SHA", {"AES", "SHA-1"}),
        ("ECDHE-RSA-AES128-GCM-SHA256", {"AES", "SHA-256"}),
        ("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", {"AES", "SHA-384"}),
        ("TLS_CHACHA20_POLY1305_SHA256", {"CHACHA20", "SHA-256"}),
    ],
)
def test_cipher_suite_algorithms_in_both_spellings(suite, expected) -> None:
    assert algorithms(suite) == expected


def test_suite_algorithms_are_sorted_and_merged() -> None:
    assert suite_algorithms(["AES128-SHA", "ECDHE-RSA-AES128-GCM-SHA256"]) == ["AES", "SHA-1", "SHA-256"]


def test_s3_only_enabled_expiration_of_current_objects_disposes() -> None:
    noncurrent = {"Rules": [{"Status": "Enabled", "NoncurrentVersionExpiration": {"NoncurrentDays": 30}}]}
    disabled = {"Rules": [{"Status": "Disabled", "Expiration": {"Days": 30}}]}
    markers = {"Rules": [{"Status": "Enabled", "Expiration": {"ExpiredObjectDeleteMarker": True}}]}
    assert not any(expires_objects(c) for c in (None, noncurrent, disabled, markers))
    assert expires_objects({"Rules": [{"Status": "Enabled", "Expiration": {"Days": 30}}]})


def test_azure_only_enabled_base_blob_deletion_disposes() -> None:
    def policy(rule: dict) -> dict:
        return {"properties": {"policy": {"rules": [rule]}}}

    delete = {"delete": {"daysAfterModificationGreaterThan": 90}}
    assert deletes_expired_blobs(policy({"enabled": True, "definition": {"actions": {"baseBlob": delete}}}))
    assert not deletes_expired_blobs(
        policy({"enabled": False, "definition": {"actions": {"baseBlob": delete}}})
    )
    assert not deletes_expired_blobs(policy({"definition": {"actions": {"snapshot": delete}}}))
    assert not deletes_expired_blobs(None)


def test_gcp_only_deletion_of_live_objects_disposes() -> None:
    def bucket(condition: dict, action: str = "Delete") -> dict:
        return {"lifecycle": {"rule": [{"action": {"type": action}, "condition": condition}]}}

    assert deletes_objects(bucket({"age": 365}))
    assert not deletes_objects(bucket({"age": 30}, action="SetStorageClass"))
    assert not deletes_objects(bucket({"numNewerVersions": 3}))
    assert not deletes_objects(bucket({"age": 30, "isLive": False}))
    assert not deletes_objects({})
