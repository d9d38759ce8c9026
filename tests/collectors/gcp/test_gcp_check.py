"""`evidra check gcp` and `evidra collect gcp` end to end: the command line in a subprocess,
the real client, the fake Cloud Asset API over HTTPS; the key never appears anywhere."""

from __future__ import annotations

import json
import logging
import subprocess
from pathlib import Path

import pytest

from evidra.emulators.gcp_estate import ORG
from evidra.emulators.gcp_server import FakeGcp
from tests.collectors.gcp.gcp_support import collect
from tests.fakes import cli


def evidra(*args: str, cwd: Path, fake: FakeGcp) -> subprocess.CompletedProcess[str]:
    trust = {"REQUESTS_CA_BUNDLE": str(fake.cert_file)}
    return cli.evidra(*args, cwd=cwd, env_extra=trust, timeout=120, cleared=("GOOGLE_", "AWS_"))


def write_config(folder: Path, fake: FakeGcp) -> None:
    (folder / "evidra.yaml").write_text(
        "database: sqlite:///evidence.db\n"
        f"providers:\n  gcp:\n    organization: '{ORG}'\n    api_endpoint: {fake.url}\n"
        f"    credentials_file: {folder / 'key.json'}\n    max_attempts: 2\n"
    )


def verdicts(document: dict) -> dict[tuple[str, str], str]:
    return {(r["control"], r["resource"]["id"]): r["status"] for r in document["results"]}


def test_check_gcp_judges_the_organisation(gcp: FakeGcp, tmp_path: Path) -> None:
    write_config(tmp_path, gcp)
    result = evidra("check", "gcp", "--format", "json", cwd=tmp_path, fake=gcp)
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    assert document["errors"] == []
    seen = verdicts(document)
    crm = "//cloudresourcemanager.googleapis.com"
    expected = {
        ("bucket-not-public", "//storage.googleapis.com/acme-data-exports"): "fail",
        ("bucket-not-public", "//storage.googleapis.com/acme-prod-records"): "pass",
        # its folder enforces the storage.publicAccessPrevention organisation policy
        ("bucket-public-access-block", "//storage.googleapis.com/acme-sandbox-scratch"): "pass",
        ("bucket-access-logging", "//storage.googleapis.com/acme-prod-records"): "pass",
        (
            "database-not-public",
            "//cloudsql.googleapis.com/projects/acme-data/instances/analytics-db",
        ): "fail",
        ("database-not-public", "//cloudsql.googleapis.com/projects/acme-prod/instances/orders-db"): "pass",
        (
            "database-backups-enabled",
            "//cloudsql.googleapis.com/projects/acme-data/instances/analytics-db",
        ): "fail",
        (
            "database-backup-retention",
            "//cloudsql.googleapis.com/projects/acme-prod/instances/orders-db",
        ): "pass",
        (
            "volume-encryption",
            "//compute.googleapis.com/projects/acme-sandbox/zones/europe-west1-b/disks/scratch-disk",
        ): "pass",
        (
            "firewall-admin-ports-closed",
            "//compute.googleapis.com/projects/acme-sandbox/global/firewalls/default-allow-ssh",
        ): "fail",
        (
            "firewall-admin-ports-closed",
            "//compute.googleapis.com/projects/acme-prod/global/firewalls/allow-https",
        ): "pass",
        (
            "key-rotation",
            "//cloudkms.googleapis.com/projects/acme-prod/locations/europe/keyRings/storage/cryptoKeys/prod-data",
        ): "pass",
        (
            "key-rotation",
            "//cloudkms.googleapis.com/projects/acme-data/locations/europe/keyRings/exports/cryptoKeys/exports-key",
        ): "fail",
        (
            "key-rotation",
            "//cloudkms.googleapis.com/projects/acme-prod/locations/europe/keyRings/storage/cryptoKeys/prod-logs",
        ): "fail",
        ("no-basic-roles-for-people", f"{crm}/organizations/{ORG}#roles/owner#user:olivia@acme.com"): "fail",
        ("no-basic-roles-for-people", f"{crm}/projects/100000000003#roles/editor#user:dan@acme.com"): "fail",
        (
            "no-basic-roles-for-people",
            f"{crm}/projects/100000000001#roles/viewer#user:auditor@acme.com",
        ): "pass",
        ("audit-trail-encryption", f"//logging.googleapis.com/organizations/{ORG}/sinks/org-audit"): "pass",
        ("audit-trail-integrity", f"//logging.googleapis.com/organizations/{ORG}/sinks/org-audit"): "pass",
        (
            "log-retention",
            "//logging.googleapis.com/projects/100000000001/locations/global/buckets/_Required",
        ): "pass",
        (
            "log-retention",
            "//logging.googleapis.com/projects/100000000001/locations/global/buckets/_Default",
        ): "fail",
        (
            "threat-detection-enabled",
            "//securitycentermanagement.googleapis.com/projects/100000000003/locations/global/securityCenterServices/event-threat-detection",
        ): "fail",
        (
            "threat-detection-enabled",
            "//securitycentermanagement.googleapis.com/projects/100000000001/locations/global/securityCenterServices/event-threat-detection",
        ): "pass",
    }
    assert {key: seen.get(key) for key in expected} == expected
    # Groups and service accounts are outside the basic-roles control.
    assert (
        "no-basic-roles-for-people",
        f"{crm}/projects/100000000003#roles/owner#group:platform@acme.com",
    ) not in seen
    reasons = {(r["control"], r["resource"]["id"]): r["reason"] for r in document["results"]}
    assert reasons[
        ("no-basic-roles-for-people", f"{crm}/projects/100000000003#roles/editor#user:dan@acme.com")
    ] == (f"user:dan@acme.com holds the basic role roles/editor on {crm}/projects/100000000003")


def test_an_unreadable_listing_is_reported_with_the_rest(gcp: FakeGcp, tmp_path: Path) -> None:
    gcp.add_fault(r":searchAllResources$", "unavailable")
    write_config(tmp_path, gcp)
    result = evidra("check", "gcp", "--format", "json", cwd=tmp_path, fake=gcp)
    assert result.returncode == 3, result.stderr
    document = json.loads(result.stdout)
    messages = {e["message"] for e in document["errors"]}
    assert messages == {
        f"cloudasset SearchAllResources failed for organizations/{ORG}: HTTP 503 UNAVAILABLE: "
        "The service is currently unavailable."
    }
    statuses = {(r["control"], r["status"]) for r in document["results"]}
    assert ("threat-detection-enabled", "error") in statuses  # needs the project search
    assert ("bucket-not-public", "fail") in statuses  # the rest is still judged


def _key_material(tmp_path: Path) -> list[str]:
    key = json.loads((tmp_path / "key.json").read_text())
    body = "".join(key["private_key"].splitlines()[1:-1])
    return [body[:40], body[200:260], body[-60:-4], key["private_key_id"]]


def test_the_key_appears_nowhere(gcp: FakeGcp, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # every library's debug logging on, google-auth's included
    collection = collect(gcp, tmp_path / "key.json")
    write_config(tmp_path, gcp)
    checked = evidra("check", "gcp", "--format", "json", cwd=tmp_path, fake=gcp)
    collected = evidra("collect", "gcp", cwd=tmp_path, fake=gcp)
    assert checked.returncode == collected.returncode == 1, collected.stderr
    stored = (tmp_path / "evidence.db").read_bytes()
    assert b"acme-data-exports" in stored
    texts = [checked.stdout, checked.stderr, collected.stdout, collected.stderr, caplog.text]
    texts += [json.dumps(o.snapshot()) + json.dumps(o.provenance()) for o in collection.observations]
    for secret in _key_material(tmp_path):
        assert all(secret not in text for text in texts)
        assert secret.encode() not in stored


def test_a_key_the_token_endpoint_refuses_is_an_error_without_the_key(gcp: FakeGcp, tmp_path: Path) -> None:
    gcp.public_keys.clear()  # Google no longer knows the key (deleted, disabled)
    write_config(tmp_path, gcp)
    result = evidra("collect", "gcp", cwd=tmp_path, fake=gcp)
    assert result.returncode == 3, (result.returncode, result.stdout, result.stderr)
    assert "invalid_grant" in result.stdout + result.stderr
    stored = (tmp_path / "evidence.db").read_bytes()
    assert b"invalid_grant" in stored  # the error is kept ...
    for secret in _key_material(tmp_path):  # ... the key is not
        assert secret not in result.stdout + result.stderr and secret.encode() not in stored
    assert gcp.calls() == {}  # no API call went out without a token
