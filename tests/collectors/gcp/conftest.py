"""A local Cloud Asset API (src/evidra/emulators/gcp_server.py) the real
google-cloud-asset client talks to over HTTPS, trusted through REQUESTS_CA_BUNDLE, with a
freshly generated service-account key whose token_uri is the fake's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from evidra.emulators.gcp_estate import demo_org
from evidra.emulators.gcp_server import FakeGcp

# Anything that could point google-auth at real credentials or another endpoint.
_GOOGLE_ENV = ("GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_CLOUD_PROJECT", "CLOUDSDK_CONFIG", "SSL_CERT_FILE")


@pytest.fixture
def gcp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeGcp]:
    """The demo organisation; its service-account key is `tmp_path / "key.json"`."""
    with FakeGcp(demo_org()) as fake:
        for name in _GOOGLE_ENV:
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(fake.cert_file))
        # No gcloud configuration or metadata server to find by accident.
        monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "no-gcloud"))
        monkeypatch.setenv("GCE_METADATA_HOST", "127.0.0.1:9")
        monkeypatch.setenv("GCE_METADATA_IP", "127.0.0.1:9")
        fake.write_key(tmp_path / "key.json")
        yield fake
