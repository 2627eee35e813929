"""Stored events: recovery without double handling, per-user order across requests, failed
events keep no text, unreadable events are skipped, and /healthz does not take the write lock."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import select

import handlers.dispatch
from bot.services import services
from delivery import inbox
from delivery.processing import EventProcessor
from models import EventStatus, WebhookEvent

from .line_events import text_event

STRANGER = "U" + "a" * 32


def record(app, *events) -> list[int]:
    svc = services(app)
    with svc.db.transaction() as s:
        return [e.id for e in inbox.record(s, list(events), svc.clock())]


def the_event(db, event_id) -> WebhookEvent:
    with db.transaction() as s:
        return s.get(WebhookEvent, event_id)


def test_an_event_being_processed_is_not_picked_up_again_after_three_minutes(app, db, fake_line,
                                                                            clock):
    raw = text_event(STRANGER, "สวัสดี", at=clock.now)
    fake_line.register_reply_token(raw["replyToken"], STRANGER)
    [event_id] = record(app, raw)
    with db.transaction() as s:                       # a worker claims it and is still busy
        assert inbox.claim(s, event_id, clock.now)
    clock.advance(minutes=3)
    services(app).processor.recover_stalled()
    assert fake_line.calls("reply") == []
    assert the_event(db, event_id).status is EventStatus.PROCESSING


def test_a_claimed_event_whose_worker_died_is_recovered_after_five_minutes(app, db, fake_line,
                                                                           clock):
    raw = text_event(STRANGER, "สวัสดี", at=clock.now)
    fake_line.register_reply_token(raw["replyToken"], STRANGER)
    [event_id] = record(app, raw)
    with db.transaction() as s:
        assert inbox.claim(s, event_id, clock.now)
    clock.advance(minutes=6)
    assert services(app).processor.recover_stalled() == 1
    assert the_event(db, event_id).status is EventStatus.DONE
    assert len(fake_line.calls("reply")) == 1


def test_a_pending_event_is_recovered_after_two_minutes(app, db, fake_line, clock):
    raw = text_event(STRANGER, "สวัสดี", at=clock.now)
    fake_line.register_reply_token(raw["replyToken"], STRANGER)
    [event_id] = record(app, raw)
    clock.advance(minutes=1)
    assert services(app).processor.recover_stalled() == 0
    clock.advance(minutes=2)
    assert services(app).processor.recover_stalled() == 1
    assert the_event(db, event_id).status is EventStatus.DONE


def test_giving_up_on_an_event_drops_its_text(app, db, fake_line, clock):
    [event_id] = record(app, text_event(STRANGER, "ข้อความส่วนตัว", at=clock.now))
    with db.transaction() as s:
        s.get(WebhookEvent, event_id).attempts = 3
    clock.advance(minutes=3)
    services(app).processor.recover_stalled()
    event = the_event(db, event_id)
    assert event.status is EventStatus.FAILED and event.payload is None


def test_a_failed_event_keeps_no_text(line, db, fake_line, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(handlers.dispatch, "handle", broken)
    assert line.post(text_event(STRANGER, "ข้อความส่วนตัว")).status_code == 200
    with db.transaction() as s:
        [event] = s.scalars(select(WebhookEvent)).all()
    assert event.status is EventStatus.FAILED and event.payload is None


def test_a_failed_event_is_failed_in_the_transaction_that_claimed_it(line, db, fake_line,
                                                                     monkeypatch):
    """The failure is recorded while the user's lock is held: one try, one apology."""
    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(handlers.dispatch, "handle", broken)
    assert line.post(text_event(STRANGER, "สวัสดี")).status_code == 200
    with db.transaction() as s:
        [event] = s.scalars(select(WebhookEvent)).all()
    assert (event.status, event.attempts, event.error) == (EventStatus.FAILED, 1, "RuntimeError")
    assert len(fake_line.sent_messages(STRANGER)) == 1


def test_a_database_failure_counts_the_try_so_recovery_gives_up(app, line, db, fake_line,
                                                                clock, monkeypatch):
    from sqlalchemy.exc import OperationalError

    def unavailable(*_args, **_kwargs):
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    monkeypatch.setattr(handlers.dispatch, "handle", unavailable)
    assert line.post(text_event(STRANGER, "สวัสดี")).status_code == 200
    processor = services(app).processor
    for _ in range(3):
        clock.advance(minutes=3)
        processor.recover_stalled()
    with db.transaction() as s:
        [event] = s.scalars(select(WebhookEvent)).all()
    assert event.status is EventStatus.FAILED and event.attempts == 3
    assert event.payload is None


@pytest.mark.parametrize("workers", [1, 4])
def test_events_of_one_user_from_separate_requests_are_handled_in_timestamp_order(
        app, db, fake_line, clock, monkeypatch, workers):
    handled: list[str] = []
    original = handlers.dispatch.handle

    def recording(session, incoming, ctx):
        handled.append(incoming.text)
        return original(session, incoming, ctx)

    monkeypatch.setattr(handlers.dispatch, "handle", recording)
    svc = services(app)
    svc.processor.shutdown()
    svc.processor = EventProcessor(svc, mode="thread", workers=workers)
    earlier = text_event(STRANGER, "ที่หนึ่ง", at=clock.now)
    later = text_event(STRANGER, "ที่สอง", at=clock.now + timedelta(seconds=2))
    for raw in (earlier, later):
        fake_line.register_reply_token(raw["replyToken"], STRANGER)
    # Two webhook requests, both stored; the later event's request reaches the pool first.
    [later_id] = record(app, later)
    [earlier_id] = record(app, earlier)
    svc.processor.submit([inbox.Stored(later_id, STRANGER)])
    svc.processor.submit([inbox.Stored(earlier_id, STRANGER)])
    svc.processor.wait(timeout=20)
    assert handled == ["ที่หนึ่ง", "ที่สอง"]
    assert {the_event(db, i).status for i in (earlier_id, later_id)} == {EventStatus.DONE}


@pytest.mark.parametrize("timestamp", ["soon", None, {"at": 1}, 10 ** 30])
def test_an_event_with_an_unreadable_timestamp_is_skipped(line, db, fake_line, timestamp):
    bad = text_event(STRANGER, "สวัสดี")
    bad["timestamp"] = timestamp
    good = text_event("U" + "b" * 32, "สวัสดี")
    assert line.post(bad, good).status_code == 200
    with db.transaction() as s:
        stored = s.scalars(select(WebhookEvent)).all()
    assert [e.line_user_id for e in stored] == ["U" + "b" * 32]
    assert fake_line.sent_messages(STRANGER) == []


def test_an_event_with_an_unreadable_source_is_skipped(line, db):
    bad = text_event(STRANGER, "สวัสดี")
    bad["source"] = "user"
    del bad["replyToken"]   # (the test channel registers tokens by source.userId)
    assert line.post(bad).status_code == 200
    with db.transaction() as s:
        assert s.scalars(select(WebhookEvent)).all() == []


def test_healthz_opens_no_write_transaction(client, app):
    engine = services(app).db.engine
    begun = []

    def on_begin(conn):
        begun.append(conn)

    sa_event.listen(engine, "begin", on_begin)
    try:
        assert client.get("/healthz").status_code == 200
    finally:
        sa_event.remove(engine, "begin", on_begin)
    assert begun == []


def test_healthz_answers_while_another_writer_holds_sqlite(client, app, db_url):
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite's database-wide write lock")
    import sqlite3
    holder = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None,
                             check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    try:
        result = {}
        thread = threading.Thread(target=lambda: result.setdefault(
            "status", client.get("/healthz").status_code))
        thread.start()
        thread.join(timeout=5)
        assert result.get("status") == 200
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        thread.join()
