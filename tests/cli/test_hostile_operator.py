"""What an operator's (or a neighbour's) hands can do to evidra on the command line
(issue 15, items 5 and 7): billion laughs in the config, a period past year 9999, a
symlink or FIFO handed to `evidence add`, keys written through links or left readable,
`init --force` through a link, a SQLite path in a directory that does not exist. Each
is refused with a message and the right exit code, and nothing is written through."""

from __future__ import annotations

import os
import stat
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from evidra.cli import app
from evidra.reports import signing

runner = CliRunner()


def evidra(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


BILLION_LAUGHS = """\
database: sqlite:///evidra.db
parameters:
  a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
  e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
  f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
  g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
  h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
  i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
"""


def test_anchors_and_aliases_in_the_config_are_refused_before_anything_expands(tmp_path: Path) -> None:
    config = tmp_path / "evidra.yaml"
    config.write_text(BILLION_LAUGHS)
    code, output = evidra("controls", "list", "--parameters", "--config", str(config))
    assert code == 2, output
    assert "line 3" in output and "anchors and aliases" in output and str(config) in output
    config.write_text("database: sqlite:///evidra.db\nproviders:\n  aws: &x {regions: [us-east-1]}\n")
    code, output = evidra("controls", "list", "--config", str(config))
    assert code == 2 and "anchors and aliases" in output, output


def test_a_config_that_is_a_fifo_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "evidra.yaml"
    os.mkfifo(fifo)
    code, output = evidra("controls", "list", "--config", str(fifo))  # would block forever on read
    assert code == 2 and "not a regular file" in output, output


def test_a_period_reaching_past_year_9999_is_bad_usage(tmp_path: Path) -> None:
    signing.init_key(tmp_path / "evidra-signing-key.pem")
    code, output = evidra(
        "report", "--period", "0001-01-01..9999-12-31", "-o", str(tmp_path / "p.zip"),
        "--database", f"sqlite:///{tmp_path}/evidra.db",
    )  # fmt: skip
    assert code == 2, output
    assert "9999-12-30" in output and "Traceback" not in output


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    return f"sqlite:///{tmp_path}/evidra.db"


def add(database: str, file: Path, *extra: str) -> tuple[int, str]:
    return evidra(
        "evidence", "add", "--requirement", "mfa.all_workforce", "--file", str(file), "--database", database,
        *extra,
    )  # fmt: skip


def test_evidence_add_refuses_links_devices_and_fifos(store: str, tmp_path: Path) -> None:
    secret = tmp_path / "shadow"
    secret.write_text("root:$6$hash:19000::::::\n")
    link = tmp_path / "review.pdf"
    link.symlink_to(secret)
    code, output = add(store, link)
    assert code == 2 and "symbolic link" in output and "--follow-symlinks" in output, output
    code, output = add(store, Path("/dev/zero"))  # would read forever
    assert code == 2 and "device" in output, output
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    code, output = add(store, fifo)  # would block until a writer came
    assert code == 2 and "FIFO" in output, output
    code, output = evidra("evidence", "list", "--database", store)
    assert "shadow" not in output and "review.pdf" not in output, "nothing was added"

    code, output = add(store, link, "--follow-symlinks")
    assert code == 0, output
    code, output = evidra("evidence", "list", "--database", store)
    assert "review.pdf" in output


def test_keys_init_writes_through_no_link_and_sets_modes_whatever_the_umask(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "evidra.yaml").write_text(f"database: sqlite:///{tmp_path}/evidra.db\n")
    victim = tmp_path / "authorized_keys"
    victim.write_text("ssh-ed25519 AAAA precious\n")
    (tmp_path / "evidra-signing-key.pem.pub").symlink_to(victim)
    code, output = evidra("keys", "init")
    assert code == 2 and "symbolic link" in output, output
    assert victim.read_text() == "ssh-ed25519 AAAA precious\n"
    assert not (tmp_path / "evidra-signing-key.pem").exists()

    (tmp_path / "evidra-signing-key.pem.pub").unlink()
    previous = os.umask(0)
    try:
        code, output = evidra("keys", "init")
    finally:
        os.umask(previous)
    assert code == 0, output
    assert stat.S_IMODE((tmp_path / "evidra-signing-key.pem").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "evidra-signing-key.pem.pub").stat().st_mode) == 0o644


def test_report_refuses_a_private_key_others_can_read(tmp_path: Path) -> None:
    key = tmp_path / "evidra-signing-key.pem"
    signing.init_key(key)
    key.chmod(0o640)
    with pytest.raises(signing.SigningError, match=r"group or others \(mode 0640\).*chmod 600"):
        signing.load_key(key)
    (tmp_path / "evidra.yaml").write_text(f"database: sqlite:///{tmp_path}/evidra.db\n")
    code, output = evidra(
        "report", "--period", "2026-01-01..2026-06-30", "-o", str(tmp_path / "p.zip"),
        "--config", str(tmp_path / "evidra.yaml"),
    )  # fmt: skip
    assert code == 2 and "chmod 600" in output, output
    key.chmod(0o600)
    assert signing.load_key(key) is not None


def test_init_force_does_not_write_through_a_link(tmp_path: Path) -> None:
    victim = tmp_path / "bashrc"
    victim.write_text("export PATH=/usr/bin\n")
    config = tmp_path / "evidra.yaml"
    config.symlink_to(victim)
    code, output = evidra("init", str(config), "--force")
    assert code == 2 and "symbolic link" in output, output
    assert victim.read_text() == "export PATH=/usr/bin\n"
    config.unlink()
    code, output = evidra("init", str(config))
    assert code == 0 and "providers:" in config.read_text(), output


def test_a_sqlite_database_in_a_missing_directory_is_bad_config(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/mnt/evidence/evidra.db"  # a volume that is not mounted
    (tmp_path / "evidra.yaml").write_text(f"database: {url}\nproviders:\n  aws: {{regions: [us-east-1]}}\n")
    for args in (
        ("verify", "--database", url),
        ("evidence", "list", "--database", url),
        ("collect", "--config", str(tmp_path / "evidra.yaml")),
    ):
        code, output = evidra(*args)
        assert code == 2, (args, output)
        assert f"{tmp_path}/mnt/evidence" in output.replace("\n", ""), output
    assert not (tmp_path / "mnt").exists(), "no directory was made, no new chain begun"


def test_the_health_endpoint_times_out_idle_clients_and_bounds_its_threads() -> None:
    import socket
    import urllib.error
    import urllib.request

    from evidra.daemon.health import Health, serve
    from evidra.daemon.metrics import DaemonMetrics
    from evidra.model import utcnow

    server = serve("127.0.0.1:0", Health(utcnow()), DaemonMetrics(), timeout=1.0, clients=2)
    host, port = server.server_address[:2]
    before = threading.active_count()
    try:
        idle = [socket.create_connection((str(host), port)) for _ in range(6)]  # connect, send nothing
        time.sleep(0.5)
        assert threading.active_count() - before <= 2, "no thread per idle client past the bound"
        deadline = time.monotonic() + 30
        while True:  # the idle ones are dropped after their timeout; then it answers again
            try:
                with urllib.request.urlopen(f"http://{host}:{port}/healthz", timeout=5) as answer:
                    assert answer.status == 200
            except urllib.error.HTTPError as answer:
                assert answer.code == 503  # no provider yet: unhealthy, but answered
                break
            except OSError:
                assert time.monotonic() < deadline, "the endpoint never answered again"
                time.sleep(0.2)
        for connection in idle:
            assert connection.recv(1) == b"", "the server closed the idle connection"
            connection.close()
    finally:
        server.shutdown()
        server.server_close()
