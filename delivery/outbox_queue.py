"""The outbox as a queue in the database: what is due, claiming a batch under a lease, writing a
batch's outcomes back in one statement, expiring what outlived its use.

Claims take ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (on SQLite, BEGIN IMMEDIATE serialises
them), so several senders never claim the same row; the lease (``next_attempt_at`` moved
forward) hands a dead sender's rows back. The sending itself (threads, pacing, the quota, what
an outcome means) is delivery/outbox_sender.py.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, case, func, or_, select, text, update
from sqlalchemy.engine import CursorResult, Row

from models import CATEGORY_PRIORITY, OutboxMessage, OutboxStatus

from .db import Database
from .rate_limit import TokenBucket

LEASE = timedelta(minutes=2)
_PRIORITY = case({c.value: p for c, p in CATEGORY_PRIORITY.items()},
                 value=OutboxMessage.category, else_=1)
_TABLE = cast(Table, OutboxMessage.__table__)
_COLUMNS = _TABLE.c
# What a claim reads, and what the batch's write-back sets.
_CLAIMED = (OutboxMessage.id, OutboxMessage.kind, OutboxMessage.recipients,
            OutboxMessage.messages, OutboxMessage.notification_disabled, OutboxMessage.category,
            OutboxMessage.retry_key, OutboxMessage.attempts, OutboxMessage.last_error,
            OutboxMessage.line_request_id)
_WRITTEN = ("status", "attempts", "next_attempt_at", "last_error", "sent_at", "line_request_id")
_WRITE_SQL = {
    "postgresql": text(
        "UPDATE outbox AS o SET status = v.status, attempts = v.attempts, "
        "next_attempt_at = v.next_attempt_at, last_error = v.last_error, sent_at = v.sent_at, "
        "line_request_id = v.line_request_id "
        "FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS v(id integer, status varchar, "
        "attempts integer, next_attempt_at timestamptz, last_error varchar, "
        "sent_at timestamptz, line_request_id varchar) "
        "WHERE o.id = v.id"),
    "sqlite": text(
        "UPDATE outbox SET status = v.status, attempts = v.attempts, "
        "next_attempt_at = v.next_attempt_at, last_error = v.last_error, sent_at = v.sent_at, "
        "line_request_id = v.line_request_id "
        "FROM (SELECT json_extract(value, '$.id') AS id, "
        "json_extract(value, '$.status') AS status, "
        "json_extract(value, '$.attempts') AS attempts, "
        "json_extract(value, '$.next_attempt_at') AS next_attempt_at, "
        "json_extract(value, '$.last_error') AS last_error, "
        "json_extract(value, '$.sent_at') AS sent_at, "
        "json_extract(value, '$.line_request_id') AS line_request_id "
        "FROM json_each(:rows)) AS v "
        "WHERE outbox.id = v.id"),
}


class OutboxQueue:
    def __init__(self, db: Database, clock: Callable[[], datetime], pauses: TokenBucket,
                 is_quiet: Callable[[datetime], bool], batch: int):
        """``pauses``: the bucket whose row holds the channel's rate-limit pause."""
        self.db, self.clock, self._pauses = db, clock, pauses
        self.is_quiet, self.batch = is_quiet, batch

    def expire(self) -> int:
        now = self.clock()
        with self.db.transaction() as session:
            result = cast(CursorResult, session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.status == OutboxStatus.PENDING,
                       OutboxMessage.expires_at <= now)
                .values(status=OutboxStatus.EXPIRED, last_error="expired unsent")))
            return result.rowcount or 0

    def _conditions(self, now: datetime) -> list:
        conditions = [OutboxMessage.status == OutboxStatus.PENDING,
                      OutboxMessage.next_attempt_at <= now,
                      or_(OutboxMessage.expires_at.is_(None), OutboxMessage.expires_at > now)]
        if self.is_quiet(now):
            conditions.append(OutboxMessage.urgent.is_(True))
        return conditions

    def due(self) -> tuple[bool, bool]:
        """Is anything due (one step along the index)? Is sending paused (a 429 seen by any
        sender)?"""
        now = self.clock()
        # Reads only: on SQLite an idle sender then takes no write lock every second.
        with self.db.reading() as session:
            paused_until = self._pauses.read_pause(session)
            due = session.scalar(select(OutboxMessage.id).where(*self._conditions(now))
                                 .limit(1)) is not None
        return due, paused_until is not None and paused_until > now

    def due_cost(self) -> int:
        """The quota that everything due now would use (recipients)."""
        with self.db.reading() as session:
            return int(session.scalar(
                select(func.coalesce(func.sum(func.json_array_length(OutboxMessage.recipients)),
                                     0)).where(*self._conditions(self.clock()))) or 0)

    def claim(self, by_priority: bool) -> tuple[list[Row], datetime, bool]:
        """A batch of due rows, leased to this sender until the moment returned; and whether
        sending is paused (a 429 seen by any sender), in which case nothing is claimed."""
        now = self.clock()
        lease = now + LEASE
        order = ((_PRIORITY, OutboxMessage.next_attempt_at, OutboxMessage.id)
                 if by_priority else (OutboxMessage.next_attempt_at,))
        with self.db.engine.begin() as conn:      # Core: no ORM bookkeeping per claim
            paused_until = self._pauses.read_pause(conn)
            if paused_until is not None and paused_until > now:
                return [], lease, True
            rows = list(conn.execute(
                select(*_CLAIMED).where(*self._conditions(now))
                .order_by(*order)
                .limit(self.batch)
                .with_for_update(skip_locked=True)).all())
            if rows:
                conn.execute(update(_TABLE).where(_TABLE.c.id.in_([r.id for r in rows]))
                             .values(next_attempt_at=lease))
            return rows, lease, False

    def write_back(self, claimed: list[Row], lease: datetime,
                   changes: dict[int, dict[str, Any]]) -> None:
        """One set-based UPDATE for a whole batch: every row's new values in one JSON
        parameter, joined to the table by id (a statement of fixed shape, prepared once)."""
        if not changes:
            return
        rows = {row.id: row for row in claimed}
        dialect = self.db.engine.dialect
        encode = {name: _COLUMNS[name].type.dialect_impl(dialect).bind_processor(dialect)
                  for name in _WRITTEN}
        records = []
        for row_id, values in changes.items():
            row = rows[row_id]
            record = {"status": OutboxStatus.PENDING, "attempts": row.attempts,
                      "next_attempt_at": lease, "last_error": row.last_error,
                      "sent_at": None, "line_request_id": row.line_request_id, **values}
            out: dict[str, Any] = {"id": row_id}
            for name in _WRITTEN:
                value, process = record[name], encode[name]
                if isinstance(value, OutboxStatus):
                    value = value.value
                elif value is not None and process is not None:
                    value = process(value)           # SQLite: its own text for a time
                out[name] = value.isoformat() if isinstance(value, datetime) else value
            records.append(out)
        with self.db.engine.begin() as conn:
            conn.execute(_WRITE_SQL[dialect.name], {"rows": json.dumps(records)})
