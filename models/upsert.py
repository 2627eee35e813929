"""INSERT ... ON CONFLICT DO NOTHING for both databases (PostgreSQL and SQLite 3.24+)."""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import Insert as PgInsert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from .base import Base

_INSERTS: dict[str, Callable[[type[Base] | Table], PgInsert | SqliteInsert]] = {
    "postgresql": pg_insert, "sqlite": sqlite_insert}


def insert_ignoring_conflicts(session: Session, model: type[Base] | Table,
                              conflict: list[str]) -> PgInsert | SqliteInsert:
    """A statement that skips rows clashing on ``conflict``.

    Execute it with the rows as parameters (``session.execute(stmt, rows)``): the statement
    then compiles once and is cached, and SQLAlchemy batches the rows ("insertmanyvalues").
    """
    return _INSERTS[session.get_bind().dialect.name](model).on_conflict_do_nothing(
        index_elements=conflict)
