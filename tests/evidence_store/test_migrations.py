"""The hand-written migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Engine, MetaData, String, inspect

from evidra.evidence_store.migrations import VERSION_TABLE, context_options, head_revision
from evidra.evidence_store.models import Base


def _differences(raw: Engine, metadata: MetaData) -> list[object]:
    with raw.connect() as connection:
        context = MigrationContext.configure(connection, opts=context_options())
        return list(compare_metadata(context, metadata))


def test_the_migrated_schema_matches_the_models(raw: Engine) -> None:
    assert _differences(raw, Base.metadata) == []


def test_the_comparison_sees_a_difference(raw: Engine) -> None:
    """The check above is not vacuous: a model change it must notice."""
    changed = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["evidra_results"].append_column(Column("auditor_note", String, nullable=True))

    differences = _differences(raw, changed)

    assert [(d[0], d[3].name) for d in differences if isinstance(d, tuple)] == [
        ("add_column", "auditor_note")
    ]


def test_the_schema_is_at_the_newest_revision(raw: Engine) -> None:
    with raw.connect() as connection:
        current = MigrationContext.configure(connection, opts=context_options()).get_current_revision()
    assert current == head_revision() == "0001"
    tables = set(inspect(raw).get_table_names())
    assert tables == set(Base.metadata.tables) | {VERSION_TABLE}
    assert all(name.startswith("evidra_") for name in tables)
