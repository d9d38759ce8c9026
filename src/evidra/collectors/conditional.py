"""Answers kept with their ETags, so an unchanged read is a conditional request.

GitHub (and GitLab) answer `If-None-Match: <etag>` with `304 Not Modified` and no body
when nothing changed; GitHub does not count such an answer against the rate limit. The
body of a 304 is the one kept from the last 200, so a daily read of an unchanged
organisation costs almost no rate limit. The cache is a SQLite file in a folder of the
user's (never the evidence store: it is a copy of the provider's answers, not evidence);
keyed by the request's URL and holding only the ETag and the body, never a request
header, so no credential lands in it. A lost or unreadable cache costs only rate limit.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from pathlib import Path


def default_folder(provider: str) -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "evidra" / provider


class EtagCache:
    """url -> (etag, body bytes); thread-safe. `open` never fails: a cache that cannot
    be opened is an empty one that keeps nothing."""

    def __init__(self, connection: sqlite3.Connection | None) -> None:
        self._db = connection
        self._lock = threading.Lock()

    @classmethod
    def open(cls, folder: str | Path, name: str) -> EtagCache:
        try:
            path = Path(folder).expanduser()
            path.mkdir(parents=True, exist_ok=True, mode=0o700)
            db = sqlite3.connect(path / f"{name}.sqlite", check_same_thread=False, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, etag TEXT, body BLOB)")
        except (OSError, sqlite3.Error):
            return cls(None)
        return cls(db)

    @staticmethod
    def key(url: str) -> str:
        return hashlib.sha256(url.encode()).hexdigest()

    def get(self, url: str) -> tuple[str, bytes] | None:
        if self._db is None:
            return None
        with self._lock:
            row = self._db.execute(
                "SELECT etag, body FROM answers WHERE key = ?", (self.key(url),)
            ).fetchone()
        return (str(row[0]), bytes(row[1])) if row else None

    def put(self, url: str, etag: str, body: bytes) -> None:
        if self._db is None:
            return
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO answers (key, etag, body) VALUES (?, ?, ?)",
                (self.key(url), etag, body),
            )

    def close(self) -> None:
        if self._db is not None:
            with self._lock:
                self._db.close()
                self._db = None
