"""A local GitLab (src/evidra/emulators/gitlab_server.py) the real `python-gitlab` client
talks to over HTTPS, trusted through SSL_CERT_FILE."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from evidra.config.settings import GitLabSettings
from evidra.emulators.gitlab_estate import API_TOKEN, demo_group
from evidra.emulators.gitlab_server import FakeGitLab

TOKEN_ENV = "EVIDRA_TEST_GITLAB_TOKEN"


@pytest.fixture
def gitlab(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitLab]:
    with FakeGitLab(demo_group(), API_TOKEN) as fake:
        monkeypatch.setenv("SSL_CERT_FILE", str(fake.cert_file))
        monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
        monkeypatch.setenv(TOKEN_ENV, API_TOKEN)
        yield fake


def settings(fake: FakeGitLab, cache: Path, **overrides: object) -> GitLabSettings:
    values: dict[str, object] = {
        "group": fake.group.full_path,
        "url": fake.url,
        "token_env": TOKEN_ENV,
        "cache_dir": str(cache),
        "max_attempts": 4,
    }
    return GitLabSettings(**(values | overrides))
