"""GCP configuration and credentials: bad input is an error naming the key or file, never
the key's content; Application Default Credentials are used when no file is named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from evidra.collectors.gcp.collector import GcpCollector, parents
from evidra.config.settings import GcpSettings
from evidra.emulators.gcp_estate import ORG
from evidra.emulators.gcp_server import FakeGcp
from tests.collectors.gcp.gcp_support import collect, settings


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"organization": "acme"}, "not a numeric organisation id"),
        ({"organization": ORG, "folders": ["prod"]}, "not a numeric folder id"),
        ({"projects": ["Bad_Project"]}, "not a project id"),
        ({"organization": ORG, "api_endpoint": "http://127.0.0.1:1"}, "https://"),
        ({}, "name the organization, or the folders or projects"),
        ({"organization": ORG, "page_size": 5000}, "less than or equal to 1000"),
    ],
)
def test_bad_settings_are_refused(values: dict, words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        GcpSettings(**values)


def test_scopes() -> None:
    assert parents(GcpSettings(organization=ORG)) == [f"organizations/{ORG}"]
    named = GcpSettings(organization=ORG, folders=["42"], projects=["acme-prod"])
    assert parents(named) == ["folders/42", "projects/acme-prod"]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (None, "cannot be read (No such file or directory)"),
        ("{not json", "is not JSON"),
        (json.dumps({"type": "authorized_user"}), "is not a service-account key"),
        (
            json.dumps({"type": "service_account", "client_email": "a@b.c", "token_uri": "https://x/token"}),
            "not a usable",
        ),
    ],
)
def test_an_unusable_key_file_fails_every_scope(
    gcp: FakeGcp, tmp_path: Path, content: str | None, words: str
) -> None:
    key = tmp_path / "broken.json"
    if content is not None:
        key.write_text(content)
    collection = collect(gcp, key)
    [error] = collection.errors
    assert error.scope == f"gcp:organizations/{ORG}" and str(key) in error.message and words in error.message
    assert collection.observations == [] and gcp.requests == []


def test_application_default_credentials(
    gcp: FakeGcp, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "key.json"))
    collector = GcpCollector(settings(gcp, tmp_path / "key.json", credentials_file=None))
    collection = collector.collect()
    assert collection.errors == []
    assert collection.observations[0].principal.endswith("(application default credentials)")
    assert gcp.refused == 0 and (gcp.grants or gcp.self_signed)
