"""Where a collector's secret comes from: the environment variable or the file its
config names, read at the last moment and handed to the SDK, kept nowhere else. Errors
name the variable, the config key and the file, never a value."""

from __future__ import annotations

import os
from pathlib import Path


class CredentialError(Exception):
    """The configured credential cannot be read (missing variable, unreadable file)."""


def secret_from(env: str | None, file: str | None, file_key: str) -> str:
    """The secret in environment variable `env`, else in `file` (config key `file_key`)."""
    if env:
        secret = os.environ.get(env, "").strip()
        if not secret:
            raise CredentialError(f"environment variable {env} is not set or empty")
        return secret
    return read_file(file, file_key).strip()


def read_file(name: str | None, key: str) -> str:
    if not name:
        raise CredentialError(f"{key} is not configured")
    try:
        content = Path(name).expanduser().read_text(encoding="utf-8")
    except OSError as exc:
        raise CredentialError(f"{key} {name} cannot be read ({exc.strerror})") from None
    if not content.strip():
        raise CredentialError(f"{key} {name} is empty")
    return content
