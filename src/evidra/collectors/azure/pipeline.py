"""What every Azure client of a collection shares: retries, rate limits, timeouts, and
turning the SDK's models back into the JSON Azure sent.

Retries are azure-core's `RetryPolicy` (which honours `Retry-After`, `retry-after-ms`
and `x-ms-retry-after-ms` on 429 and 5xx), configured from the settings. Two policies of
ours run inside it, on every attempt:

- `RejectMalformed`: a 2xx answer whose JSON does not parse becomes a
  `ServiceResponseError`, which the retry policy retries like a dropped connection
  (the SDK would otherwise fail once, at deserialisation, outside the retries).
- `ReadBudget`: Resource Manager reports the reads left in its throttling bucket
  (`x-ms-ratelimit-remaining-subscription-reads` and kin); when they run down to a
  reserve, the next request waits a moment for the bucket to refill (ARM refills
  reads at 25 a second) instead of spending the last ones and being throttled.
"""

from __future__ import annotations

import json
import re
import threading
import time
from typing import Any

from azure.core.exceptions import ServiceResponseError
from azure.core.pipeline import PipelineRequest, PipelineResponse
from azure.core.pipeline.policies import HTTPPolicy, SansIOHTTPPolicy

from evidra.config.settings import AzureSettings

RATE_LIMIT_HEADERS = (
    "x-ms-ratelimit-remaining-subscription-reads",
    "x-ms-ratelimit-remaining-subscription-global-reads",
    "x-ms-ratelimit-remaining-tenant-reads",
)
READ_RESERVE = 10  # more than the requests one subscription has in flight (max_workers)
REFILL_PAUSE = 1.0  # seconds: ARM's read bucket refills 25 tokens in that time


class RejectMalformed(HTTPPolicy):
    def send(self, request: PipelineRequest) -> PipelineResponse:
        response = self.next.send(request)
        http = response.http_response
        if 200 <= http.status_code < 300 and "json" in (http.headers.get("content-type") or ""):
            body = http.body()
            if body:
                try:
                    json.loads(body)
                except ValueError:
                    raise ServiceResponseError(
                        f"malformed JSON answer ({len(body)} bytes) from {_path(request)}", response=http
                    ) from None
        return response


# ARM's 409 for a subscription not registered for a resource provider: for Microsoft.Security,
# a subscription without Defender for Cloud (no plans, no findings: not an error).
UNREGISTERED = "MissingSubscriptionRegistration"
_REGISTER = re.compile(r"subscriptions/[^/]+/providers/([^/]+)/register$")


class ReadOnly(HTTPPolicy):
    """evidra only reads. azure-mgmt-core answers a 409 MissingSubscriptionRegistration by
    registering the provider for the subscription (a POST .../register): a write a reader
    is refused, and one the subscription's activity log would show. Refused here, before
    it is sent, as the 409 it follows; any other write too."""

    def send(self, request: PipelineRequest) -> PipelineResponse:
        http = request.http_request
        if http.method not in ("GET", "HEAD"):
            register = _REGISTER.search(_path(request))
            raise WriteRefused(http.method, _path(request), register[1] if register else None)
        return self.next.send(request)


class WriteRefused(Exception):
    """A write evidra did not send; `code` is ARM's for the refusal it stands for."""

    def __init__(self, method: str, path: str, unregistered: str | None) -> None:
        self.code = UNREGISTERED if unregistered else "WriteRefused"
        self.message = (
            f"the subscription is not registered for {unregistered} (evidra does not register it)"
            if unregistered
            else f"evidra only reads: {method} {path} not sent"
        )
        super().__init__(self.message)


class ReadBudget(SansIOHTTPPolicy):
    """Shared by every client of one subscription: the bucket is per subscription."""

    def __init__(self, reserve: int = READ_RESERVE, pause: float = REFILL_PAUSE) -> None:
        self.reserve = reserve
        self.pause = pause
        self.pauses = 0  # how often it waited (tests, progress)
        self._remaining: int | None = None
        self._lock = threading.Lock()

    def on_request(self, request: PipelineRequest) -> None:
        with self._lock:
            low = self._remaining is not None and self._remaining <= self.reserve
            if low:
                self._remaining = None  # one waiter per low reading
                self.pauses += 1
        if low:
            time.sleep(self.pause)

    def on_response(self, request: PipelineRequest, response: PipelineResponse) -> None:
        headers = response.http_response.headers
        values = [int(v) for name in RATE_LIMIT_HEADERS if (v := headers.get(name)) and v.isdigit()]
        if values:
            with self._lock:
                self._remaining = min(values)


def client_options(settings: AzureSettings, *per_retry: Any) -> dict[str, Any]:
    """Keyword arguments for an azure-core pipeline client (management SDK or Graph)."""
    retries = settings.max_attempts - 1
    return {
        "retry_total": retries,
        "retry_connect": retries,
        "retry_read": retries,
        "retry_status": retries,
        "retry_backoff_factor": settings.retry_backoff_seconds,
        "retry_backoff_max": 60,
        "connection_timeout": min(settings.request_timeout, 30),
        "read_timeout": settings.request_timeout,
        "per_retry_policies": [*per_retry, RejectMalformed()],
        "user_agent": "evidra",
    }


def wire(model: Any) -> dict[str, Any]:
    """An SDK model as the JSON Azure sent (camelCase, nested `properties`): the raw
    evidence, and what the readers translate. Newer SDKs keep that JSON (`as_dict`);
    msrest-based ones serialise back to it."""
    if model is None:
        return {}
    if isinstance(model, dict):
        return model
    if hasattr(model, "_attribute_map"):  # msrest model
        serialized: dict[str, Any] = model.serialize(keep_readonly=True)
        return serialized
    as_dict: dict[str, Any] = model.as_dict()
    return as_dict


def _path(request: PipelineRequest) -> str:
    url = request.http_request.url
    return url.split("?", 1)[0].split("/", 3)[-1] if "://" in url else url
