"""`evidra --help` and `evidra controls list` must not load cloud SDKs or the database
layer: that is what keeps them fast (measured by import, not by a timer)."""

from __future__ import annotations

import json
import re
import subprocess
import sys

# pydantic is not listed: typer itself imports it when it is installed.
HEAVY = ["boto3", "botocore", "sqlalchemy", "alembic", "moto", "psycopg", "celery", "kombu"]
HEAVY += ["azure.core", "azure.identity", "msal"]
HEAVY += ["googleapiclient", "httplib2", "PyBambooHR", "requests"]
HEAVY += ["githubkit", "httpx", "gitlab"]

PROBE = """
import sys
from evidra.cli import app
try:
    app(sys.argv[1:])
except SystemExit:
    pass
heavy = [m for m in {heavy!r} if m in sys.modules]
print("HEAVY=" + ",".join(heavy), file=sys.stderr)
"""


def probe(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY), *args], capture_output=True, text=True, timeout=60
    )


def test_help_loads_nothing_heavy():
    result = probe("--help")
    assert "check" in result.stdout
    assert "HEAVY=\n" in result.stderr


def test_controls_list_loads_nothing_heavy_and_shows_requirements():
    result = probe("controls", "list", "--format", "json")
    assert "HEAVY=\n" in result.stderr
    document = json.loads(result.stdout)
    by_id = {c["id"]: c for c in document["controls"]}
    assert by_id["identity-user-mfa"]["requirements"] == ["mfa.all_workforce"]
    assert "CC6.2" in by_id["identity-user-mfa"]["tsc"]
    assert by_id["identity-user-mfa"]["severity"] == "high"
    assert by_id["identity-user-mfa"]["remediation"].startswith("Enrol the person in MFA")


def test_controls_list_table_names_controls_and_criteria():
    result = subprocess.run(
        [sys.executable, "-m", "evidra", "controls", "list", "--parameters"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"COLUMNS": "200", "PATH": ""},
    )
    assert result.returncode == 0, result.stderr
    assert "password-min-length" in result.stdout
    assert re.search(r"root-mfa\s.*\scritical\s", result.stdout)  # the severity column
    assert "pwd.min_length.min_length_standard" in result.stdout
    assert "CC6.1" in result.stdout
