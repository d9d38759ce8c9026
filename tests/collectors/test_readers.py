"""The shared reader vocabulary: registration, and a unit that fails alone."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from evidra.collectors.base import observation
from evidra.collectors.readers import ReaderRegistry, run_unit, run_unit_async


class Denied(Exception):
    pass


def _obs(id_: str):
    return observation(
        "p", "p:scope", "me", datetime(2026, 1, 1, tzinfo=UTC), "storage.bucket", id_,
        name=id_, attributes={}, raw={"token": "x"}, calls=[],
    )  # fmt: skip


def test_registry_refuses_twice_and_unknown_needs() -> None:
    registry: ReaderRegistry[object] = ReaderRegistry("p", needs=("listing",))
    registry.reader("p.a", types=("storage.bucket",), needs=("listing",))(lambda ctx: [])
    with pytest.raises(ValueError, match="twice"):
        registry.reader("p.a", types=())(lambda ctx: [])
    with pytest.raises(ValueError, match="unknown inputs"):
        registry.reader("p.b", types=(), needs=("other",))(lambda ctx: [])
    registry.reader("p.c", types=("identity.user",), plane="graph")(lambda ctx: [])
    assert registry.types() == ("identity.user", "storage.bucket")
    assert [r.name for r in registry.all("graph")] == ["p.c"]


def test_a_failing_unit_drops_its_observations_and_errors_its_types() -> None:
    registry: ReaderRegistry[dict[str, bool]] = ReaderRegistry("p")

    @registry.reader("p.buckets", types=("storage.bucket",))
    def buckets(ctx: dict[str, bool]) -> list:
        if ctx["deny"]:
            raise Denied("AccessDenied token=hunter2hunter2")
        return [_obs("b1")]

    seen: list[str] = []
    good = run_unit("p", registry.readers["p.buckets"], {"deny": False}, "p:scope", progress=seen.append)
    assert [o.id for o in good.observations] == ["b1"] and not good.errors and good.record.error is None
    bad = run_unit("p", registry.readers["p.buckets"], {"deny": True}, "p:scope", expected=(Denied,))
    assert list(bad.observations) == []
    assert bad.errors[0].types == ("storage.bucket",) and "hunter2" not in bad.errors[0].message
    assert bad.record.error == bad.errors[0].message
    assert seen == ["p:scope p.buckets: 1 resource(s)"]
    known = run_unit("p", registry.readers["p.buckets"], {"deny": False}, "p:scope", failure="listing failed")
    assert list(known.observations) == [] and known.errors[0].message == "listing failed"


def test_async_unit_and_a_bug_of_ours() -> None:
    registry: ReaderRegistry[None] = ReaderRegistry("p")

    @registry.reader("p.users", types=("identity.user",))
    async def users(ctx: None) -> list:
        raise KeyError("surprise")

    outcome = asyncio.run(run_unit_async("p", registry.readers["p.users"], None, "p:org"))
    assert "internal error: KeyError" in outcome.errors[0].message


def test_a_unit_that_stepped_over_a_resource_keeps_the_rest_and_still_errors() -> None:
    registry: ReaderRegistry[list[str]] = ReaderRegistry("p")

    @registry.reader("p.buckets", types=("storage.bucket",), service="s3")
    def buckets(skipped: list[str]) -> list:
        skipped.extend(["s3 GetBucketPolicy failed (b2)", "s3 GetBucketAcl failed (b3)"])
        return [_obs("b1")]

    skipped: list[str] = []
    outcome = run_unit("p", registry.readers["p.buckets"], skipped, "p:scope", stepped_over=lambda: skipped)
    assert [o.id for o in outcome.observations] == ["b1"]
    assert outcome.errors[0].message == "s3 GetBucketPolicy failed (b2) (and 1 more)"
    assert outcome.errors[0].service == "s3" and outcome.record.error == outcome.errors[0].message


def test_describe_words_an_expected_failure() -> None:
    registry: ReaderRegistry[None] = ReaderRegistry("p")

    @registry.reader("p.keys", types=("crypto.key",))
    def keys(ctx: None) -> list:
        raise Denied("kms ListKeys failed in eu-west-1: AccessDenied")

    reader = registry.readers["p.keys"]
    worded = run_unit("p", reader, None, "p:scope", expected=(Denied,), describe=str)
    assert worded.errors[0].message == "kms ListKeys failed in eu-west-1: AccessDenied"
    default = run_unit("p", reader, None, "p:scope", expected=(Denied,))
    assert default.errors[0].message == "p.keys: kms ListKeys failed in eu-west-1: AccessDenied"
    assert default.errors[0].service == "p.keys"
