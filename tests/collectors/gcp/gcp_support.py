"""Helpers for the GCP collector's tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evidra.collectors.gcp.collector import GcpCollector
from evidra.config.settings import GcpSettings
from evidra.emulators.gcp_estate import ORG
from evidra.emulators.gcp_server import FakeGcp
from evidra.model import Collection, Observation


def settings(fake: FakeGcp, key_file: Path, **overrides: Any) -> GcpSettings:
    values: dict[str, Any] = {
        "organization": ORG,
        "api_endpoint": fake.url,
        "credentials_file": str(key_file),
        "max_attempts": 3,
    }
    values.update(overrides)
    return GcpSettings(**values)


def collect(fake: FakeGcp, key_file: Path, **overrides: Any) -> Collection:
    return GcpCollector(settings(fake, key_file, **overrides)).collect()


def by_name(collection: Collection, type_name: str) -> dict[str, Observation]:
    return {str(o.name): o for o in collection.observations if o.type == type_name}
