"""GitLab's REST API (v4) through python-gitlab: the shared conditional, paged GET
(`evidra.collectors.source_control`) sent by python-gitlab.

python-gitlab sends the token (`PRIVATE-TOKEN`), retries 429 answers after their
`Retry-After` (`obey_rate_limit`) and 5xx and transport errors (`retry_transient_errors`),
up to `max_attempts`. A `304 Not Modified` arrives as python-gitlab's error and answers the
kept body. GitLab counts 304s against its rate limits like any request, so conditional
requests save transfer and server work there, not rate limit. Paging follows the `Link`
header's `rel="next"` (docs.gitlab.com/ee/api/rest/#pagination).
"""

from __future__ import annotations

from typing import Any

from evidra.collectors.conditional import EtagCache
from evidra.collectors.source_control import Answer, CallFailed, SourceControlApi

SERVICE = "gitlab"


class GitLabCallFailed(CallFailed):
    """A GitLab API operation failed after retries."""

    provider = "gitlab"


class GitLabApi(SourceControlApi):
    service = SERVICE
    failure = GitLabCallFailed

    def __init__(self, gitlab: Any, etags: EtagCache, *, url: str, max_attempts: int) -> None:
        """`gitlab`: a `gitlab.Gitlab` client."""
        super().__init__(etags, url)
        self._gl = gitlab
        self._max_attempts = max_attempts

    def _get(self, operation: str, target: str, *, absent_ok: bool = False) -> Answer:
        import gitlab.exceptions
        import requests

        kept = self.kept(target)
        headers = {"If-None-Match": kept[0]} if kept else {}
        status = None
        try:
            response = self._gl.http_request(
                "get", target, extra_headers=headers, max_retries=self._max_attempts - 1, obey_rate_limit=True
            )
            status, content = response.status_code, response.content
            next_url = str((response.links.get("next") or {}).get("url") or "")
            if status == 200 and response.headers.get("ETag"):
                self.keep(target, response.headers["ETag"], next_url, content)
        except (gitlab.exceptions.GitlabHttpError, gitlab.exceptions.GitlabAuthenticationError) as exc:
            status = exc.response_code
            if status == 304 and kept is not None:
                next_url, content = self.unkept(kept)
            elif status == 404 and absent_ok:
                self.account(operation, status)
                return Answer(404, None)
            else:
                self.account(operation, status)
                raise GitLabCallFailed(operation, f"HTTP {status}{_message(exc)}", status) from None
        except (requests.RequestException, gitlab.exceptions.GitlabError) as exc:
            self.account(operation, status)
            raise GitLabCallFailed(operation, f"no answer ({type(exc).__name__})") from None
        self.account(operation, status)
        return self.answer(operation, int(status or 0), content, next_url)


def _message(exc: Any) -> str:
    message = getattr(exc, "error_message", None)
    if isinstance(message, bytes):
        message = message[:300].decode(errors="replace")
    return f": {str(message)[:300]}" if message else ""
