"""Sending at scale: several senders at once, a rate limit every sender shares, retries that
keep their key, one batch written back in one UPDATE, and the clock's singleton lock."""
from __future__ import annotations

import logging
import random
import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.exc import OperationalError

from bench.fast_line import max_in_window
from bot.services import services
from delivery.db import Database
from delivery.outbox import enqueue_messages
from delivery.outbox_sender import RATE_LIMIT_PAUSE, DrainResult, OutboxSender
from delivery.rate_limit import MULTICAST_BUCKET, PUSH_BUCKET, TokenBucket
from models import OutboxKind, OutboxMessage, OutboxStatus
from scheduler.clock import (
    CLOCK_LOCK_KEY,
    SEND_ERROR_SECONDS,
    SEND_IDLE_SECONDS,
    ClockLock,
    send_forever,
    wait_for_lock,
)

POSTGRES_ONLY = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)


def users(n: int) -> list[str]:
    return [f"U{i + 1:032x}" for i in range(n)]


def queue_pushes(db, clock, to: list[str]) -> None:
    with db.transaction() as s:
        for user in to:
            enqueue_messages(s, [user], [{"type": "text", "text": "เตือน"}], clock.now)


def rows(db) -> list[OutboxMessage]:
    with db.transaction() as s:
        return list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def fast_buckets(db) -> dict[OutboxKind, TokenBucket]:
    """The shared buckets, fast enough that a test never waits on them."""
    return {OutboxKind.PUSH: TokenBucket(db, PUSH_BUCKET, 1_000_000),
            OutboxKind.MULTICAST: TokenBucket(db, MULTICAST_BUCKET, 1_000_000)}


def sender(app, clock, **kwargs) -> OutboxSender:
    svc = services(app)
    kwargs.setdefault("workers", 8)
    return OutboxSender(svc.db, svc.line, clock, buckets=fast_buckets(svc.db), **kwargs)


class FakeTime:
    """Seconds for a token bucket: sleeping moves it on, nothing really waits."""

    def __init__(self, start: float = 1_000_000.0):
        self.now = start

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)


# -- several senders ---------------------------------------------------------------------------

@POSTGRES_ONLY
def test_two_senders_draining_the_same_rows_send_each_exactly_once(app, db, clock, fake_line):
    queue_pushes(db, clock, users(300))
    senders = [sender(app, clock, batch=20), sender(app, clock, batch=20)]
    start = threading.Barrier(2)
    results = []

    def drain(s: OutboxSender) -> None:
        start.wait()
        results.append(s.drain(max_batches=100))

    threads = [threading.Thread(target=drain, args=(s,)) for s in senders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    calls = fake_line.calls("push")
    keys = Counter(c.headers["x-line-retry-key"] for c in calls)
    assert len(calls) == 300 and max(keys.values()) == 1          # no row sent twice
    assert sum(r.sent for r in results) == 300
    assert all(r.sent > 0 for r in results)                       # both really took part
    assert all(r.status is OutboxStatus.SENT for r in rows(db))
    assert {r.retry_key for r in rows(db)} == set(keys)
    assert sorted(d.user_id for d in fake_line.deliveries()) == sorted(users(300))


def test_a_batch_is_written_back_in_one_update(app, db, clock, fake_line):
    queue_pushes(db, clock, users(40))
    updates: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("UPDATE OUTBOX"):
            updates.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert sender(app, clock, batch=40).drain().sent == 40
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    # expiry, the claim's lease, the outcomes: three statements for forty rows
    assert len(updates) == 3
    assert all(r.status is OutboxStatus.SENT and r.sent_at == clock.now for r in rows(db))
    assert len({r.line_request_id for r in rows(db)}) == 40


# -- retries -----------------------------------------------------------------------------------

def test_a_retried_push_keeps_its_retry_key_and_arrives_once(app, db, clock, fake_line):
    services(app).line.timeout = 1.0
    to = users(12)
    queue_pushes(db, clock, to)
    fake_line.fail_next(3, status=500, endpoint="push")
    fake_line.fail_next(2, timeout=1.5, endpoint="push")    # delivered, but the answer is late
    s = sender(app, clock, batch=12, workers=4)
    first = s.drain()
    assert first.sent + first.retrying == 12 and first.retrying == 5
    clock.advance(minutes=1)
    assert s.drain().sent == 5
    by_row = {r.recipients[0]: r for r in rows(db)}
    for user in to:
        keys = {c.headers["x-line-retry-key"] for c in fake_line.calls("push")
                if c.json["to"] == user}
        assert keys == {by_row[user].retry_key}                 # the same key on every try
        assert len(fake_line.sent_messages(user)) == 1          # and delivered once
    assert all(r.status is OutboxStatus.SENT and r.line_request_id for r in rows(db))
    assert sorted(r.attempts for r in rows(db)) == [1] * 7 + [2] * 5


def test_a_429_pauses_every_sender_not_just_the_one_that_saw_it(app, db, clock, fake_line):
    queue_pushes(db, clock, users(10))
    fake_line.fail_next(1, status=429, body={"message": "The API rate limit has been exceeded."},
                        endpoint="push")
    one, other = sender(app, clock), sender(app, clock)
    result = one.drain()
    assert result.rate_limited and result.sent == 0
    assert len(fake_line.calls("push")) == 1                     # the first request went alone
    held = other.drain()                                         # another process, same moment
    assert held.rate_limited and held.sent == 0
    assert len(fake_line.calls("push")) == 1
    clock.advance(seconds=RATE_LIMIT_PAUSE.total_seconds() + 1)
    assert other.drain().sent == 9                               # the 429'd row waits its backoff
    clock.advance(minutes=1)
    assert one.drain().sent == 1


# -- the shared token bucket -------------------------------------------------------------------

def test_two_buckets_sharing_the_table_never_hand_out_more_than_the_rate(db):
    time = FakeTime()
    rate = 100
    buckets = [TokenBucket(db, "test-bucket", rate, chunk=10, clock=time, sleep=time.sleep)
               for _ in range(2)]
    handed_out = []
    rng = random.Random(12)
    bucket = buckets[0]
    for _ in range(1200):
        if rng.random() < 0.15:                    # the other process's turn
            bucket = rng.choice(buckets)
        bucket.take()
        handed_out.append(time())
        if rng.random() < 0.2:
            time.sleep(rng.uniform(0, 0.05))   # busy with something else: slots go stale
    assert max_in_window(handed_out) <= rate
    assert max_in_window(handed_out) >= rate // 2            # and it did run near the limit


def test_a_steady_sender_gets_close_to_the_rate(db):
    time = FakeTime()
    rate = 200
    bucket = TokenBucket(db, "test-bucket", rate, clock=time, sleep=time.sleep)
    handed_out = []
    for _ in range(1000):
        bucket.take()
        handed_out.append(time())
    assert 0.95 * rate <= max_in_window(handed_out) <= rate
    assert len(handed_out) / (handed_out[-1] - handed_out[0]) >= 0.95 * rate


def test_a_bucket_that_was_idle_banks_nothing(db):
    time = FakeTime()
    bucket = TokenBucket(db, "test-bucket", 50, chunk=5, clock=time, sleep=time.sleep)
    bucket.take()
    time.sleep(3600)                                             # an hour with nothing to send
    handed_out = []
    for _ in range(200):
        bucket.take()
        handed_out.append(time())
    assert max_in_window(handed_out) <= 50


def test_a_pause_set_by_one_bucket_is_seen_by_the_others(db, clock):
    one, other = (TokenBucket(db, PUSH_BUCKET, 2000) for _ in range(2))
    until = clock.now + timedelta(seconds=2)
    one.pause(until)
    one.pause(clock.now + timedelta(seconds=1))                 # never shortened
    with db.transaction() as s:
        assert other.read_pause(s) == until
    other.take()                                                 # a reservation reports it too
    assert other.paused_until == until


# -- the clock's singleton lock ----------------------------------------------------------------

@POSTGRES_ONLY
def test_a_second_clock_is_refused_the_lock_while_the_first_holds_it(db_url):
    first_db, second_db = Database(db_url), Database(db_url)
    first, second = ClockLock(first_db), ClockLock(second_db)
    try:
        assert first.acquire() and first.held()
        assert not second.acquire()
        assert not second.acquire() and not second.held()
        first.release()
        assert second.acquire() and second.held()
        assert not first.acquire()
    finally:
        first.release()
        second.release()
        first_db.dispose()
        second_db.dispose()


@POSTGRES_ONLY
def test_a_waiting_clock_says_so_and_takes_over_when_the_first_stops(db_url, caplog):
    first_db, second_db = Database(db_url), Database(db_url)
    first, second = ClockLock(first_db), ClockLock(second_db)
    naps: list[float] = []

    def sleep(seconds: float) -> None:
        naps.append(seconds)
        if len(naps) == 3:
            first.release()                      # the first clock stops

    try:
        assert first.acquire()
        with caplog.at_level(logging.INFO, logger="scheduler.clock"):
            wait_for_lock(second, retry=15, sleep=sleep)
        assert naps == [15, 15, 15] and second.held()
        said = [r.getMessage() for r in caplog.records]
        assert sum("another clock process holds the clock lock" in m for m in said) == 1
        assert any("stays idle" in m for m in said)
        assert any("took the clock lock" in m for m in said)
    finally:
        first.release()
        second.release()
        first_db.dispose()
        second_db.dispose()


@POSTGRES_ONLY
def test_a_clock_whose_connection_dies_knows_it_lost_the_lock(db_url):
    clock_db, other_db = Database(db_url), Database(db_url)
    lock, other = ClockLock(clock_db), ClockLock(other_db)
    try:
        assert lock.acquire()
        with other_db.engine.connect() as conn:
            conn.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                "AND classid = :high AND objid = :low"),
                {"high": CLOCK_LOCK_KEY >> 32, "low": CLOCK_LOCK_KEY & 0xFFFFFFFF})
            conn.commit()
        assert not lock.held()
        assert other.acquire()                   # gone with the session: another may take it
    finally:
        lock.release()
        other.release()
        clock_db.dispose()
        other_db.dispose()


def test_on_sqlite_the_clock_lock_is_always_granted(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'clock.db'}")
    try:
        first, second = ClockLock(db), ClockLock(db)
        assert first.acquire() and second.acquire()
        assert first.held() and second.held()
        first.release()
        second.release()
    finally:
        db.dispose()


# -- the sender process ------------------------------------------------------------------------

class _StubSender:
    """Drains that send 3, fail (database down), then find nothing, then stop."""

    def __init__(self):
        self.results = [DrainResult(sent=3), OperationalError("x", None, Exception("down")),
                        DrainResult(), DrainResult(sent=1)]
        self.drains = 0

    def drain(self):
        self.drains += 1
        outcome = self.results.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


def test_a_sender_process_drains_again_at_once_while_there_is_work_and_naps_when_idle():
    stub, naps = _StubSender(), []
    send_forever(stub, stopping=lambda: not stub.results, sleep=naps.append)
    assert stub.drains == 4
    assert naps == [SEND_ERROR_SECONDS, SEND_IDLE_SECONDS]   # none after a drain that sent


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_sender_processes_are_refused_on_sqlite(runner):
    result = runner.invoke(args=["scheduler", "send"])
    assert result.exit_code != 0 and "need PostgreSQL" in result.output


def test_a_row_refused_before_sending_is_parked_and_the_rest_of_its_batch_goes(
        app, db, clock, fake_line):
    queue_pushes(db, clock, users(5))
    with db.transaction() as s:                # six messages: refused before sending
        enqueue_messages(s, [users(6)[5]], [{"type": "text", "text": "เตือน"}] * 6, clock.now)
    result = sender(app, clock, batch=10).drain()
    assert result.sent == 5 and result.parked == 1
    [bad] = [r for r in rows(db) if r.status is OutboxStatus.PARKED]
    assert bad.last_error.startswith("LINE API transport error: refused before sending")
    assert len(fake_line.calls("push")) == 5


def test_an_interrupted_sender_sends_nothing_more(app, db, clock, fake_line):
    queue_pushes(db, clock, users(5))
    s = sender(app, clock)
    s.interrupt()
    assert s.drain().sent == 0
    assert fake_line.calls("push") == []
    assert all(r.status is OutboxStatus.PENDING and r.attempts == 0 for r in rows(db))
