"""`evidra check aws` and `evidra collect` end to end: the real command line in a
subprocess, the real boto3 client, moto's server over HTTP."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from evidra.demo.estate import POLICY_TOKEN, TAG_SECRET
from evidra.evidence_store.store import EvidenceStore
from tests.fakes.aws_fault_proxy import AwsFaultProxy
from tests.fakes.cli import evidra

REGIONS_CONFIG = "providers:\n  aws:\n    regions: [us-east-1, eu-west-1]\n    max_attempts: 2\n"


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "evidra.yaml").write_text(REGIONS_CONFIG + "database: sqlite:///evidence/evidra.db\n")
    (tmp_path / "evidence").mkdir()
    return tmp_path


def by_control(document: dict) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for result in document["results"]:
        grouped.setdefault(result["control"], []).append(result)
    return grouped


def test_check_json_follows_the_contract(shared_estate, moto_endpoint, workdir):
    result = evidra("check", "aws", "--format", "json", cwd=workdir)
    assert result.returncode == 1, result.stderr  # the estate fails controls on purpose
    document = json.loads(result.stdout)
    assert document["schema"] == "evidra.check/v1"
    assert set(document) >= {"schema", "run", "results", "errors"}
    assert document["run"]["id"] and document["run"]["started_at"].endswith("Z")
    assert document["run"]["finished_at"] >= document["run"]["started_at"]
    assert document["errors"] == []
    for item in document["results"]:
        assert set(item) >= {"control", "requirement", "tsc", "status", "resource", "reason", "evidence"}
        assert set(item["resource"]) == {"provider", "scope", "type", "id"}
        assert item["status"] in {"pass", "fail", "error", "not_applicable", "excepted"}
        assert item["evidence"].startswith("sha256:")
    mfa = {r["resource"]["id"].rsplit("/", 1)[-1]: r for r in by_control(document)["identity-user-mfa"]}
    assert mfa["bob"]["status"] == "fail"
    assert mfa["bob"]["reason"] == "console password enabled, no MFA device"
    assert mfa["bob"]["requirement"] == "mfa.all_workforce"
    assert mfa["bob"]["resource"]["scope"] == "aws:123456789012:global"
    assert mfa["alice"]["status"] == "pass"
    statuses = {r["status"] for r in document["results"]}
    assert statuses >= {"pass", "fail"}
    # Nothing is stored by `check`.
    assert list((workdir / "evidence").iterdir()) == []  # check stores nothing unless asked


def test_every_issue_area_is_judged_on_the_estate(shared_estate, moto_endpoint, workdir):
    document = json.loads(evidra("check", "--format", "json", cwd=workdir).stdout)
    grouped = by_control(document)

    def verdicts(control: str) -> dict[str, str]:
        return {r["resource"]["id"]: r["status"] for r in grouped[control]}

    def statuses(control: str) -> set[str]:
        return set(verdicts(control).values())

    for control in [
        "bucket-encryption",
        "bucket-not-public",
        "volume-encryption",
        "database-encryption",
        "database-not-public",
        "key-rotation",
        "volume-encryption-default",
        "audit-trail-logging",
        "audit-trail-integrity",
        "audit-trail-encryption",
    ]:
        assert statuses(control) == {"pass", "fail"}, control
    assert statuses("password-min-length") == {"fail"}
    assert statuses("password-complexity") == {"fail"}
    assert statuses("audit-trail-all-regions") == {"pass"}
    assert statuses("privileged-user-mfa") == {"fail"}
    assert statuses("root-mfa") == {"fail"}


def test_control_filter_and_exit_code_zero(shared_estate, moto_endpoint, workdir):
    result = evidra("check", "aws", "--control", "audit-trail-all-regions", "--format", "json", cwd=workdir)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert {r["control"] for r in document["results"]} == {"audit-trail-all-regions"}
    assert document["results"]


def test_table_groups_by_control_failures_first(shared_estate, moto_endpoint, workdir):
    args = ("check", "aws", "--control", "identity-user-mfa", "--control", "bucket-encryption")
    result = evidra(*args, "--all", cwd=workdir)
    assert result.returncode == 1
    out = result.stdout
    assert "console password enabled, no MFA device" in out
    assert out.index("identity-user-mfa") > out.index("bucket-encryption")  # grouped, by id
    assert re.search(r"identity-user-mfa\s+high\s", out)  # the control's severity
    assert "to fix: Enrol the person in MFA" in out  # and what to do, under failures
    section = out[out.index("identity-user-mfa") :]
    rows = re.findall(r"^  (fail|pass|error) ", section, flags=re.MULTILINE)  # the control's resources
    assert rows[0] == "fail" and "pass" in rows
    assert rows == sorted(rows, key=["fail", "error", "pass"].index), "failures first within a control"
    # Without --all, passes are counted, not listed.
    brief = evidra(*args, cwd=workdir).stdout
    assert "console password enabled, no MFA device" in brief
    assert not re.findall(r"^  pass ", brief, flags=re.MULTILINE)


def test_collect_stores_a_sealed_run_without_secrets(shared_estate, moto_endpoint, workdir):
    result = evidra("collect", "--format", "json", cwd=workdir)
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    database = workdir / "evidence" / "evidra.db"
    assert database.is_file()
    with sqlite3.connect(database) as db:
        [(run_id,)] = db.execute("select id from evidra_runs").fetchall()
        assert run_id == document["run"]["id"]
        stored = db.execute("select count(*) from evidra_results where run_id = ?", (run_id,)).fetchone()[0]
        assert stored == len(document["results"])
        observations = db.execute("select count(*) from evidra_observations").fetchone()[0]
        assert observations > 10
    # What was stored, read back whole (snapshots may be compressed on disk) ...
    with EvidenceStore.open(f"sqlite:///{database}") as evidence:
        stored_bodies = b"".join(
            evidence.snapshot_body(observation[part])
            for observation in evidence.observations(run_id)
            for part in ("snapshot", "provenance")
        )
    # ... and the files as they lie on disk.
    on_disk = b"".join(p.read_bytes() for p in database.parent.iterdir())
    for secret in (TAG_SECRET, POLICY_TOKEN):
        assert secret.encode() not in stored_bodies
        assert secret.encode() not in on_disk
        assert secret not in result.stdout and secret not in result.stderr
    assert b"db_password" in stored_bodies, "the tag's key is evidence and is kept"
    assert b"[REDACTED]" in stored_bodies
    assert b"GenerateCredentialReport" in stored_bodies, "provenance: the API operations are kept"
    verified = evidra("verify", cwd=workdir)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "1 run(s)" in verified.stdout


def test_unreadable_scope_is_an_error_result_and_exit_3(shared_estate, moto_endpoint, workdir):
    with AwsFaultProxy(moto_endpoint) as proxy:
        fault = proxy.add("kms", "eu-west-1", "throttle")
        result = evidra("collect", "--format", "json", cwd=workdir, endpoint=proxy.url)
    assert result.returncode == 3, result.stderr
    assert fault.hits >= 2, "throttling is retried before it is reported"
    document = json.loads(result.stdout)
    [error] = document["errors"]
    assert error["scope"] == "aws:123456789012:eu-west-1"
    assert "kms" in error["message"].lower() and "eu-west-1" in error["message"]
    key_rotation = by_control(document)["key-rotation"]
    errored = [r for r in key_rotation if r["status"] == "error"]
    assert [r["resource"]["scope"] for r in errored] == ["aws:123456789012:eu-west-1"]
    assert any(r["status"] != "error" and "us-east-1" in r["resource"]["scope"] for r in key_rotation)
    # The rest of the run is complete, and stored whole.
    assert {"bucket-encryption", "identity-user-mfa", "volume-encryption"} <= set(by_control(document))
    assert evidra("verify", cwd=workdir).returncode == 0
