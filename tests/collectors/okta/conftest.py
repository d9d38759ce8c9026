"""A local Okta (src/evidra/emulators/okta_server.py) the real `okta` SDK talks to over HTTPS.

Each test gets its own fake (starting one costs milliseconds), trusted the way a user
behind TLS inspection trusts their proxy: through SSL_CERT_FILE.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from evidra.emulators.okta_estate import API_TOKEN, demo_org
from evidra.emulators.okta_server import FakeOkta
from tests.collectors.okta.okta_support import TOKEN_ENV


@pytest.fixture
def okta(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOkta]:
    """The demo organisation, with the API token in $EVIDRA_TEST_OKTA_TOKEN."""
    with FakeOkta(demo_org(), API_TOKEN) as fake:
        monkeypatch.setenv("SSL_CERT_FILE", str(fake.cert_file))
        monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
        monkeypatch.setenv(TOKEN_ENV, API_TOKEN)
        yield fake
