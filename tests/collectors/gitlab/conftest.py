"""A local GitLab (src/evidra/emulators/gitlab_server.py) the real `python-gitlab` client
talks to over HTTPS (tests/fakes/source_control.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from evidra.config.settings import GitLabSettings
from evidra.emulators.gitlab_estate import API_TOKEN, demo_group
from evidra.emulators.gitlab_server import FakeGitLab
from tests.fakes.source_control import scm_settings, served

TOKEN_ENV = "EVIDRA_TEST_GITLAB_TOKEN"


@pytest.fixture
def gitlab(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitLab]:
    yield from served(FakeGitLab(demo_group(), API_TOKEN), TOKEN_ENV, API_TOKEN, monkeypatch)


def settings(fake: FakeGitLab, cache: Path, **overrides: object) -> GitLabSettings:
    at = {"group": fake.group.full_path, "url": fake.url}
    return scm_settings(GitLabSettings, TOKEN_ENV, cache, **(at | overrides))
