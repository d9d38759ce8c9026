"""A local GitHub (src/evidra/emulators/github_server.py) the real `githubkit` client
talks to over HTTPS (tests/fakes/source_control.py)."""

from __future__ import annotations

from evidra.emulators.github_server import FakeGitHub
from tests.fakes.source_control import fixture_for, settings

__all__ = ["github", "settings"]
github = fixture_for(FakeGitHub)
