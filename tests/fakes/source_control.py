"""What the GitHub and GitLab fixtures share: a fake served over HTTPS that the real client
trusts through SSL_CERT_FILE, its token in the environment, and the collector's settings
pointed at it with a cache of its own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from evidra.config.settings import ScmSettings

S = TypeVar("S", bound=ScmSettings)
F = TypeVar("F")


def served(fake: F, token_env: str, token: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[F]:
    """For a fixture: `yield from served(FakeGitHub(...), ...)`."""
    with fake as running:  # type: ignore[attr-defined]
        monkeypatch.setenv("SSL_CERT_FILE", str(running.cert_file))
        monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
        monkeypatch.setenv(token_env, token)
        yield running


def scm_settings(model: type[S], token_env: str, cache: Path, **values: Any) -> S:
    return model(**({"token_env": token_env, "cache_dir": str(cache), "max_attempts": 4} | values))
