"""The Admin SDK through google-api-python-client: the Directory and Reports APIs (and,
with `devices: true`, the Cloud Identity devices API, on its own credentials) built from
the library's bundled discovery documents (no discovery call), on httplib2 with
google-auth's authorized transport. `api_endpoint` overrides the root URL of each.

Retries are the client's own (`execute(num_retries=...)`: 429, 5xx and 403
rate-limit reasons, exponential backoff with jitter); a body that is not JSON is asked
again too. Paging follows `nextPageToken` with the client's `list_next`. TLS trust:
REQUESTS_CA_BUNDLE or SSL_CERT_FILE when set (httplib2 would otherwise use only its own
bundle), never turned off.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

from evidra.config.settings import GoogleWorkspaceSettings
from evidra.model import ApiCall


class WorkspaceCallFailed(Exception):
    pass


class AdminApi:
    def __init__(
        self, settings: GoogleWorkspaceSettings, credentials: Any, devices_credentials: Any = None
    ) -> None:
        import google_auth_httplib2
        import httplib2
        from googleapiclient.discovery import build

        bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("SSL_CERT_FILE") or None
        self.settings = settings
        self.requests = 0

        options = {"api_endpoint": settings.api_endpoint} if settings.api_endpoint else None

        def client(api: str, version: str, authorized: Any = credentials) -> Any:
            transport = httplib2.Http(timeout=settings.request_timeout, ca_certs=bundle)
            return build(
                api,
                version,
                http=google_auth_httplib2.AuthorizedHttp(authorized, http=transport),
                client_options=options,
                static_discovery=True,
                cache_discovery=False,
            )

        self.directory = client("admin", "directory_v1")
        self.reports = client("admin", "reports_v1")
        self.devices = client("cloudidentity", "v1", devices_credentials) if devices_credentials else None

    def call(self, operation: str, **parameters: Any) -> ApiCall:
        return ApiCall("admin", operation, parameters)

    def execute(self, operation: str, request: Any) -> dict[str, Any]:
        import httplib2
        from google.auth.exceptions import GoogleAuthError
        from googleapiclient.errors import HttpError

        for attempt in range(self.settings.max_attempts):
            self.requests += 1
            try:
                answer = request.execute(num_retries=self.settings.max_attempts - 1)
            except HttpError as exc:
                raise WorkspaceCallFailed(f"{operation}: HTTP {exc.resp.status}: {_reason(exc)}") from None
            except ValueError:  # a body that is not JSON
                if attempt + 1 < self.settings.max_attempts:
                    continue
                raise WorkspaceCallFailed(f"{operation}: the answer is not JSON") from None
            except GoogleAuthError as exc:  # the token endpoint refused the key or the delegation
                raise WorkspaceCallFailed(f"{operation}: credentials refused: {exc}") from None
            except (OSError, httplib2.HttpLib2Error) as exc:  # after the client's own retries
                raise WorkspaceCallFailed(f"{operation}: {type(exc).__name__}: {exc}") from None
            if not isinstance(answer, dict):
                raise WorkspaceCallFailed(f"{operation}: the answer is not a JSON object")
            return answer
        raise WorkspaceCallFailed(f"{operation}: no attempt left")  # pragma: no cover

    def items(
        self, operation: str, resource: Any, method: Callable[..., Any], key: str, **parameters: Any
    ) -> Iterator[dict[str, Any]]:
        """Every item of a paged listing, a page at a time."""
        request = method(**parameters)
        while request is not None:
            page = self.execute(operation, request)
            for item in page.get(key) or []:
                if isinstance(item, dict):
                    yield item
            request = resource.list_next(request, page) if page.get("nextPageToken") else None


def _reason(exc: Any) -> str:
    try:
        details = exc.error_details
        if isinstance(details, list) and details and isinstance(details[0], dict):
            return str(details[0].get("message") or details[0].get("reason") or exc.reason)
    except Exception:  # noqa: S110 - the reason line is only a courtesy
        pass
    return str(getattr(exc, "reason", "") or "no reason given")[:300]
