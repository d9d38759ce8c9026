"""The hand-written migrations build exactly the schema the models describe."""

from __future__ import annotations

import json

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Connection, Engine, MetaData, String, column, insert, inspect, table, text

from evidra.evidence_store import integrity
from evidra.evidence_store.database import create_store_engine, parse_url
from evidra.evidence_store.migrations import VERSION_TABLE, alembic_config, context_options, head_revision
from evidra.evidence_store.models import Base
from evidra.evidence_store.records import plan_run
from evidra.evidence_store.store import EvidenceStore, RunRecord
from tests.evidence_store.conftest import build_run


def _differences(raw: Engine, metadata: MetaData) -> list[object]:
    with raw.connect() as connection:
        context = MigrationContext.configure(connection, opts=context_options())
        return list(compare_metadata(context, metadata))


def test_the_migrated_schema_matches_the_models(raw: Engine) -> None:
    assert _differences(raw, Base.metadata) == []


def test_the_comparison_sees_a_difference(raw: Engine) -> None:
    """The check above is not vacuous: a model change it must notice."""
    changed = MetaData(naming_convention=Base.metadata.naming_convention)
    for model in Base.metadata.tables.values():
        model.to_metadata(changed)
    changed.tables["evidra_result_spans"].append_column(Column("auditor_note", String, nullable=True))

    differences = _differences(raw, changed)

    assert [(d[0], d[3].name) for d in differences if isinstance(d, tuple)] == [
        ("add_column", "auditor_note")
    ]


def test_the_schema_is_at_the_newest_revision(raw: Engine) -> None:
    with raw.connect() as connection:
        current = MigrationContext.configure(connection, opts=context_options()).get_current_revision()
    assert current == head_revision() == "0008"
    tables = set(inspect(raw).get_table_names())
    assert tables == set(Base.metadata.tables) | {VERSION_TABLE}
    assert all(name.startswith("evidra_") for name in tables)
    assert set(inspect(raw).get_view_names()) == {"evidra_observations", "evidra_results"}


def _record_in_0001_layout(connection: Connection, runs: list[RunRecord]) -> None:
    """Write runs as the foundation's store did: one row per record per run."""
    previous: tuple[int, str] | None = None
    for run in runs:
        plan = plan_run(run.parameters, run.collection, run.results)
        seq = previous[0] + 1 if previous else 1
        metadata = {
            "id": run.id,
            "seq": seq,
            "started_at": run.started_at,
            "finished_at": run.finished_at,
            "tool_version": run.tool_version,
            "parameters_hash": plan.parameters_hash,
            **plan.counts(),
        }
        leaves = {**plan.leaves, "run": [integrity.leaf("run", metadata)]}
        root = integrity.run_root(leaves)
        prior = previous[1] if previous else None
        digest = integrity.chain_digest(prior, root, run.id, seq)
        for key, body in plan.snapshots.items():
            exists = connection.execute(text("SELECT 1 FROM evidra_snapshots WHERE hash = :h"), {"h": key})
            if exists.first() is None:
                connection.execute(
                    text("INSERT INTO evidra_snapshots (hash, body, size) VALUES (:h, :b, :s)"),
                    {"h": key, "b": body, "s": len(body)},
                )
        connection.execute(
            insert(
                table(
                    "evidra_runs",
                    *(
                        column(name)
                        for name in [*metadata, "merkle_root", "previous_digest", "digest", "section_roots"]
                    ),
                )
            ),
            {
                **metadata,
                "merkle_root": root,
                "previous_digest": prior,
                "digest": digest,
                "section_roots": json.dumps(integrity.section_roots(leaves)),
            },
        )
        for kind, old in (
            ("observation", "evidra_observations"),
            ("scope", "evidra_scope_records"),
            ("scope_error", "evidra_scope_errors"),
            ("result", "evidra_results"),
        ):
            for record in plan.rows(kind):
                values = {
                    name: json.dumps(value) if isinstance(value, list) else value
                    for name, value in record.items()
                }
                connection.execute(
                    insert(table(old, *(column(name) for name in [*values, "run_id"]))),
                    {**values, "run_id": run.id},
                )
        previous = (seq, digest)


def test_a_foundation_database_is_converted_with_its_seals_intact(store_url: str) -> None:
    """0001 -> 0002 folds existing per-run rows into spans without changing a sealed
    record: the old seals verify, and every run reads back as it was recorded."""
    runs = [build_run(day, bucket_encrypted=day != 2) for day in range(4)]
    engine = create_store_engine(parse_url(store_url))
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "0001")
            _record_in_0001_layout(connection, runs)
    finally:
        engine.dispose()

    with EvidenceStore.open(store_url) as store:
        report = store.verify()
        assert (report.ok, report.runs_checked) == (True, 4), report.problem
        for run in runs:
            assert sorted(map(json.dumps, store.results(run.id))) == sorted(
                json.dumps(result.to_dict()) for result in run.results
            )
            assert len(store.observations(run.id)) == 3
        stats = store.stats()
        # 3 resources, the bucket changed on day 2 and back: 3 + 2 observation spans.
        assert (stats["resources"], stats["observation_spans"], stats["observations"]) == (4, 5, 12)
        assert [e["detail"] for e in store.events()][-1] == {"from": "0001", "to": "0008"}
        store.record_run(build_run(4))
        assert store.verify().ok
