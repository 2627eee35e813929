"""POST /callback: signature first, exactly-once per webhookEventId, quiet for what we ignore."""
from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import func, select

from bot import create_app
from bot.services import services
from bot.webhook import signature_ok
from delivery.config import ConfigError
from models import EventStatus, WebhookEvent

from .conftest import CHANNEL_SECRET
from .line_events import base_event, payload, sign, text_event

STRANGER = "U" + "a" * 32


def stored_events(db) -> list[WebhookEvent]:
    with db.transaction() as s:
        return list(s.scalars(select(WebhookEvent)))


def test_signature_matches_lines_test_vector():
    assert signature_ok("channel_secret", b"bodybodybodybody",
                        "/gg9a+LvFevTH1sd7XCQycD7tsWclCsInj7MhBHxN7k=")
    assert not signature_ok("channel_secret", b"bodybodybodybodx",
                            "/gg9a+LvFevTH1sd7XCQycD7tsWclCsInj7MhBHxN7k=")


@pytest.mark.parametrize("headers", [{}, {"X-Line-Signature": "bm90IGEgc2lnbmF0dXJl"}])
def test_missing_or_wrong_signature_is_rejected_and_nothing_happens(client, db, fake_line, headers):
    body = payload(text_event(STRANGER, "สวัสดี"))
    response = client.post("/callback", data=body, headers=headers,
                           content_type="application/json")
    assert response.status_code == 400
    assert stored_events(db) == []
    assert fake_line.requests == []


def test_signature_from_another_secret_is_rejected(line, db, fake_line):
    response = line.post(text_event(STRANGER, "สวัสดี"), secret="someone-else")
    assert response.status_code == 400
    assert stored_events(db) == [] and fake_line.requests == []


def test_signed_body_that_is_not_json_is_rejected(line, db):
    assert line.post(body=b"{not json").status_code == 400
    assert line.post(body=b'{"destination": "U1"}').status_code == 400
    assert stored_events(db) == []


def test_verification_call_with_no_events_is_ok(line, fake_line):
    response = line.post(body=b'{"destination":"U0123456789abcdef0123456789abcdef","events":[]}')
    assert response.status_code == 200
    assert fake_line.requests == []


@pytest.mark.parametrize("fixture_event", [
    {"type": "unsend", "unsend": {"messageId": "325708"}},
    {"type": "videoPlayComplete", "videoPlayComplete": {"trackingId": "track-1"}},
    {"type": "beacon", "beacon": {"hwid": "d41d8cd98f", "type": "enter"}},
])
def test_events_the_bot_does_not_handle_are_acknowledged_and_ignored(line, db, fake_line,
                                                                      fixture_event):
    event = {**base_event("message", STRANGER), **fixture_event}
    assert line.post(event).status_code == 200
    assert stored_events(db) == []
    assert fake_line.requests == []


def test_group_messages_are_ignored(line, db, fake_line):
    event = text_event(STRANGER, "สวัสดี")
    event["source"] = {"type": "group", "groupId": "C" + "1" * 32, "userId": STRANGER}
    assert line.post(event).status_code == 200
    assert stored_events(db) == [] and fake_line.requests == []


def test_standby_events_are_not_answered(line, db, fake_line):
    assert line.post(text_event(STRANGER, "สวัสดี", mode="standby")).status_code == 200
    assert fake_line.requests == []


def test_stranger_gets_how_to_register_and_the_event_is_done_without_its_text(line, db, fake_line):
    assert line.post(text_event(STRANGER, "สวัสดีครับ")).status_code == 200
    [reply] = fake_line.sent_messages(STRANGER)
    assert "รหัสลงทะเบียน" in reply["text"]
    [event] = stored_events(db)
    assert event.status is EventStatus.DONE
    assert event.payload is None   # the message text is not kept


def test_redelivered_event_is_acknowledged_but_not_processed_again(line, db, fake_line):
    event = text_event(STRANGER, "สวัสดี")
    assert line.post(event).status_code == 200
    redelivery = json.loads(json.dumps(event))
    redelivery["deliveryContext"]["isRedelivery"] = True
    assert line.post(redelivery).status_code == 200
    assert len(fake_line.calls("reply")) == 1
    assert len(stored_events(db)) == 1


def test_events_of_one_request_are_handled_in_timestamp_order(line, db, fake_line, clock):
    from datetime import timedelta
    later = text_event(STRANGER, "ที่สอง", at=clock.now + timedelta(seconds=5))
    earlier = text_event(STRANGER, "ที่หนึ่ง", at=clock.now)
    assert line.post(later, earlier).status_code == 200
    tokens = [r.json["replyToken"] for r in fake_line.calls("reply")]
    assert tokens == [earlier["replyToken"], later["replyToken"]]


def test_the_same_event_racing_in_two_workers_is_processed_once(app, second_worker, fake_line):
    """Two app instances (as two gunicorn workers) receive the same delivery at once."""
    second = second_worker
    event = text_event(STRANGER, "สวัสดี")
    fake_line.register_reply_token(event["replyToken"], STRANGER)
    body = payload(event)
    headers = {"X-Line-Signature": sign(CHANNEL_SECRET, body)}
    barrier = threading.Barrier(2)
    statuses = []

    def deliver(worker):
        client = worker.test_client()
        barrier.wait()
        statuses.append(client.post("/callback", data=body, headers=headers,
                                    content_type="application/json").status_code)

    threads = [threading.Thread(target=deliver, args=(w,)) for w in (app, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200, 200]
    assert len(fake_line.calls("reply")) == 1
    with services(app).db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(WebhookEvent)) == 1


def test_thread_mode_answers_first_and_processes_in_the_background(app, fake_line, line):
    svc = services(app)
    svc.processor.shutdown()
    from delivery.processing import EventProcessor
    svc.processor = EventProcessor(svc, mode="thread", workers=2)
    assert line.post(text_event(STRANGER, "สวัสดี")).status_code == 200
    svc.processor.wait(timeout=10)
    assert len(fake_line.sent_messages(STRANGER)) == 1


def test_a_failing_handler_marks_the_event_failed_and_apologises(line, db, fake_line, monkeypatch):
    import handlers.dispatch

    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(handlers.dispatch, "handle", broken)
    assert line.post(text_event(STRANGER, "สวัสดี")).status_code == 200
    [reply] = fake_line.sent_messages(STRANGER)
    assert "ขออภัย" in reply["text"]
    [event] = stored_events(db)
    assert event.status is EventStatus.FAILED and event.error == "RuntimeError"


def test_expired_reply_token_falls_back_to_the_outbox(line, db, fake_line):
    from models import OutboxMessage
    event = text_event(STRANGER, "สวัสดี")
    fake_line.fail_next(1, status=400, body={"message": "Invalid reply token"}, endpoint="reply")
    assert line.post(event).status_code == 200
    with db.transaction() as s:
        [queued] = s.scalars(select(OutboxMessage)).all()
        assert queued.recipients == [STRANGER]
        assert "รหัสลงทะเบียน" in queued.messages[0]["text"]


def test_web_process_refuses_to_start_without_line_credentials(monkeypatch):
    monkeypatch.delenv("LINE_CHANNEL_SECRET", raising=False)
    monkeypatch.delenv("LINE_CHANNEL_ACCESS_TOKEN", raising=False)
    with pytest.raises(ConfigError, match="LINE_CHANNEL_SECRET"):
        create_app({"DATABASE_URL": "sqlite://"})


def test_healthz_reports_the_database(client, app):
    assert client.get("/healthz").status_code == 200
    services(app).db.engine.dispose()
    from sqlalchemy import create_engine
    services(app).db.engine = create_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert client.get("/healthz").status_code == 503
