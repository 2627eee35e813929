"""Token buckets shared by every sender process, kept in the database (table ``rate_limits``).

LINE limits requests per channel (push 2,000/s, multicast about 200/s) however many processes
send, so the bucket lives in a row all of them update. It is a token bucket without a burst
("virtual scheduling"): the row holds ``next_slot_us``, the moment from which the next
reservation may start. A process reserves a chunk of sending slots with one statement,

    UPDATE rate_limits SET next_slot_us = max(next_slot_us, now) + chunk * interval
    WHERE name = ... RETURNING next_slot_us

(the row lock on PostgreSQL, BEGIN IMMEDIATE on SQLite make it atomic), and hands the slots to
its threads one at a time, each no earlier than its own moment: one round trip per chunk (about
25 ms of sending), not per request. Reservations never overlap, whichever process makes them.

A slot not taken within ``max_late`` of its moment (the process was busy, or its thread woke
late) is dropped rather than spent later in a burst, so a hand-out is never more than
``max_late`` after its slot; slots are spaced ``(1 + max_late) / rate`` apart, so the hand-outs
in any one-second window (which come from slots in a window ``1 + max_late`` long) are never
more than ``rate``. An idle bucket banks nothing: the first reservation after an idle spell
starts now.

Slots are moments of each process's own wall clock (``time.time``): the machines sending for
one channel keep their clocks synchronised (NTP), as they must for the logs anyway.

The row also keeps ``paused_until``: after LINE answers 429 (rate limit) every sender holds off
until then (see ``OutboxSender``). It is a moment of the senders' clock (the outbox's), not the
bucket's, so that tests can move it.
"""
from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import cast

from sqlalchemy import BigInteger, Table, bindparam, case, func, literal, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from models import RateLimit

from .db import Database

PUSH_BUCKET = "line-push"
MULTICAST_BUCKET = "line-multicast"
MAX_LATE = 0.02          # seconds a slot may be taken after its moment, then it is dropped
CHUNK_SECONDS = 0.025    # how much sending one reservation covers (at most MAX_CHUNK slots)
MAX_CHUNK = 50


class TokenBucket:
    """``take()`` blocks until the caller may make one request; thread-safe, and shared with
    every other ``TokenBucket`` of the same ``name`` on the same database."""

    def __init__(self, db: Database, name: str, rate: float, *, chunk: int | None = None,
                 max_late: float = MAX_LATE, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep):
        if rate <= 0:
            raise ValueError("a rate limit must be positive")
        self.db, self.name, self.rate = db, name, rate
        self.max_late_us = int(max_late * 1_000_000)
        # Rounded up: never faster than ``rate``.
        self.interval_us = math.ceil(1_000_000 * (1 + max_late) / rate)
        self.chunk = chunk or max(1, min(MAX_CHUNK, int(rate * CHUNK_SECONDS)))
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._start_us = 0      # the local reservation: slots start + k * interval, k < count
        self._next = 0
        self._count = 0
        self.paused_until: datetime | None = None   # as last seen in the row
        table = cast(Table, RateLimit.__table__)
        greatest = func.max if db.dialect == "sqlite" else func.greatest
        now_us, span = bindparam("now_us", type_=BigInteger), bindparam("span", type_=BigInteger)
        self._statement = (
            update(table).where(table.c.name == name)
            .values(next_slot_us=greatest(table.c.next_slot_us, now_us) + span)
            .returning(table.c.next_slot_us, table.c.paused_until))

    def take(self) -> float:
        """Wait for the next slot; returns its moment (seconds, the bucket's clock)."""
        while True:
            slot, now_us = self._assign()
            if slot <= now_us:
                return slot / 1_000_000
            self._sleep((slot - now_us) / 1_000_000)
            if self._now_us() - slot <= self.max_late_us:
                return slot / 1_000_000
            # Woke too late (a busy machine): that slot is gone; sending on it would bunch.

    def _assign(self) -> tuple[int, int]:
        """The next usable slot of the local reservation (reserving more when it is spent),
        and now."""
        with self._lock:
            now_us = self._now_us()
            while True:
                if self._next < self._count:
                    slot = self._start_us + self._next * self.interval_us
                    if slot >= now_us - self.max_late_us:
                        self._next += 1
                        return slot, now_us
                    # Too late for these slots: skip to the first one still usable.
                    behind = now_us - self.max_late_us - self._start_us
                    self._next = max(self._next + 1, -(-behind // self.interval_us))
                    continue
                self._reserve(now_us)
                now_us = self._now_us()

    def pause(self, until: datetime) -> None:
        """Every sender holds off until ``until`` (never shortens a pause already set)."""
        with self.db.transaction() as session:
            self._ensure_row(session)
            at = literal(until, RateLimit.paused_until.type)
            session.execute(update(RateLimit).where(RateLimit.name == self.name).values(
                paused_until=case((RateLimit.paused_until.is_(None), at),
                                  (RateLimit.paused_until < at, at),
                                  else_=RateLimit.paused_until)))
        self.paused_until = max(until, self.paused_until or until)

    def read_pause(self, session: Session | Connection) -> datetime | None:
        """The pause as the row has it now (in the caller's transaction)."""
        self.paused_until = session.scalar(
            select(RateLimit.paused_until).where(RateLimit.name == self.name))
        return self.paused_until

    def _now_us(self) -> int:
        return int(self._clock() * 1_000_000)

    def _reserve(self, now_us: int) -> None:
        span = self.chunk * self.interval_us
        values = {"now_us": now_us, "span": span}
        with self.db.engine.begin() as conn:      # Core: this runs ~40 times a second
            row = conn.execute(self._statement, values).first()
            if row is None:
                self._ensure_row(conn)
                row = conn.execute(self._statement, values).one()
        end_us, self.paused_until = int(row[0]), row[1]
        self._start_us, self._next, self._count = end_us - span, 0, self.chunk

    def _ensure_row(self, conn: Session | Connection) -> None:
        insert = sqlite_insert if self.db.dialect == "sqlite" else pg_insert
        conn.execute(insert(RateLimit).on_conflict_do_nothing(index_elements=["name"]),
                     [{"name": self.name, "next_slot_us": 0}])
