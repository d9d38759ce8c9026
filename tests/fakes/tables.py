"""Row counts of every evidra table: what a failed or killed write must leave unchanged."""

from __future__ import annotations

from sqlalchemy import Engine, func, inspect, select, table


def table_counts(raw: Engine) -> dict[str, int]:
    names = [name for name in inspect(raw).get_table_names() if name.startswith("evidra_")]
    with raw.connect() as connection:
        return {name: connection.scalar(select(func.count()).select_from(table(name))) or 0 for name in names}
