"""Database URLs: the accepted forms, the SQLite setup, and passwords never shown."""

from __future__ import annotations

import logging
import sqlite3
import traceback
from pathlib import Path

import pytest

from evidra.evidence_store.database import StoreError, StoreLocationError, display_url, parse_url
from evidra.evidence_store.store import EvidenceStore

SECRET = "s3cretpw"


def _everything_said_about(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc)) + repr(exc)


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql+psycopg://u:{SECRET}@127.0.0.1:1/x",
        f"postgresql://u:{SECRET}@127.0.0.1:1/x",
        f"postgresql+psycopg://u@127.0.0.1:1/x?password={SECRET}",
    ],
)
def test_a_failed_connection_never_shows_the_password(url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(StoreError) as caught:
        EvidenceStore.open(url)

    message = str(caught.value)
    assert "cannot open the evidence store" in message and "127.0.0.1" in message
    assert "OperationalError" in message  # the cause is still named
    assert SECRET not in _everything_said_about(caught.value)
    assert SECRET not in caplog.text


@pytest.mark.parametrize(
    "url",
    [f"mysql://u:{SECRET}@db/x", f"postgresql+psycopg//u:{SECRET}@db/x", f"u:{SECRET}@db"],
)
def test_a_bad_url_is_refused_without_showing_the_password(url: str) -> None:
    with pytest.raises(StoreError, match="database") as caught:
        EvidenceStore.open(url)
    assert SECRET not in _everything_said_about(caught.value)


@pytest.mark.parametrize(
    "given, driver",
    [
        ("postgresql://u@db/evidence", "postgresql+psycopg"),
        ("postgres://u@db/evidence", "postgresql+psycopg"),
        ("postgresql+psycopg://u@db/evidence", "postgresql+psycopg"),
        ("sqlite:///evidra.db", "sqlite"),
    ],
)
def test_postgresql_urls_use_psycopg(given: str, driver: str) -> None:
    assert parse_url(given).drivername == driver


def test_a_displayed_url_masks_the_password() -> None:
    shown = display_url(parse_url(f"postgresql://evidra:{SECRET}@db:5432/evidence?sslmode=require"))
    assert shown == "postgresql+psycopg://evidra:***@db:5432/evidence?sslmode=require"


def test_a_relative_sqlite_path_gets_its_wal_and_a_missing_directory_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    # A missing directory would mean a new, empty chain beside the real one (a typo, a
    # volume not mounted): refused, nothing made (issue 15).
    with pytest.raises(StoreLocationError, match=r"data/evidence does not exist"):
        EvidenceStore.open("sqlite:///data/evidence/evidra.db")
    assert not (tmp_path / "data").exists()
    (tmp_path / "data" / "evidence").mkdir(parents=True)
    with EvidenceStore.open("sqlite:///data/evidence/evidra.db") as store:
        assert store.runs() == []
    database = tmp_path / "data" / "evidence" / "evidra.db"
    assert database.is_file()
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
