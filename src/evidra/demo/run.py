"""Runs the demo: every demo provider's emulator up and seeded, one stored run, all down.

Each provider the demo shows is one module in `evidra.demo` exposing `started()`: a
context manager that starts its emulator, seeds its estate, points the provider's SDK
at it (environment variables it sets and restores) and yields the provider's settings.
"""

from __future__ import annotations

import importlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from evidra.collectors.base import ProgressCallback
from evidra.config.loader import LoadedConfig
from evidra.config.settings import PeopleSettings, Providers, Settings
from evidra.controls.catalog import select
from evidra.controls.requirements import default_parameters
from evidra.runner import RunOutcome, run, store

if TYPE_CHECKING:
    from evidra.emulators.https import HttpsFake

F = TypeVar("F", bound="HttpsFake")

# provider name -> module with `started()`; the order is the order they are shown in.
DEMO_PROVIDERS: dict[str, str] = {
    "aws": "evidra.demo.aws",
    "okta": "evidra.demo.okta",
    "azure": "evidra.demo.azure",
    "gcp": "evidra.demo.gcp",
    "google_workspace": "evidra.demo.google_workspace",
    "github": "evidra.demo.github",
}


@contextmanager
def environment(values: dict[str, str], cleared: tuple[str, ...] = ()) -> Iterator[None]:
    """Set `values` and unset `cleared` for the demo's duration, then restore the environment."""
    saved = dict(os.environ)
    try:
        for name in cleared:
            os.environ.pop(name, None)
        os.environ.update(values)
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextmanager
def served(
    fake: F, name: str, values: dict[str, str], trust: str = "SSL_CERT_FILE", cleared: tuple[str, ...] = ()
) -> Iterator[tuple[F, Path]]:
    """A demo provider's fake running, its certificate trusted through `trust` (the demo's
    fakes share one, so this trusts the others too), `values` set in the environment,
    and a folder of its own (keys, caches, input files) for the demo's duration."""
    with (
        tempfile.TemporaryDirectory(prefix=f"evidra-demo-{name}-") as folder,
        fake as running,
        environment({trust: str(running.cert_file), **values}, cleared),
    ):
        yield running, Path(folder)


def demo_config(
    database: Path, providers: dict[str, Any], people: PeopleSettings | None = None
) -> LoadedConfig:
    settings = Settings(database=f"sqlite:///{database}", providers=Providers(**providers), people=people)
    return LoadedConfig(settings, None, default_parameters())


def run_demo(database: Path, progress: ProgressCallback | None = None) -> RunOutcome:
    with ExitStack() as stack:
        providers = {
            name: stack.enter_context(importlib.import_module(module).started())
            for name, module in DEMO_PROVIDERS.items()
        }
        from evidra.demo import people

        roster = stack.enter_context(people.started())  # HR's roster: every account judged against it
        config = demo_config(database, providers, roster)
        outcome = run(config, select(None), list(providers), progress)
    store(outcome, config.settings.database)
    return outcome
