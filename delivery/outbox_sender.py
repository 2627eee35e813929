"""Delivering the outbox: push/multicast with X-Line-Retry-Key, backoff, nothing lost or doubled.

Rows are claimed a batch at a time under a short lease (delivery/outbox_queue.py: several
senders at once never claim the same row), so a sender that dies mid-send only delays its rows:
the retry key makes the repeat harmless (LINE answers 409 for a key it already accepted).
LINE answers in tens of milliseconds, so a batch is sent by a pool of threads, paced by token
buckets in the database that every sender process shares (LINE's limits are per channel:
``delivery.rate_limit``); while one batch is in the air the next is claimed, and each batch's
outcomes are written back in one UPDATE.

In quiet hours only urgent rows go, silently. When the month's quota cannot cover everything,
mentor digests go first and broadcasts are held. A message that outlives its use unsent
(yesterday's digest, last month's reminder) expires instead of going out late. A rate-limit 429
pauses every sender (the pause is kept beside the buckets), not just the one message; the first
request of each drain goes alone, so a LINE that is saying "slow down" hears one request, not a
pool's worth.
"""
from __future__ import annotations

import logging
import random
import threading
import time as _time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Row

from models import OutboxKind, OutboxStatus

from .config import DEFAULTS
from .db import Database
from .line_gateway import LineGateway, SendError, Sent
from .outbox_queue import OutboxQueue
from .rate_limit import MULTICAST_BUCKET, PUSH_BUCKET, TokenBucket

log = logging.getLogger(__name__)

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
        self.queue = OutboxQueue(db, clock, self._pauses, self.is_quiet, batch)
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
        result = DrainResult(expired=self.queue.expire())
        if self._interrupted:
            return result
        self._stop.clear()
        if self._interrupted:                     # interrupted just now
            self._stop.set()
        self._paused = False
        due, paused = self.queue.due()
        if paused:
            result.rate_limited = True
        if due and not paused:
            self._remaining = self._quota()
            # Priority order (digests before broadcasts) matters only when the quota cannot
            # cover everything due; it costs a sort of every due row per claim, while
            # next_attempt_at order is a walk along the index.
            self._by_priority = (self._remaining is not None
                                 and self._remaining < self.queue.due_cost())
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
        rows, lease, paused = self.queue.claim(self._by_priority)
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
        self.queue.write_back(batch.rows, batch.lease, changes)

    def _quota(self) -> int | None:
        try:
            return self.line.quota_remaining()
        except SendError as err:
            log.warning("outbox: could not read the message quota (%s); sending anyway", err)
            return None

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
