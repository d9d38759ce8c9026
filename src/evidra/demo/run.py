"""Runs the demo: emulator up, estate seeded, one stored run, emulator down."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from evidra.collectors.base import ProgressCallback
from evidra.config.loader import LoadedConfig
from evidra.config.settings import AwsSettings, Providers, Settings
from evidra.controls.catalog import select
from evidra.controls.requirements import default_parameters
from evidra.runner import RunOutcome, run, store

DEMO_REGIONS = ("us-east-1", "eu-west-1")
# The emulator accepts any key; these never reach a real AWS endpoint.
_DEMO_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}
_CLEARED = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_CONFIG_FILE")


@contextmanager
def _pointed_at(endpoint: str) -> Iterator[None]:
    """Point boto3 at the emulator for the demo's duration, then restore the environment."""
    saved = dict(os.environ)
    try:
        for name in _CLEARED:
            os.environ.pop(name, None)
        os.environ.update(_DEMO_ENV)
        os.environ["AWS_ENDPOINT_URL"] = endpoint
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def demo_config(database: Path) -> LoadedConfig:
    settings = Settings(
        database=f"sqlite:///{database}",
        providers=Providers(aws=AwsSettings(regions=list(DEMO_REGIONS))),
    )
    return LoadedConfig(settings, None, default_parameters())


def run_demo(database: Path, progress: ProgressCallback | None = None) -> RunOutcome:
    from evidra.demo.emulator import start_moto
    from evidra.demo.estate import seed_estate

    server, endpoint = start_moto()
    try:
        with _pointed_at(endpoint):
            seed_estate(endpoint, regions=DEMO_REGIONS)
            config = demo_config(database)
            outcome = run(config, select(None), ["aws"], progress)
        store(outcome, config.settings.database)
        return outcome
    finally:
        server.stop()
