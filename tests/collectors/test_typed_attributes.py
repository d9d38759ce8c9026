"""Normalized types are typed: every observation is validated as it is built, and every
collector's output on its emulator validates (a wrong type would be its reader's error)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from evidra.collectors.base import observation
from evidra.collectors.readers import ReaderRegistry, run_unit
from evidra.demo.run import DEMO_PROVIDERS, run_demo
from evidra.resource_models import AttributeTypeError, leading_type, model, validate
from evidra.resource_types import RESOURCE_TYPES

WHEN = datetime(2026, 1, 1, tzinfo=UTC)


def _bucket(attributes: dict) -> object:
    return observation(
        "p", "p:s", "me", WHEN, "storage.bucket", "b1", name="b1", attributes=attributes, raw={}, calls=[]
    )


def test_every_description_starts_with_a_type_and_makes_a_model() -> None:
    for type_name, attributes in RESOURCE_TYPES.items():
        for description in attributes.values():
            leading_type(description)
        assert set(model(type_name).model_fields) == set(attributes)
    assert leading_type("int or None: days") == ("int", True)
    with pytest.raises(AttributeTypeError, match="does not start with a type"):
        leading_type("yes or no")


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        ({"encrypted": "true"}, "storage.bucket.encrypted: expected bool, got 'true'"),
        ({"retention_days": True}, "storage.bucket.retention_days: expected int, got True"),
        ({"public_grants": "allUsers"}, "storage.bucket.public_grants: expected list[str]"),
        ({"colour": "red"}, "storage.bucket.colour is not an attribute of storage.bucket"),
    ],
)
def test_an_observation_of_the_wrong_type_is_refused_as_it_is_built(attributes: dict, message: str) -> None:
    with pytest.raises(AttributeTypeError, match=message.replace(".", r"\.").replace("[", r"\[")):
        _bucket(attributes)
    _bucket({"encrypted": True, "retention_days": None, "public_grants": []})  # absent or None is fine


def test_a_reader_emitting_the_wrong_type_fails_alone() -> None:
    registry: ReaderRegistry[None] = ReaderRegistry("p")

    @registry.reader("p.buckets", types=("storage.bucket",))
    def buckets(ctx: None) -> list:
        return [_bucket({"encrypted": "true"})]

    outcome = run_unit("p", registry.readers["p.buckets"], None, "p:s")
    assert list(outcome.observations) == []
    assert "expected bool, got 'true'" in outcome.errors[0].message


@pytest.mark.slow
def test_every_collectors_emulator_output_validates(tmp_path: Path) -> None:
    outcome = run_demo(tmp_path / "demo.db")
    assert outcome.collection.errors == []  # a type mismatch would be an error here
    for found in outcome.collection.observations:
        validate(found.type, found.attributes)
    # Every demo provider read something (and the roster's derived evidence beside them).
    assert set(DEMO_PROVIDERS) <= {o.provider for o in outcome.collection.observations}
