"""Delivering the outbox: push/multicast with X-Line-Retry-Key, backoff, nothing lost or doubled.

Rows are claimed a batch at a time with a short lease (``next_attempt_at`` moved forward) in
their own transaction (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; on SQLite, BEGIN IMMEDIATE
serialises the claims), so several senders at once never claim the same row, and a sender
that dies mid-send only delays its rows: the retry key makes the repeat harmless (LINE answers
409 for a key it already accepted). LINE answers in tens of milliseconds, so a batch is sent by
a pool of threads, paced by token buckets in the database that every sender process shares
(LINE's limits are per channel: ``delivery.rate_limit``); while one batch is in the air the
next is claimed, and each batch's outcomes are written back in one UPDATE.

In quiet hours only urgent rows go, silently. When the month's quota cannot cover everything,
mentor digests go first and broadcasts are held. A message that outlives its use unsent
(yesterday's digest, last month's reminder) expires instead of going out late. A rate-limit 429
pauses every sender (the pause is kept beside the buckets), not just the one message; the first
request of each drain goes alone, so a LINE that is saying "slow down" hears one request, not a
pool's worth.
"""
from __future__ import annotations

import json
import logging
import random
import threading
import time as _time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, case, func, or_, select, text, update
from sqlalchemy.engine import CursorResult, Row

from models import CATEGORY_PRIORITY, OutboxKind, OutboxMessage, OutboxStatus

from .config import DEFAULTS
from .db import Database
from .line_gateway import LineGateway, SendError, Sent
from .rate_limit import MULTICAST_BUCKET, PUSH_BUCKET, TokenBucket

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
FIRST_RETRY = timedelta(seconds=30)
MAX_RETRY = timedelta(hours=1)
QUOTA_HOLD = timedelta(hours=6)   # a spent monthly quota is not retried in a loop
RATE_LIMIT_PAUSE = timedelta(seconds=2)
HELD = "held: "                   # last_error prefix of messages waiting for quota
# LINE's per-channel limits are 2,000 pushes/s (SEND_RATE_PER_SECOND) and about 200
# multicasts/s. The buckets aim this much under: LINE counts arrivals, the bucket hand-outs,
# and a busy machine delays some requests between the two (they then arrive bunched).
HEADROOM = 0.9
MULTICAST_RATE = 150
PIPELINE = 2                      # batches in the air at once: the next is claimed meanwhile

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


@dataclass
class DrainResult:
    sent: int = 0
    retrying: int = 0
    parked: int = 0
    held_for_quota: int = 0
    expired: int = 0
    rate_limited: bool = False
    held_categories: set = field(default_factory=set)

    def __str__(self) -> str:
        text = (f"sent {self.sent}, retrying {self.retrying}, parked {self.parked}, "
                f"held (quota) {self.held_for_quota}, expired {self.expired}")
        return text + (" (paused: LINE rate limit)" if self.rate_limited else "")


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min ... capped at an hour, with jitter so retries do not stampede."""
    delay = min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), MAX_RETRY)
    return delay * random.uniform(0.8, 1.2)


@dataclass
class _Outcome:
    row: Row
    sent: Sent | None = None
    error: SendError | None = None      # neither: not sent, handed back (stopped or paused)


@dataclass
class _Batch:
    held: list[Row]
    sends: list[Future[_Outcome]]
    lease: datetime                     # the claim's next_attempt_at

    @property
    def rows(self) -> list[Row]:
        return self.held + [future.result().row for future in self.sends]


class OutboxSender:
    def __init__(self, db: Database, line: LineGateway, clock: Callable[[], datetime],
                 batch: int = 100, max_attempts: int = 12,
                 is_quiet: Callable[[datetime], bool] | None = None,
                 sleep: Callable[[float], None] = _time.sleep,
                 workers: int | None = None, rate: float | None = None,
                 buckets: dict[OutboxKind, TokenBucket] | None = None):
        """``workers``: requests in the air at once (default: the gateway's connections, at
        most SEND_WORKERS); ``rate``: LINE's push limit per second (SEND_RATE_PER_SECOND);
        ``buckets``: the token buckets to use instead of the shared ones (tests)."""
        self.db, self.line, self.clock = db, line, clock
        self.batch, self.max_attempts = batch, max_attempts
        self.is_quiet = is_quiet or (lambda _at: False)
        self._sleep = sleep
        self.workers = max(1, workers or min(int(getattr(line, "connections", 1) or 1),
                                             int(DEFAULTS["SEND_WORKERS"])))
        rate = rate or float(DEFAULTS["SEND_RATE_PER_SECOND"])
        self.buckets = buckets or {
            OutboxKind.PUSH: TokenBucket(db, PUSH_BUCKET, rate * HEADROOM, sleep=sleep),
            OutboxKind.MULTICAST: TokenBucket(db, MULTICAST_BUCKET, MULTICAST_RATE, sleep=sleep),
        }
        self._stop = threading.Event()           # send nothing more in this drain
        self._stop_lock = threading.Lock()
        self._paused = False                      # ... because LINE said 429
        self._interrupted = False
        self._remaining: int | None = None
        self._by_priority = True

    def interrupt(self) -> None:
        """From another thread (a signal handler): end the drain under way (and any later
        one) soon; what it has in the air is written back, the rest of its rows are handed
        back unsent."""
        self._interrupted = True
        self._stop.set()

    @property
    def _pauses(self) -> TokenBucket:
        """The channel's rate-limit pause lives in the push bucket's row."""
        return self.buckets[OutboxKind.PUSH]

    def drain(self, max_batches: int = 50) -> DrainResult:
        """Send what is due now; stop when nothing is due (or after ``max_batches``)."""
        result = DrainResult(expired=self._expire())
        if self._interrupted:
            return result
        self._stop.clear()
        if self._interrupted:                     # interrupted just now
            self._stop.set()
        self._paused = False
        due, paused = self._due()
        if paused:
            result.rate_limited = True
        if due and not paused:
            self._remaining = self._quota()
            # Priority order (digests before broadcasts) matters only when the quota cannot
            # cover everything due; it costs a sort of every due row per claim, while
            # next_attempt_at order is a walk along the index.
            self._by_priority = (self._remaining is not None
                                 and self._remaining < self._due_cost())
            self._send_batches(max_batches, result)
        if result.sent or result.retrying or result.parked or result.held_for_quota \
                or result.expired:
            log.info("outbox: %s", result)
        return result

    def _send_batches(self, max_batches: int, result: DrainResult) -> None:
        inflight: deque[_Batch] = deque()
        claims, exhausted = 0, False
        with ThreadPoolExecutor(self.workers, thread_name_prefix="outbox-send") as pool:
            try:
                while True:
                    if (not exhausted and not self._stop.is_set() and claims < max_batches
                            and len(inflight) < PIPELINE):
                        batch = self._start(pool, result, probe=claims == 0)
                        claims += 1
                        if batch is None:
                            exhausted = True
                        else:
                            inflight.append(batch)
                            continue
                    if not inflight:
                        break
                    self._finish(inflight.popleft(), result)
            except BaseException:
                # The rows not yet sent stay leased and go later (with their retry keys).
                self._stop.set()
                raise

    # -- one batch ---------------------------------------------------------------------------
    def _start(self, pool: ThreadPoolExecutor, result: DrainResult,
               probe: bool) -> _Batch | None:
        """Claim a batch and set its sending going; None: nothing (more) to send now."""
        rows, lease, paused = self._claim()
        if paused:
            result.rate_limited = True
            return None
        if not rows:
            return None
        held, to_send = [], []
        for row in rows:
            cost = len(row.recipients)
            if self._remaining is not None and cost > self._remaining:
                held.append(row)
                continue
            if self._remaining is not None:
                self._remaining -= cost     # given back in _finish if it is not sent
            to_send.append(row)
        silent_now = self.is_quiet(self.clock())
        sends = [pool.submit(self._send, row, silent_now) for row in to_send[:1]]
        if probe and sends:
            sends[0].result()               # the first request of a drain goes alone
        sends += [pool.submit(self._send, row, silent_now) for row in to_send[1:]]
        return _Batch(held, sends, lease)

    def _send(self, row: Row, silent_now: bool) -> _Outcome:
        """In a pool thread: one request to LINE (or none, if sending has been stopped)."""
        if self._stop.is_set():
            return _Outcome(row)
        self.buckets[row.kind].take()
        if self._stop.is_set() or self._paused_elsewhere():
            return _Outcome(row)
        silent = row.notification_disabled or silent_now
        try:
            if row.kind is OutboxKind.PUSH:
                sent = self.line.push(row.recipients[0], row.messages, row.retry_key, silent)
            else:
                sent = self.line.multicast(row.recipients, row.messages, row.retry_key, silent)
        except SendError as err:
            if err.status == 429 and not err.quota_exhausted:
                self._pause_everyone()
            return _Outcome(row, error=err)
        except Exception as exc:  # noqa: BLE001 - one bad row must not sink its batch
            # The request was refused before sending (e.g. more than 5 messages): LINE would
            # answer 400. Only the exception's type is kept: its text may quote the message.
            log.error("outbox %s: the request was refused before sending (%s)", row.id,
                      type(exc).__name__)
            return _Outcome(row, error=SendError(None, f"refused before sending: "
                                                 f"{type(exc).__name__}", retryable=False,
                                                 reached=False))
        return _Outcome(row, sent=sent)

    def _paused_elsewhere(self) -> bool:
        until = self._pauses.paused_until
        if until is not None and until > self.clock():
            self._paused = True
            self._stop.set()
            return True
        return False

    def _pause_everyone(self) -> None:
        with self._stop_lock:
            if self._paused:
                return
            self._paused = True
            self._stop.set()
        # LINE says slow down: every sender holds off, and hands its unsent rows back.
        self._pauses.pause(self.clock() + RATE_LIMIT_PAUSE)

    def _finish(self, batch: _Batch, result: DrainResult) -> None:
        """Wait for a batch's requests and write every outcome back in one UPDATE."""
        changes: dict[int, dict[str, Any]] = {}
        if batch.held:
            self._hold_for_quota(batch.held, changes, result)
        for future in batch.sends:
            outcome = future.result()
            row = outcome.row
            if outcome.sent is None and self._remaining is not None:
                self._remaining += len(row.recipients)
            if outcome.sent is None and outcome.error is None:
                # Not sent: back in the queue (once the pause is over).
                result.rate_limited |= self._paused
                changes[row.id] = {"next_attempt_at": self.clock()
                                   + (RATE_LIMIT_PAUSE if self._paused else timedelta(0))}
                continue
            update_: dict[str, Any] = {"attempts": row.attempts + 1}
            if outcome.error is not None:
                update_.update(self._after_failure(row, outcome.error, result))
            else:
                assert outcome.sent is not None
                update_.update(status=OutboxStatus.SENT, sent_at=self.clock(),
                               line_request_id=outcome.sent.request_id, last_error=None)
                result.sent += 1
            changes[row.id] = update_
        self._write(batch, changes)

    def _write(self, batch: _Batch, changes: dict[int, dict[str, Any]]) -> None:
        """One set-based UPDATE for a whole batch: every row's new values in one JSON
        parameter, joined to the table by id (a statement of fixed shape, prepared once)."""
        if not changes:
            return
        rows = {row.id: row for row in batch.rows}
        dialect = self.db.engine.dialect
        encode = {name: _COLUMNS[name].type.dialect_impl(dialect).bind_processor(dialect)
                  for name in _WRITTEN}
        records = []
        for row_id, values in changes.items():
            row = rows[row_id]
            record = {"status": OutboxStatus.PENDING, "attempts": row.attempts,
                      "next_attempt_at": batch.lease, "last_error": row.last_error,
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

    # -- the queue -----------------------------------------------------------------------------
    def _expire(self) -> int:
        now = self.clock()
        with self.db.transaction() as session:
            result = cast(CursorResult, session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.status == OutboxStatus.PENDING,
                       OutboxMessage.expires_at <= now)
                .values(status=OutboxStatus.EXPIRED, last_error="expired unsent")))
            return result.rowcount or 0

    def _quota(self) -> int | None:
        try:
            return self.line.quota_remaining()
        except SendError as err:
            log.warning("outbox: could not read the message quota (%s); sending anyway", err)
            return None

    def _due_conditions(self, now: datetime) -> list:
        conditions = [OutboxMessage.status == OutboxStatus.PENDING,
                      OutboxMessage.next_attempt_at <= now,
                      or_(OutboxMessage.expires_at.is_(None), OutboxMessage.expires_at > now)]
        if self.is_quiet(now):
            conditions.append(OutboxMessage.urgent.is_(True))
        return conditions

    def _due(self) -> tuple[bool, bool]:
        """Is anything due (one step along the index)? Is sending paused (a 429 seen by any
        sender)?"""
        now = self.clock()
        # Reads only: on SQLite an idle sender then takes no write lock every second.
        with self.db.reading() as session:
            paused_until = self._pauses.read_pause(session)
            due = session.scalar(select(OutboxMessage.id).where(*self._due_conditions(now))
                                 .limit(1)) is not None
        return due, paused_until is not None and paused_until > now

    def _due_cost(self) -> int:
        """The quota that everything due now would use (recipients)."""
        with self.db.reading() as session:
            return int(session.scalar(
                select(func.coalesce(func.sum(func.json_array_length(OutboxMessage.recipients)),
                                     0)).where(*self._due_conditions(self.clock()))) or 0)

    def _claim(self) -> tuple[list[Row], datetime, bool]:
        """A batch of due rows, leased to this sender until the moment returned; and whether
        sending is paused (a 429 seen by any sender), in which case nothing is claimed."""
        now = self.clock()
        lease = now + LEASE
        order = ((_PRIORITY, OutboxMessage.next_attempt_at, OutboxMessage.id)
                 if self._by_priority else (OutboxMessage.next_attempt_at,))
        with self.db.engine.begin() as conn:      # Core: no ORM bookkeeping per claim
            paused_until = self._pauses.read_pause(conn)
            if paused_until is not None and paused_until > now:
                return [], lease, True
            rows = list(conn.execute(
                select(*_CLAIMED).where(*self._due_conditions(now))
                .order_by(*order)
                .limit(self.batch)
                .with_for_update(skip_locked=True)).all())
            if rows:
                conn.execute(update(_TABLE).where(_TABLE.c.id.in_([r.id for r in rows]))
                             .values(next_attempt_at=lease))
            return rows, lease, False

    def _hold_for_quota(self, rows: list[Row], changes: dict[int, dict[str, Any]],
                        result: DrainResult) -> None:
        categories = {row.category.value for row in rows}
        result.held_for_quota += len(rows)
        result.held_categories |= categories
        log.warning("outbox: %d message(s) (%s): not enough monthly quota left; held",
                    len(rows), ", ".join(sorted(categories)))
        until = self.clock() + QUOTA_HOLD
        for row in rows:
            changes[row.id] = {"next_attempt_at": until,
                               "last_error": HELD + "the month's message quota would be exceeded"}

    def _after_failure(self, row: Row, err: SendError, result: DrainResult) -> dict:
        attempts = row.attempts + 1
        reason = str(err)[:300]
        if err.quota_exhausted:
            result.held_for_quota += 1
            result.held_categories.add(row.category.value)
            log.warning("outbox %s: monthly message quota is spent; held", row.id)
            return {
                "next_attempt_at": self.clock() + QUOTA_HOLD,
                "last_error": (HELD + reason)[:300],
                "attempts": row.attempts,
            }
        if err.status == 429:
            result.rate_limited = True
        if err.retryable and attempts < self.max_attempts:
            result.retrying += 1
            return {"next_attempt_at": self.clock() + backoff(attempts), "last_error": reason}
        result.parked += 1
        log.error("outbox %s parked after %d attempt(s): %s", row.id, attempts, reason)
        return {"status": OutboxStatus.PARKED, "last_error": reason}
