"""Queueing messages in the outbox (the sender in delivery/outbox_sender.py delivers them)."""
from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from itertools import islice

from sqlalchemy import Boolean, Integer, String, column, select, table
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from handlers.replies import Push
from models import OutboxCategory, OutboxKind, OutboxMessage, OutboxStatus
from models.base import UTCDateTime

from .render import Renderer

MULTICAST_MAX = 500   # LINE's limit of recipients per multicast
_KEY_CHUNK = 1000
INSERT_CHUNK = 1000   # outbox rows per INSERT statement


# One encoder for every call (json.dumps with options builds a new one each time).
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def dumps(value) -> str:
    """JSON text as the outbox keeps it: compact, Thai as itself (half the bytes of \\u escapes)."""
    return _ENCODER.encode(value)


@dataclass(frozen=True)
class Queued:
    """A push already rendered: ``messages`` is the JSON text of its LINE message objects."""

    to: tuple[str, ...]
    messages: str
    dedupe_key: str | None = None
    silent: bool = False
    category: OutboxCategory = OutboxCategory.ALERT
    urgent: bool = False
    expires_at: datetime | None = None


def enqueue(session: Session, renderer: Renderer, push: Push, now: datetime) -> int:
    """Queue one push; see ``enqueue_all``."""
    return enqueue_all(session, renderer, [push], now)


def enqueue_all(session: Session, renderer: Renderer, pushes: Iterable[Push],
                now: datetime) -> int:
    """Queue pushes (one recipient: a push; more: multicasts of at most 500); return the
    number of outbox rows written.

    A push whose ``dedupe_key`` is already in the outbox is skipped before it is even rendered
    (a job run twice costs one look-up per thousand pushes), and the unique constraint settles
    any race. Rows go in bulk: one INSERT ... ON CONFLICT DO NOTHING per thousand.
    """
    queued = 0
    for chunk in chunks(iter(pushes), _KEY_CHUNK):
        taken = _existing_keys(session, [p.dedupe_key for p in chunk if p.dedupe_key])
        queued += enqueue_rendered(session, (
            Queued(to=push.to, messages=dumps(renderer.messages(list(push.replies))),
                   dedupe_key=push.dedupe_key, silent=push.silent,
                   category=OutboxCategory(push.category), urgent=push.urgent,
                   expires_at=push.expires_at)
            for push in chunk if not (push.dedupe_key and push.dedupe_key in taken)), now)
    return queued


def enqueue_rendered(session: Session, items: Iterable[Queued], now: datetime) -> int:
    """Queue pushes already rendered, in bulk; a row whose ``dedupe_key`` is taken is skipped
    (ON CONFLICT DO NOTHING). Returns the number of outbox rows written."""
    queued = 0
    rows: list[tuple] = []
    for item in items:
        rows += _rows(item, now)
        if len(rows) >= INSERT_CHUNK:
            queued += _insert(session, rows)
            rows = []
    return queued + _insert(session, rows)


def enqueue_messages(session: Session, to, messages: list[dict], now: datetime, *,
                     dedupe_key: str | None = None, silent: bool = False,
                     category: OutboxCategory = OutboxCategory.ALERT, urgent: bool = False) -> int:
    """Queue already-rendered LINE messages for ``to`` (LINE user ids)."""
    return enqueue_rendered(session, [Queued(
        to=tuple(to), messages=dumps(messages), dedupe_key=dedupe_key, silent=silent,
        category=category, urgent=urgent)], now)


def _rows(item: Queued, now: datetime) -> list[tuple]:
    """The outbox rows of ``item`` (values in ``_COLUMNS`` order): one push, or multicasts."""
    recipients = list(dict.fromkeys(item.to))   # de-duplicated, order kept
    batches = [recipients[i:i + MULTICAST_MAX] for i in range(0, len(recipients), MULTICAST_MAX)]
    key = item.dedupe_key
    return [(
        (OutboxKind.PUSH if len(batch) == 1 else OutboxKind.MULTICAST).value,
        dumps(batch),
        item.messages,
        item.silent,
        item.category.value,
        item.urgent,
        item.expires_at,
        # The first batch carries the key itself, so "already queued?" is one look-up.
        key if key is None or n == 0 else f"{key}#{n}",
        OutboxStatus.PENDING.value,
        0,
        now,
        now,
        str(uuid.uuid4()),
    ) for n, batch in enumerate(batches)]


# The outbox as the bulk insert sees it (the order of ``_rows``' values): the JSON columns as
# the text already made (``dumps``), the enums as their values.
_COLUMNS = {"kind": String, "recipients": String, "messages": String,
            "notification_disabled": Boolean, "category": String, "urgent": Boolean,
            "expires_at": UTCDateTime, "dedupe_key": String, "status": String,
            "attempts": Integer, "next_attempt_at": UTCDateTime, "created_at": UTCDateTime,
            "retry_key": String}
_OUTBOX = table(OutboxMessage.__tablename__, *(column(name, kind()) for name, kind in
                                               _COLUMNS.items()))
_JSON = {"recipients", "messages"}
# PostgreSQL: the columns that differ from row to row as array parameters (binary), unnested,
# the others as one value: one statement, one round trip, one parse per thousand rows.
_PG_TYPES = {"notification_disabled": "boolean", "urgent": "boolean", "expires_at": "timestamptz",
             "attempts": "integer", "next_attempt_at": "timestamptz",
             "created_at": "timestamptz"}


@lru_cache(maxsize=64)
def _pg_insert(varying: tuple[str, ...]) -> str:
    def value(name: str) -> str:
        typed = name if name in varying else f"%({name})b::{_PG_TYPES.get(name, 'text')}"
        return f"{typed}::json" if name in _JSON else typed

    arrays = ", ".join(f"%({name})b::{_PG_TYPES.get(name, 'text')}[]" for name in varying)
    return (f"INSERT INTO {OutboxMessage.__tablename__} ({', '.join(_COLUMNS)}) "
            f"SELECT {', '.join(value(name) for name in _COLUMNS)} "
            f"FROM unnest({arrays}) AS t({', '.join(varying)}) "
            "ON CONFLICT (dedupe_key) DO NOTHING")


def _insert(session: Session, rows: list[tuple]) -> int:
    if not rows:
        return 0
    if session.get_bind().dialect.name == "postgresql":
        params: dict = {}
        varying = []
        for name, values in zip(_COLUMNS, zip(*rows, strict=True), strict=True):
            # The retry key is new on every row: there is always one array to unnest.
            if name == "retry_key" or values.count(values[0]) != len(values):
                params[name] = list(values)
                varying.append(name)
            else:
                params[name] = values[0]
        return session.connection().exec_driver_sql(_pg_insert(tuple(varying)), params).rowcount
    # SQLite: one executemany, values bound through the columns' own types (UTC datetimes);
    # its row count is the sum over the rows, conflicts not counted.
    stmt = sqlite_insert(_OUTBOX).on_conflict_do_nothing(index_elements=["dedupe_key"])
    return session.execute(stmt, [dict(zip(_COLUMNS, row, strict=True)) for row in rows]
                           ).rowcount  # type: ignore[attr-defined]


def chunks(items: Iterator, size: int) -> Iterator[list]:
    """Lists of ``size`` items at most, read from ``items`` as they are needed."""
    while chunk := list(islice(items, size)):
        yield chunk


def _existing_keys(session: Session, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for i in range(0, len(keys), _KEY_CHUNK):
        found.update(session.scalars(select(OutboxMessage.dedupe_key)
                                     .where(OutboxMessage.dedupe_key.in_(keys[i:i + _KEY_CHUNK]))))
    return found
