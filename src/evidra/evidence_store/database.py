"""Connecting to the evidence database: URLs, engines, and the lock that orders runs.

Two engines share one connection pool: a reader, and a writer whose transactions
take the store's write lock as they begin (SQLite: `BEGIN IMMEDIATE`; PostgreSQL:
a transaction-scoped advisory lock, taken by `lock_for_writing`). Writers therefore
never interleave, and the run chain cannot fork.
"""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import Session

SQLITE_BUSY_TIMEOUT_S = 60  # a writer waits this long for another to finish sealing
POSTGRES_CONNECT_TIMEOUT_S = 10
# Constant advisory lock keys (pg_advisory_xact_lock(int, int)): "evidra" and a purpose.
_PG_LOCK_CLASS = 0x65766964  # "evid"
PG_LOCK_CHAIN = 1
PG_LOCK_MIGRATE = 2

_BEGIN_MODE = "evidra_sqlite_begin"
_SQLITE_BEGIN = {"DEFERRED": "BEGIN", "IMMEDIATE": "BEGIN IMMEDIATE"}

_URL_CREDENTIALS = re.compile(r"(://[^:/@\s]*):[^@\s]*@")
_PASSWORD_PARAM = re.compile(r"(?i)\b(password|passwd|pwd)=[^&\s]*")


class StoreError(Exception):
    """The evidence store could not do what was asked. Its message never holds a password."""


class StoreLocationError(StoreError):
    """The configured database cannot be where it says (a SQLite file in a directory that
    does not exist): a setting to fix, not a failure of the store."""


def check_location(url: URL) -> None:
    """A SQLite file's directory must exist: creating it would start a new, empty chain
    beside the real one whenever the path is mistyped or a volume is not mounted."""
    path = sqlite_file(url) if is_sqlite(url) else None
    if path is not None and not path.parent.is_dir():
        raise StoreLocationError(
            f"the database's directory {path.parent} does not exist (database: {path}); "
            "create it, or correct the setting"
        )


def redact_url_text(message: str, url: URL | None = None) -> str:
    """`message` with any `://user:password@` and `password=` value masked, and the
    literal password of `url` removed wherever it appears."""
    if url is not None and url.password:
        message = message.replace(str(url.password), "***")
    message = _URL_CREDENTIALS.sub(r"\1:***@", message)
    return _PASSWORD_PARAM.sub(r"\1=***", message)


def display_url(url: URL) -> str:
    return redact_url_text(url.render_as_string(hide_password=True), url)


def parse_url(raw: str) -> URL:
    """Parse a store URL: `sqlite:///path.db` or PostgreSQL (`postgresql://` and
    `postgres://` are taken to mean the psycopg 3 driver)."""
    try:
        url = make_url(raw)
    except ArgumentError:
        # Not repeated back: SQLAlchemy's own message would show it, password and all,
        # and a malformed URL cannot be trusted to be masked.
        raise StoreError(
            "the database setting is not a URL (expected sqlite:///path.db or postgresql+psycopg://...)"
        ) from None
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise StoreError(
            f"unsupported database {display_url(url)!r}: use sqlite:///path.db or postgresql+psycopg://..."
        )
    return url


def is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def sqlite_file(url: URL) -> Path | None:
    """The database file of a SQLite URL, None for an in-memory database."""
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:") or url.query.get("uri"):
        return None
    return Path(database)


def create_store_engine(url: URL) -> Engine:
    # hide_parameters: error messages and logs never carry evidence bodies or values.
    if is_sqlite(url):
        check_location(url)
        engine = create_engine(url, hide_parameters=True, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})
        _configure_sqlite(engine)
        return engine
    connect_args: dict[str, Any] = {}
    if "connect_timeout" not in url.query:
        connect_args["connect_timeout"] = POSTGRES_CONNECT_TIMEOUT_S
    return create_engine(url, hide_parameters=True, pool_pre_ping=True, connect_args=connect_args)


def _configure_sqlite(engine: Engine) -> None:
    """WAL (readers never wait for the writer), a busy timeout, foreign keys on, and
    transactions begun by us, so that a write transaction can say BEGIN IMMEDIATE.

    This is SQLAlchemy's documented recipe for pysqlite's transaction handling."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # pysqlite must not emit BEGIN itself
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_S * 1000}")
            _enable_wal(cursor)
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get(_BEGIN_MODE, "DEFERRED")
        connection.exec_driver_sql(_SQLITE_BEGIN[mode])


def _enable_wal(cursor: Any) -> None:
    """Switching a new file to WAL needs it alone for a moment, and SQLite may answer
    "database is locked" at once, without its busy handler, while other processes
    open the same new file: retry for as long as the busy timeout would have waited."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_S
    delay = 0.01
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() + delay > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.5)


def writer(engine: Engine) -> Engine:
    """The same engine, for transactions that write."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(**{_BEGIN_MODE: "IMMEDIATE"})
    # The advisory lock only orders writers if each statement after it sees what the
    # previous writer committed, which READ COMMITTED guarantees whatever the
    # server's default isolation.
    return engine.execution_options(isolation_level="READ COMMITTED")


def lock_for_writing(connection: Connection, purpose: int) -> None:
    """Wait until no other writer holds the store (until this transaction ends).
    On SQLite the transaction's BEGIN IMMEDIATE already did."""
    if connection.dialect.name == "postgresql":
        connection.execute(
            text("SELECT pg_advisory_xact_lock(:cls, :key)"), {"cls": _PG_LOCK_CLASS, "key": purpose}
        )


def short_error(exc: BaseException) -> str:
    """The database's own message, without SQLAlchemy's statement and help link."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        return str(exc.orig).strip()
    return str(exc).split("\n(Background on this error", 1)[0].strip()


class Part:
    """One concept of the store (runs, snapshots, staging ...) over the engines every
    part shares: `store.EvidenceStore` composes them, each reads and writes only its
    own tables' concept, and none knows of clouds."""

    def __init__(self, engine: Engine, url: URL) -> None:
        self._engine = engine
        self._writer = writer(engine)
        self._url = url

    def _read(self) -> Session:
        return Session(self._engine)

    def _error(self, what: str, exc: BaseException) -> StoreError:
        """`what` failed, with the database's reason and never its password."""
        return StoreError(f"{what}: {redact_url_text(short_error(exc), self._url)}")
