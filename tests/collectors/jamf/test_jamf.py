"""The Jamf collector: jamf-pro-sdk against the local Jamf Pro server over HTTPS, the
endpoint controls' verdicts through `evidra check jamf`, paging, throttling, refused
privileges and credentials, and the client secret nowhere in what is kept or printed."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from evidra.collectors.jamf.collector import JamfCollector
from evidra.collectors.jamf.profiles import lock_settings
from evidra.controls.catalog import catalog
from evidra.controls.engine import evaluate
from evidra.controls.requirements import default_parameters
from evidra.emulators.jamf_estate import CLIENT_ID, SCREENSAVER_10_MIN
from evidra.emulators.jamf_server import FakeJamf
from tests.collectors.jamf.conftest import SECRET, SECRET_ENV, settings
from tests.fakes import cli


def evidra(*args: str, cwd: Path, fake: FakeJamf, secret: str = SECRET) -> subprocess.CompletedProcess[str]:
    extra = {"REQUESTS_CA_BUNDLE": str(fake.cert_file), SECRET_ENV: secret}
    return cli.evidra(*args, cwd=cwd, env_extra=extra, timeout=120)


def write_config(folder: Path, fake: FakeJamf) -> None:
    (folder / "evidra.yaml").write_text(
        "database: sqlite:///evidence.db\n"
        f"providers:\n  jamf:\n    url: {fake.url}\n    client_id: {CLIENT_ID}\n"
        f"    client_secret_env: {SECRET_ENV}\n    max_attempts: 2\n    page_size: 3\n"
    )


def test_check_jamf_judges_every_device(jamf: FakeJamf, tmp_path: Path) -> None:
    write_config(tmp_path, jamf)
    result = evidra("check", "jamf", "--format", "json", cwd=tmp_path, fake=jamf)
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    assert document["errors"] == []
    seen = {(r["control"], r["resource"]["id"].split("/", 1)[1]): r["status"] for r in document["results"]}
    expected = {
        ("device-disk-encryption", "computers/1"): "pass",
        ("device-disk-encryption", "computers/2"): "fail",
        ("device-disk-encryption", "mobile-devices/2"): "fail",
        ("device-screen-lock", "computers/1"): "pass",  # 9 min idle + 1 min grace
        ("device-screen-lock", "computers/3"): "fail",  # 30 minutes
        ("device-screen-lock", "computers/4"): "fail",  # no profile
        ("mobile-device-screen-lock", "mobile-devices/1"): "pass",
        ("mobile-device-screen-lock", "mobile-devices/2"): "fail",
        ("device-os-current-macos", "computers/1"): "pass",
        ("device-os-current-macos", "computers/3"): "fail",  # 13.6.9
        ("device-os-current-ios", "mobile-devices/1"): "pass",
        ("device-os-current-ios", "mobile-devices/2"): "fail",  # 16.7.10
        ("device-managed", "computers/1"): "pass",
        ("device-managed", "computers/4"): "fail",  # 75 days without a check-in
        ("device-malware-protection", "computers/1"): "pass",
        ("device-malware-protection", "computers/4"): "fail",
    }
    assert {key: seen.get(key) for key in expected} == expected
    assert ("device-screen-lock", "mobile-devices/1") not in seen  # computers only
    reasons = {(r["control"], r["resource"]["id"].split("/", 1)[1]): r["reason"] for r in document["results"]}
    assert reasons[("device-screen-lock", "computers/3")] == (
        "the screen locks after 30 idle minutes, more than 15"
    )
    assert reasons[("device-os-current-macos", "computers/3")] == (
        "runs macOS 13.6.9, older than major version 14"
    )
    # Stored with `collect`, the secret is in no byte of the database.
    collected = evidra("collect", "jamf", cwd=tmp_path, fake=jamf)
    assert collected.returncode in (0, 1), collected.stderr
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("evidence.db*"))
    assert SECRET.encode() not in stored and SECRET not in result.stdout + result.stderr


def test_pages_and_calls_per_device(jamf: FakeJamf) -> None:
    collector = JamfCollector(settings(jamf, page_size=2))
    collection = collector.collect()
    assert collection.errors == []
    devices = list(collection.observations)
    assert len(devices) == 6
    gets = [r for r in jamf.requests if r.startswith("GET ")]
    # 4 computers in pages of 2 (2 calls), 2 phones (1 call), 2 macOS profiles read once
    # each, the mobile profiles listed once and the one read: 7 calls for 6 devices.
    assert gets.count("GET /api/v3/computers-inventory") == 2
    assert gets.count("GET /api/v2/mobile-devices/detail") == 1
    assert sorted(g for g in gets if "osx" in g) == [
        "GET /JSSResource/osxconfigurationprofiles/id/1",
        "GET /JSSResource/osxconfigurationprofiles/id/2",
    ]
    assert len(gets) == 7
    alice = next(o for o in devices if o.id.endswith("/computers/1"))
    assert alice.scope == "jamf:127.0.0.1" and alice.attributes["owner"] == "alice@acme.example"
    assert alice.attributes["screen_lock_minutes"] == 10 and alice.attributes["os_major"] == 15
    # Jamf's managementPassword field is redacted before the observation exists.
    assert alice.raw["computer"]["general"]["remoteManagement"]["managementPassword"] != "x"
    operations = {c.operation for c in alice.calls}
    assert operations == {
        "GET /api/v3/computers-inventory",
        "GET /JSSResource/osxconfigurationprofiles/id/1",
    }


def test_throttling_and_errors_are_retried(jamf: FakeJamf) -> None:
    jamf.add_fault(r"computers-inventory", "throttle", times=1)
    jamf.add_fault(r"mobile-devices", "error", times=1)
    jamf.add_fault(r"osxconfigurationprofiles/id/2", "malformed", times=1)
    collector = JamfCollector(settings(jamf))
    collector.api = None
    collection = collector.collect()
    assert collection.errors == [] and len(list(collection.observations)) == 6
    assert all(f.hits == 1 for f in jamf.faults._faults)


def test_a_missing_privilege_fails_only_that_reader(jamf: FakeJamf) -> None:
    jamf.privileges.discard("Read Mobile Devices")
    collection = JamfCollector(settings(jamf)).collect()
    [error] = collection.errors
    assert error.service == "jamf.mobile_devices" and error.types == ("endpoint.device",)
    assert "forbidden (HTTP 403)" in error.message and "privilege" in error.message
    # The computers are still there; no phone is (a partial population would look complete).
    ids = [o.id for o in collection.observations]
    assert len(ids) == 4 and all("/computers/" in i for i in ids)


def test_refused_credentials_are_one_clear_error(jamf: FakeJamf, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, "wrong-secret-value-123456")
    collection = JamfCollector(settings(jamf)).collect()
    [error] = collection.errors
    assert "credentials were refused (HTTP 401)" in error.message
    assert "wrong-secret-value" not in error.message and list(collection.observations) == []
    assert [r for r in jamf.requests if r.startswith("GET")] == []
    monkeypatch.delenv(SECRET_ENV)
    [missing] = JamfCollector(settings(jamf)).collect().errors
    assert f"environment variable {SECRET_ENV} is not set" in missing.message


def test_an_unparseable_profile_enforces_nothing() -> None:
    assert lock_settings("p", SCREENSAVER_10_MIN).screen_lock_minutes == 10
    for hostile in ("<plist><dict>", '<!DOCTYPE x [<!ENTITY a "b">]><plist/>', 42, None, "x" * (2 << 20)):
        settings_ = lock_settings("p", hostile)
        assert settings_.screen_lock_minutes is None and settings_.passcode_required is False


def test_config_names_the_bad_key(tmp_path: Path) -> None:
    (tmp_path / "evidra.yaml").write_text(
        "providers:\n  jamf:\n    url: http://jamf.example\n    client_id: x\n    client_secret_env: V\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "evidra", "check", "jamf"], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 2
    assert (
        "providers.jamf.url" in result.stderr + result.stdout and "https://" in result.stderr + result.stdout
    )


def test_the_shipped_api_role_is_all_the_collector_needs(jamf: FakeJamf) -> None:
    from importlib import resources

    shipped = json.loads(
        resources.files("evidra.collectors.jamf").joinpath("api-role-privileges.json").read_text()
    )
    jamf.privileges = set(shipped["privileges"])
    collection = JamfCollector(settings(jamf)).collect()
    assert collection.errors == [] and len(list(collection.observations)) == 6
    # Every call made is a GET the file lists (ids generalised), and nothing it lists is unused.
    made = {
        "/".join("{id}" if part.isdigit() else part for part in r.split("/"))
        for r in jamf.requests
        if r.startswith("GET ")
    }
    assert made == set(shipped["endpoints"])
    assert set(shipped["endpoints"].values()) == set(shipped["privileges"])
    # One privilege less, and the reader needing it fails (the fake enforces the table).
    jamf.privileges.discard("Read macOS Configuration Profiles")
    [error] = JamfCollector(settings(jamf)).collect().errors
    assert error.service == "jamf.computers"


def test_a_jailbroken_phone_fails(jamf: FakeJamf) -> None:
    jamf.mobile_devices[1]["security"]["jailBreakDetected"] = True
    collection = JamfCollector(settings(jamf)).collect()
    phones = {o.name: o for o in collection.observations if o.attributes.get("kind") == "mobile"}
    assert phones["bob-iphone"].attributes["compromised"] is True
    assert phones["alice-iphone"].attributes["compromised"] is False
    results = evaluate(
        [catalog()["device-not-jailbroken"]], collection, default_parameters(), datetime.now(UTC)
    )
    verdicts = {r.resource.id.rsplit("/", 1)[-1]: r.status.value for r in results}
    assert verdicts == {"1": "pass", "2": "fail"}
