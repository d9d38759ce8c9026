"""A local Azure (src/evidra/emulators/azure_server.py): Entra ID's token endpoint,
Resource Manager and Microsoft Graph over HTTPS, which the real azure-identity
credential and management SDKs talk to, trusted through REQUESTS_CA_BUNDLE and
SSL_CERT_FILE as a user behind TLS inspection trusts their proxy.

Each test gets its own fake (starting one costs milliseconds); the app's secret is in
$EVIDRA_TEST_AZURE_SECRET.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from evidra.emulators.azure_estate import CLIENT_SECRET, demo_tenant
from evidra.emulators.azure_server import FakeAzure
from tests.collectors.azure.azure_support import SECRET_ENV


@pytest.fixture
def azure(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeAzure]:
    with FakeAzure(demo_tenant()) as fake:
        trust(monkeypatch, fake)
        yield fake


def trust(monkeypatch: pytest.MonkeyPatch, fake: FakeAzure) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(fake.cert_file))
    monkeypatch.setenv("SSL_CERT_FILE", str(fake.cert_file))
    monkeypatch.setenv(SECRET_ENV, CLIENT_SECRET)
    for name in ("AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_CLIENT_SECRET", "AZURE_AUTHORITY_HOST"):
        monkeypatch.delenv(name, raising=False)
