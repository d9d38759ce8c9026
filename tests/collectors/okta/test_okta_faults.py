"""Pagination, rate limits and faults on the wire: the real SDK against the fake."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from evidra.collectors.okta.api import next_link
from evidra.collectors.okta.collector import OktaCollector
from evidra.emulators.okta_server import FakeOkta
from tests.collectors.okta.okta_support import by_name, collect, settings


def test_users_span_pages_and_limit_is_honoured(okta: FakeOkta) -> None:
    collection = collect(okta, page_size=3)
    assert collection.errors == []
    assert len(by_name(collection, "identity.user")) == 10
    pages = [query for path, query in okta.requests if path == "/api/v1/users"]
    assert len(pages) == 4  # 10 users, 3 a page (plus /users/me, which is another path)
    assert all("limit=3" in query for query in pages)
    assert sum("after=" in query for query in pages) == 3
    assert okta.count(r"^/api/v1/users/[^/]+/factors$") == 9  # not for the deprovisioned user


def test_admin_list_follows_next_in_the_body(okta: FakeOkta) -> None:
    okta.org.user_roles.update({f"00ufiller{i:02d}": [] for i in range(120)})  # 123 holders, 100 a page
    collection = collect(okta)
    assert collection.errors == []
    assert okta.count(r"^/api/v1/iam/assignees/users$") == 2


def test_link_headers_are_read_whichever_way_they_come() -> None:
    from multidict import CIMultiDict

    separate = CIMultiDict(
        [
            ("Link", '<https://o/api/v1/users?limit=2>; rel="self"'),
            ("Link", '<https://o/api/v1/users?after=x&limit=2>; rel="next"'),
        ]
    )
    joined = {
        "Link": '<https://o/api/v1/users?limit=2>; rel="self", <https://o/api/v1/users?after=y>; rel="next"'
    }
    assert next_link(separate) == "/api/v1/users?after=x&limit=2"
    assert next_link(joined) == "/api/v1/users?after=y"
    assert next_link({"Link": '<https://o/api/v1/users?limit=2>; rel="self"'}) is None
    # Only path and query: the token never follows a link to another host.
    assert next_link({"Link": '<https://evil.example/steal?after=1>; rel="next"'}) == "/steal?after=1"


def test_a_429_waits_for_the_reset_then_succeeds(okta: FakeOkta) -> None:
    fault = okta.add_fault(r"^/api/v1/api-tokens$", "throttle", times=1)
    collector = OktaCollector(settings(okta))
    collection = collector.collect()
    assert collection.errors == []
    assert fault.hits == 1
    [first, second] = [
        t
        for (path, _), t in zip(okta.requests, okta.request_times, strict=True)
        if path == "/api/v1/api-tokens"
    ]
    assert first < fault.reset_at <= second  # the retry waited for the announced reset
    assert len(by_name(collection, "identity.credential")) == 2
    assert collector.api_stats.retries == 1


def test_low_remaining_calls_wait_for_the_window_instead_of_a_429(okta: FakeOkta) -> None:
    okta.rate_limit, okta.window_seconds = 4, 1.0
    collector = OktaCollector(settings(okta, max_concurrency=2, max_attempts=1))
    collection = collector.collect()
    assert collection.errors == []
    assert okta.throttled == 0
    assert collector.api_stats.requests == len(okta.requests)
    assert collector.api_stats.retries == 0


@pytest.mark.parametrize("kind", ["error", "unavailable"])
def test_persistent_5xx_fails_its_part_only(okta: FakeOkta, kind: str) -> None:
    fault = okta.add_fault(r"^/api/v1/users/[^/]+/factors$", kind)
    collection = collect(okta)
    [error] = collection.errors
    assert error.scope == f"okta:{urlsplit(okta.url).hostname}"
    assert error.service == "okta.users"
    assert error.types == ("identity.user",)
    assert "okta listFactors failed: HTTP 5" in error.message and "after 2 attempts" in error.message
    assert fault.hits >= 2
    assert not by_name(collection, "identity.user")  # a partial population would look complete
    assert by_name(collection, "identity.password_policy") and by_name(collection, "identity.credential")
    failed = [s for s in collection.scopes if s.error]
    assert len(failed) == 1 and failed[0].error == error.message


def test_a_transient_5xx_is_retried(okta: FakeOkta) -> None:
    okta.add_fault(r"^/api/v1/policies$", "error", times=1)
    collection = collect(okta)
    assert collection.errors == []
    assert by_name(collection, "identity.password_policy")


def test_malformed_json_is_an_error_for_its_part(okta: FakeOkta) -> None:
    okta.add_fault(r"^/api/v1/api-tokens$", "malformed")
    collection = collect(okta)
    [error] = collection.errors
    assert (error.service, error.types) == ("okta.api_tokens", ("identity.credential",))
    assert "malformed JSON" in error.message
    assert by_name(collection, "identity.user")


def test_a_slow_answer_times_out(okta: FakeOkta) -> None:
    okta.add_fault(r"^/api/v1/logs$", "delay", delay=1.5)
    collection = collect(okta, request_timeout=0.5, max_attempts=1)
    [error] = collection.errors
    assert error.service == "okta.system_log"
    assert "listLogEvents" in error.message
