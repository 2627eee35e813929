"""Counting the statements a piece of work sends to the database: a count is not a timing, so
it can be asserted (the same work on a small and a large world costs the same)."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements sent through ``engine`` inside the ``with`` block."""
    seen: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def selects_during(engine: Engine, work: Callable[[], object]) -> int:
    """How many SELECTs ``work`` runs."""
    with statements(engine) as seen:
        work()
    return sum(s.lstrip().upper().startswith("SELECT") for s in seen)
