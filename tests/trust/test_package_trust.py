"""`verify PACKAGE` trusts nothing the package says about itself: the signer must be
named and match the fingerprint written in it and the one given out of band; each
run's RFC 3161 token must hold against the TSA roots the auditor trusts; and every
result row, evidence file and run's metadata must be proven in its run's sealed
Merkle root. A forger holding the company's key (who re-signs whatever he edits)
is caught by the proofs and the tokens, not by the signature."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from evidra.cli import app
from evidra.controls.catalog import select
from evidra.emulators.tsa_server import TsaServer, make_tsa_pki
from evidra.evidence_store.store import EvidenceStore, RunRecord
from evidra.model import utcnow
from evidra.reports import signing
from evidra.reports.package import TrustMaterial, build
from evidra.reports.period import Period
from evidra.reports.verify_package import verify_package
from evidra.trust.service import secure_runs
from tests.reports.conftest import DAYS, history_run
from tests.trust.conftest import stamping_settings

runner = CliRunner()


def _recent(day: int) -> RunRecord:
    """Day `day` of the reports' history, run in the last two minutes (so stamped on time)."""
    run = history_run(day)
    run.started_at = utcnow() - timedelta(seconds=20 * (DAYS - day))
    run.finished_at = run.started_at + timedelta(seconds=5)
    return run


def _make_package(tmp_path: Path, tsa: TsaServer, runs: list[RunRecord]) -> tuple[Path, str]:
    """A folder package of `runs`, each timestamped by the local TSA; and its fingerprint."""
    key = Ed25519PrivateKey.generate()
    with EvidenceStore.open(f"sqlite:///{tmp_path}/evidra.db") as store:
        for run in runs:  # each stamped as it is stored, as runner.store does
            store.record_run(run)
            assert not secure_runs(store, stamping_settings(tsa)).errors
        first = min(run.started_at for run in runs).date()
        period = Period(first, max(run.started_at for run in runs).date())
        target = tmp_path / "package"
        build(
            store,
            period,
            select(None),
            key,
            target,
            now=utcnow(),
            as_folder=True,
            trust=TrustMaterial(tsa.ca_file.read_bytes(), 10),
        )
    return target, signing.fingerprint(signing.public_pem(key))


@pytest.fixture
def package(tmp_path: Path, tsa: TsaServer) -> tuple[Path, str]:
    return _make_package(tmp_path, tsa, [_recent(day) for day in range(DAYS)])


def _resign(folder: Path, *, names_new_key: bool = True) -> str:
    """What a forger holding a key does after editing: a new key, SHA256SUMS rewritten
    and signed, and (unless told not to) the fingerprint in manifest.json and index.html."""
    key = Ed25519PrivateKey.generate()
    old = signing.fingerprint((folder / "signing-key.pub").read_bytes())
    public = signing.public_pem(key)
    (folder / "signing-key.pub").write_bytes(public)
    new = signing.fingerprint(public)
    if names_new_key:
        for name in ("manifest.json", "index.html"):
            (folder / name).write_text((folder / name).read_text().replace(old, new))
    files = sorted(
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file() and path.name not in ("SHA256SUMS", "SHA256SUMS.sig")
    )
    sums = "".join(f"{hashlib.sha256((folder / n).read_bytes()).hexdigest()}  {n}\n" for n in files).encode()
    (folder / "SHA256SUMS").write_bytes(sums)
    (folder / "SHA256SUMS.sig").write_bytes(key.sign(sums))
    return new


def test_an_untouched_package_verifies_against_what_the_auditor_was_given(
    package: tuple[Path, str], tsa: TsaServer, tmp_path: Path
) -> None:
    folder, fingerprint = package
    report = verify_package(folder, fingerprint=fingerprint, tsa_roots=tsa.ca_file.read_bytes())
    assert report.ok, report.problems
    assert report.tokens_checked == DAYS and report.unstamped == []
    rows = sum(
        len(list(csv.DictReader(io.StringIO(path.read_text()))))
        for path in (folder / "controls").glob("*.csv")
        if path.name.count(".") == 1
    )
    assert rows > 0 and report.rows_proven == rows
    assert report.proofs_checked >= rows // 2 + DAYS
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["signature"]["fingerprint"] == fingerprint
    assert fingerprint in (folder / "index.html").read_text()

    result = runner.invoke(
        app, ["verify", str(folder), "--fingerprint", fingerprint, "--tsa-ca", str(tsa.ca_file)]
    )
    assert result.exit_code == 0, result.output
    assert f"{DAYS} timestamp token(s) hold (TSA roots: the roots given with --tsa-ca)" in result.output


def test_the_readme_recipes_check_the_proofs_and_a_token_without_evidra(
    package: tuple[Path, str], tsa: TsaServer
) -> None:
    folder, fingerprint = package
    readme = (folder / "README.txt").read_text()
    recipe = readme.split("root (Python 3, standard library):\n\n", 1)[1].split("\n\n", 1)[0]
    code = "\n".join(line[7:] for line in recipe.splitlines())
    subprocess.run([sys.executable, "-c", code], cwd=folder, check=True)

    commands = readme.split("printf %s", 1)[1].split("\n\n", 1)[0]
    printf, openssl = ("printf %s" + commands).splitlines()
    shutil.copy(tsa.ca_file, folder / "TSA-ROOT.pem")
    script = f"{printf.strip()}\n{openssl.strip()}\n"
    check = subprocess.run(["sh", "-c", script], cwd=folder, capture_output=True, text=True)
    assert "Verification: OK" in check.stdout, check.stdout + check.stderr
    assert f"--fingerprint {fingerprint}" in readme

    # The recipe fails on an altered proof: it is not an assert that always holds.
    proofs = json.loads((folder / "runs/proofs/1.json").read_text())
    proofs["records"][0]["record"]["seq"] = 99
    (folder / "runs/proofs/1.json").write_text(json.dumps(proofs))
    assert subprocess.run([sys.executable, "-c", code], cwd=folder, capture_output=True).returncode != 0


def test_a_row_edited_and_resigned_with_a_key_is_caught_by_its_proof(package: tuple[Path, str]) -> None:
    folder, fingerprint = package
    path = folder / "controls/identity-user-mfa.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    number = next(index for index, row in enumerate(rows, start=1) if row["status"] == "fail")
    rows[number - 1]["status"] = "pass"
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), newline="")
    forged = _resign(folder)

    report = verify_package(folder)  # the auditor forgot the fingerprint: the proof still fails
    assert not report.ok
    assert report.problems == [
        f"proofs: controls/identity-user-mfa.csv#{number} is not what run(s) seq "
        f"{rows[number - 1]['first_run']}"
        + (
            f", {rows[number - 1]['last_run']}"
            if rows[number - 1]["last_run"] != rows[number - 1]["first_run"]
            else ""
        )
        + " sealed (the row was altered, or has no proof)"
    ]
    report = verify_package(folder, fingerprint=fingerprint)
    assert f"signature: the package was signed by {forged}, not by {fingerprint} (--fingerprint)" in (
        report.problems
    )


def test_a_key_that_is_not_the_one_the_package_names_is_caught(package: tuple[Path, str]) -> None:
    folder, _ = package
    forged = _resign(folder, names_new_key=False)
    problems = verify_package(folder).problems
    assert any(p.startswith("signature: manifest.json names the key") and forged in p for p in problems)
    assert f"signature: index.html does not show the signing key's fingerprint {forged}" in problems


@pytest.mark.parametrize("name", ["signing-key.pub", "SHA256SUMS.sig"])
def test_a_package_without_its_key_or_signature_is_not_intact(package: tuple[Path, str], name: str) -> None:
    folder, _ = package
    (folder / name).unlink()
    sums = (folder / "SHA256SUMS").read_text().splitlines()
    (folder / "SHA256SUMS").write_text(
        "".join(f"{line}\n" for line in sums if not line.endswith(f"  {name}"))
    )

    result = runner.invoke(app, ["verify", str(folder)])
    assert result.exit_code == 1, result.output
    assert f"missing: {name} (an unsigned package is not intact)" in result.output
    assert "signed by None" not in result.output


def test_backfilled_runs_are_named_and_hiding_them_in_the_chain_is_caught(
    tmp_path: Path, tsa: TsaServer
) -> None:
    """Runs recorded months ago by their own clock, stamped today: the tokens say so;
    moving their recorded finish in runs/chain.json breaks their metadata's proof."""
    folder, _ = _make_package(tmp_path, tsa, [history_run(day) for day in range(3)])
    roots = tsa.ca_file.read_bytes()
    problems = verify_package(folder, tsa_roots=roots).problems
    assert len(problems) == 3 and all("backfilled" in problem for problem in problems), problems

    chain_path = folder / "runs/chain.json"
    chain = json.loads(chain_path.read_text())
    for run in chain["runs"]:
        run["finished_at"] = utcnow().strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    chain_path.write_text(json.dumps(chain))
    _resign(folder)
    problems = verify_package(folder, tsa_roots=roots).problems
    assert sum("finished_at in runs/chain.json differ from what the run sealed" in p for p in problems) == 3


def test_a_token_moved_to_another_run_or_from_another_tsa_is_caught(
    package: tuple[Path, str], tsa: TsaServer, tmp_path: Path
) -> None:
    folder, _ = package
    other_ca, _, _ = make_tsa_pki(tmp_path / "other")
    problems = verify_package(folder, tsa_roots=other_ca.read_bytes()).problems
    assert len(problems) == DAYS and all("token does not hold" in problem for problem in problems)

    shutil.copy(folder / "runs/timestamps/1.tsr", folder / "runs/timestamps/2.tsr")
    _resign(folder)
    problems = verify_package(folder, tsa_roots=tsa.ca_file.read_bytes()).problems
    assert len(problems) == 1 and "(seq 2): its timestamp token does not hold" in problems[0], problems
    assert "imprint is not the run's seal" in problems[0]


def test_a_run_proof_with_a_changed_or_missing_node_proves_nothing(package: tuple[Path, str]) -> None:
    folder, _ = package
    name = next(
        path
        for path in sorted((folder / "runs/proofs").glob("*.json"))
        if len(json.loads(path.read_text())["nodes"]) > 1
    )
    document = json.loads(name.read_text())
    seq, relative = document["seq"], f"runs/proofs/{name.name}"
    document["nodes"][0][2] = "00" * 32
    name.write_text(json.dumps(document))
    problems = verify_package(folder).problems
    assert f"proofs: {relative}: its records are not in the sealed root of run seq {seq}" in problems
    shown = {place for entry in document["records"] for place in entry["shown_in"]}
    assert any(place in problem for problem in problems for place in shown if place.startswith("controls/"))

    del document["nodes"][0]
    name.write_text(json.dumps(document))
    assert any(
        p.startswith(f"proofs: {relative}: the multiproof lacks a node")
        for p in verify_package(folder).problems
    )
