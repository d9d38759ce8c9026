"""The demo's Google Workspace: the local Admin SDK fake over HTTPS serving a small domain
(an administrator without 2-Step Verification, a leaver suspended late who signed in
after leaving, a contractor past the end of contract) and its endpoint management's
devices (an unencrypted laptop, the leaver's wiped phone), read by the real
google-api-python-client with a service-account key acting as the domain's administrator."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from evidra.config.settings import GoogleWorkspaceSettings

DOMAIN = "acme.com"


@contextmanager
def started() -> Iterator[GoogleWorkspaceSettings]:
    from evidra.demo.run import environment
    from evidra.emulators.google_workspace_estate import demo_domain
    from evidra.emulators.google_workspace_server import FakeWorkspace

    with (
        tempfile.TemporaryDirectory(prefix="evidra-demo-workspace-") as folder,
        FakeWorkspace(demo_domain(domain=DOMAIN)) as fake,
        environment({"REQUESTS_CA_BUNDLE": str(fake.cert_file)}, ("GOOGLE_APPLICATION_CREDENTIALS",)),
    ):
        key_file = fake.write_key(Path(folder) / "evidra-workspace-key.json")
        yield GoogleWorkspaceSettings(
            subject=f"it-admin@{DOMAIN}", credentials_file=str(key_file), api_endpoint=fake.url, devices=True
        )
