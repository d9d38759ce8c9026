"""GitLab's REST API (v4) through python-gitlab: one GET, conditional, paged, and
failures as one `GitLabCallFailed`.

python-gitlab sends the token (`PRIVATE-TOKEN`), retries 429 answers after their
`Retry-After` (`obey_rate_limit`) and 5xx and transport errors (`retry_transient_errors`),
up to `max_attempts`. Every GET carries the ETag of the answer kept from the last run; a
`304 Not Modified` (which python-gitlab raises as an error) answers the kept body. GitLab
counts 304s against its rate limits like any request, so conditional requests save
transfer and server work there, not rate limit. Paging follows the `Link` header's
`rel="next"` (docs.gitlab.com/ee/api/rest/#pagination), only to the configured host.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from evidra.collectors.conditional import EtagCache
from evidra.model import ApiCall
from evidra.redact import redact_text

SERVICE = "gitlab"
PAGE_SIZE = 100
MAX_BODY_BYTES = 64 * 1024 * 1024


class GitLabCallFailed(Exception):
    """A GitLab API operation failed after retries."""

    def __init__(self, operation: str, reason: str, status: int | None = None) -> None:
        super().__init__(redact_text(f"gitlab {operation} failed: {reason}"))
        self.operation = operation
        self.status = status


@dataclass
class Answer:
    status: int
    body: Any
    links: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class ApiStats:
    requests: int = 0
    not_modified: int = 0
    by_operation: dict[str, int] = field(default_factory=dict)


class GitLabApi:
    def __init__(self, gitlab: Any, etags: EtagCache, *, url: str, max_attempts: int) -> None:
        """`gitlab`: a `gitlab.Gitlab` client."""
        self._gl = gitlab
        self._max_attempts = max_attempts
        self._etags = etags
        self._base = urlsplit(url)
        self.stats = ApiStats()
        self._lock = threading.Lock()

    @staticmethod
    def call(operation: str, **parameters: Any) -> ApiCall:
        return ApiCall(SERVICE, operation, {k: v for k, v in parameters.items() if v is not None})

    def get(
        self, operation: str, path: str, params: Mapping[str, Any] | None = None, *, absent_ok: bool = False
    ) -> Answer:
        return self._get(operation, _with_query(path, params), absent_ok=absent_ok)

    def pages(
        self, operation: str, path: str, params: Mapping[str, Any] | None = None
    ) -> Iterator[list[Any]]:
        target: str | None = _with_query(path, {"per_page": PAGE_SIZE, **(params or {})})
        while target is not None:
            answer = self._get(operation, target)
            if not isinstance(answer.body, list):
                raise GitLabCallFailed(operation, "the answer is not a list", answer.status)
            yield answer.body
            target = self._next(operation, answer.links) if answer.body else None

    def _get(self, operation: str, target: str, *, absent_ok: bool = False) -> Answer:
        import gitlab.exceptions
        import requests

        kept = self._etags.get(target)
        headers = {"If-None-Match": kept[0]} if kept else {}
        status = None
        try:
            response = self._gl.http_request(
                "get", target, extra_headers=headers, max_retries=self._max_attempts - 1, obey_rate_limit=True
            )
            status, content = response.status_code, response.content
            links = response.links
            if status == 200 and response.headers.get("ETag"):
                # The next page's link is kept with the page: a 304 answers neither.
                link = str((links.get("next") or {}).get("url") or "")
                self._etags.put(target, response.headers["ETag"], link.encode() + b"\n" + content)
        except (gitlab.exceptions.GitlabHttpError, gitlab.exceptions.GitlabAuthenticationError) as exc:
            status = exc.response_code
            if status == 304 and kept is not None:
                kept_link, _, content = kept[1].partition(b"\n")
                links = {"next": {"url": kept_link.decode()}} if kept_link else {}
            elif status == 404 and absent_ok:
                self._account(operation, status)
                return Answer(404, None)
            else:
                self._account(operation, status)
                raise GitLabCallFailed(operation, f"HTTP {status}{_message(exc)}", status) from None
        except (requests.RequestException, gitlab.exceptions.GitlabError) as exc:
            self._account(operation, status)
            raise GitLabCallFailed(operation, f"no answer ({type(exc).__name__})") from None
        self._account(operation, status)
        if len(content) > MAX_BODY_BYTES:
            raise GitLabCallFailed(operation, f"answer larger than {MAX_BODY_BYTES} bytes", status)
        try:
            body = json.loads(content) if content else None
        except ValueError:
            raise GitLabCallFailed(operation, f"HTTP {status}, malformed JSON body", status) from None
        # A 304 answers what the kept 200 said: readers see the answer, not how it came.
        return Answer(200 if status == 304 else int(status or 0), body, links)

    def _account(self, operation: str, status: int | None) -> None:
        with self._lock:
            self.stats.requests += 1
            self.stats.by_operation[operation] = self.stats.by_operation.get(operation, 0) + 1
            if status == 304:
                self.stats.not_modified += 1

    def _next(self, operation: str, links: Mapping[str, Any]) -> str | None:
        url = (links.get("next") or {}).get("url")
        if not url:
            return None
        parts = urlsplit(url)
        if (parts.scheme, parts.netloc) != (self._base.scheme, self._base.netloc):
            raise GitLabCallFailed(operation, "the next page's link points to another host")
        return str(url)


def _with_query(path: str, params: Mapping[str, Any] | None) -> str:
    kept = {k: v for k, v in (params or {}).items() if v is not None}
    return path + (f"?{urlencode(kept)}" if kept else "")


def _message(exc: Any) -> str:
    message = getattr(exc, "error_message", None)
    if isinstance(message, bytes):
        message = message[:300].decode(errors="replace")
    return f": {str(message)[:300]}" if message else ""
