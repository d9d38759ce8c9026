"""A local GitHub (src/evidra/emulators/github_server.py) the real `githubkit` client
talks to over HTTPS (tests/fakes/source_control.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from evidra.config.settings import GitHubSettings
from evidra.emulators.github_estate import API_TOKEN, demo_org
from evidra.emulators.github_server import FakeGitHub
from tests.fakes.source_control import scm_settings, served

TOKEN_ENV = "EVIDRA_TEST_GITHUB_TOKEN"


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitHub]:
    yield from served(FakeGitHub(demo_org(), API_TOKEN), TOKEN_ENV, API_TOKEN, monkeypatch)


def settings(fake: FakeGitHub, cache: Path, **overrides: object) -> GitHubSettings:
    at = {"organization": fake.org.login, "api_url": fake.url}
    return scm_settings(GitHubSettings, TOKEN_ENV, cache, **(at | overrides))
