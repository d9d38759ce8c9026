"""A local AWS: moto's server on a free loopback port, for the demo and the tests."""

from __future__ import annotations

import logging
import os
import urllib.request
from typing import Any


def start_moto() -> tuple[Any, str]:
    """Start moto's threaded server on 127.0.0.1 and return (server, endpoint_url).

    AWS's managed IAM policies (AdministratorAccess ...) are loaded, as a real
    account has them; moto leaves them out unless told to by
    MOTO_IAM_LOAD_MANAGED_POLICIES. Setting these variables beforehand overrides the
    defaults chosen here. Call `server.stop()` when done.
    """
    from moto.server import ThreadedMotoServer

    from evidra.emulators import moto_fidelity

    moto_fidelity.apply()  # answer as AWS does where moto is kinder

    # One log line per request drowns the demo's own output.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    # The server runs in this process and reads these when it builds a backend (its
    # /moto-api/config endpoint covers neither). AWS's managed policies are needed;
    # the thousand-odd public AMIs are not, and slow down every region's first call.
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return server, f"http://{host}:{port}"


def reset(endpoint: str) -> None:
    """Forget every resource: a fresh, empty account."""
    if not endpoint.startswith(("http://", "https://")):
        raise ValueError(f"not an emulator endpoint: {endpoint!r}")
    request = urllib.request.Request(f"{endpoint}/moto-api/reset", data=b"", method="POST")  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - http(s) checked above
        response.read()
