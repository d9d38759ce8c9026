"""Okta's REST API through the SDK's request executor: one GET, with retries, rate
limits and pagination, and failures as one `OktaCallFailed`.

Requests go through `okta.client.Client`'s request executor, so authentication (API
token or the service app's OAuth access token), the HTTP session and the TLS trust are
the SDK's. Answers are read as the JSON Okta sent rather than through the SDK's
generated models: those refuse values newer than the SDK (a new factor type fails a
whole page of users), and the raw answer is what the evidence keeps anyway.

Retries are evidra's: a 429 waits until the window in `X-Rate-Limit-Reset` opens (by
the server's clock); 5xx answers, malformed bodies and connection errors back off
exponentially; anything else (401, 403, 404) fails at once. Messages carry the
operation, HTTP status and Okta's error summary, never a header.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from evidra.collectors.okta.ratelimit import RateLimitGate, seconds_until_reset
from evidra.model import ApiCall
from evidra.redact import redact_text

SERVICE = "okta"
BACKOFF_BASE_SECONDS = 0.5
BACKOFF_MAX_SECONDS = 8.0
_CURSOR_PARAMETERS = frozenset({"after"})  # change every run: not provenance


class OktaCallFailed(Exception):
    """An Okta API operation failed after retries."""

    def __init__(
        self, operation: str, reason: str, status: int | None = None, code: str | None = None
    ) -> None:
        super().__init__(redact_text(f"okta {operation} failed: {reason}"))
        self.operation = operation
        self.status = status
        self.code = code  # Okta's errorCode (E0000002 ...), when it sent one


@dataclass
class _Answer:
    status: int | None
    headers: Mapping[str, Any]
    body: Any = None
    problem: str | None = None  # why the answer is unusable, for retries and messages


@dataclass
class ApiStats:
    requests: int = 0
    retries: int = 0
    by_operation: dict[str, int] = field(default_factory=dict)


class OktaApi:
    def __init__(self, executor: Any, *, max_attempts: int, max_concurrency: int) -> None:
        """`executor`: the SDK client's request executor (`Client.get_request_executor()`)."""
        self._executor = executor
        self._max_attempts = max_attempts
        self._slots = asyncio.Semaphore(max_concurrency)
        self.gate = RateLimitGate(reserve=max_concurrency)
        self.stats = ApiStats()

    @staticmethod
    def call(operation: str, **parameters: Any) -> ApiCall:
        kept = {k: v for k, v in parameters.items() if k not in _CURSOR_PARAMETERS and v is not None}
        return ApiCall(SERVICE, operation, kept)

    async def get(
        self, operation: str, path: str, params: Mapping[str, Any] | None = None, *, absent_ok: bool = False
    ) -> Any:
        """One answer's JSON body. `absent_ok`: a 404 answers None instead of failing."""
        answer = await self._get(operation, _with_query(path, params), absent_ok=absent_ok)
        return answer.body

    async def pages(
        self, operation: str, path: str, params: Mapping[str, Any] | None = None
    ) -> AsyncIterator[list[Any]]:
        """Every page of a list, following the `Link: <...>; rel="next"` header (or a
        `_links.next` in the body, as the IAM endpoints answer), one page at a time."""
        target: str | None = _with_query(path, params)
        while target is not None:
            answer = await self._get(operation, target)
            body = answer.body
            if isinstance(body, dict) and isinstance(body.get("value"), list):
                items, target = body["value"], _body_next(body)
            elif isinstance(body, list):
                items, target = body, next_link(answer.headers)
            else:
                raise OktaCallFailed(operation, "the answer is not a list", answer.status)
            yield items
            if not items:
                break  # an empty page ends a list even if a next link is offered (System Log polling)

    async def _get(self, operation: str, target: str, *, absent_ok: bool = False) -> _Answer:
        for attempt in range(1, self._max_attempts + 1):
            answer = await self._send_when_allowed(operation, target)
            self.stats.requests += 1
            self.stats.by_operation[operation] = self.stats.by_operation.get(operation, 0) + 1
            self.gate.observe(operation, answer.headers)
            if answer.problem is None:
                return answer
            if answer.status == 404 and absent_ok:
                return _Answer(404, answer.headers, None)
            retryable = answer.status is None or answer.status == 429 or answer.status >= 500
            if not retryable or attempt == self._max_attempts:
                tries = f" after {attempt} attempts" if attempt > 1 else ""
                code = answer.body.get("errorCode") if isinstance(answer.body, dict) else None
                raise OktaCallFailed(operation, answer.problem + tries, answer.status, code)
            self.stats.retries += 1
            delay = seconds_until_reset(answer.headers) if answer.status == 429 else None
            if delay is None:
                delay = min(BACKOFF_BASE_SECONDS * 2 ** (attempt - 1), BACKOFF_MAX_SECONDS)
                delay *= 1 + random.random() / 4  # noqa: S311 - jitter, not security
            await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # the loop returns or raises

    async def _send_when_allowed(self, operation: str, target: str) -> _Answer:
        """Send once the endpoint's window allows it. The gate is checked again after
        a slot is free: calls queued for a slot must not all slip through on the
        count read before the first of them was answered."""
        while True:
            await self.gate.wait(operation)
            async with self._slots:
                if self.gate.delay(operation) <= 0:
                    return await self._send(target)

    async def _send(self, target: str) -> _Answer:
        try:
            request, error = await self._executor.create_request("GET", target)
            if error is not None:
                # Only the OAuth token request fails here; its error never holds the key.
                return _Answer(None, {}, problem=f"could not authenticate ({type(error).__name__})")
            _, response, text, error = await self._executor.fire_request(request)
        except Exception as exc:  # the SDK raises for some transport and parsing failures
            return _Answer(None, {}, problem=f"{type(exc).__name__}: {redact_text(str(exc))}")
        if response is None:
            return _Answer(None, {}, problem=f"no answer ({type(error).__name__}: {redact_text(str(error))})")
        headers = response.headers
        status = int(response.status)
        try:
            body = json.loads(text) if text else None
        except ValueError:
            return _Answer(status, headers, problem=f"HTTP {status}, malformed JSON body")
        if 200 <= status < 300:
            return _Answer(status, headers, body)
        return _Answer(status, headers, body, problem=f"HTTP {status}{_okta_error(body)}")


def next_link(headers: Mapping[str, Any]) -> str | None:
    """The path and query of the `rel="next"` link, from every Link header. Only path
    and query are kept: the token must never follow a link to another host."""
    getall = getattr(headers, "getall", None)
    values = getall("Link", []) if getall is not None else [headers.get("Link") or ""]
    for value in values:
        for part in str(value).split(","):
            target, _, params = part.partition(";")
            if 'rel="next"' in params.replace(" ", "") or "rel=next" in params.replace(" ", ""):
                return _path_and_query(target.strip().strip("<>"))
    return None


def _body_next(body: dict[str, Any]) -> str | None:
    """`_links.next.href` of a paged body; None when any of it is missing or not the
    documented shape (a malformed page ends the listing, it does not crash it)."""
    links = body.get("_links")
    following = links.get("next") if isinstance(links, dict) else None
    href = following.get("href") if isinstance(following, dict) else None
    return _path_and_query(href) if isinstance(href, str) and href else None


def _path_and_query(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _with_query(path: str, params: Mapping[str, Any] | None) -> str:
    kept = {k: v for k, v in (params or {}).items() if v is not None}
    return path + (f"?{urlencode(kept)}" if kept else "")


def _okta_error(body: Any) -> str:
    """Okta's own explanation: `{"errorCode": "E0000011", "errorSummary": "Invalid token provided"}`."""
    if not isinstance(body, dict):
        return ""
    code, summary = body.get("errorCode"), body.get("errorSummary")
    text = ": ".join(str(part) for part in (code, summary) if part)
    return f" {text}" if text else ""
