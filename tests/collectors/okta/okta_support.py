"""Helpers for the Okta collector's tests."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from evidra.collectors.okta.collector import OktaCollector
from evidra.config.settings import OktaSettings
from evidra.emulators.okta_server import FakeOkta
from evidra.model import Collection, Observation
from tests.fakes import cli

TOKEN_ENV = "EVIDRA_TEST_OKTA_TOKEN"


def settings(fake: FakeOkta, **overrides: Any) -> OktaSettings:
    values: dict[str, Any] = {"org_url": fake.url, "token_env": TOKEN_ENV, "max_attempts": 2}
    values.update(overrides)
    return OktaSettings(**values)


def collect(fake: FakeOkta, **overrides: Any) -> Collection:
    return OktaCollector(settings(fake, **overrides)).collect()


def by_name(collection: Collection, type_name: str) -> dict[str, Observation]:
    return {str(o.name): o for o in collection.observations if o.type == type_name}


def evidra(*args: str, cwd: Path, fake: FakeOkta, token: str) -> subprocess.CompletedProcess[str]:
    extra = {"SSL_CERT_FILE": str(fake.cert_file), TOKEN_ENV: token}
    return cli.evidra(*args, cwd=cwd, env_extra=extra, timeout=120, cleared=("OKTA_",))


def write_config(folder: Path, fake: FakeOkta, extra: str = "") -> None:
    (folder / "evidra.yaml").write_text(
        "database: sqlite:///evidence.db\n"
        f"providers:\n  okta:\n    org_url: {fake.url}\n"
        f"    token_env: {TOKEN_ENV}\n    max_attempts: 2\n{extra}"
    )
