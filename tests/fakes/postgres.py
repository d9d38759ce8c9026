"""A PostgreSQL schema of its own for a test, on the server EVIDRA_TEST_POSTGRES names.

The URL it yields selects the schema through the connection's search_path, so tests
never see each other's tables, even when run concurrently; the schema is dropped
afterwards. `ENGINES` parametrises a fixture over SQLite and (when the variable is
set) PostgreSQL.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.schema import CreateSchema, DropSchema

from evidra.evidence_store.database import parse_url

POSTGRES_ENV = "EVIDRA_TEST_POSTGRES"

ENGINES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgresql",
        id="postgresql",
        marks=pytest.mark.skipif(not os.environ.get(POSTGRES_ENV), reason=f"{POSTGRES_ENV} is not set"),
    ),
]


@contextmanager
def postgres_schema() -> Iterator[str]:
    """The URL of a fresh schema (password kept: the test connects with it)."""
    base = parse_url(os.environ[POSTGRES_ENV])
    schema = f"evidra_test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(CreateSchema(schema))
    try:
        options = f"{base.query.get('options', '')} -csearch_path={schema}".strip()
        yield base.update_query_dict({"options": options}).render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            # A test that leaked a transaction should fail the teardown, not hang it.
            connection.execute(text("SET LOCAL lock_timeout = '10s'"))
            connection.execute(DropSchema(schema, cascade=True, if_exists=True))
        admin.dispose()
