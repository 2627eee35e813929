"""The outbox: queued in the same transaction, sent once with a retry key, retried, never lost."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.services import services
from delivery.outbox import enqueue
from delivery.outbox_sender import OutboxSender
from delivery.postback_codec import PostbackCodec
from delivery.render import Renderer
from handlers.replies import Push, TextReply
from models import OutboxKind, OutboxMessage, OutboxStatus

USER = "U" + "3" * 32


@pytest.fixture
def renderer():
    return Renderer(PostbackCodec("secret"))


@pytest.fixture
def sender(app, clock):
    svc = services(app)
    # Short enough that the fake's 1.5 s delay times out, long enough that a 500-recipient
    # multicast checked against the OpenAPI spec answers in time on a busy 2-core machine.
    svc.line.timeout = 1.0
    return OutboxSender(svc.db, svc.line, clock, max_attempts=4)


def queue(db, renderer, clock, push: Push) -> int:
    with db.transaction() as s:
        return enqueue(s, renderer, push, clock.now)


def rows(db) -> list[OutboxMessage]:
    with db.transaction() as s:
        return list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_a_push_is_sent_once_with_a_retry_key(db, renderer, clock, sender, fake_line):
    queue(db, renderer, clock, Push(to=(USER,), replies=(TextReply("แจ้งเตือน"),)))
    assert sender.drain().sent == 1
    assert sender.drain().sent == 0
    [call] = fake_line.calls("push")
    [row] = rows(db)
    assert call.headers["x-line-retry-key"] == row.retry_key
    assert row.status is OutboxStatus.SENT and row.sent_at == clock.now
    assert [m["text"] for m in fake_line.sent_messages(USER)] == ["แจ้งเตือน"]


def test_the_same_dedupe_key_is_queued_once(db, renderer, clock):
    push = Push(to=(USER,), replies=(TextReply("สรุปประจำวัน"),), dedupe_key="digest:1:2026-05-07")
    assert queue(db, renderer, clock, push) == 1
    assert queue(db, renderer, clock, push) == 0
    assert len(rows(db)) == 1


def test_many_recipients_go_as_multicasts_of_at_most_500(db, renderer, clock, sender, fake_line):
    users = tuple(f"U{n:032x}" for n in range(1, 1202))
    assert queue(db, renderer, clock, Push(to=users, replies=(TextReply("ประกาศ"),))) == 3
    assert [len(r.recipients) for r in rows(db)] == [500, 500, 201]
    assert all(r.kind is OutboxKind.MULTICAST for r in rows(db))
    assert sender.drain().sent == 3
    assert len(fake_line.calls("multicast")) == 3
    assert len(fake_line.sent_messages(users[-1])) == 1


def test_server_errors_are_retried_with_backoff_then_delivered_once(db, renderer, clock, sender,
                                                                    fake_line):
    queue(db, renderer, clock, Push(to=(USER,), replies=(TextReply("เตือน"),)))
    fake_line.fail_next(2, status=500, endpoint="push")
    assert sender.drain().retrying == 1
    [row] = rows(db)
    assert row.status is OutboxStatus.PENDING and row.attempts == 1
    assert row.next_attempt_at > clock.now               # waits; nothing resent at once
    assert sender.drain().sent == 0
    clock.advance(minutes=1)
    assert sender.drain().retrying == 1
    clock.advance(minutes=2)
    assert sender.drain().sent == 1
    assert len(fake_line.sent_messages(USER)) == 1
    keys = {c.headers["x-line-retry-key"] for c in fake_line.calls("push")}
    assert len(keys) == 1                                  # the same key on every attempt


def test_a_timeout_after_delivery_is_not_delivered_twice(db, renderer, clock, sender, fake_line):
    queue(db, renderer, clock, Push(to=(USER,), replies=(TextReply("เตือน"),)))
    fake_line.fail_next(1, timeout=1.5, endpoint="push")   # delivered, but the answer is late
    assert sender.drain().retrying == 1
    clock.advance(minutes=1)
    assert sender.drain().sent == 1                        # LINE says 409: accepted before
    assert len(fake_line.sent_messages(USER)) == 1
    [row] = rows(db)
    assert row.status is OutboxStatus.SENT and row.line_request_id


def test_rate_limit_is_retried(db, renderer, clock, sender, fake_line):
    queue(db, renderer, clock, Push(to=(USER,), replies=(TextReply("เตือน"),)))
    fake_line.fail_next(1, status=429, body={"message": "The API rate limit has been exceeded."},
                        endpoint="push")
    assert sender.drain().retrying == 1
    clock.advance(minutes=1)
    assert sender.drain().sent == 1


def test_spent_monthly_quota_is_held_not_hammered(db, renderer, clock, sender, fake_line):
    queue(db, renderer, clock, Push(to=(USER,), replies=(TextReply("เตือน"),)))
    fake_line.set_quota(limit=10, used=10)
    assert sender.drain().held_for_quota == 1
    assert fake_line.calls("push") == []                  # the quota was read first: no try
    clock.advance(minutes=30)
    assert sender.drain().held_for_quota == 0             # not tried again half an hour later
    fake_line.set_quota(limit=None)
    clock.advance(hours=7)
    assert sender.drain().sent == 1


def test_a_429_monthly_limit_answer_is_held_not_retried_in_a_loop(db, renderer, clock, sender,
                                                                  fake_line):
    queue(db, renderer, clock, Push(to=(USER,), replies=(TextReply("เตือน"),)))
    fake_line.fail_next(1, status=429, endpoint="push")   # LINE's "monthly limit" body
    result = sender.drain()
    assert result.held_for_quota == 1 and result.retrying == 0
    clock.advance(hours=1)
    assert sender.drain().sent == 0
    assert len(fake_line.calls("push")) == 1
    clock.advance(hours=6)
    assert sender.drain().sent == 1


def test_digests_go_first_and_broadcasts_wait_when_quota_is_short(db, renderer, clock, sender,
                                                                  fake_line):
    many = tuple(f"U{n:032x}" for n in range(1, 4))
    queue(db, renderer, clock, Push(to=many, replies=(TextReply("ประกาศ"),), category="broadcast"))
    queue(db, renderer, clock, Push(to=(USER,), replies=(TextReply("สรุปงานวันนี้"),),
                                    category="digest"))
    fake_line.set_quota(limit=100, used=98)               # room for 2 recipients
    result = sender.drain()
    assert result.sent == 1 and result.held_categories == {"broadcast"}
    assert [m["text"] for m in fake_line.sent_messages(USER)] == ["สรุปงานวันนี้"]
    assert fake_line.calls("multicast") == []


def test_quiet_hours_hold_ordinary_messages_and_send_urgent_ones_silently(app, db, renderer,
                                                                          clock, fake_line):
    from scheduler.policy import Policy
    svc = services(app)
    quiet = Policy.from_config(svc.config).is_quiet
    sender = OutboxSender(svc.db, svc.line, clock, is_quiet=quiet)
    clock.now = clock.now.replace(hour=14)                # 21:00 in Bangkok
    queue(db, renderer, clock, Push(to=(USER,), replies=(TextReply("ปกติ"),)))
    queue(db, renderer, clock, Push(to=(USER,), replies=(TextReply("ด่วน"),), urgent=True))
    assert sender.drain().sent == 1
    [call] = fake_line.calls("push")
    assert call.json["messages"][0]["text"] == "ด่วน" and call.json["notificationDisabled"] is True
    clock.advance(hours=10)                               # 07:00 next morning
    assert sender.drain().sent == 1
    assert fake_line.calls("push")[-1].json["messages"][0]["text"] == "ปกติ"


def test_a_message_line_refuses_is_parked_with_its_reason(db, renderer, clock, sender, fake_line,
                                                          runner):
    queue(db, renderer, clock, Push(to=(USER,), replies=(TextReply("เตือน"),)))
    fake_line.fail_next(1, status=400, body={"message": "Failed to send messages"}, endpoint="push")
    assert sender.drain().parked == 1
    [row] = rows(db)
    assert row.status is OutboxStatus.PARKED and "Failed to send messages" in row.last_error
    out = runner.invoke(args=["outbox", "status"]).output
    assert "parked   1" in out and "Failed to send messages" in out


def test_a_message_that_keeps_failing_is_parked_after_max_attempts(db, renderer, clock, sender,
                                                                   fake_line):
    queue(db, renderer, clock, Push(to=(USER,), replies=(TextReply("เตือน"),)))
    fake_line.fail_next(10, status=503, endpoint="push")
    for _ in range(4):
        sender.drain()
        clock.advance(hours=2)
    [row] = rows(db)
    assert row.status is OutboxStatus.PARKED and row.attempts == 4
    assert fake_line.sent_messages(USER) == []


def test_two_senders_at_once_send_each_message_once(app, db, renderer, clock, fake_line):
    import threading
    svc = services(app)
    for n in range(30):
        queue(db, renderer, clock, Push(to=(f"U{n:032x}",), replies=(TextReply("เตือน"),)))
    senders = [OutboxSender(svc.db, svc.line, clock, batch=5) for _ in range(2)]
    threads = [threading.Thread(target=s.drain) for s in senders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(fake_line.calls("push")) == 30
    assert all(r.status is OutboxStatus.SENT for r in rows(db))


def test_drain_command_sends_what_is_due(db, renderer, clock, fake_line, runner):
    queue(db, renderer, clock, Push(to=(USER,), replies=(TextReply("เตือน"),)))
    result = runner.invoke(args=["outbox", "drain"])
    assert "sent 1" in result.output
    assert len(fake_line.sent_messages(USER)) == 1
