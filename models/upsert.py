"""INSERT ... ON CONFLICT DO NOTHING for both databases (PostgreSQL and SQLite 3.24+)."""
from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

_INSERTS = {"postgresql": pg_insert, "sqlite": sqlite_insert}


def insert_ignoring_conflicts(session: Session, model, rows: list[dict] | dict, conflict: list[str]):
    """A statement that inserts ``rows`` and silently skips those clashing on ``conflict``."""
    insert = _INSERTS[session.get_bind().dialect.name]
    return insert(model).values(rows).on_conflict_do_nothing(index_elements=conflict)
