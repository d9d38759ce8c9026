"""A local GitHub (src/evidra/emulators/github_server.py) the real `githubkit` client
talks to over HTTPS, trusted through SSL_CERT_FILE."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from evidra.config.settings import GitHubSettings
from evidra.emulators.github_estate import API_TOKEN, demo_org
from evidra.emulators.github_server import FakeGitHub

TOKEN_ENV = "EVIDRA_TEST_GITHUB_TOKEN"


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitHub]:
    with FakeGitHub(demo_org(), API_TOKEN) as fake:
        monkeypatch.setenv("SSL_CERT_FILE", str(fake.cert_file))
        monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
        monkeypatch.setenv(TOKEN_ENV, API_TOKEN)
        yield fake


def settings(fake: FakeGitHub, cache: Path, **overrides: object) -> GitHubSettings:
    values: dict[str, object] = {
        "organization": fake.org.login,
        "api_url": fake.url,
        "token_env": TOKEN_ENV,
        "cache_dir": str(cache),
        "max_attempts": 4,
    }
    return GitHubSettings(**(values | overrides))
