"""GitHub's REST API through githubkit: one GET, conditional, paged, with GitHub's rate
limits honoured, and failures as one `GitHubCallFailed`.

- Conditional requests: every GET carries the ETag of the answer kept from the last run
  (`evidra.collectors.conditional`); a `304 Not Modified` costs no rate limit and its body
  is the kept one.
- Rate limits (docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api):
  when `x-ratelimit-remaining` falls to the reserve, every worker waits until
  `x-ratelimit-reset`; a primary limit answer (403/429 with remaining 0) waits for the
  reset, a secondary one (`retry-after`, or "secondary rate limit" in the message) waits
  `retry-after` seconds, else at least a minute, doubling on repeats; 5xx answers and
  transport errors back off exponentially. A wait longer than the configured maximum
  fails the read instead.
- Paging follows the `Link` header's `rel="next"`, only to the configured API host, so
  the token never follows a link elsewhere.

Messages carry the operation, the HTTP status and GitHub's `message`, never a header.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from evidra.collectors.conditional import EtagCache
from evidra.model import ApiCall
from evidra.redact import redact_text

SERVICE = "github"
API_VERSION = "2022-11-28"
BACKOFF_BASE_SECONDS = 0.5
BACKOFF_MAX_SECONDS = 16.0
SECONDARY_DEFAULT_SECONDS = 60.0  # GitHub: "wait for at least one minute" without retry-after
MAX_BODY_BYTES = 64 * 1024 * 1024
PAGE_SIZE = 100


class GitHubCallFailed(Exception):
    """A GitHub API operation failed after retries."""

    def __init__(self, operation: str, reason: str, status: int | None = None) -> None:
        super().__init__(redact_text(f"github {operation} failed: {reason}"))
        self.operation = operation
        self.status = status


@dataclass
class Answer:
    status: int
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass
class ApiStats:
    """What a collection cost. `units` are answers GitHub counts against the primary
    rate limit (every answer but a 304 and the installation token's own request)."""

    requests: int = 0
    not_modified: int = 0
    units: int = 0
    retries: int = 0
    waited_seconds: float = 0.0
    by_operation: dict[str, int] = field(default_factory=dict)


class RateGate:
    """Holds every worker back while the primary rate limit's window is spent."""

    def __init__(self, reserve: int) -> None:
        self.reserve = reserve
        self._resume_at = 0.0  # time.time() at which requests may go on
        self._lock = threading.Lock()

    def observe(self, headers: Mapping[str, str]) -> None:
        remaining, reset = (
            _number(headers.get("x-ratelimit-remaining")),
            _number(headers.get("x-ratelimit-reset")),
        )
        if remaining is None or reset is None or remaining > self.reserve:
            return
        with self._lock:
            self._resume_at = max(self._resume_at, reset + 1)

    def hold(self, until: float) -> None:
        with self._lock:
            self._resume_at = max(self._resume_at, until)

    def delay(self) -> float:
        with self._lock:
            return self._resume_at - time.time()


class GitHubApi:
    def __init__(
        self,
        github: Any,
        etags: EtagCache,
        *,
        base_url: str,
        max_attempts: int,
        max_wait_seconds: float,
        reserve: int,
    ) -> None:
        """`github`: a githubkit `GitHub` client (auto_retry off: retries are ours)."""
        self._github = github
        self._etags = etags
        self._base = urlsplit(base_url)
        self._max_attempts = max_attempts
        self._max_wait = max_wait_seconds
        self.gate = RateGate(reserve)
        self.stats = ApiStats()
        self._lock = threading.Lock()

    @staticmethod
    def call(operation: str, **parameters: Any) -> ApiCall:
        return ApiCall(SERVICE, operation, {k: v for k, v in parameters.items() if v is not None})

    def get(
        self, operation: str, path: str, params: Mapping[str, Any] | None = None, *, absent_ok: bool = False
    ) -> Answer:
        """One answer. `absent_ok`: a 404 answers status 404 and body None instead of failing."""
        return self._get(operation, _with_query(path, params), absent_ok=absent_ok)

    def pages(
        self, operation: str, path: str, params: Mapping[str, Any] | None = None
    ) -> Iterator[list[Any]]:
        """Every page of a list, one at a time, following `Link: <...>; rel="next"`.
        A list wrapped in an object (`{"total_count": n, "check_runs": [...]}`) is
        unwrapped by its one list-valued key."""
        target: str | None = _with_query(path, {"per_page": PAGE_SIZE, **(params or {})})
        while target is not None:
            answer = self._get(operation, target)
            items = _items(answer.body)
            if items is None:
                raise GitHubCallFailed(operation, "the answer is not a list", answer.status)
            yield items
            target = self._next(operation, answer.headers) if items else None

    # -- one request, with its retries -------------------------------------------------

    def _get(self, operation: str, target: str, *, absent_ok: bool = False) -> Answer:
        from githubkit.exception import RateLimitExceeded, RequestError, RequestFailed

        kept = self._etags.get(target)
        headers = {"X-GitHub-Api-Version": API_VERSION}
        if kept is not None:
            headers["If-None-Match"] = kept[0]
        for attempt in range(1, self._max_attempts + 1):
            self._wait_for_window(operation)
            try:
                response = self._github.request("GET", target, headers=headers).raw_response
            except RateLimitExceeded as exc:
                self._account(operation, exc.response.raw_response)
                wait = max(exc.retry_after.total_seconds(), 1.0)
                if "retry-after" not in exc.response.headers and type(exc).__name__.startswith("Secondary"):
                    wait = max(wait, SECONDARY_DEFAULT_SECONDS) * 2 ** (attempt - 1)
                raw = exc.response.raw_response
                problem = f"HTTP {raw.status_code} rate limit exceeded{_message(raw)}"
                self._retry_or_fail(operation, attempt, problem, exc.response.status_code, wait)
                continue
            except RequestFailed as exc:
                raw = exc.response.raw_response
                self._account(operation, raw)
                if raw.status_code == 404 and absent_ok:
                    return Answer(404, None, raw.headers)
                problem = f"HTTP {raw.status_code}{_message(raw)}"
                if raw.status_code < 500:
                    raise GitHubCallFailed(operation, problem, raw.status_code) from None
                self._retry_or_fail(operation, attempt, problem, raw.status_code, None)
                continue
            except RequestError as exc:
                problem = f"no answer ({type(exc.exc).__name__})"
                self._retry_or_fail(operation, attempt, problem, None, None)
                continue
            self._account(operation, response)
            return self._answer(operation, target, response, kept)
        raise AssertionError("unreachable")  # the loop returns or raises

    def _answer(self, operation: str, target: str, response: Any, kept: tuple[str, bytes] | None) -> Answer:
        content: bytes = response.content
        headers: Mapping[str, str] = response.headers
        if response.status_code == 304 and kept is not None:
            # The page's Link is kept with it: a 304 need not repeat it.
            kept_link, _, content = kept[1].partition(b"\n")
            headers = {**dict(response.headers), "link": kept_link.decode()}
        elif response.status_code == 200 and response.headers.get("etag"):
            link = str(response.headers.get("link") or "")
            self._etags.put(target, response.headers["etag"], link.encode() + b"\n" + content)
        if len(content) > MAX_BODY_BYTES:
            raise GitHubCallFailed(
                operation, f"answer larger than {MAX_BODY_BYTES} bytes", response.status_code
            )
        try:
            body = json.loads(content) if content else None
        except ValueError:
            raise GitHubCallFailed(operation, f"HTTP {response.status_code}, malformed JSON body") from None
        # A 304 answers what the kept 200 said: readers see the answer, not how it came.
        return Answer(200 if response.status_code == 304 else response.status_code, body, headers)

    def _retry_or_fail(
        self, operation: str, attempt: int, problem: str, status: int | None, wait: float | None
    ) -> None:
        if attempt == self._max_attempts:
            tries = f" after {attempt} attempts" if attempt > 1 else ""
            raise GitHubCallFailed(operation, problem + tries, status)
        if wait is None:
            wait = min(BACKOFF_BASE_SECONDS * 2 ** (attempt - 1), BACKOFF_MAX_SECONDS)
            wait *= 1 + random.random() / 4  # noqa: S311 - jitter, not security
        if wait > self._max_wait:
            raise GitHubCallFailed(
                operation,
                f"{problem}; the limit resets in {wait:.0f} s, beyond max_rate_limit_wait_seconds",
                status,
            )
        with self._lock:
            self.stats.retries += 1
        self.gate.hold(time.time() + wait)

    def _wait_for_window(self, operation: str) -> None:
        delay = self.gate.delay()
        if delay <= 0:
            return
        if delay > self._max_wait:
            raise GitHubCallFailed(
                operation, f"rate limit spent; it resets in {delay:.0f} s, beyond max_rate_limit_wait_seconds"
            )
        with self._lock:
            self.stats.waited_seconds += delay
        time.sleep(delay)

    def _account(self, operation: str, response: Any) -> None:
        with self._lock:
            self.stats.requests += 1
            self.stats.by_operation[operation] = self.stats.by_operation.get(operation, 0) + 1
            if response.status_code == 304:
                self.stats.not_modified += 1
            else:
                self.stats.units += 1
        self.gate.observe(response.headers)

    def _next(self, operation: str, headers: Mapping[str, str]) -> str | None:
        link = next_link(headers.get("link") or "")
        if link is None:
            return None
        parts = urlsplit(link)
        if (parts.scheme, parts.netloc) != (self._base.scheme, self._base.netloc):
            raise GitHubCallFailed(operation, "the next page's link points to another host")
        return link


def next_link(value: str) -> str | None:
    """The URL of `rel="next"` in a Link header (RFC 8288, as GitHub writes it)."""
    for part in value.split(","):
        target, _, params = part.partition(";")
        if any(p.strip().replace(" ", "") in ('rel="next"', "rel=next") for p in params.split(";")):
            return target.strip().strip("<>")
    return None


def _items(body: Any) -> list[Any] | None:
    if isinstance(body, list):
        return body
    if isinstance(body, dict):
        lists = [v for v in body.values() if isinstance(v, list)]
        if len(lists) == 1:
            return lists[0]
    return None


def _with_query(path: str, params: Mapping[str, Any] | None) -> str:
    kept = {k: v for k, v in (params or {}).items() if v is not None}
    return path + (f"?{urlencode(kept)}" if kept else "")


def _message(response: Any) -> str:
    """GitHub's own explanation: `{"message": "Not Found", "documentation_url": ...}`."""
    try:
        body = json.loads(response.content[:65536]) if response.content else None
    except ValueError:
        return ""
    message = body.get("message") if isinstance(body, dict) else None
    return f": {str(message)[:300]}" if message else ""


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
