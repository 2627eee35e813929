"""Helpers for set-at-a-time SQL: keys in chunks, a key filter that is cheap on PostgreSQL, and
COPY (with ids drawn beforehand) for inserting many rows into PostgreSQL."""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import TypeVar

from sqlalchemy import any_, bindparam, text
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


def is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def next_ids(session: Session, table: str, count: int) -> list[int]:
    """``count`` fresh ids from the PostgreSQL sequence of ``table``.id, in one query: rows
    copied in with these ids can be referred to (dimensions, assignments) without reading the
    ids back."""
    return list(session.scalars(
        text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
             "FROM generate_series(1, :count)"), {"table": table, "count": count}))


def copy_rows(session: Session, table: str, columns: Sequence[str],
              rows: Iterable[Sequence[object]]) -> None:
    """PostgreSQL's COPY ... FROM STDIN, in the session's transaction: the fastest way in, with
    no statement to parse per batch of rows. Values go as the driver writes them: plain str,
    int and aware datetimes (enums as their stored text); columns left out take their default.
    """
    session.flush()
    driver = session.connection().connection.driver_connection
    assert driver is not None, "a live connection"
    with driver.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
