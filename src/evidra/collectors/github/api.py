"""GitHub's REST API through githubkit: the shared conditional, paged GET
(`evidra.collectors.source_control`) with GitHub's rate limits honoured.

- Conditional requests: a `304 Not Modified` costs no rate limit.
- Rate limits (docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api):
  when `x-ratelimit-remaining` falls to the reserve, every worker waits until
  `x-ratelimit-reset`; a primary limit answer (403/429 with remaining 0) waits for the
  reset, a secondary one (`retry-after`, or "secondary rate limit" in the message) waits
  `retry-after` seconds, else at least a minute, doubling on repeats; 5xx answers and
  transport errors back off exponentially. A wait longer than the configured maximum
  fails the read instead.
- Paging follows the `Link` header's `rel="next"`; a list wrapped in an object
  (`{"total_count": n, "check_runs": [...]}`) is unwrapped by its one list-valued key.
- GraphQL (`POST /graphql`) goes through the same retries; its answers are not kept.

Messages carry the operation, the HTTP status and GitHub's `message`, never a header.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Mapping
from typing import Any

from evidra.collectors.conditional import EtagCache
from evidra.collectors.source_control import Answer, CallFailed, SourceControlApi

SERVICE = "github"
API_VERSION = "2022-11-28"
BACKOFF_BASE_SECONDS = 0.5
BACKOFF_MAX_SECONDS = 16.0
SECONDARY_DEFAULT_SECONDS = 60.0  # GitHub: "wait for at least one minute" without retry-after


class GitHubCallFailed(CallFailed):
    """A GitHub API operation failed after retries."""

    provider = "github"


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


class GitHubApi(SourceControlApi):
    service = SERVICE
    failure = GitHubCallFailed

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
        super().__init__(etags, base_url)
        self._github = github
        self._max_attempts = max_attempts
        self._max_wait = max_wait_seconds
        self.gate = RateGate(reserve)

    @staticmethod
    def items(body: Any) -> list[Any] | None:
        if isinstance(body, dict):
            lists = [v for v in body.values() if isinstance(v, list)]
            return lists[0] if len(lists) == 1 else None
        return SourceControlApi.items(body)

    def graphql(self, operation: str, query: str, variables: Mapping[str, Any]) -> Any:
        """The `data` of one GraphQL answer; GraphQL's own `errors` fail the call."""
        payload = {"query": query, "variables": variables}
        body = self._send(operation, self._graphql_target(), method="POST", payload=payload).body
        if not isinstance(body, dict) or body.get("errors") or not isinstance(body.get("data"), dict):
            errors = body.get("errors") if isinstance(body, dict) else None
            messages = [str(e.get("message"))[:300] for e in errors or [] if isinstance(e, dict)]
            message = messages[0] if messages else "no data"
            raise GitHubCallFailed(operation, f"GraphQL: {message}", 200)
        return body["data"]

    def _graphql_target(self) -> str:
        """`/graphql` on github.com; GitHub Enterprise Server, whose REST root is `/api/v3`,
        answers GraphQL at `/api/graphql` (where octokit and githubkit send it)."""
        path = self._base.path.rstrip("/")
        if path.endswith("/api/v3"):
            return self._base._replace(path=path.removesuffix("/v3") + "/graphql").geturl()
        return "/graphql"

    # -- one request, with its retries -------------------------------------------------

    def _get(self, operation: str, target: str, *, absent_ok: bool = False) -> Answer:
        return self._send(operation, target, absent_ok=absent_ok)

    def _send(
        self,
        operation: str,
        target: str,
        *,
        absent_ok: bool = False,
        method: str = "GET",
        payload: Any = None,
    ) -> Answer:
        from githubkit.exception import RateLimitExceeded, RequestError, RequestFailed

        kept = self.kept(target) if method == "GET" else None
        headers = {"X-GitHub-Api-Version": API_VERSION}
        if kept is not None:
            headers["If-None-Match"] = kept[0]
        for attempt in range(1, self._max_attempts + 1):
            self._wait_for_window(operation)
            try:
                response = self._github.request(method, target, headers=headers, json=payload).raw_response
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
                    return Answer(404, None)
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
            return self._answer(operation, target, response, kept, keep=method == "GET")
        raise AssertionError("unreachable")  # the loop returns or raises

    def _answer(
        self, operation: str, target: str, response: Any, kept: tuple[str, bytes] | None, *, keep: bool
    ) -> Answer:
        content: bytes = response.content
        link = str(response.headers.get("link") or "")
        if response.status_code == 304 and kept is not None:
            link, content = self.unkept(kept)  # the page's Link is kept with it: a 304 need not repeat it
        elif response.status_code == 200 and response.headers.get("etag") and keep:
            self.keep(target, response.headers["etag"], link, content)
        return self.answer(operation, response.status_code, content, next_link(link))

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
        self.account(operation, response.status_code)
        self.gate.observe(response.headers)


def next_link(value: str) -> str | None:
    """The URL of `rel="next"` in a Link header (RFC 8288, as GitHub writes it)."""
    for part in value.split(","):
        target, _, params = part.partition(";")
        if any(p.strip().replace(" ", "") in ('rel="next"', "rel=next") for p in params.split(";")):
            return target.strip().strip("<>")
    return None


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
