"""Google Cloud APIs through their official clients: every page of a listing or search,
with retries, and failures as one `AssetCallFailed`. `AssetApi` is the Cloud Asset API;
`GoogleApi` pages any other client the same way (OS Config for patch state).

The client is `google.cloud.asset_v1.AssetServiceClient` on its REST transport (HTTPS
and JSON, through `requests`: the endpoint, proxies and TLS trust are the standard ones).
Pages are fetched one request at a time, each with its own google-api-core `Retry`: 429
and 5xx answers, connection errors and unparseable bodies back off exponentially, up to
`max_attempts` attempts for that page; anything else (401, 403, 400) fails at once.
Answers are kept as the JSON the API sent (camelCase), the form the evidence keeps.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from evidra.model import ApiCall
from evidra.redact import redact_text

SERVICE = "cloudasset"
BACKOFF_INITIAL_SECONDS = 0.5
BACKOFF_MAX_SECONDS = 8.0
# The API's largest pages: list_assets 1000, the two searches 500.
MAX_PAGE = {"ListAssets": 1000, "SearchAllResources": 500, "SearchAllIamPolicies": 500}


class AssetCallFailed(Exception):
    """A Google API method (Cloud Asset's, unless `service` says) failed after retries."""

    def __init__(self, method: str, scope: str, reason: str, service: str = SERVICE) -> None:
        super().__init__(redact_text(f"{service} {method} failed for {scope}: {reason}"))
        self.method = method
        self.scope = scope


@dataclass
class ApiStats:
    """Requests sent (retries included), by method: for benchmarks and tests."""

    requests: int = 0
    retries: int = 0
    by_method: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, method: str) -> None:
        with self._lock:
            self.requests += 1
            self.by_method[method] = self.by_method.get(method, 0) + 1

    def retried(self) -> None:
        with self._lock:
            self.retries += 1


class GoogleApi:
    """Pages of one Google API client's list methods, each request retried on its own."""

    def __init__(
        self,
        client: Any,
        *,
        page_size: int,
        max_attempts: int,
        timeout: float,
        service: str = SERVICE,
        max_page: dict[str, int] | None = None,
    ) -> None:
        self._client = client
        self._page_size = page_size
        self._max_attempts = max_attempts
        self._timeout = timeout
        self._service = service
        self._max_page = MAX_PAGE if max_page is None else max_page
        self.stats = ApiStats()

    def every(self, method: str, scope: str, request: dict[str, Any], key: str) -> list[dict[str, Any]]:
        """Every item under `key` of every page of the client's `method` (snake_case name)."""
        send = getattr(self._client, "".join("_" + c.lower() if c.isupper() else c for c in method)[1:])
        return self._every(method, scope, send, request, key)

    def _every(
        self, method: str, scope: str, send: Any, request: dict[str, Any], key: str
    ) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for page in self._pages(method, scope, send, request):
            items = page.get(key, [])
            if not isinstance(items, list):
                raise AssetCallFailed(method, scope, f"the answer's {key!r} is not a list", self._service)
            found.extend(items)
        return found

    def _pages(self, method: str, scope: str, send: Any, request: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Each page as JSON. One request per page, each with a fresh retry budget."""
        from google.api_core import exceptions
        from google.auth import exceptions as auth
        from google.protobuf import json_format

        token = ""
        while True:
            paged = {
                **request,
                "page_size": min(self._page_size, self._max_page[method]),
                "page_token": token,
            }
            try:
                pager = send(request=paged, retry=self._retry(method), timeout=self._timeout)
                response = next(iter(pager.pages))  # the first page is the answer already received
                self.stats.count(method)
            except exceptions.GoogleAPICallError as exc:
                raise AssetCallFailed(method, scope, _describe(exc), self._service) from None
            except auth.GoogleAuthError as exc:
                # Google's token endpoint's answer (error code and description), never the key.
                raise AssetCallFailed(
                    method, scope, f"could not authenticate: {exc}", self._service
                ) from None
            except (exceptions.RetryError, json_format.ParseError, OSError) as exc:
                raise AssetCallFailed(method, scope, f"{type(exc).__name__}: {exc}", self._service) from None
            page = json_format.MessageToDict(type(response).pb(response))
            yield page
            token = page.get("nextPageToken", "")
            if not token:
                return

    def _retry(self, method: str) -> Any:
        """A Retry for one request: retryable failures back off until `max_attempts`
        attempts were made; the last failure is then raised as it is."""
        from google.api_core import exceptions
        from google.api_core.retry import Retry
        from google.protobuf import json_format
        from requests import exceptions as http

        attempts = 1

        def retryable(exc: Exception) -> bool:
            nonlocal attempts
            self.stats.count(method)  # every failed request passes here, the last one too
            transient = isinstance(
                exc,
                exceptions.TooManyRequests
                | exceptions.ServerError
                | json_format.ParseError
                | http.ConnectionError
                | http.Timeout,
            )
            if not transient or attempts >= self._max_attempts:
                return False
            attempts += 1
            self.stats.retried()
            return True

        return Retry(
            predicate=retryable,
            initial=BACKOFF_INITIAL_SECONDS,
            maximum=BACKOFF_MAX_SECONDS,
            multiplier=2.0,
            timeout=None,
        )


class AssetApi(GoogleApi):
    """The Cloud Asset API (`client`: an `asset_v1.AssetServiceClient`)."""

    def list_assets(
        self, parent: str, content_type: str, asset_types: list[str]
    ) -> tuple[list[dict[str, Any]], ApiCall]:
        """Every asset of `asset_types` under `parent`, with `content_type` (RESOURCE or IAM_POLICY)."""
        from google.cloud import asset_v1

        request = {
            "parent": parent,
            "content_type": getattr(asset_v1.ContentType, content_type),
            "asset_types": asset_types,
        }
        call = ApiCall(
            SERVICE, "ListAssets", {"parent": parent, "contentType": content_type, "assetTypes": asset_types}
        )
        return self._every("ListAssets", parent, self._client.list_assets, request, "assets"), call

    def search_all_resources(
        self, scope: str, asset_types: list[str], query: str = ""
    ) -> tuple[list[dict[str, Any]], ApiCall]:
        send = self._client.search_all_resources
        return self._search("SearchAllResources", send, scope, asset_types, query)

    def search_all_iam_policies(
        self, scope: str, asset_types: list[str], query: str = ""
    ) -> tuple[list[dict[str, Any]], ApiCall]:
        send = self._client.search_all_iam_policies
        return self._search("SearchAllIamPolicies", send, scope, asset_types, query)

    def _search(
        self, method: str, send: Any, scope: str, asset_types: list[str], query: str
    ) -> tuple[list[dict[str, Any]], ApiCall]:
        """Every result of a Search* method over `scope` (the two share their request)."""
        request = {"scope": scope, "asset_types": asset_types, "query": query}
        call = ApiCall(SERVICE, method, {"scope": scope, "assetTypes": asset_types, "query": query})
        return self._every(method, scope, send, request, "results"), call


def _describe(exc: Any) -> str:
    """`HTTP 403 PERMISSION_DENIED: The caller does not have permission`: the status and
    Google's own message from the error body, never the request's URL or headers."""
    error: dict[str, Any] = {}
    try:
        body = exc.response.json() if exc.response is not None else {}
        error = body.get("error", {}) if isinstance(body, dict) else {}
    except (AttributeError, ValueError):
        pass
    status = error.get("status") if isinstance(error, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    if not message:
        message = str(getattr(exc, "message", "") or exc).rpartition(": ")[2] or type(exc).__name__
    head = " ".join(
        str(part) for part in (f"HTTP {exc.code}" if getattr(exc, "code", None) else None, status) if part
    )
    details = error.get("details") if isinstance(error, dict) else None
    for detail in details if isinstance(details, list) else []:
        if isinstance(detail, dict) and detail.get("reason") == "SERVICE_DISABLED":
            metadata = detail.get("metadata") or {}
            consumer = str(metadata.get("consumer", "")).removeprefix("projects/")
            service = str(metadata.get("service") or "cloudasset.googleapis.com")
            if service == "cloudasset.googleapis.com":
                message = (
                    f"the Cloud Asset API is not enabled in project {consumer or '(the quota project)'}, "
                    "which the credentials bill their calls to. Fix: `gcloud services enable "
                    f"cloudasset.googleapis.com --project={consumer or 'PROJECT'}` "
                    "(or set another quota project)"
                )
            else:  # an API enabled per project whose resources it serves (OS Config)
                message = (
                    f"the {service} API is not enabled in project {consumer or '(unknown)'}. Fix: "
                    f"`gcloud services enable {service} --project={consumer or 'PROJECT'}`"
                )
    return f"{head}: {message}" if head else str(message)
