"""Runs over time and the API's rules: the cursor from the evidence store, conditional
requests, rate limits and faults, App credentials and the shipped permissions, and the
token kept out of every output and stored byte."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from evidra.collectors.github.collector import GitHubCollector
from evidra.collectors.github.permissions import app_permissions, document, permission_for
from evidra.config.loader import LoadedConfig
from evidra.config.settings import GitHubSettings, Providers, Settings
from evidra.controls.catalog import select
from evidra.controls.requirements import default_parameters
from evidra.emulators.github_estate import add_merge
from evidra.emulators.github_server import App, FakeGitHub
from evidra.evidence_store.store import EvidenceStore
from evidra.runner import run, store
from tests.collectors.github.conftest import settings
from tests.collectors.github.github_support import stored_run


def test_later_runs_read_only_new_merges_and_cost_almost_no_rate_limit(
    github: FakeGitHub, tmp_path: Path
) -> None:
    database, first = stored_run(github, tmp_path)
    assert len(first) == 6
    full_units = github.spent
    github.reset_counts()
    _, unchanged = stored_run(github, tmp_path)
    assert unchanged == []  # nothing merged since the last run (the demo's last merge is days old)
    assert github.count(r"/pulls/\d+$") == 0
    assert github.not_modified > 0 and github.spent < full_units * 0.5
    # A merge after the last run is read, and only it.
    payments = github.fake_repo = github.org.repo("payments")
    assert payments is not None
    add_merge(payments, "acme", 200, datetime.now(UTC), author="bob", approvers=("alice",), merged_by="bob",
              title="PAY-77 New", checks={"ci": "success", "lint": "success"})  # fmt: skip
    github.reset_counts()
    _, later = stored_run(github, tmp_path)
    assert later == ["https://github.com/acme/payments/pull/200"]
    assert github.count(r"/pulls/\d+$") == 1
    with EvidenceStore.open(database) as evidence:
        assert len(evidence.runs()) == 3
        assert set(evidence.last_reads("github")) == {GitHubCollector(settings(github, tmp_path)).scope}


def test_a_failed_read_does_not_move_the_cursor(github: FakeGitHub, tmp_path: Path) -> None:
    stored_run(github, tmp_path)
    payments = github.org.repo("payments")
    assert payments is not None
    add_merge(payments, "acme", 300, datetime.now(UTC), author="bob", approvers=("alice",), merged_by="bob",
              title="PAY-78", checks={"ci": "success", "lint": "success"})  # fmt: skip
    github.add_fault(r"/reviews$", "error")  # every attempt fails: the changes reader errs
    _, failed = stored_run(github, tmp_path, failing=True)
    assert failed == []
    github.faults.clear()
    _, retried = stored_run(github, tmp_path)
    assert retried == ["https://github.com/acme/payments/pull/300"]  # read again from the last good run


def test_secondary_rate_limits_and_server_errors_are_retried(github: FakeGitHub, tmp_path: Path) -> None:
    github.add_fault(r"/pulls$", "throttle", times=2)
    github.add_fault(r"/protection$", "error", times=1)
    github.add_fault(r"/orgs/acme/repos$", "unavailable", times=1)
    collector = GitHubCollector(settings(github, tmp_path))
    collection = collector.collect()
    assert collection.errors == []
    assert len([o for o in collection.observations if o.type == "change.merge"]) == 6
    assert collector.api_stats.retries == 4


def test_primary_rate_limit_waits_for_the_window(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from evidra.emulators.github_estate import API_TOKEN, demo_org

    with FakeGitHub(demo_org(), API_TOKEN, rate_limit=15, window_seconds=1.0) as fake:
        monkeypatch.setenv("SSL_CERT_FILE", str(fake.cert_file))
        monkeypatch.setenv("EVIDRA_TEST_GITHUB_TOKEN", API_TOKEN)
        collector = GitHubCollector(settings(fake, tmp_path, max_workers=2))
        collection = collector.collect()
        assert collection.errors == []
        assert collector.api_stats.waited_seconds > 0 or collector.api_stats.retries > 0
        # Told not to wait that long, the read fails with a clear message instead.
        fake.rate_limit, fake.window_seconds = 1, 3600
        failed = GitHubCollector(settings(fake, tmp_path / "other", max_rate_limit_wait_seconds=5)).collect()
        assert failed.errors and "max_rate_limit_wait_seconds" in failed.errors[0].message


def test_a_malformed_answer_fails_only_its_reader(github: FakeGitHub, tmp_path: Path) -> None:
    github.add_fault(r"/dependabot/alerts$", "malformed")
    collection = GitHubCollector(settings(github, tmp_path)).collect()
    assert [(e.service, e.types) for e in collection.errors] == [("github.alerts", ("vuln.finding",))]
    assert "malformed JSON" in collection.errors[0].message
    assert any(o.type == "change.merge" for o in collection.observations)


def test_bad_token_is_one_error_for_every_type(
    github: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVIDRA_TEST_GITHUB_TOKEN", "ghp_wrong_token_value_123456789012345")
    collection = GitHubCollector(settings(github, tmp_path)).collect()
    (error,) = collection.errors
    assert "401" in error.message and "Bad credentials" in error.message
    assert "ghp_wrong" not in error.message and "change.merge" in error.types


def app_key(tmp_path: Path) -> tuple[Path, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path = tmp_path / "app.pem"
    path.write_bytes(pem)
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return path, public


def app_settings(fake: FakeGitHub, tmp_path: Path, key: Path) -> GitHubSettings:
    return GitHubSettings(
        organization="acme", api_url=fake.url, app_id=42, installation_id=7, private_key_file=str(key),
        cache_dir=str(tmp_path / "cache"), max_attempts=2,
    )  # fmt: skip


def test_the_app_needs_exactly_the_shipped_read_only_permissions(github: FakeGitHub, tmp_path: Path) -> None:
    key, public = app_key(tmp_path)
    assert set(app_permissions().values()) == {"read"}
    github.app = App(42, public, 7, app_permissions())
    collection = GitHubCollector(app_settings(github, tmp_path, key)).collect()
    assert collection.errors == []
    assert len(collection.observations) > 10
    methods = {(method, path) for method, path, _, _ in github.requests}
    assert sorted(m for m in methods if m[0] != "GET") == [
        ("POST", "/app/installations/7/access_tokens"),
        ("POST", "/graphql"),
    ]
    for method, path in methods:  # nothing outside the shipped file
        assert permission_for(method, path) is not None, (method, path)
    used = {permission_for(m, p) for m, p in methods} - {"app_jwt"}
    # Every permission it asks for is used (commit statuses only when a required check is no check run).
    assert used == set(app_permissions()) - {"statuses"}
    assert len(document()["endpoints"]) == len({(e["method"], e["path"]) for e in document()["endpoints"]})


def test_a_missing_permission_fails_only_the_readers_needing_it(github: FakeGitHub, tmp_path: Path) -> None:
    key, public = app_key(tmp_path)
    github.app = App(42, public, 7, {k: v for k, v in app_permissions().items() if k != "checks"})
    collection = GitHubCollector(app_settings(github, tmp_path, key)).collect()
    assert [e.service for e in collection.errors] == ["github.changes"], collection.errors
    assert "Resource not accessible by integration" in collection.errors[0].message


def test_the_token_is_in_no_output_or_stored_byte(
    github: FakeGitHub, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from evidra.emulators.github_estate import API_TOKEN

    key, public = app_key(tmp_path)
    github.app = App(42, public, 7, app_permissions())
    database, _ = stored_run(github, tmp_path)  # a token
    config = LoadedConfig(
        Settings(database=database, providers=Providers(github=app_settings(github, tmp_path, key))),
        None,
        default_parameters(),
    )
    store(run(config, select(None), ["github"]), database)  # an App installation
    secrets = [API_TOKEN.encode(), *(t.encode() for t in github.installation_tokens), key.read_bytes()[30:90]]
    assert github.installation_tokens
    captured = capsys.readouterr()
    stored = [p for p in tmp_path.rglob("*") if p.is_file() and p.name != "app.pem"]
    assert any(p.suffix == ".sqlite" for p in stored)  # the ETag cache is among them
    for secret in secrets:
        assert secret.decode(errors="ignore") not in captured.out + captured.err
        for path in stored:
            assert secret not in path.read_bytes(), path


def test_settings_name_exactly_one_credential() -> None:
    with pytest.raises(ValueError, match="exactly one credential"):
        GitHubSettings(organization="acme", token_env="A", token_file="b")
    with pytest.raises(ValueError, match="app_id, private_key_file and installation_id"):
        GitHubSettings(organization="acme", app_id=1, private_key_file="k.pem")
    with pytest.raises(ValueError, match="https"):
        GitHubSettings(organization="acme", token_env="A", api_url="http://ghe.example.com/api/v3")
    with pytest.raises(ValueError, match="regular expression"):
        GitHubSettings(organization="acme", token_env="A", ticket_pattern="(")


def test_since_bounds_the_first_read(github: FakeGitHub, tmp_path: Path) -> None:
    since = (datetime.now(UTC) - timedelta(days=10)).date()
    collection = GitHubCollector(settings(github, tmp_path, since=since)).collect()
    numbers = sorted(o.attributes["number"] for o in collection.observations if o.type == "change.merge")
    assert numbers == [7, 8, 103, 104]  # 101 and 102 were merged 20 and 12 days ago
