"""A bad config exits 2 with one message naming the file and the key: no traceback,
nothing written. Driven through the real command line in a subprocess."""

from __future__ import annotations

import pytest

from evidra.config.loader import load
from tests.fakes.cli import evidra

BAD = {
    "unknown key": ("providers:\n  aws:\n    regoins: [us-east-1]\n", "providers.aws.regoins: unknown key"),
    "wrong type": ("providers:\n  aws:\n    max_workers: lots\n", "providers.aws.max_workers"),
    "bad region": ("providers:\n  aws:\n    regions: [mars-1]\n", "'mars-1' is not an AWS region"),
    "unparsable": ("providers: [aws\n", "not valid YAML at line 2"),
    "not a mapping": ("- aws\n", "expected a mapping"),
    "unknown parameter": ("parameters:\n  pwd.min_length.colour: 3\n", "parameters.pwd.min_length.colour"),
    "parameter type": ("parameters:\n  pwd.min_length.min_length_standard: long\n", "expected int like 12"),
    "break-glass id": (
        "providers:\n  azure:\n    break_glass: [alice@acme.com]\n",
        "'alice@acme.com' is not an Entra ID object id",
    ),
    "unknown top-level": ("databse: sqlite:///x.db\n", "databse: unknown key"),
    "exception control": (
        "exceptions:\n  - {control: nope, resource: x, reason: r, approved_by: a, expires: 2027-01-01}\n",
        "exceptions[0].control: unknown control 'nope'",
    ),
    "exception date": (
        "exceptions:\n  - {control: bucket-encryption, resource: x, reason: r, approved_by: a,"
        " expires: soon}\n",
        "exceptions[0].expires",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
@pytest.mark.parametrize("command", ["check", "collect"])
def test_bad_config_exits_2_naming_file_and_key(tmp_path, case, command):
    text, expected = BAD[case]
    config = tmp_path / "bad.yaml"
    config.write_text(text)
    result = evidra(command, "aws", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    message = " ".join(result.stderr.split())
    assert "bad.yaml" in message
    assert expected in message
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml"], "nothing may be written"


def test_missing_config_file(tmp_path):
    result = evidra("check", "--config", str(tmp_path / "nowhere.yaml"), cwd=tmp_path)
    assert result.returncode == 2
    assert "nowhere.yaml: config file not found" in result.stderr
    assert "Traceback" not in result.stderr


def test_config_from_environment_variable(tmp_path):
    config = tmp_path / "env.yaml"
    config.write_text("providers:\n  aws:\n    regoins: [x]\n")
    result = evidra("check", cwd=tmp_path, env_extra={"EVIDRA_CONFIG": str(config)})
    assert result.returncode == 2
    assert "env.yaml" in result.stderr


def test_unknown_control_and_provider_are_usage_errors(tmp_path):
    result = evidra("check", "--control", "no-such", cwd=tmp_path)
    assert result.returncode == 2
    assert "unknown control no-such" in result.stderr
    result = evidra("check", "jira", cwd=tmp_path)
    assert result.returncode == 2
    assert "'jira' has no collector" in result.stderr
    result = evidra("check", "github", cwd=tmp_path)
    assert result.returncode == 2
    assert "provider 'github' is not configured: add providers.github" in result.stderr


def test_init_writes_a_valid_commented_config(tmp_path):
    result = evidra("init", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    written = tmp_path / "evidra.yaml"
    assert "# " in written.read_text()
    loaded = load(written)
    assert loaded.settings.database == "sqlite:///evidra.db"
    assert loaded.parameters["pwd.min_length.min_length_standard"] == 12
    again = evidra("init", cwd=tmp_path)
    assert again.returncode == 2
    assert "already exists" in again.stderr


def test_parameters_in_force_merge_overrides(tmp_path):
    config = tmp_path / "p.yaml"
    config.write_text("parameters:\n  pwd.min_length.min_length_standard: 14\n")
    loaded = load(config)
    assert loaded.parameters["pwd.min_length.min_length_standard"] == 14
    assert loaded.parameters["pwd.min_length.min_length_privileged"] == 16
