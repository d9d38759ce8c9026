"""Scale-out: the GCP collector plans one task per configured scope, without a call,
and the tasks collected one by one add up to exactly what `collect()` reads."""

from __future__ import annotations

from pathlib import Path

from evidra.collectors import scopes
from evidra.collectors.gcp.collector import GcpCollector
from evidra.emulators.gcp_server import FakeGcp
from evidra.model import Collection
from tests.collectors.gcp.gcp_support import settings
from tests.fakes.sealed import fingerprint


def test_projects_collected_one_task_each_are_the_whole_collection(gcp: FakeGcp, tmp_path: Path) -> None:
    collector = GcpCollector(settings(gcp, tmp_path / "key.json", projects=["acme-prod", "acme-sandbox"]))
    plan = scopes.plan(collector)

    assert [t.key for t in plan.tasks] == ["gcp:projects/acme-prod", "gcp:projects/acme-sandbox"]
    assert plan.collection.errors == [] and not gcp.calls()  # planning read nothing
    pieces = Collection()
    for task in plan.tasks:
        pieces.extend(scopes.collect(collector, task))
    whole = collector.collect()
    assert list(whole.observations) and fingerprint(pieces) == fingerprint(whole)
    assert {o.scope for o in pieces.observations} == {t.key for t in plan.tasks}
