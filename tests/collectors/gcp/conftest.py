"""A local Cloud Asset API (src/evidra/emulators/gcp_server.py) the real
google-cloud-asset client talks to over HTTPS, trusted through REQUESTS_CA_BUNDLE, with a
freshly generated service-account key whose token_uri is the fake's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from evidra.emulators.gcp_estate import demo_org
from evidra.emulators.gcp_server import FakeGcp
from tests.fakes.google import served_alone


@pytest.fixture
def gcp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeGcp]:
    """The demo organisation; its service-account key is `tmp_path / "key.json"`."""
    yield from served_alone(FakeGcp(demo_org()), monkeypatch, tmp_path)
