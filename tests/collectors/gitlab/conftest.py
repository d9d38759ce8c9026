"""A local GitLab (src/evidra/emulators/gitlab_server.py) the real `python-gitlab` client
talks to over HTTPS (tests/fakes/source_control.py)."""

from __future__ import annotations

from evidra.emulators.gitlab_server import FakeGitLab
from tests.fakes.source_control import fixture_for, settings

__all__ = ["gitlab", "settings"]
gitlab = fixture_for(FakeGitLab)
