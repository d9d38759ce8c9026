"""`evidra check azure` and `evidra collect` end to end: the command line in a
subprocess, the real SDKs and credential, the fake over HTTPS; verdicts of the
existing controls on the demo tenant, and the app's secret nowhere."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from evidra.emulators.azure_estate import (
    CLIENT_ID,
    CLIENT_SECRET,
    PRODUCTION,
    TENANT_ID,
    demo_tenant,
    subscription,
)
from evidra.emulators.azure_server import FakeAzure
from evidra.evidence_store.store import EvidenceStore
from tests.collectors.azure.azure_support import SECRET_ENV
from tests.collectors.azure.conftest import trust
from tests.fakes import cli


def evidra(
    *args: str, cwd: Path, fake: FakeAzure, secret: str = CLIENT_SECRET
) -> subprocess.CompletedProcess[str]:
    extra = {"REQUESTS_CA_BUNDLE": str(fake.cert_file), SECRET_ENV: secret}
    return cli.evidra(*args, cwd=cwd, env_extra=extra, timeout=120, cleared=("AZURE_",))


def write_config(folder: Path, fake: FakeAzure, extra: str = "") -> None:
    (folder / "evidra.yaml").write_text(
        "database: sqlite:///evidence.db\n"
        "providers:\n  azure:\n"
        f"    tenant_id: {TENANT_ID}\n    client_id: {CLIENT_ID}\n    client_secret_env: {SECRET_ENV}\n"
        f"    resource_manager_endpoint: {fake.arm_url}\n    graph_endpoint: {fake.graph_url}\n"
        f"    authority_host: {fake.authority_url}\n"
        f"    max_attempts: 2\n    retry_backoff_seconds: 0.05\n{extra}"
    )


def verdicts(document: dict) -> dict[tuple[str, str], str]:
    return {(r["control"], r["resource"]["id"].rsplit("/", 1)[-1]): r["status"] for r in document["results"]}


def test_check_azure_judges_the_tenant_with_the_existing_controls(azure: FakeAzure, tmp_path: Path):
    write_config(tmp_path, azure)
    result = evidra("check", "azure", "--format", "json", cwd=tmp_path, fake=azure)
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    assert document["errors"] == []
    seen = verdicts(document)
    expected = {
        ("bucket-not-public", "acmeprodlogs"): "pass",
        ("bucket-not-public", "acmepublicassets"): "fail",
        ("bucket-tls-only", "acmepublicassets"): "fail",
        ("endpoint-tls-version", "acmepublicassets"): "fail",
        ("endpoint-tls-version", "acme-api"): "pass",
        ("endpoint-no-plaintext", "acme-legacy-portal"): "fail",
        ("database-encryption", "orders"): "pass",
        ("database-encryption", "legacy"): "fail",
        ("database-not-public", "legacy"): "fail",
        ("volume-encryption", "data-archive"): "pass",
        ("key-rotation", "data-key"): "pass",
        ("key-rotation", "legacy-key"): "fail",
        ("firewall-admin-ports-closed", "nsg-web"): "pass",
        ("firewall-admin-ports-closed", "nsg-admin"): "fail",
        ("log-retention", "acme-logs"): "pass",
        ("log-retention", "acme-dev-logs"): "fail",
        ("identity-user-mfa", "0a1b2c3d-1111-4000-8000-000000000002"): "pass",
        ("identity-user-mfa", "0a1b2c3d-1111-4000-8000-000000000003"): "fail",
        ("privileged-mfa-approved-methods", "0a1b2c3d-1111-4000-8000-000000000004"): "fail",
        ("signon-requires-mfa", "all-users"): "fail",
        ("signon-requires-mfa", "administrators"): "pass",
    }
    assert {key: seen.get(key) for key in expected} == expected
    trails = {
        r["resource"]["scope"]: r["status"]
        for r in document["results"]
        if r["control"] == "audit-trail-logging"
    }
    assert trails == {f"azure:{PRODUCTION}": "pass", "azure:1a2b3c4d-0000-4000-8000-00000000b002": "fail"}
    detection = {
        r["resource"]["scope"]: r["status"]
        for r in document["results"]
        if r["control"] == "threat-detection-enabled"
    }
    assert sorted(detection.values()) == ["fail", "pass"]
    assert CLIENT_SECRET not in result.stdout + result.stderr


def test_an_unreachable_subscription_exits_3_and_the_rest_is_judged(monkeypatch, tmp_path: Path):
    denied = "1a2b3c4d-0000-4000-8000-00000000dead"
    tenant = demo_tenant()
    tenant.subscriptions.append(subscription(denied, "Acquired company"))
    tenant.denied.add(denied)
    with FakeAzure(tenant) as fake:
        trust(monkeypatch, fake)
        write_config(tmp_path, fake, f"    subscriptions: [{PRODUCTION}, {denied}]\n")
        result = evidra("check", "azure", "--format", "json", cwd=tmp_path, fake=fake)
    assert result.returncode == 3, result.stderr
    document = json.loads(result.stdout)
    [error] = document["errors"]
    assert error["scope"] == f"azure:{denied}" and "AuthorizationFailed" in error["message"]
    errored = {r["control"] for r in document["results"] if r["status"] == "error"}
    assert {"bucket-encryption", "database-encryption", "key-rotation"} <= errored
    assert "identity-user-mfa" not in errored
    assert ("bucket-not-public", "fail") in {(r["control"], r["status"]) for r in document["results"]}


def test_the_secret_is_in_neither_the_database_nor_the_output(azure: FakeAzure, tmp_path: Path):
    write_config(tmp_path, azure)
    result = evidra("collect", cwd=tmp_path, fake=azure)
    assert result.returncode in (1, 3), result.stderr
    # Snapshots are stored compressed: read every one back through the store, decoded.
    with EvidenceStore.open(f"sqlite:///{tmp_path / 'evidence.db'}") as store:
        [run] = store.runs()
        observations = store.observations(run.id)
        bodies = [store.snapshot_body(o["snapshot"]) for o in observations]
        bodies += [store.snapshot_body(o["provenance"]) for o in observations]
        errors = json.dumps(store.errors(run.id))
    assert len(observations) > 30
    assert all(CLIENT_SECRET.encode() not in body for body in bodies)
    assert CLIENT_SECRET not in errors
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("evidence.db*"))
    assert CLIENT_SECRET.encode() not in stored
    assert CLIENT_SECRET not in result.stdout + result.stderr
    # A wrong secret: refused, reported, and repeated nowhere either.
    wrong = "wrong~secret.value_9876543210abcdefghij"
    result = evidra("check", "azure", "--format", "json", cwd=tmp_path, fake=azure, secret=wrong)
    assert result.returncode == 3
    [error] = json.loads(result.stdout)["errors"]
    assert "AADSTS7000215" in error["message"]
    assert wrong not in result.stdout + result.stderr and CLIENT_SECRET not in result.stdout + result.stderr
