"""The collector asks for the API's largest page wherever a listing may be long, so
an estate takes as few calls as the APIs allow (bench/bench_org.py measures the rest:
no per-user IAM calls, nothing read twice)."""

from __future__ import annotations

from typing import Any

import boto3

from tests.collectors.aws.aws_support import TEST_REGIONS, run_collector

# operation -> (its page-size parameter, the largest page the API allows)
LARGEST_PAGE = {
    ("iam", "GetAccountAuthorizationDetails"): ("MaxItems", 1000),
    ("kms", "ListKeys"): ("Limit", 1000),
    ("acm", "ListCertificates"): ("MaxItems", 1000),
    ("logs", "DescribeLogGroups"): ("limit", None),  # 50 is both the default and the largest
}


def test_listings_ask_for_the_largest_page(shared_estate: dict[str, Any]) -> None:
    asked: dict[tuple[str, str], list[dict[str, Any]]] = {}

    def record(params: dict[str, Any], model: Any, **_: Any) -> None:
        asked.setdefault((model.service_model.service_name, model.name), []).append(dict(params))

    session = boto3.Session()
    session.events.register("provide-client-params", record)

    collection = run_collector(TEST_REGIONS, boto_session=session)

    assert collection.errors == []
    for operation, (parameter, largest) in LARGEST_PAGE.items():
        assert asked.get(operation), f"{operation} was not called"
        for params in asked[operation]:
            assert params.get(parameter) == largest, (operation, params)
