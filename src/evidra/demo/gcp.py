"""The demo's GCP: the local Cloud Asset API fake over HTTPS, serving the demo
organisation (three projects in two folders: public and private buckets, a Cloud SQL
instance open to 0.0.0.0/0, SSH open to the Internet, keys with and without rotation,
a basic role held by a person, an old service-account key, a project without threat
detection), read by the real google-cloud-asset client with a freshly generated
service-account key that signs in at the fake's token endpoint."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from evidra.config.settings import GcpSettings


@contextmanager
def started() -> Iterator[GcpSettings]:
    from evidra.demo.run import environment
    from evidra.emulators.gcp_estate import ORG, demo_org
    from evidra.emulators.gcp_server import FakeGcp

    with (
        tempfile.TemporaryDirectory(prefix="evidra-demo-gcp-") as folder,
        FakeGcp(demo_org()) as fake,
        # The demo's fakes share one certificate, so this trusts the others too.
        environment({"REQUESTS_CA_BUNDLE": str(fake.cert_file)}, ("GOOGLE_APPLICATION_CREDENTIALS",)),
    ):
        key_file = fake.write_key(Path(folder) / "evidra-audit-key.json")
        yield GcpSettings(organization=ORG, api_endpoint=fake.url, credentials_file=str(key_file))
