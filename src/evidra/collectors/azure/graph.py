"""Microsoft Graph through azure-core's own HTTP pipeline.

The Graph SDK (msgraph-sdk, on Kiota) is large and async; Graph's REST protocol is
small: GET, JSON, `@odata.nextLink` paging, 429 with `Retry-After`. azure-core's
`PipelineClient` with a `BearerTokenCredentialPolicy` over the collection's
azure-identity credential and a `RetryPolicy` speaks it with the same retries,
timeouts and TLS trust as the management clients. A next link is followed only on
Graph's own host, so the token never goes anywhere else.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from evidra.collectors.azure.context import AzureCallFailed, failure
from evidra.collectors.azure.pipeline import RejectMalformed, client_options
from evidra.config.settings import AzureSettings
from evidra.model import ApiCall

VERSION = "v1.0"


class Graph:
    def __init__(self, credential: Any, endpoint: str, settings: AzureSettings) -> None:
        from azure.core import PipelineClient
        from azure.core.pipeline.policies import (
            BearerTokenCredentialPolicy,
            HeadersPolicy,
            RetryPolicy,
            UserAgentPolicy,
        )

        options = client_options(settings)
        retry = RetryPolicy(**{k: v for k, v in options.items() if k.startswith("retry_")})
        self.endpoint = endpoint
        self._timeouts = {k: options[k] for k in ("connection_timeout", "read_timeout")}
        self._client: Any = PipelineClient(
            base_url=endpoint,
            policies=[
                HeadersPolicy({"Accept": "application/json"}),
                UserAgentPolicy("evidra"),
                retry,
                BearerTokenCredentialPolicy(credential, f"{endpoint}/.default"),
                RejectMalformed(),
            ],
        )

    def call(self, operation: str, **parameters: Any) -> ApiCall:
        return ApiCall("Microsoft.Graph", operation, parameters)

    def get(self, operation: str, path: str, params: dict[str, str] | None = None) -> dict[str, Any]:
        return self._get(operation, f"{self.endpoint}/{VERSION}{path}", params)

    def pages(
        self, operation: str, path: str, params: dict[str, str] | None = None
    ) -> Iterator[list[dict[str, Any]]]:
        """Every page of a collection, following `@odata.nextLink`."""
        url: str | None = f"{self.endpoint}/{VERSION}{path}"
        while url:
            body = self._get(operation, url, params)
            params = None  # the next link carries the query
            yield [item for item in body.get("value") or [] if isinstance(item, dict)]
            url = body.get("@odata.nextLink")
            if url and urlsplit(url).netloc != urlsplit(self.endpoint).netloc:
                raise AzureCallFailed(
                    operation, None, None, f"next link leaves Graph's host: {urlsplit(url).netloc}"
                )

    def items(self, operation: str, path: str, params: dict[str, str] | None = None) -> list[dict[str, Any]]:
        return [item for page in self.pages(operation, path, params) for item in page]

    def _get(self, operation: str, url: str, params: dict[str, str] | None) -> dict[str, Any]:
        from azure.core.exceptions import AzureError
        from azure.core.rest import HttpRequest

        try:
            response = self._client.send_request(HttpRequest("GET", url, params=params), **self._timeouts)
        except AzureError as exc:
            raise failure(operation, exc) from None
        if response.status_code >= 400:
            error = _error(response)
            raise AzureCallFailed(
                operation, response.status_code, error.get("code"), error.get("message", "")
            )
        body = response.json()
        if not isinstance(body, dict):
            raise AzureCallFailed(operation, response.status_code, None, "answer is not a JSON object")
        return body

    def close(self) -> None:
        self._client.close()


def _error(response: Any) -> dict[str, str]:
    try:
        error = response.json().get("error") or {}
    except (ValueError, AttributeError):
        return {"message": response.reason or ""}
    return {"code": str(error.get("code", "")), "message": str(error.get("message", ""))}
