"""The demo's GitHub: the local GitHub fake over HTTPS, serving the demo organisation
(a protected repository and a loosely protected one, an archived one left out, merged
pull requests with and without a peer's approval, passing checks and a ticket, an
outside collaborator, vulnerability alerts fixed in time, late and dismissed), the real
`githubkit` client pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from evidra.config.settings import GitHubSettings

TOKEN_ENV = "EVIDRA_DEMO_GITHUB_TOKEN"  # noqa: S105 - the variable's name, not a token


@contextmanager
def started() -> Iterator[GitHubSettings]:
    from evidra.demo.run import served
    from evidra.emulators.github_estate import API_TOKEN, ORG, demo_org
    from evidra.emulators.github_server import FakeGitHub

    with served(FakeGitHub(demo_org(), API_TOKEN), "github", {TOKEN_ENV: API_TOKEN}) as (fake, cache):
        yield GitHubSettings(organization=ORG, api_url=fake.url, token_env=TOKEN_ENV, cache_dir=str(cache))
