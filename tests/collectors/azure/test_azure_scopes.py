"""Scale-out: the Azure collector's plan (one task per subscription, one for the
directory) and its per-task collection add up to exactly what `collect()` reads."""

from __future__ import annotations

from evidra.collectors import scopes
from evidra.collectors.azure.collector import AzureCollector
from evidra.emulators.azure_server import FakeAzure
from evidra.model import Collection
from tests.collectors.azure.azure_support import settings
from tests.fakes.sealed import fingerprint


def test_subscriptions_and_directory_collected_one_task_each_are_the_whole_collection(
    azure: FakeAzure,
) -> None:
    collector = AzureCollector(settings(azure))
    plan = scopes.plan(collector)

    keys = [task.key for task in plan.tasks]
    assert len(keys) == len(set(keys)) >= 3  # two subscriptions and the directory
    assert keys[-1].endswith(":directory")
    assert all(set(task.spec) <= {"subscription", "directory"} for task in plan.tasks)
    pieces = Collection()
    pieces.extend(plan.collection)
    for task in plan.tasks:
        pieces.extend(scopes.collect(collector, task))
    whole = collector.collect()
    assert list(whole.observations) and fingerprint(pieces) == fingerprint(whole)


def test_a_subscription_task_reads_that_subscription_only(azure: FakeAzure) -> None:
    collector = AzureCollector(settings(azure))
    first = scopes.plan(collector).tasks[0]
    collection = scopes.collect(collector, first)
    assert collection.errors == []
    assert {o.scope for o in collection.observations} == {first.key}
