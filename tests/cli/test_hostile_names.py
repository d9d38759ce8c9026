"""Names from outside are shown literally (issue 15, items 1, 2 and 6): an AWS estate
whose IAM users, tags and notes hold Rich markup, terminal escape sequences, commas,
newlines and secrets, read by the real `evidra` command line from moto's server."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import boto3
from rich.console import Console

from evidra.controls.catalog import select
from evidra.evidence_store.store import EvidenceStore
from evidra.model import Collection, ResourceRef, Result, ScopeError, Status, utcnow
from evidra.output.table import render
from evidra.runner import RunOutcome

MARKUP = "crash[/]me"
LINK = "x[link=https://evil.example/]click[/link]"
ESCAPES = "esc\x1b[2J\x1b]0;owned\x07\x9b31m"  # clear screen, retitle, C1 CSI
OKTA_POLICY = "[Global] Default Policy [/] legacy"
SECRET_TAG = "DB_PASS=hunter2isnotsafe"
SECRET_KEY_TAG = "AWS_SECRET_ACCESS_KEY=je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"


def evidra(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVIDRA_")}
    env["COLUMNS"] = "250"
    return subprocess.run(
        [sys.executable, "-m", "evidra", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=300
    )


def assert_inert(text: str) -> None:
    """Nothing in `text` can drive a terminal (no color: output is not a terminal here)."""
    assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text
    assert "MarkupError" not in text and "Traceback" not in text, text[-2500:]


def test_hostile_iam_names_and_tags_are_shown_literally_and_secrets_kept_out(
    moto_reset: str, tmp_path: Path
) -> None:
    iam = boto3.client("iam")
    # (No control characters here: AWS's XML cannot carry them; the Okta case below does.)
    for name in (MARKUP, LINK, "comma,user"):
        iam.create_user(UserName=name)
    iam.create_login_profile(UserName=MARKUP, Password="Longenough-123!")  # console, no MFA: a fail
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="tagged")
    s3.put_bucket_tagging(
        Bucket="tagged",
        Tagging={"TagSet": [{"Key": "note", "Value": SECRET_TAG}, {"Key": "DB_PASS", "Value": "hunter3x"}]},
    )
    ec2 = boto3.client("ec2", region_name="us-east-1")
    ec2.create_volume(
        AvailabilityZone="us-east-1a",
        Size=1,
        TagSpecifications=[
            {
                "ResourceType": "volume",
                "Tags": [{"Key": "Name", "Value": MARKUP}, {"Key": "x", "Value": SECRET_KEY_TAG}],
            }
        ],
    )
    (tmp_path / "evidra.yaml").write_text(
        "database: sqlite:///evidra.db\nproviders:\n  aws:\n    regions: [us-east-1]\n    max_attempts: 2\n"
    )

    # --all: the default table shows only the first failures of each control, and the
    # link-named user fails nothing; every name must be shown literally, passes included.
    table = evidra("collect", "--all", cwd=tmp_path)
    assert table.returncode in (1, 3), table.stderr  # verdicts, not a crash (was 1 with a MarkupError)
    assert_inert(table.stdout + table.stderr)
    assert f"user/{MARKUP}" in table.stdout, "markup in a name is shown as it is"
    assert "[link=https://evil.example/]" in table.stdout
    as_json = evidra("check", "--format", "json", cwd=tmp_path)
    assert as_json.returncode in (1, 3), as_json.stderr
    assert "\x1b" not in as_json.stdout and "\x9b" not in as_json.stdout
    ids = {r["resource"]["id"] for r in json.loads(as_json.stdout)["results"]}
    assert any(i.endswith("user/comma,user") for i in ids), "a comma in a user name is read, not a crash"

    with EvidenceStore.open(f"sqlite:///{tmp_path}/evidra.db") as evidence:
        [run] = evidence.runs()
        stored = b"".join(
            evidence.snapshot_body(observation[part])
            for observation in evidence.observations(run.id)
            for part in ("snapshot", "provenance")
        )
    for secret in ("hunter2isnotsafe", "hunter3x", "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"):
        assert secret.encode() not in stored, secret
    assert b"DB_PASS=[REDACTED]" in stored, "the tag's name stays as evidence"
    shown = evidra("show", f"arn:aws:iam::123456789012:user/{MARKUP}", "--raw", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert_inert(shown.stdout + shown.stderr)
    assert MARKUP in shown.stdout


def test_a_line_break_in_a_user_name_is_an_error_for_that_scope_not_a_crash(
    moto_reset: str, tmp_path: Path
) -> None:
    """IAM forbids it; a broken or hostile answer (moto allows it) must still not crash."""
    boto3.client("iam").create_user(UserName="new\nline")
    boto3.client("ec2", region_name="us-east-1").create_volume(AvailabilityZone="us-east-1a", Size=1)
    (tmp_path / "evidra.yaml").write_text(
        "database: sqlite:///evidra.db\nproviders:\n  aws:\n    regions: [us-east-1]\n    max_attempts: 2\n"
    )
    result = evidra("collect", "--format", "json", cwd=tmp_path)
    assert result.returncode == 3, result.stderr
    document = json.loads(result.stdout)
    [error] = [e for e in document["errors"] if "credential report" in e["message"]]
    assert error["scope"] == "aws:123456789012:global" and "line break" in error["message"]
    assert any(r["resource"]["type"] == "compute.volume" for r in document["results"]), "the rest is read"
    assert "Traceback" not in result.stderr
    with EvidenceStore.open(f"sqlite:///{tmp_path}/evidra.db") as evidence:
        assert len(evidence.runs()) == 1, "the run is stored with its error"


def test_a_note_and_a_zip_entry_name_reach_the_terminal_escaped(tmp_path: Path) -> None:
    (tmp_path / "evidra.yaml").write_text("database: sqlite:///evidra.db\n")
    (tmp_path / "review.pdf").write_bytes(b"%PDF-1.4 review")
    added = evidra(
        "evidence", "add", "--requirement", "mfa.all_workforce", "--file", "review.pdf",
        "--note", f"quarterly {ESCAPES} {LINK}", cwd=tmp_path,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    listed = evidra("evidence", "list", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert_inert(listed.stdout)
    assert "\\x1b]0;owned\\x07" in listed.stdout and LINK in listed.stdout

    package = tmp_path / "evil.zip"
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr(f"evidence/{ESCAPES}[link=https://evil.example/]x", b"{}")
    verified = evidra("verify", str(package), cwd=tmp_path)
    assert verified.returncode in (1, 2), verified.stderr
    assert_inert(verified.stdout + verified.stderr)
    assert "added: evidence/esc\\x1b[2J" in verified.stdout
    assert "[link=https://evil.example/]x" in verified.stdout


def test_an_okta_policy_name_with_markup_in_a_reason_and_an_error_is_printed_as_it_is() -> None:
    control = select(None)[0]
    now = utcnow()
    resource = ResourceRef("okta", "okta:acme", control.resource_types[0], f"pol1 {OKTA_POLICY}")
    outcome = RunOutcome(
        id="run-1",
        started_at=now,
        finished_at=now,
        providers=["okta"],
        controls=[control],
        collection=Collection(errors=[ScopeError("okta", "okta:acme", f"{OKTA_POLICY}\x1b[31m", None, ())]),
        results=[  # type: ignore[arg-type] - a list serves as the results spool here
            Result(
                control.id, control.requirement, control.tsc, Status.FAIL, resource, f"{OKTA_POLICY}: weak"
            )
        ],
        parameters={},
    )
    console = Console(file=io.StringIO(), width=200, force_terminal=False, color_system=None)
    render(outcome, console)
    printed = console.file.getvalue()  # type: ignore[attr-defined]
    assert printed.count(OKTA_POLICY) == 3 and "\\x1b[31m" in printed
    assert "\x1b" not in printed
