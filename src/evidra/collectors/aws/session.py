"""boto3 clients for the collector: one per (service, region), built once and shared.

Credentials come from boto3's default chain; endpoints from boto3's own settings
(`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>`, the config file), so emulators,
proxies and private endpoints need nothing from evidra (one S3 Control quirk aside,
see below). Retries are botocore's adaptive mode: exponential backoff plus
client-side rate limiting after throttling.
"""

from __future__ import annotations

import ipaddress
import os
import threading
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import boto3
from botocore.config import Config

from evidra.config.settings import AwsSettings

FALLBACK_REGION = "us-east-1"


class AwsSession:
    """A boto3 session plus a thread-safe cache of its clients."""

    def __init__(
        self,
        settings: AwsSettings,
        boto_session: boto3.Session | None = None,
        home_region: str | None = None,
    ) -> None:
        """`home_region`: where global services are called; by default the session's
        region, else the first configured region, else us-east-1. An assumed-role
        session for a member account passes its caller's, so every account's global
        services are read in the same place."""
        self.settings = settings
        self.boto = boto_session or boto3.Session()
        self._home_region = home_region
        self._config = Config(
            # `total_max_attempts` counts the first try, as the setting's name says;
            # botocore's own `max_attempts` key would count retries only (one more call).
            retries={"mode": "adaptive", "total_max_attempts": settings.max_attempts},
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.read_timeout,
            max_pool_connections=max(10, settings.max_workers),
        )
        self._clients: dict[tuple[str, str], Any] = {}
        # boto3 sessions are not thread-safe while creating clients; clients are.
        self._lock = threading.Lock()
        self.boto.events.register(
            "before-sign.s3-control.*",
            drop_account_prefix_from_ip_host,
            unique_id="evidra-s3-control-ip-host",
        )

    @property
    def home_region(self) -> str:
        """Where global services (IAM, S3's bucket list, STS) are called."""
        if self._home_region:
            return self._home_region
        if self.boto.region_name:
            return self.boto.region_name
        if self.settings.regions:
            return self.settings.regions[0]
        return FALLBACK_REGION

    def client(self, service: str, region: str) -> Any:
        key = (service, region)
        with self._lock:
            if key not in self._clients:
                # Any: the stubs type clients per literal service name; ours is a variable.
                make_client: Any = self.boto.client
                self._clients[key] = make_client(
                    service, region_name=region, config=self._config, verify=extra_ca_bundle()
                )
            return self._clients[key]


def extra_ca_bundle() -> str | None:
    """The CA bundle named by SSL_CERT_FILE when nothing botocore reads names one.

    evidra's contract lets SSL_CERT_FILE or REQUESTS_CA_BUNDLE make a corporate TLS
    inspection certificate trusted; botocore honours AWS_CA_BUNDLE and
    REQUESTS_CA_BUNDLE itself, but not SSL_CERT_FILE. None leaves botocore's choice
    (verification always stays on)."""
    if os.environ.get("AWS_CA_BUNDLE") or os.environ.get("REQUESTS_CA_BUNDLE"):
        return None
    return os.environ.get("SSL_CERT_FILE") or None


def drop_account_prefix_from_ip_host(request: Any, **_: Any) -> None:
    """S3 Control puts the account id in front of the host (`123456789012.s3-control...`).
    Against an endpoint given as an IP address or `localhost` (an emulator, a local
    proxy) that name cannot resolve, so the prefix is dropped before signing. Hosts
    with a DNS name, AWS's own included, are left alone."""
    parts = urlsplit(request.url)
    prefix, _, rest = parts.netloc.partition(".")
    if not (prefix.isdigit() and len(prefix) == 12):
        return
    host = rest.rsplit(":", 1)[0] if not rest.startswith("[") else rest.split("]")[0].lstrip("[")
    if host == "localhost" or _is_ip(host):
        request.url = urlunsplit(parts._replace(netloc=rest))


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
