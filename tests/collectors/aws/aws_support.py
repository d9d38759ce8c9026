"""Helpers for the AWS collector's tests: run it, and find what it saw.

Tests using `run_collector` must request the `moto_endpoint` fixture (or one built
on it), which points boto3 at the emulator."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from evidra.collectors.aws.collector import AwsCollector
from evidra.config.settings import AwsSettings
from evidra.model import Collection, Observation

TEST_REGIONS = ("us-east-1", "eu-west-1")


def run_collector(
    regions: Sequence[str] | None = TEST_REGIONS, boto_session: Any = None, **settings: Any
) -> Collection:
    config = AwsSettings(regions=list(regions) if regions else None, **settings)
    return AwsCollector(config, boto_session=boto_session).collect()


def one(collection: Collection, type_: str, name: str) -> Observation:
    """The single observation of `type_` named `name`."""
    found = [o for o in collection.observations if o.type == type_ and o.name == name]
    assert len(found) == 1, f"expected one {type_} named {name!r}, found {[o.id for o in found]}"
    return found[0]


def of_type(collection: Collection, type_: str) -> dict[str, Observation]:
    return {o.name or o.id: o for o in collection.observations if o.type == type_}
