"""Delivering the outbox: push/multicast with X-Line-Retry-Key, backoff, nothing lost or doubled.

Rows are claimed with a short lease (``next_attempt_at`` moved forward) in their own
transaction, so a second sender skips them and a sender that dies mid-send only delays them;
the retry key makes the repeat harmless (LINE answers 409 for a key it already accepted).
"""
from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from models import OutboxKind, OutboxMessage, OutboxStatus

from .db import Database
from .line_gateway import LineGateway, SendError

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
FIRST_RETRY = timedelta(seconds=30)
MAX_RETRY = timedelta(hours=1)
QUOTA_HOLD = timedelta(hours=6)   # a spent monthly quota is not retried in a loop


@dataclass
class DrainResult:
    sent: int = 0
    retrying: int = 0
    parked: int = 0
    held_for_quota: int = 0

    def __str__(self) -> str:
        return (f"sent {self.sent}, retrying {self.retrying}, parked {self.parked}, "
                f"held (quota) {self.held_for_quota}")


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min ... capped at an hour, with jitter so retries do not stampede."""
    delay = min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), MAX_RETRY)
    return delay * random.uniform(0.8, 1.2)


class OutboxSender:
    def __init__(self, db: Database, line: LineGateway, clock: Callable[[], datetime],
                 batch: int = 100, max_attempts: int = 12):
        self.db, self.line, self.clock = db, line, clock
        self.batch, self.max_attempts = batch, max_attempts

    def drain(self, max_batches: int = 50) -> DrainResult:
        """Send what is due now; stop when nothing is due (or after ``max_batches``)."""
        result = DrainResult()
        for _ in range(max_batches):
            rows = self._claim()
            if not rows:
                break
            for row in rows:
                self._send(row, result)
        if result.sent or result.retrying or result.parked or result.held_for_quota:
            log.info("outbox: %s", result)
        return result

    def _claim(self) -> list[OutboxMessage]:
        now = self.clock()
        with self.db.transaction() as session:
            rows = list(session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.status == OutboxStatus.PENDING,
                       OutboxMessage.next_attempt_at <= now)
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                .limit(self.batch)
                .with_for_update(skip_locked=True)))
            if rows:
                session.execute(update(OutboxMessage)
                                .where(OutboxMessage.id.in_([r.id for r in rows]))
                                .values(next_attempt_at=now + LEASE))
            return rows

    def _send(self, row: OutboxMessage, result: DrainResult) -> None:
        changes: dict = {"attempts": row.attempts + 1}
        try:
            if row.kind is OutboxKind.PUSH:
                sent = self.line.push(row.recipients[0], row.messages, row.retry_key,
                                      row.notification_disabled)
            else:
                sent = self.line.multicast(row.recipients, row.messages, row.retry_key,
                                           row.notification_disabled)
        except SendError as err:
            changes.update(self._after_failure(row, err, result))
        else:
            changes.update(status=OutboxStatus.SENT, sent_at=self.clock(),
                           line_request_id=sent.request_id, last_error=None)
            result.sent += 1
        with self.db.transaction() as session:
            session.execute(update(OutboxMessage).where(OutboxMessage.id == row.id).values(**changes))

    def _after_failure(self, row: OutboxMessage, err: SendError, result: DrainResult) -> dict:
        attempts = row.attempts + 1
        reason = str(err)[:300]
        if err.quota_exhausted:
            result.held_for_quota += 1
            log.warning("outbox %s: monthly message quota is spent; held", row.id)
            return {"next_attempt_at": self.clock() + QUOTA_HOLD, "last_error": reason}
        if err.retryable and attempts < self.max_attempts:
            result.retrying += 1
            return {"next_attempt_at": self.clock() + backoff(attempts), "last_error": reason}
        result.parked += 1
        log.error("outbox %s parked after %d attempt(s): %s", row.id, attempts, reason)
        return {"status": OutboxStatus.PARKED, "last_error": reason}
