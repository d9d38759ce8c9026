"""`evidra check okta` end to end: the command line in a subprocess, the real SDK, the
fake Okta over HTTPS; verdicts of the Okta controls on the demo organisation."""

from __future__ import annotations

import json
import re
from pathlib import Path

from evidra.emulators.okta_estate import API_TOKEN, terminations_csv
from evidra.emulators.okta_server import FakeOkta
from tests.collectors.okta.okta_support import evidra, write_config


def verdicts(document: dict) -> dict[tuple[str, str], str]:
    return {(r["control"], r["resource"]["id"].rsplit("/", 1)[-1]): r["status"] for r in document["results"]}


def test_check_okta_judges_the_organisation(okta: FakeOkta, tmp_path: Path) -> None:
    (tmp_path / "leavers.csv").write_text(terminations_csv())
    write_config(tmp_path, okta, "    terminations_file: leavers.csv\n")
    result = evidra("check", "okta", "--format", "json", cwd=tmp_path, fake=okta, token=API_TOKEN)
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    assert document["errors"] == []
    seen = verdicts(document)
    expected = {
        ("identity-user-mfa", "00uadmin1"): "pass",
        ("identity-user-mfa", "00ubob0001"): "fail",
        ("privileged-user-mfa", "00ucarol01"): "pass",
        ("privileged-mfa-approved-methods", "00ucarol01"): "fail",
        ("privileged-mfa-approved-methods", "00uadmin1"): "pass",
        ("inactive-users", "00ufrank01"): "fail",
        ("inactive-users", "00uivan001"): "pass",
        ("password-min-length", "00pdefault1"): "fail",
        ("password-min-length", "00pengineer"): "pass",
        ("password-min-length-privileged", "00padmins01"): "pass",
        ("password-min-length-privileged", "00pengineer"): "fail",
        ("password-max-age", "00pdefault1"): "fail",
        ("password-history", "00pdefault1"): "fail",
        ("session-idle-timeout", "0pradmins01"): "pass",
        ("session-idle-timeout", "0prdefault1"): "fail",
        ("signon-requires-mfa", "rulcatchall1"): "pass",
        ("signon-requires-mfa", "rulcontract1"): "fail",
        ("access-key-rotation", "00Tevidra001"): "pass",
        ("access-key-rotation", "00Tlegacy001"): "fail",
        ("deprovisioning-deadline", "erin@acme.com"): "pass",
        ("deprovisioning-deadline", "zoe@acme.com"): "pass",
        ("deprovisioning-deadline", "dave@acme.com"): "fail",
        ("deprovisioning-deadline", "ivan@acme.com"): "fail",
        ("deprovisioning-deadline", "nobody@acme.com"): "fail",
    }
    assert {key: seen.get(key) for key in expected} == expected
    # Outside the populations: the federated, staged and disabled users.
    for user in ("00ugrace01", "00uheidi01", "00udave001", "00uerin001"):
        assert ("identity-user-mfa", user) not in seen
    reasons = {
        (r["control"], r["resource"]["id"].rsplit("/", 1)[-1]): r["reason"] for r in document["results"]
    }
    # The estate's times are fixed when it is built; the check measures to now.
    still = re.fullmatch(
        r"ivan@acme\.com still has access (\d+\.\d) hours after termination",
        reasons[("deprovisioning-deadline", "ivan@acme.com")],
    )
    assert still is not None and 72.0 <= float(still.group(1)) < 74.0
    assert (
        reasons[("privileged-mfa-approved-methods", "00ucarol01")]
        == "administrator has SMS or voice enrolled (sms)"
    )


def test_an_unreadable_part_is_reported_with_the_rest(okta: FakeOkta, tmp_path: Path) -> None:
    okta.add_fault(r"^/api/v1/users/[^/]+/factors$", "error")
    write_config(tmp_path, okta)
    result = evidra("check", "okta", "--format", "json", cwd=tmp_path, fake=okta, token=API_TOKEN)
    assert result.returncode == 3, result.stderr
    document = json.loads(result.stdout)
    [error] = document["errors"]
    assert error["provider"] == "okta" and "listFactors failed: HTTP 500" in error["message"]
    statuses = {(r["control"], r["status"]) for r in document["results"]}
    assert ("identity-user-mfa", "error") in statuses and ("inactive-users", "error") in statuses
    assert ("password-min-length", "fail") in statuses  # the rest is still judged
    assert ("session-idle-timeout", "fail") in statuses
