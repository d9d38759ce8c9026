"""A Google fake (Cloud Asset, Admin SDK) for one test: serving over HTTPS, trusted through
REQUESTS_CA_BUNDLE, in an environment where google-auth finds no real credentials, no
gcloud configuration and no metadata server, with a service-account key for the fake
written to `tmp_path / "key.json"`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Anything that could point google-auth at real credentials or another endpoint.
GOOGLE_ENV = ("GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_CLOUD_PROJECT", "CLOUDSDK_CONFIG", "SSL_CERT_FILE")


def served_alone(fake: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Any]:
    """For a fixture: `yield from served_alone(FakeGcp(...), monkeypatch, tmp_path)`."""
    with fake as running:
        for name in GOOGLE_ENV:
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(running.cert_file))
        monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "no-gcloud"))
        monkeypatch.setenv("GCE_METADATA_HOST", "127.0.0.1:9")
        monkeypatch.setenv("GCE_METADATA_IP", "127.0.0.1:9")
        running.write_key(tmp_path / "key.json")
        yield running
