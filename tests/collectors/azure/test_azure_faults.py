"""Throttling, failing and malformed answers, an unreachable subscription, a bad
credential: retried where Azure says to, then one error for that scope and reader only."""

from __future__ import annotations

import pytest

from evidra.collectors.azure.collector import AzureCollector
from evidra.emulators.azure_estate import (
    CLIENT_ID,
    CLIENT_SECRET,
    DEVELOPMENT,
    PRODUCTION,
    TENANT_ID,
    demo_tenant,
    subscription,
)
from evidra.emulators.azure_server import FakeAzure
from tests.collectors.azure.azure_support import SECRET_ENV, by_name, collect, settings
from tests.collectors.azure.conftest import trust

SQL_SERVERS = r"^/subscriptions/[^/]+/providers/Microsoft\.Sql/servers$"


def test_throttled_calls_wait_for_retry_after_then_succeed(azure: FakeAzure):
    azure.add_fault(SQL_SERVERS, "throttle", times=2)
    azure.add_fault(r"^/v1\.0/users$", "throttle", times=1)
    collection = collect(azure)
    assert collection.errors == []
    assert azure.throttled == 3
    assert azure.count("arm", SQL_SERVERS) == 2 + 2  # two subscriptions, one throttled twice... then read
    assert len(by_name(collection, "database.instance")) == 2 + 2  # with the flexible servers
    assert len(by_name(collection, "identity.user")) == 6


@pytest.mark.parametrize("kind", ["error", "unavailable", "malformed"])
def test_a_failing_answer_is_retried_then_recovers(azure: FakeAzure, kind):
    azure.add_fault(SQL_SERVERS, kind, times=1)
    collection = collect(azure)
    assert collection.errors == []
    assert len(by_name(collection, "database.instance")) == 2 + 2  # with the flexible servers


@pytest.mark.parametrize(("kind", "words"), [("error", "500"), ("malformed", "malformed JSON")])
def test_a_persistent_failure_is_an_error_for_that_scope_and_reader_only(azure: FakeAzure, kind, words):
    # Only the security groups fail (peerings and gateways are read under Microsoft.Network too).
    azure.add_fault(
        rf"^/subscriptions/{DEVELOPMENT}/providers/Microsoft\.Network/networkSecurityGroups", kind
    )
    collection = collect(azure)
    [error] = collection.errors
    assert error.scope == f"azure:{DEVELOPMENT}"
    assert error.types == ("network.firewall_rule",)
    assert "networkSecurityGroups.listAll" in error.message and words in error.message
    assert (
        azure.count(
            "arm", rf"^/subscriptions/{DEVELOPMENT}/providers/Microsoft\.Network/networkSecurityGroups"
        )
        == 3
    )  # max_attempts
    rules = by_name(collection, "network.firewall_rule")
    assert set(rules) == {"nsg-web", "nsg-admin"}  # production's are still read
    assert len(by_name(collection, "storage.bucket")) == 4
    [record] = [s for s in collection.scopes if s.error]
    assert record.scope == error.scope


def test_a_failing_graph_listing_is_an_error_for_the_directory_only(azure: FakeAzure):
    azure.add_fault(r"^/v1\.0/identity/conditionalAccess/policies$", "error")
    collection = collect(azure)
    [error] = collection.errors
    assert error.scope == f"azure:{TENANT_ID}:directory"
    assert error.types == ("identity.signon_policy",)
    assert len(by_name(collection, "identity.user")) == 6


def test_an_unreachable_subscription_is_one_error_and_the_rest_is_read(monkeypatch):
    denied = "1a2b3c4d-0000-4000-8000-00000000dead"
    tenant = demo_tenant()
    tenant.subscriptions.append(subscription(denied, "Acquired company"))
    tenant.denied.add(denied)
    with FakeAzure(tenant) as fake:
        trust(monkeypatch, fake)
        collection = collect(fake, subscriptions=[PRODUCTION, denied])
    [error] = collection.errors
    assert error.scope == f"azure:{denied}"
    assert denied in error.message and "403 AuthorizationFailed" in error.message
    assert "storage.bucket" in error.types and "identity.user" not in error.types
    assert {o.scope for o in collection.observations} == {
        f"azure:{PRODUCTION}",
        f"azure:{TENANT_ID}:directory",
    }


def test_all_subscriptions_are_every_one_visible(azure: FakeAzure):
    collection = collect(azure, subscriptions="all")
    assert {o.scope for o in collection.observations if o.type == "storage.bucket"} == {
        f"azure:{PRODUCTION}",
        f"azure:{DEVELOPMENT}",
    }


def test_rate_limit_headers_slow_the_collector_before_azure_throttles(monkeypatch):
    # Reads come back only while the client waits: without slowing down it would be throttled.
    with FakeAzure(demo_tenant(), read_capacity=30, refill_per_second=0, refill_when_idle=0.5) as fake:
        trust(monkeypatch, fake)
        collector = AzureCollector(settings(fake, subscriptions=[PRODUCTION], directory=False, max_workers=1))
        collection = collector.collect()
    assert collection.errors == []
    assert collector.budgets[PRODUCTION].pauses >= 1
    assert fake.throttled == 0


def test_a_wrong_secret_is_an_error_that_does_not_repeat_it(azure: FakeAzure, monkeypatch):
    wrong = "wrong~secret.value_9876543210abcdefghij"
    monkeypatch.setenv(SECRET_ENV, wrong)
    collection = collect(azure)
    assert collection.observations == []
    assert collection.errors
    for error in collection.errors:
        assert wrong not in error.message and CLIENT_SECRET not in error.message
    assert any(
        "Invalid client secret" in e.message or "AADSTS7000215" in e.message for e in collection.errors
    )
    # One message naming the credential tried and the fix (issue 16, first contact).
    assert {e.message for e in collection.errors} == {collection.errors[0].message}
    assert f"tried azure app {CLIENT_ID} (secret from ${SECRET_ENV}). Fix:" in collection.errors[0].message


def test_a_missing_secret_variable_is_named(azure: FakeAzure, monkeypatch):
    monkeypatch.delenv(SECRET_ENV)
    [error] = collect(azure).errors
    assert error.scope == f"azure:{TENANT_ID}"
    assert SECRET_ENV in error.message
    assert azure.requests == []
