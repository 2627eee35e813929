"""Helpers for set-at-a-time SQL: keys in chunks, and a key filter that is cheap on PostgreSQL."""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

from sqlalchemy import any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

T = TypeVar("T")
CHUNK = 1000    # keys per query: well under SQLite's parameter limit


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def key_in(session: Session, column, keys: Iterable) -> ColumnElement[bool]:
    """``column IN (keys)``; on PostgreSQL ``column = ANY(:array)``.

    An IN list is a thousand bind parameters that SQLAlchemy renders and psycopg re-parses in
    Python for every query: most of the time of a PostgreSQL re-import. One array parameter
    costs neither, and PostgreSQL uses the index for it all the same.
    """
    keys = list(keys)
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, keys, type_=ARRAY(column.type)))
    return column.in_(keys)
