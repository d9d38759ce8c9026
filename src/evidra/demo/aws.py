"""The demo's AWS: moto's server, seeded with the demo estate, boto3 pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from evidra.config.settings import AwsSettings

DEMO_REGIONS = ("us-east-1", "eu-west-1")
# The emulator accepts any key; these never reach a real AWS endpoint.
_DEMO_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}
_CLEARED = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_CONFIG_FILE")


@contextmanager
def started() -> Iterator[AwsSettings]:
    from evidra.demo.estate import seed_estate
    from evidra.demo.run import environment
    from evidra.emulators.moto_process import MotoProcess

    # moto in a process of its own: it answers on the other core while this one seeds,
    # collects and evaluates; and it offers only the managed policies the estate uses.
    with (
        MotoProcess(("AdministratorAccess", "ReadOnlyAccess"), quiet=True) as moto,
        environment({**_DEMO_ENV, "AWS_ENDPOINT_URL": moto.endpoint}, _CLEARED),
    ):
        seed_estate(moto.endpoint, regions=DEMO_REGIONS)
        yield AwsSettings(regions=list(DEMO_REGIONS))
