"""`daemon.executor: celery` settings: a broker is required, its password stays out of
the file (and out of every message), and `evidra worker` says what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidra.config.loader import ConfigError, load
from evidra.daemon.celery_app import broker_url
from tests.fakes.cli import evidra

PASSWORD = "s3cr3t-broker-pw"


def write(folder: Path, daemon: str) -> Path:
    path = folder / "evidra.yaml"
    path.write_text(f"daemon:\n{daemon}")
    return path


@pytest.mark.parametrize(
    ("daemon", "expected"),
    [
        ("  executor: celery\n", "daemon.broker: needed with executor: celery"),
        ("  executor: celery\n  broker: kafka://host:9092\n", "'kafka' is not a broker"),
        (f"  executor: celery\n  broker: redis://:{PASSWORD}@host/0\n", "daemon.broker: holds a password"),
        ("  broker: redis://host/0\n  queue: 'no spaces please'\n", "daemon.queue"),
    ],
)
def test_bad_celery_settings_name_the_key(tmp_path: Path, daemon: str, expected: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load(write(tmp_path, daemon))
    assert expected in str(raised.value)
    assert PASSWORD not in str(raised.value)


def test_the_password_comes_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = load(
        write(
            tmp_path,
            "  executor: celery\n  broker: amqp://evidra@mq.internal:5672/evidra\n"
            "  broker_password_env: TEST_BROKER_PASSWORD\n",
        )
    )
    with pytest.raises(ConfigError, match="TEST_BROKER_PASSWORD is not set"):
        broker_url(config.settings.daemon)
    monkeypatch.setenv("TEST_BROKER_PASSWORD", "p@ss/word")
    assert broker_url(config.settings.daemon) == "amqp://evidra:p%40ss%2Fword@mq.internal:5672/evidra"


def test_worker_without_a_broker_exits_2(tmp_path: Path) -> None:
    write(tmp_path, "  listen: 127.0.0.1:0\n")
    result = evidra("worker", cwd=tmp_path)
    assert result.returncode == 2
    assert "daemon.broker" in result.stderr and "Traceback" not in result.stderr


def test_daemon_with_the_broker_password_unset_exits_2(tmp_path: Path) -> None:
    write(
        tmp_path,
        "  listen: 127.0.0.1:0\n  executor: celery\n  broker: redis://127.0.0.1:6379/0\n"
        "  broker_password_env: EVIDRA_TEST_UNSET_BROKER_PASSWORD\n"
        f"database: sqlite:///{tmp_path}/evidence.db\n",
    )
    result = evidra("daemon", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert "is not set" in result.stderr and "Traceback" not in result.stderr
