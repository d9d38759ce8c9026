"""Shared fixtures: a local AWS (moto's server) the real boto3 client talks to over HTTP.

One server for the whole session (resetting it costs about a second, mostly moto
rebuilding AWS's managed IAM policies, so resets are kept to the tests that need
them):

- `moto_reset`: a clean, empty account, for a test that builds its own resources.
- `estate`: a clean account holding the demo estate, for a test that changes it.
- `shared_estate`: the demo estate for tests that only read it; seeded again only
  if some test has reset the server since.

The AWS environment points at the server only while the session fixture is
active, and is restored afterwards.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest

from evidra.demo.emulator import reset, start_moto
from evidra.demo.estate import seed_estate

TEST_REGIONS = ("us-east-1", "eu-west-1")
# AWS managed policies the tests attach. moto builds every one of its ~1,300 for
# each of six partitions whenever it (re)creates IAM, which is most of a reset's cost.
MANAGED_POLICIES = ("AdministratorAccess", "ReadOnlyAccess")
# Anything that could point boto3 at a real account or another endpoint.
_AWS_ENV = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_REGION",
)


class Emulator:
    """The running server, and whether the demo estate is what it holds."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self._estate: dict[str, Any] | None = None

    def reset(self) -> None:
        reset(self.endpoint)
        self._estate = None

    def fresh_estate(self) -> dict[str, Any]:
        self.reset()
        self._estate = seed_estate(self.endpoint, regions=TEST_REGIONS)
        return self._estate

    def shared_estate(self) -> dict[str, Any]:
        return self._estate if self._estate is not None else self.fresh_estate()

    def touched(self) -> None:
        """A test changed the estate: the next reader must not trust it."""
        self._estate = None


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    """moto's server on a free loopback port, with boto3's environment pointed at it."""
    patch = pytest.MonkeyPatch()
    for name in [*_AWS_ENV, *(n for n in os.environ if n.startswith("AWS_ENDPOINT_URL_"))]:
        patch.delenv(name, raising=False)
    patch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    patch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    _keep_only_managed_policies(patch, MANAGED_POLICIES)
    server, endpoint = start_moto()
    patch.setenv("AWS_ENDPOINT_URL", endpoint)
    patch.setenv("AWS_ACCESS_KEY_ID", "testing")
    patch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    patch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    patch.setenv("AWS_CONFIG_FILE", os.devnull)
    patch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    patch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    try:
        yield Emulator(endpoint)
    finally:
        server.stop()
        patch.undo()


def _keep_only_managed_policies(patch: pytest.MonkeyPatch, names: tuple[str, ...]) -> None:
    """Trim moto's catalogue of AWS managed policies to the few the tests use (this
    tunes the emulator, not evidra: the collector reads whatever IAM answers)."""
    import moto.iam.models as moto_iam

    catalogue = json.loads(moto_iam.aws_managed_policies_data)
    patch.setattr(moto_iam, "aws_managed_policies_data", json.dumps({n: catalogue[n] for n in names}))


@pytest.fixture(scope="session")
def moto_endpoint(emulator: Emulator) -> str:
    return emulator.endpoint


@pytest.fixture
def moto_reset(emulator: Emulator) -> str:
    """A clean, empty account; returns the endpoint."""
    emulator.reset()
    return emulator.endpoint


@pytest.fixture
def estate(emulator: Emulator) -> Iterator[dict[str, Any]]:
    """A clean account holding the demo estate, which the test may change; returns
    the estate's summary."""
    summary = emulator.fresh_estate()
    yield summary
    emulator.touched()


@pytest.fixture
def shared_estate(emulator: Emulator) -> dict[str, Any]:
    """The demo estate, read-only: tests using it must not change the account.
    (Module-scoped fixtures call `emulator.shared_estate()` themselves.)"""
    return emulator.shared_estate()


# The fast lane (`pytest -m "not slow"`, CONTRIBUTING.md): a test is slow when it starts
# servers (fixtures below), runs the command line in a process, or lives in a folder
# whose tests all do (every provider's folder under tests/collectors/ drives its emulator);
# a module or test can also say so itself (`pytest.mark.slow`).
SLOW_FIXTURES = frozenset(
    {
        "emulator",
        "moto_endpoint",
        "moto_reset",
        "estate",
        "shared_estate",
        "okta",
        "azure",
        "gcp",
        "github",
        "workspace",
        "organization",
        "workers",
        "history",
        "tsa",
    }
)
SLOW_FOLDERS = ("cli", "daemon", "reports", "plugins", "trust")
# Store tests that kill processes, race writers or write many partitions.
SLOW_MODULES = frozenset(
    {"test_kill", "test_concurrency", "test_partitions", "test_retention", "test_migrations"}
)


def _is_slow(item: pytest.Item) -> bool:
    from tests.fakes.cli import evidra

    path = item.path.relative_to(item.config.rootpath / "tests")
    return bool(
        SLOW_FIXTURES & set(getattr(item, "fixturenames", ()))
        or path.parts[0] in SLOW_FOLDERS
        or (path.parts[0] == "collectors" and len(path.parts) > 2)
        or item.path.stem in SLOW_MODULES
        or getattr(getattr(item, "module", None), "evidra", None) is evidra
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.get_closest_marker("slow") is None and _is_slow(item):
            item.add_marker(pytest.mark.slow)
