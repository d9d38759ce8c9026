"""An app registration with a certificate instead of a secret: azure-identity signs a
client assertion, which the fake's token endpoint verifies against the registered
certificate."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from evidra.emulators.azure_estate import demo_tenant
from evidra.emulators.azure_server import FakeAzure
from tests.collectors.azure.azure_support import by_name, collect
from tests.collectors.azure.conftest import trust


def app_certificate(folder: Path) -> tuple[Path, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "evidra")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    certificate_pem = certificate.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path = folder / "evidra-app.pem"
    path.write_bytes(key_pem + certificate_pem)
    return path, certificate_pem


def test_a_certificate_signs_in_and_the_collection_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path, certificate_pem = app_certificate(tmp_path)
    tenant = demo_tenant()
    tenant.certificate_pem = certificate_pem
    with FakeAzure(tenant) as fake:
        trust(monkeypatch, fake)
        collection = collect(fake, client_secret_env=None, certificate_file=str(path), directory=False)
    assert collection.errors == []
    assert len(by_name(collection, "storage.bucket")) == 4
    assert all("certificate" in o.principal for o in collection.observations)


def test_a_certificate_the_tenant_does_not_know_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path, _ = app_certificate(tmp_path)
    (tmp_path / "other").mkdir()
    _, other = app_certificate(tmp_path / "other")  # a second, unrelated key pair
    tenant = demo_tenant()
    tenant.certificate_pem = other
    with FakeAzure(tenant) as fake:
        trust(monkeypatch, fake)
        collection = collect(fake, client_secret_env=None, certificate_file=str(path))
    [error] = collection.errors
    assert "credentials" in error.message
    assert collection.observations == []
