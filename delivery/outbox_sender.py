"""Delivering the outbox: push/multicast with X-Line-Retry-Key, backoff, nothing lost or doubled.

Rows are claimed with a short lease (``next_attempt_at`` moved forward) in their own
transaction, so a second sender skips them and a sender that dies mid-send only delays them;
the retry key makes the repeat harmless (LINE answers 409 for a key it already accepted).
In quiet hours only urgent rows go, silently. When the month's quota cannot cover everything,
mentor digests go first and broadcasts are held. A message that outlives its use unsent
(yesterday's digest, last month's reminder) expires instead of going out late. A rate-limit 429
pauses the whole drain, not just the one message.
"""
from __future__ import annotations

import logging
import random
import time as _time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import case, or_, select, update
from sqlalchemy.engine import CursorResult

from models import CATEGORY_PRIORITY, OutboxKind, OutboxMessage, OutboxStatus

from .db import Database
from .line_gateway import LineGateway, SendError

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
FIRST_RETRY = timedelta(seconds=30)
MAX_RETRY = timedelta(hours=1)
QUOTA_HOLD = timedelta(hours=6)   # a spent monthly quota is not retried in a loop
RATE_LIMIT_PAUSE = timedelta(seconds=2)
HELD = "held: "                   # last_error prefix of messages waiting for quota
# LINE's per-channel rate limits are 2,000 pushes/s and about 200 multicasts/s; stay under.
MIN_INTERVAL = {OutboxKind.PUSH: 1 / 1000, OutboxKind.MULTICAST: 1 / 150}

_PRIORITY = case({c.value: p for c, p in CATEGORY_PRIORITY.items()},
                 value=OutboxMessage.category, else_=1)


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


class OutboxSender:
    def __init__(self, db: Database, line: LineGateway, clock: Callable[[], datetime],
                 batch: int = 100, max_attempts: int = 12,
                 is_quiet: Callable[[datetime], bool] | None = None,
                 sleep: Callable[[float], None] = _time.sleep):
        self.db, self.line, self.clock = db, line, clock
        self.batch, self.max_attempts = batch, max_attempts
        self.is_quiet = is_quiet or (lambda _at: False)
        self._sleep = sleep
        self._last_call = 0.0

    def drain(self, max_batches: int = 50) -> DrainResult:
        """Send what is due now; stop when nothing is due (or after ``max_batches``)."""
        result = DrainResult(expired=self._expire())
        remaining = None
        quota_checked = False
        for _ in range(max_batches):
            rows = self._claim()
            if not rows:
                break
            if not quota_checked:
                remaining, quota_checked = self._quota(), True
            for n, row in enumerate(rows):
                cost = len(row.recipients)
                if remaining is not None and cost > remaining:
                    self._hold_for_quota(row, result)
                    continue
                if self._send(row, result) and remaining is not None:
                    remaining -= cost
                if result.rate_limited:
                    # LINE says slow down: hand the rest back and let the next drain go on.
                    self._release(rows[n + 1:], self.clock() + RATE_LIMIT_PAUSE)
                    break
            if result.rate_limited:
                break
        if result.sent or result.retrying or result.parked or result.held_for_quota \
                or result.expired:
            log.info("outbox: %s", result)
        return result

    def _expire(self) -> int:
        now = self.clock()
        with self.db.transaction() as session:
            result = cast(CursorResult, session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.status == OutboxStatus.PENDING,
                       OutboxMessage.expires_at <= now)
                .values(status=OutboxStatus.EXPIRED, last_error="expired unsent")))
            return result.rowcount or 0

    def _release(self, rows: list[OutboxMessage], when: datetime) -> None:
        if rows:
            with self.db.transaction() as session:
                session.execute(update(OutboxMessage)
                                .where(OutboxMessage.id.in_([r.id for r in rows]))
                                .values(next_attempt_at=when))

    def _quota(self) -> int | None:
        try:
            return self.line.quota_remaining()
        except SendError as err:
            log.warning("outbox: could not read the message quota (%s); sending anyway", err)
            return None

    def _claim(self) -> list[OutboxMessage]:
        now = self.clock()
        conditions = [OutboxMessage.status == OutboxStatus.PENDING,
                      OutboxMessage.next_attempt_at <= now,
                      or_(OutboxMessage.expires_at.is_(None), OutboxMessage.expires_at > now)]
        if self.is_quiet(now):
            conditions.append(OutboxMessage.urgent.is_(True))
        with self.db.transaction() as session:
            rows = list(session.scalars(
                select(OutboxMessage).where(*conditions)
                .order_by(_PRIORITY, OutboxMessage.next_attempt_at, OutboxMessage.id)
                .limit(self.batch)
                .with_for_update(skip_locked=True)))
            if rows:
                session.execute(update(OutboxMessage)
                                .where(OutboxMessage.id.in_([r.id for r in rows]))
                                .values(next_attempt_at=now + LEASE))
            return rows

    def _pace(self, kind: OutboxKind) -> None:
        wait = self._last_call + MIN_INTERVAL[kind] - _time.monotonic()
        if wait > 0:
            self._sleep(wait)
        self._last_call = _time.monotonic()

    def _send(self, row: OutboxMessage, result: DrainResult) -> bool:
        changes: dict = {"attempts": row.attempts + 1}
        silent = row.notification_disabled or self.is_quiet(self.clock())
        sent_ok = False
        self._pace(row.kind)
        try:
            if row.kind is OutboxKind.PUSH:
                sent = self.line.push(row.recipients[0], row.messages, row.retry_key, silent)
            else:
                sent = self.line.multicast(row.recipients, row.messages, row.retry_key, silent)
        except SendError as err:
            changes.update(self._after_failure(row, err, result))
        else:
            changes.update(status=OutboxStatus.SENT, sent_at=self.clock(),
                           line_request_id=sent.request_id, last_error=None)
            result.sent += 1
            sent_ok = True
        self._update(row, changes)
        return sent_ok

    def _update(self, row: OutboxMessage, changes: dict) -> None:
        with self.db.transaction() as session:
            session.execute(
                update(OutboxMessage).where(OutboxMessage.id == row.id).values(**changes))

    def _hold_for_quota(self, row: OutboxMessage, result: DrainResult) -> None:
        result.held_for_quota += 1
        result.held_categories.add(row.category.value)
        log.warning(
            "outbox %s (%s): not enough monthly quota left; held", row.id, row.category.value
        )
        self._update(
            row,
            {
                "next_attempt_at": self.clock() + QUOTA_HOLD,
                "last_error": HELD + "the month's message quota would be exceeded",
            },
        )

    def _after_failure(self, row: OutboxMessage, err: SendError, result: DrainResult) -> dict:
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
