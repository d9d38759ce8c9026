"""First contact with a real account: a missing or refused credential is one message
naming the chain tried and the fix (exit 3), and a large estate's table fits a screen,
with everything behind --all and --format json."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from rich.console import Console

from evidra.controls.catalog import catalog
from evidra.model import Collection, Observation, ResourceRef, Result, ScopeError, Status, utcnow
from evidra.output.table import render
from evidra.runner import RunOutcome
from evidra.spool import Spool


def test_check_aws_without_credentials_is_one_message_naming_the_chain_and_the_fix(tmp_path: Path) -> None:
    # No credentials anywhere boto3 looks: an empty home, no variables, no metadata service.
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "COLUMNS": "120"}
    env |= {"AWS_EC2_METADATA_DISABLED": "true", "PYTHONPATH": os.environ.get("PYTHONPATH", "")}
    result = subprocess.run(
        [sys.executable, "-m", "evidra", "check", "aws"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 3, result.stderr
    out = " ".join(result.stdout.split())  # the panel wraps lines
    assert out.count("no AWS credentials found") == 1
    assert "tried boto3's credential chain" in out and "AWS_PROFILE" in out and "aws sso login" in out
    assert len(result.stdout.splitlines()) < 20  # not a panel per control (419 lines before)


def _outcome(failing: int, passing_controls: int, errors: list[ScopeError] | None = None) -> RunOutcome:
    controls = list(catalog().values())
    results: Spool[Result] = Spool()
    failed, *rest = controls
    for i in range(failing):
        ref = ResourceRef("aws", "aws:1:us-east-1", failed.resource_types[0], f"res-{i}")
        results.append(Result(failed.id, failed.requirement, failed.tsc, Status.FAIL, ref, f"bad {i}"))
    for control in rest[:passing_controls]:
        for i in range(40):
            ref = ResourceRef("aws", "aws:1:us-east-1", control.resource_types[0], f"{control.id}-{i}")
            results.append(Result(control.id, control.requirement, control.tsc, Status.PASS, ref, "fine"))
    observation = Observation("aws", "aws:1:us-east-1", "account", "a", {}, {}, [], "me", utcnow())
    collection = Collection(observations=[observation], errors=errors or [])
    now = utcnow()
    return RunOutcome("run-1", now, now, ["aws"], controls, collection, results, {})


def _lines(outcome: RunOutcome, show_all: bool = False) -> list[str]:
    buffer = io.StringIO()
    render(outcome, Console(file=buffer, width=120, color_system=None), show_all)
    return buffer.getvalue().splitlines()


def test_a_large_estate_fits_a_screen_and_all_lists_everything() -> None:
    outcome = _outcome(failing=2000, passing_controls=30)
    lines = _lines(outcome)
    assert len(lines) < 25
    text = "\n".join(lines)
    assert "2000 fail" in text and "… and 1995 more" in text
    assert "30 control(s) passed on all their 1200 result(s)" in text
    everything = _lines(outcome, show_all=True)
    assert len(everything) > 2000 + 1200
    assert "res-1999" in "\n".join(everything)


def test_an_unreadable_scope_is_one_line_not_a_panel_per_control() -> None:
    error = ScopeError(
        "aws", "aws:1:eu-west-1", "ec2 DescribeVolumes failed: throttled", "ec2", ("compute.volume",)
    )
    outcome = _outcome(failing=3, passing_controls=2, errors=[error])
    for control in catalog().values():
        if "compute.volume" in control.resource_types:
            ref = ResourceRef("aws", error.scope, "compute.volume", error.scope)
            outcome.results.append(
                Result(
                    control.id, control.requirement, control.tsc, Status.ERROR, ref, "could not be evaluated"
                )
            )
    text = "\n".join(_lines(outcome))
    assert text.count("aws:1:eu-west-1") == 1
    assert "could not read aws:1:eu-west-1: ec2 DescribeVolumes failed: throttled" in text
    assert "control result(s) unjudged" in text
