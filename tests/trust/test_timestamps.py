"""RFC 3161 timestamps of run seals: obtained from a real TSA (OpenSSL's), kept with
the run, retried when the TSA was down, and checked by `evidra verify`."""

from __future__ import annotations

import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, update
from typer.testing import CliRunner

from evidra.cli import app
from evidra.emulators.tsa_server import TsaServer, make_tsa_pki
from evidra.evidence_store.database import parse_url
from evidra.evidence_store.models import TimestampRow
from evidra.evidence_store.store import EvidenceStore
from evidra.model import utcnow
from evidra.trust import tsa as tsa_client
from evidra.trust.service import secure_runs
from tests.trust.conftest import run_finished_at, run_now, stamping_settings

runner = CliRunner()


def evidra(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def write_config(tmp_path: Path, tsa: TsaServer, database: str, *urls: str) -> Path:
    config = tmp_path / "evidra.yaml"
    config.write_text(
        f"database: {database}\n"
        f"timestamping:\n  tsa_urls: [{', '.join(urls or [tsa.url])}]\n"
        f"  ca_file: {tsa.ca_file}\n  max_skew_minutes: 10\n"
    )
    return config


def test_a_sealed_run_is_timestamped_and_verify_checks_the_token(
    store: EvidenceStore, store_url: str, tsa: TsaServer, tmp_path: Path
) -> None:
    stored = store.record_run(run_now())
    done = secure_runs(store, stamping_settings(tsa, "https://127.0.0.1:9/tsr", tsa.url))

    assert done.stamped == [stored.id] and done.errors == []
    kept = store.timestamps()[stored.id]
    assert kept["tsa"] == tsa.url and kept["attempts"] == 1
    assert abs(kept["gen_time"] - utcnow()) < timedelta(minutes=5)
    # OpenSSL, not evidra, agrees the token is over this run's seal.
    (tmp_path / "run.tsr").write_bytes(kept["token"])
    (tmp_path / "seal.txt").write_text(stored.digest)
    check = subprocess.run(
        ["openssl", "ts", "-verify", "-data", "seal.txt", "-in", "run.tsr", "-CAfile", str(tsa.ca_file)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert "Verification: OK" in check.stdout, check.stderr

    code, output = evidra("verify", "--config", str(write_config(tmp_path, tsa, store_url)))
    assert code == 0, output
    assert "1 timestamp token(s) hold" in output and "untimestamped: 0 run(s)" in output


def test_an_unreachable_tsa_never_loses_the_run_and_the_next_attempt_stamps_it(
    store: EvidenceStore, store_url: str, tsa: TsaServer, tmp_path: Path
) -> None:
    tsa.faults.add("/tsr", "unavailable")
    first = store.record_run(run_now(0))
    done = secure_runs(store, stamping_settings(tsa))
    assert done.stamped == [] and "HTTP 503" in done.errors[0] and done.pending_stamps == 1
    assert store.get_run(first.id) is not None  # stored, marked untimestamped
    assert store.timestamps()[first.id]["token"] is None
    assert "HTTP 503" in (store.timestamps()[first.id]["last_error"] or "")

    config = write_config(tmp_path, tsa, store_url)
    code, output = evidra("verify", "--config", str(config))
    assert code == 0 and "untimestamped: 1 run(s): seq 1" in output, output
    code, output = evidra("verify", "--config", str(config), "--require-timestamps")
    assert code == 1, output

    tsa.faults.clear()
    second = store.record_run(run_now(1))
    done = secure_runs(store, stamping_settings(tsa))  # what follows the next run
    assert done.stamped == [second.id, first.id]  # the newest first: it must not be late
    assert all(row["token"] for row in store.timestamps().values())

    code, output = evidra("timestamp", "--config", str(config))
    assert code == 0 and "timestamped 0 run(s)" in output, output
    code, output = evidra("verify", "--config", str(config), "--require-timestamps")
    assert code == 0, output


def test_runs_from_before_timestamping_are_stamped_only_when_asked(
    store: EvidenceStore, store_url: str, tsa: TsaServer, tmp_path: Path
) -> None:
    """Turning timestamping on does not make a year of old runs "late": they stay
    untimestamped until `evidra timestamp --backlog`, whose tokens verify names as late."""
    old = store.record_run(run_finished_at(utcnow() - timedelta(days=30)))
    new = store.record_run(run_now(1))
    assert secure_runs(store, stamping_settings(tsa)).stamped == [new.id]
    config = write_config(tmp_path, tsa, store_url)
    code, output = evidra("verify", "--config", str(config))
    assert code == 0 and "untimestamped: 1 run(s): seq 1" in output, output

    code, output = evidra("timestamp", "--backlog", "--config", str(config))
    assert code == 0 and "timestamped 1 run(s)" in output, output
    code, output = evidra("verify", "--config", str(config))
    assert code == 1 and f"run {old.id} (seq 1)" in output and "stamped late" in output, output


def test_evidra_timestamp_retries_the_runs_left_waiting(
    store: EvidenceStore, store_url: str, tsa: TsaServer, tmp_path: Path
) -> None:
    stored = store.record_run(run_now())
    config = write_config(tmp_path, tsa, store_url, "https://127.0.0.1:9/tsr")
    code, output = evidra("timestamp", "--config", str(config))
    assert code == 1 and "still waiting: 1 for a token" in output, output
    code, output = evidra("timestamp", "--config", str(write_config(tmp_path, tsa, store_url)))
    assert code == 0 and "timestamped 1 run(s)" in output, output
    assert store.timestamps()[stored.id]["attempts"] == 2


def test_a_backfilled_run_is_named_by_verify(
    store: EvidenceStore, store_url: str, tsa: TsaServer, tmp_path: Path
) -> None:
    """Three months of daily runs written today, each with its recorded finish in the past
    and timestamped as it is stored: the TSA's time gives them away."""
    start = utcnow() - timedelta(days=90)
    ids = []
    for day in range(3):
        ids.append(store.record_run(run_finished_at(start + timedelta(days=day), day)).id)
        assert secure_runs(store, stamping_settings(tsa)).stamped == [ids[-1]]
    honest = store.record_run(run_now(3))
    secure_runs(store, stamping_settings(tsa))

    code, output = evidra("verify", "--config", str(write_config(tmp_path, tsa, store_url)))
    assert code == 1, output
    for run_id in ids:
        assert f"run {run_id}" in output
    assert f"run {honest.id}" not in output
    assert "backfilled" in output and "1 timestamp token(s) hold" in output


def test_a_token_over_another_seal_or_from_another_ca_is_named(
    store: EvidenceStore, store_url: str, tsa: TsaServer, tmp_path: Path
) -> None:
    one = store.record_run(run_now(0))
    secure_runs(store, stamping_settings(tsa))
    two = store.record_run(run_now(1))
    secure_runs(store, stamping_settings(tsa))
    engine = create_engine(parse_url(store_url))
    with engine.begin() as connection:  # run two now carries run one's token
        token = store.timestamps()[one.id]["token"]
        connection.execute(update(TimestampRow).where(TimestampRow.run_id == two.id).values(token=token))
    engine.dispose()
    config = write_config(tmp_path, tsa, store_url)
    code, output = evidra("verify", "--config", str(config))
    assert code == 1 and f"run {two.id} (seq 2): its timestamp token does not hold" in output, output
    assert "imprint is not the run's seal" in output
    assert f"run {one.id}" not in output

    other_ca, _, _ = make_tsa_pki(tmp_path / "other")
    code, output = evidra("verify", "--config", str(config), "--tsa-ca", str(other_ca))
    assert code == 1 and f"run {one.id} (seq 1): its timestamp token does not hold" in output, output


def test_a_token_that_is_not_for_the_seal_is_refused_when_requested(tsa: TsaServer) -> None:
    roots = tsa_client.load_roots(tsa.ca_file)
    token = tsa_client.request("sha256:" + "ab" * 32, [tsa.url], roots)
    with pytest.raises(tsa_client.TimestampError, match="imprint is not the run's seal"):
        tsa_client.check(token.response, "sha256:" + "cd" * 32, roots)
    tsa.faults.add("/tsr", "malformed", times=1)
    with pytest.raises(tsa_client.TimestampError, match="not an RFC 3161 TimeStampResp"):
        tsa_client.request("sha256:" + "ab" * 32, [tsa.url], roots)
