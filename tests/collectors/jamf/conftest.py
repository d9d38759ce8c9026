"""The local Jamf Pro (HTTPS, jamf-pro-sdk's real client) for any test that reads devices."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from evidra.config.settings import JamfSettings
from evidra.emulators.jamf_estate import CLIENT_ID, estate
from evidra.emulators.jamf_server import FakeJamf

SECRET = "jamf-client-secret-7fQ2vX9kLm3nP8rT"
SECRET_ENV = "EVIDRA_TEST_JAMF_SECRET"


@pytest.fixture
def jamf(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeJamf]:
    with FakeJamf(CLIENT_ID, SECRET, **estate(datetime.now(UTC))) as fake:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(fake.cert_file))
        monkeypatch.setenv(SECRET_ENV, SECRET)
        yield fake


def settings(fake: FakeJamf, **extra: object) -> JamfSettings:
    return JamfSettings.model_validate(
        {"url": fake.url, "client_id": CLIENT_ID, "client_secret_env": SECRET_ENV, "max_attempts": 3} | extra
    )
