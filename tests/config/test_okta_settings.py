"""The `providers.okta` section: one credential, https only, clear messages naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from evidra.config.loader import ConfigError, load
from evidra.config.settings import OKTA_READ_SCOPES


def loaded(tmp_path: Path, okta: str):
    config = tmp_path / "evidra.yaml"
    config.write_text(
        "providers:\n  okta:\n" + "".join(f"    {line}\n" for line in okta.strip().splitlines())
    )
    return load(config)


def test_token_from_environment(tmp_path: Path) -> None:
    settings = loaded(
        tmp_path, "org_url: https://acme.okta.com/\ntoken_env: OKTA_API_TOKEN"
    ).settings.providers.okta
    assert settings is not None
    assert settings.org_url == "https://acme.okta.com"
    assert (settings.page_size, settings.max_concurrency, settings.log_days) == (200, 8, 90)
    assert tuple(settings.scopes) == OKTA_READ_SCOPES


def test_service_app(tmp_path: Path) -> None:
    settings = loaded(
        tmp_path, "org_url: https://acme.okta.com\nclient_id: 0oa1\nprivate_key_file: k.pem\nkey_id: kid1"
    ).settings.providers.okta
    assert settings is not None and settings.client_id == "0oa1" and settings.key_id == "kid1"


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ("org_url: https://acme.okta.com", "name exactly one credential"),
        ("org_url: https://acme.okta.com\ntoken_env: A\ntoken_file: b", "(got token_env, token_file)"),
        ("org_url: https://acme.okta.com\nclient_id: 0oa1", "needs both client_id and private_key_file"),
        ("org_url: http://acme.okta.com\ntoken_env: A", "providers.okta.org_url: must be an https:// URL"),
        ("org_url: https://acme.okta.com\ntoken_env: A\ntoken: 00abc", "providers.okta.token: unknown key"),
        ("org_url: https://acme.okta.com\ntoken_env: A\npage_size: 500", "providers.okta.page_size"),
        ("token_env: A", "providers.okta.org_url: required key is missing"),
    ],
)
def test_bad_okta_sections_name_the_key(tmp_path: Path, section: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        loaded(tmp_path, section)
    assert message in str(raised.value)
    assert "evidra.yaml" in str(raised.value)


def test_inactivity_limit_is_a_parameter(tmp_path: Path) -> None:
    config = tmp_path / "evidra.yaml"
    config.write_text("parameters:\n  ac.least_privilege.max_inactive_days: 45\n")
    assert load(config).parameters["ac.least_privilege.max_inactive_days"] == 45
