"""A large organisation is streamed: users past a chunk go to disk as they are read,
and the run is evaluated and stored from there, whole."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from evidra import spool
from evidra.config.loader import LoadedConfig
from evidra.config.settings import Providers, Settings
from evidra.controls.catalog import select
from evidra.controls.requirements import default_parameters
from evidra.emulators.okta_estate import API_TOKEN, synthetic_org
from evidra.emulators.okta_server import FakeOkta
from evidra.evidence_store import records
from evidra.evidence_store.store import EvidenceStore
from evidra.runner import run, store
from tests.collectors.okta.okta_support import TOKEN_ENV, settings

USERS = 300


@pytest.fixture
def big_okta(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOkta]:
    with FakeOkta(synthetic_org(USERS), API_TOKEN) as fake:
        monkeypatch.setenv("SSL_CERT_FILE", str(fake.cert_file))
        monkeypatch.setenv(TOKEN_ENV, API_TOKEN)
        yield fake


def test_users_are_spooled_to_disk_and_the_run_is_stored_whole(
    big_okta: FakeOkta, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small chunks and partitions, so 300 users exercise what 50,000 would.
    monkeypatch.setattr(spool, "CHUNK", 32)
    monkeypatch.setattr(records, "PARTITION_ROWS", 50)
    database = f"sqlite:///{tmp_path}/evidra.db"
    config = LoadedConfig(
        Settings(database=database, providers=Providers(okta=settings(big_okta))), None, default_parameters()
    )
    outcome = run(config, select(None), ["okta"])

    observations = outcome.collection.observations
    assert observations.bytes_on_disk > 0 and outcome.results.bytes_on_disk > 0
    users = [o for o in observations if o.type == "identity.user"]
    assert len({o.id for o in users}) == USERS
    mfa = [r for r in outcome.results if r.control == "identity-user-mfa"]
    assert len(mfa) == sum(1 for o in users if o.attributes["console_access"])

    store(outcome, database)
    with EvidenceStore.open(database) as evidence:
        assert evidence.verify().ok
        [stored] = evidence.runs()
        assert stored.observation_count == len(observations)
        assert stored.result_count == len(outcome.results)
        assert len(evidence.observations(stored.id)) == len(observations)
