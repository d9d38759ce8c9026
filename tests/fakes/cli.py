"""The `evidra` command line as a user runs it: a real process, nothing patched."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def evidra(
    *args: str,
    cwd: Path,
    endpoint: str | None = None,
    env_extra: dict[str, str] | None = None,
    timeout: float = 300,
    cleared: tuple[str, ...] = (),
) -> subprocess.CompletedProcess:
    """Run `python -m evidra ARGS` in `cwd`, without the caller's EVIDRA_* variables (nor
    those starting with a `cleared` prefix: a provider's own, which could point its SDK
    elsewhere); `endpoint` points boto3 at an AWS emulator. A wide terminal keeps table
    rows whole."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EVIDRA_", *cleared))}
    if endpoint:
        env["AWS_ENDPOINT_URL"] = endpoint
    env["COLUMNS"] = "200"
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "evidra", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )
