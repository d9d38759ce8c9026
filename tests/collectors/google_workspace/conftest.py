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
from tests.fakes.google import served_alone


@pytest.fixture
def workspace(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeWorkspace]:
    yield from served_alone(FakeWorkspace(demo_domain()), monkeypatch, tmp_path)


@pytest.fixture
def settings(workspace: FakeWorkspace, tmp_path: Path) -> GoogleWorkspaceSettings:
    return GoogleWorkspaceSettings(
        subject=ADMIN, credentials_file=str(tmp_path / "key.json"), api_endpoint=workspace.url, page_size=2
    )
