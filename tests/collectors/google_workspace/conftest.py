"""A local Admin SDK (src/evidra/emulators/google_workspace_server.py) the real
google-api-python-client talks to over HTTPS, trusted through REQUESTS_CA_BUNDLE, with a
service-account key whose token_uri is the fake's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from evidra.config.settings import GoogleWorkspaceSettings
from evidra.emulators.google_workspace_estate import ADMIN, demo_domain
from evidra.emulators.google_workspace_server import FakeWorkspace

_GOOGLE_ENV = ("GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_CLOUD_PROJECT", "CLOUDSDK_CONFIG", "SSL_CERT_FILE")


@pytest.fixture
def workspace(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeWorkspace]:
    with FakeWorkspace(demo_domain()) as fake:
        for name in _GOOGLE_ENV:
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(fake.cert_file))
        monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "no-gcloud"))
        monkeypatch.setenv("GCE_METADATA_HOST", "127.0.0.1:9")
        monkeypatch.setenv("GCE_METADATA_IP", "127.0.0.1:9")
        fake.write_key(tmp_path / "key.json")
        yield fake


@pytest.fixture
def settings(workspace: FakeWorkspace, tmp_path: Path) -> GoogleWorkspaceSettings:
    return GoogleWorkspaceSettings(
        subject=ADMIN, credentials_file=str(tmp_path / "key.json"), api_endpoint=workspace.url, page_size=2
    )
