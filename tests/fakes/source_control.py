"""The GitHub and GitLab fakes as fixtures: the fake serving its demo estate over HTTPS,
trusted by the real client through SSL_CERT_FILE, its token in the environment; and the
collector's settings pointed at it, with a cache of its own."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from evidra.config.settings import GitHubSettings, GitLabSettings, ScmSettings
from evidra.emulators import github_estate, gitlab_estate
from evidra.emulators.github_server import FakeGitHub
from evidra.emulators.gitlab_server import FakeGitLab


@dataclass(frozen=True)
class Source:
    new: Callable[[], Any]  # a fake serving the demo estate
    token: str
    token_env: str
    settings: type[ScmSettings]
    where: Callable[[Any], dict[str, Any]]  # the settings naming the fake's organisation and URL


SOURCES: dict[type, Source] = {
    FakeGitHub: Source(
        lambda: FakeGitHub(github_estate.demo_org(), github_estate.API_TOKEN),
        github_estate.API_TOKEN,
        "EVIDRA_TEST_GITHUB_TOKEN",
        GitHubSettings,
        lambda fake: {"organization": fake.org.login, "api_url": fake.url},
    ),
    FakeGitLab: Source(
        lambda: FakeGitLab(gitlab_estate.demo_group(), gitlab_estate.API_TOKEN),
        gitlab_estate.API_TOKEN,
        "EVIDRA_TEST_GITLAB_TOKEN",
        GitLabSettings,
        lambda fake: {"group": fake.group.full_path, "url": fake.url},
    ),
}


def fixture_for(kind: type) -> Any:
    """A fixture serving a fake of `kind` for one test."""
    source = SOURCES[kind]

    @pytest.fixture
    def served(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
        with source.new() as fake:
            monkeypatch.setenv("SSL_CERT_FILE", str(fake.cert_file))
            monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
            monkeypatch.setenv(source.token_env, source.token)
            yield fake

    return served


def settings(fake: Any, cache: Path, **overrides: object) -> Any:
    """The collector's settings for `fake` (GitHubSettings or GitLabSettings)."""
    source = SOURCES[type(fake)]
    defaults = {"token_env": source.token_env, "cache_dir": str(cache), "max_attempts": 4}
    return source.settings(**(defaults | source.where(fake) | overrides))
