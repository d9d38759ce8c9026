"""Jamf Pro through jamf-pro-sdk: its client for the OAuth client-credentials token, the
HTTP session and TLS; Jamf's JSON read as sent (the raw answer is the evidence, and the
SDK's models would reshape it). Retries are ours: the SDK's adapter retries only
connections, so 429 (after `Retry-After`), 5xx and unparseable bodies back off here."""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from evidra.collectors.secrets import secret_from
from evidra.config.settings import JamfSettings
from evidra.model import ApiCall

# The SDK logs the token endpoint's answer (the access token) at DEBUG: never below INFO.
logging.getLogger("jamf_pro_sdk").setLevel(logging.INFO)

MAX_WAIT_SECONDS = 60.0


class JamfCallFailed(Exception):
    """A Jamf request that failed for good; its message names the endpoint and why."""


@dataclass
class JamfApi:
    settings: JamfSettings
    client: Any = None
    calls: int = 0
    sleep: Any = time.sleep
    paths: list[str] = field(default_factory=list)  # what was asked, in order (tests)

    @classmethod
    def connect(cls, settings: JamfSettings) -> JamfApi:
        from jamf_pro_sdk import ApiClientCredentialsProvider, JamfProClient, SessionConfig

        where = urlsplit(settings.url)
        secret = secret_from(settings.client_secret_env, settings.client_secret_file, "client_secret_file")
        # requests trusts REQUESTS_CA_BUNDLE; the SDK's own bundle option adds to certifi.
        bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("SSL_CERT_FILE")
        config = SessionConfig(timeout=int(settings.request_timeout), ca_cert_bundle=bundle or None)
        client = JamfProClient(
            server=where.hostname or "",
            port=where.port or 443,
            credentials=ApiClientCredentialsProvider(settings.client_id, secret),
            session_config=config,
        )
        return cls(settings, client)

    def get(self, api: str, path: str, params: dict[str, Any] | None = None) -> tuple[Any, ApiCall]:
        """GET `path` of the Pro API (`api="pro"`, after /api/) or the Classic API
        (`api="classic"`, after /JSSResource/), retried; the JSON and the call made."""
        import requests

        call = ApiCall("jamf", f"GET /{'api' if api == 'pro' else 'JSSResource'}/{path}", dict(params or {}))
        problem = ""
        for attempt in range(self.settings.max_attempts):
            self.calls += 1
            self.paths.append(path)
            try:
                if api == "pro":
                    response = self.client.pro_api_request("get", path, query_params=params)
                else:
                    response = self.client.classic_api_request("get", path)
                return response.json(), call
            except requests.HTTPError as exc:
                status = exc.response.status_code if exc.response is not None else 0
                problem = f"HTTP {status}"
                if _token_refused(exc):
                    raise JamfCallFailed(
                        f"{call.operation}: the API client's credentials were refused "
                        f"(POST /api/v1/oauth/token answered {status}): check client_id and its secret"
                    ) from None
                if status in (401, 403, 404):
                    raise JamfCallFailed(_refused(call.operation, status)) from None
                wait = _retry_after(exc.response) if status == 429 else None
            except requests.RequestException as exc:
                problem, wait = f"{type(exc).__name__}", None
            except ValueError:
                problem, wait = "the answer is not JSON", None
            if attempt + 1 < self.settings.max_attempts:
                self.sleep(min(MAX_WAIT_SECONDS, wait if wait is not None else 0.5 * 2**attempt))
        raise JamfCallFailed(f"{call.operation}: {problem} after {self.settings.max_attempts} attempts")


def _retry_after(response: Any) -> float | None:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except (TypeError, ValueError):
        return None


def _token_refused(exc: Exception) -> bool:
    response = getattr(exc, "response", None)
    return (
        response is not None and response.status_code in (400, 401) and "oauth/token" in (response.url or "")
    )


def _refused(operation: str, status: int) -> str:
    if status == 403:
        return (
            f"{operation}: forbidden (HTTP 403): the API client's role lacks the read privilege "
            "docs/providers/jamf.md lists for it"
        )
    if status == 401:
        return f"{operation}: the access token was refused (HTTP 401)"
    return f"{operation}: not found (HTTP 404): is this a Jamf Pro server of version 11 or later?"
