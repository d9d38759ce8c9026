"""Credentials: an API token is never stored, logged or printed, even when Okta
rejects it; an OAuth 2.0 service app signs in with its private key."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from evidra.collectors.okta.collector import OktaCollector
from evidra.emulators.okta_estate import API_TOKEN, demo_org
from evidra.emulators.okta_server import FakeOkta
from evidra.resource_types import RESOURCE_TYPES
from tests.collectors.okta.okta_support import TOKEN_ENV, by_name, collect, evidra, settings, write_config

OKTA_TYPES = {
    "identity.user",
    "identity.password_policy",
    "identity.signon_policy",
    "identity.credential",
    "identity.event",
    "identity.deprovisioning",
    "identity.application",
    "inventory.scope",
}
WRONG_TOKEN = "00" + "Wrong_Token_But_Okta_Shaped_0123456789abcd"


def test_the_fake_refuses_a_wrong_token(okta: FakeOkta, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(TOKEN_ENV, WRONG_TOKEN)
    collection = collect(okta)
    [error] = collection.errors
    # One message naming the credential tried and the fix (issue 16, first contact).
    assert error.message.startswith(
        "Okta refused the credential (okta getCurrentUser failed: HTTP 401 E0000011: "
        f"Invalid token provided); tried: okta API token from ${TOKEN_ENV}. Fix: create an API token"
    )
    assert set(error.types) == OKTA_TYPES <= set(RESOURCE_TYPES)
    assert collection.observations == []
    # The SDK sent the token as Okta expects it; the fake compared it and said no.
    assert okta.authorizations == [f"SSWS {WRONG_TOKEN}"]


def test_a_rejected_token_appears_nowhere(
    okta: FakeOkta, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write_config(tmp_path, okta)
    checked = evidra("check", "okta", "--format", "json", cwd=tmp_path, fake=okta, token=WRONG_TOKEN)
    assert checked.returncode == 3, checked.stderr
    assert "Invalid token provided" in checked.stdout
    collected = evidra("collect", "okta", cwd=tmp_path, fake=okta, token=WRONG_TOKEN)
    assert collected.returncode == 3, collected.stderr
    stored = (tmp_path / "evidence.db").read_bytes()
    assert b"Invalid token provided" in stored  # the error is kept ...
    for output in (checked.stdout, checked.stderr, collected.stdout, collected.stderr):
        assert WRONG_TOKEN not in output
    assert WRONG_TOKEN.encode() not in stored  # ... the token is not
    assert WRONG_TOKEN[2:20].encode() not in stored


def test_a_working_token_appears_nowhere(
    okta: FakeOkta, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every library's debug logging on, the SDK's included
    collector = OktaCollector(settings(okta))
    collection = collector.collect()
    assert collection.errors == []
    assert API_TOKEN not in caplog.text
    assert all(API_TOKEN not in repr(o) for o in collection.observations)
    assert API_TOKEN not in repr(collector.__dict__)
    write_config(tmp_path, okta)
    collected = evidra("collect", "okta", cwd=tmp_path, fake=okta, token=API_TOKEN)
    assert collected.returncode == 1, collected.stderr  # the demo org fails controls on purpose
    assert API_TOKEN not in collected.stdout + collected.stderr
    assert API_TOKEN.encode() not in (tmp_path / "evidence.db").read_bytes()


def test_a_missing_token_names_the_variable_only(okta: FakeOkta, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TOKEN_ENV)
    [error] = collect(okta).errors
    assert error.message == f"okta credentials: environment variable {TOKEN_ENV} is not set or empty"
    assert okta.requests == []


def test_token_file(okta: FakeOkta, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TOKEN_ENV)
    token_file = tmp_path / "okta-token"
    token_file.write_text(API_TOKEN + "\n")
    collection = collect(okta, token_env=None, token_file=str(token_file))
    assert collection.errors == []
    assert "okta API token from " + str(token_file) in collection.observations[0].principal


def test_service_app_with_private_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_file = tmp_path / "service-app.pem"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with FakeOkta(demo_org(), API_TOKEN, oauth_clients={"0oaevidra01": public}) as fake:
        monkeypatch.setenv("SSL_CERT_FILE", str(fake.cert_file))
        found = OktaCollector(
            settings(fake, token_env=None, client_id="0oaevidra01", private_key_file=str(key_file))
        ).collect()
        assert found.errors == []
        assert by_name(found, "identity.user")["ada@acme.com"].principal == "okta service app 0oaevidra01"
        assert fake.access_tokens and all(h.startswith("Bearer ") for h in fake.authorizations)
        assert not any(key_file.read_text()[40:80] in repr(o) for o in found.observations)


def test_service_app_with_an_unknown_key_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_file = tmp_path / "service-app.pem"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    with FakeOkta(demo_org(), API_TOKEN, oauth_clients={}) as fake:
        monkeypatch.setenv("SSL_CERT_FILE", str(fake.cert_file))
        found = OktaCollector(
            settings(fake, token_env=None, client_id="0oaother", private_key_file=str(key_file))
        ).collect()
        [error] = found.errors
        assert "could not authenticate" in error.message
        assert "PRIVATE KEY" not in error.message


def test_an_untrusted_certificate_is_refused(okta: FakeOkta, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSL_CERT_FILE")
    [error] = collect(okta).errors
    assert "getCurrentUser" in error.message and "certificate" in error.message.lower()
    assert okta.requests == []
