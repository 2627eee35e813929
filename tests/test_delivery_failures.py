"""No answer lost to a LINE hiccup or a busy database: a failed reply that reports a change is
pushed instead, a locked SQLite answers 503 in time for LINE to redeliver, and /healthz tells a
database that cannot be written from one that can."""
from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bot.services import services
from delivery.line_gateway import SendError
from models import EventStatus, OutboxMessage, Visit, WebhookEvent
from scheduler.jobs import drain_outbox

from .conftest import CHANNEL_SECRET, POSTGRES_URL, build_app
from .line_events import payload, sign, text_event
from .players import actions_in, all_text

MENTOR = "U" + "4" * 32


@pytest.fixture
def mentor(mentor, app):
    services(app).line.timeout = 0.3   # a reply that hangs times out quickly
    return mentor


def to_summary(mentor) -> None:
    mentor.say("รายงานการเยี่ยมบ้าน")
    mentor.tap_through("วันนี้", "ข้ามทั้ง 4 ท", "ไม่พบปัญหาใหม่", "ข้าม", "6 มิ.ย. 2569")
    assert "สรุปการเยี่ยมบ้าน" in mentor.text


def outbox_rows(db) -> list[OutboxMessage]:
    with db.transaction() as s:
        return list(s.scalars(select(OutboxMessage)))


@pytest.mark.parametrize("fault", [{"status": 500}, {"status": 500, "timeout": 0.6},
                                   {"status": 429}, {"status": 400}],
                         ids=["500", "never-answers", "rate-limited", "token-expired"])
def test_a_saved_visit_whose_reply_fails_is_confirmed_by_push(mentor, db, app, fake_line, fault):
    to_summary(mentor)
    fake_line.fail_next(endpoint="replyMessage", **fault)
    assert mentor.tap("ยืนยัน") == []                     # the reply never arrived
    assert len(select_visits(db)) == 1
    assert drain_outbox(services(app)).sent == 1
    pushed = fake_line.sent_messages(MENTOR)[-1:]
    assert "บันทึกการเยี่ยมบ้าน" in all_text(pushed)
    assert fake_line.calls("pushMessage")[-1].json["to"] == MENTOR


def select_visits(db) -> list[Visit]:
    with db.transaction() as s:
        return list(s.scalars(select(Visit)))


@pytest.mark.parametrize("fault", [{"status": 500}, {"status": 500, "timeout": 0.6}],
                         ids=["500", "never-answers"])
def test_a_menu_whose_reply_may_have_arrived_is_not_pushed(mentor, db, fake_line, fault):
    fake_line.fail_next(endpoint="replyMessage", **fault)
    mentor.say("เมนู")
    assert outbox_rows(db) == []      # nothing was saved: the mentor just asks again


def test_a_menu_whose_reply_was_refused_is_pushed(mentor, db, fake_line):
    fake_line.fail_next(endpoint="replyMessage", status=400)
    mentor.say("เมนู")
    [row] = outbox_rows(db)
    assert row.recipients == [MENTOR]


def test_the_fake_refuses_a_reply_token_used_twice(mentor, app, fake_line):
    mentor.say("เมนู")
    token = fake_line.calls("replyMessage")[-1].json["replyToken"]
    with pytest.raises(SendError):
        services(app).line.reply(token, [{"type": "text", "text": "อีกครั้งค่ะ"}])
    assert any("Invalid reply token" in v for v in fake_line.violations())
    fake_line.clear()   # the violation was the point of this test


# -- a database that is locked or cannot be written --------------------------------------------

def test_a_held_sqlite_write_lock_gets_503_within_the_busy_timeout(db_url, fake_line, clock,
                                                                   tmp_path):
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite's database-wide write lock")
    app = build_app(db_url, fake_line, clock, SQLITE_BUSY_TIMEOUT=0.3)
    holder = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        event = text_event("U" + "a" * 32, "สวัสดี", at=clock.now)
        response = post(app, event)
        waited = time.monotonic() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert response.status_code == 503
    assert waited < 2.0             # LINE waits 2 s for an answer
    assert post(app, event).status_code == 200      # LINE's redelivery goes through
    services(app).close()


def test_healthz_says_503_when_sqlite_is_read_only(db_url, fake_line, clock):
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite file opened read-only")
    path = db_url.removeprefix("sqlite:///")
    app = build_app(f"sqlite:///file:{path}?mode=ro&uri=true", fake_line, clock)
    assert app.test_client().get("/healthz").status_code == 503
    services(app).close()
    writable = build_app(db_url, fake_line, clock)
    assert writable.test_client().get("/healthz").status_code == 200
    services(writable).close()


def test_healthz_says_503_when_postgresql_is_read_only(db_url, fake_line, clock):
    if not db_url.startswith("postgresql"):
        pytest.skip("PostgreSQL read-only database")
    app = build_app(db_url, fake_line, clock)
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    name = make_url(db_url).database
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'))
    admin.dispose()
    services(app).db.engine.dispose()        # new connections pick the setting up
    try:
        assert client.get("/healthz").status_code == 503
    finally:
        services(app).close()


def post(app, event):
    body = payload(event)
    return app.test_client().post("/callback", data=body, content_type="application/json",
                                  headers={"X-Line-Signature": sign(CHANNEL_SECRET, body)})


def test_event_threads_are_not_held_by_a_slow_reply(db, app, fake_line, clock):
    """With LINE slow to answer, replies wait in their own threads while one event thread
    goes on handling: eight replies are in LINE's hands at the same moment."""
    from delivery.processing import EventProcessor
    svc = services(app)
    svc.processor = EventProcessor(svc, mode="thread", workers=1, reply_workers=8)
    users = [f"U{n:032x}" for n in range(8)]
    together = threading.Barrier(len(users), timeout=10)   # broken if replies go one by one
    answered = []

    def slow_reply(token, messages):
        together.wait()
        answered.append(token)

    svc.line.reply = slow_reply
    for user in users:
        assert post(app, text_event(user, "สวัสดี", at=clock.now)).status_code == 200
    svc.processor.wait(timeout=20)
    assert len(answered) == len(users)


def _unavailable(*_args, **_kwargs):
    raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))


def test_the_webhook_answers_503_when_the_database_is_unreachable(line, db, clock, monkeypatch):
    import delivery.inbox
    monkeypatch.setattr(delivery.inbox, "record", _unavailable)
    assert line.post(text_event("U" + "a" * 32, "สวัสดี", at=clock.now)).status_code == 503


def test_an_event_whose_database_fails_mid_handling_is_retried_not_apologised_for(
        mentor, db, app, fake_line, clock, monkeypatch):
    import handlers.dispatch
    real = handlers.dispatch.handle
    monkeypatch.setattr(handlers.dispatch, "handle", _unavailable)
    assert mentor.say("เมนู") == []                       # no apology, no answer yet
    with db.transaction() as s:
        [event] = s.scalars(select(WebhookEvent)).all()
        assert event.status is EventStatus.PENDING and event.payload is not None
    monkeypatch.setattr(handlers.dispatch, "handle", real)
    clock.advance(minutes=3)
    assert services(app).processor.recover_stalled() == 1
    menu = [a["label"] for a in actions_in(fake_line.sent_messages(MENTOR))]
    assert "รายงานการเยี่ยมบ้าน" in menu


def test_a_reply_that_never_reached_line_is_pushed(mentor, db, app):
    from delivery.line_gateway import LineGateway
    unreachable = LineGateway("t", "http://127.0.0.1:9", "http://127.0.0.1:9", timeout=0.3)
    services(app).processor.replies.line = unreachable    # nothing listens on port 9
    try:
        mentor.say("เมนู")
    finally:
        unreachable.close()
    [row] = outbox_rows(db)
    assert row.recipients == [MENTOR]


def test_connections_the_server_dropped_cost_no_event(mentor, db, db_url, app, fake_line):
    """The engine has no pre-ping: after PostgreSQL dropped every pooled connection (a
    restart, a failover), the webhook's store and the event's handling each find a dead
    connection, retry once on a fresh one, and the mentor is answered as if nothing happened."""
    if not db_url.startswith("postgresql"):
        pytest.skip("a server that drops its connections")
    mentor.say("เมนู")                                    # the pool now holds connections
    assert services(app).db.engine.pool.checkedin() >= 1
    assert _drop_connections(db_url) >= 1
    answer = mentor.say("เมนู")
    assert "รายงานการเยี่ยมบ้าน" in [a["label"] for a in actions_in(answer)]
    with db.transaction() as s:
        statuses = [e.status for e in s.scalars(select(WebhookEvent))]
    assert statuses == [EventStatus.DONE, EventStatus.DONE]


def test_a_connection_dropped_between_storing_and_handling_costs_no_event(
        mentor, db, db_url, app, monkeypatch):
    """The event processor's own retry: the connections die after the webhook stored the
    event and before the processor takes it up."""
    if not db_url.startswith("postgresql"):
        pytest.skip("a server that drops its connections")
    processor = services(app).processor
    real_submit = processor.submit

    def submit_after_a_restart(events):
        _drop_connections(db_url)
        real_submit(events)

    mentor.say("เมนู")
    monkeypatch.setattr(processor, "submit", submit_after_a_restart)
    answer = mentor.say("เมนู")
    assert "รายงานการเยี่ยมบ้าน" in [a["label"] for a in actions_in(answer)]


def _drop_connections(db_url: str) -> int:
    """What a PostgreSQL restart does to the bot's pooled connections."""
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        dropped = conn.execute(text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = :name AND pid <> pg_backend_pid()"),
            {"name": make_url(db_url).database}).scalar()
    admin.dispose()
    return int(dropped or 0)
