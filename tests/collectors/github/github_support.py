"""Helpers the GitHub tests share: one stored run through the runner."""

from __future__ import annotations

from pathlib import Path

from evidra.config.loader import LoadedConfig
from evidra.config.settings import Providers, Settings
from evidra.controls.catalog import select
from evidra.controls.requirements import default_parameters
from evidra.emulators.github_server import FakeGitHub
from evidra.runner import run, store
from tests.collectors.github.conftest import settings


def stored_run(
    fake: FakeGitHub, tmp_path: Path, *, failing: bool = False, **overrides: object
) -> tuple[str, list[str]]:
    """One `evidra collect`-like run (collect, judge, store) through the runner."""
    database = f"sqlite:///{tmp_path / 'evidence.db'}"
    config = LoadedConfig(
        Settings(
            database=database, providers=Providers(github=settings(fake, tmp_path / "cache", **overrides))
        ),
        None,
        default_parameters(),
    )
    outcome = run(config, select(None), ["github"])
    assert bool(outcome.collection.errors) == failing, outcome.collection.errors
    store(outcome, database)
    return database, [o.id for o in outcome.collection.observations if o.type == "change.merge"]
