"""Property-based tests (hypothesis) over the webhook and the conversations.

Whatever LINE, a stranger or a clumsy thumb sends: never a 5xx for input, never an unhandled
exception in processing, every reply within LINE's limits (the fake checks each request
against LINE's OpenAPI spec), each reply token used at most once, and the database consistent.
Examples are bounded so that CI stays quick; HYPOTHESIS_EXAMPLES raises the count locally.
"""
from __future__ import annotations

import itertools
import json
import logging
import os
import secrets
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.services import services
from handlers.conversations.flows import FLOWS
from models import (
    Assignment,
    Case,
    CaseEvent,
    ConversationState,
    EventStatus,
    Role,
    Visit,
    WebhookEvent,
)
from scheduler.jobs import drain_outbox

from . import factories
from .line_events import base_event, payload, postback_event, sign
from .players import Player, actions_in

START = datetime(2026, 5, 7, 3, 0, tzinfo=UTC)   # 10:00 in Bangkok
EXAMPLES = int(os.environ.get("HYPOTHESIS_EXAMPLES", "40"))
PROPERTY = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow, HealthCheck.data_too_large])

MENTORS = ["U" + "1" * 32, "U" + "2" * 32]
COORDINATOR = "U" + "3" * 32
STRANGER = "U" + "9" * 32
USERS = [*MENTORS, COORDINATOR, STRANGER]

# Text people type: Thai with its combining marks, Thai digits, emoji, and the odd control char.
THAI = "".join(chr(c) for c in range(0x0E01, 0x0E5C))
typed_text = st.one_of(
    st.text(alphabet=THAI + "๐๑๒๓๔๕๖๗๘๙0123456789 /-.😀👍🏽\u200b\x00\n", max_size=60),
    st.sampled_from(["เมนู", "ยกเลิก", "ข้าม", "ทำต่อ", "บ้านที่ดูแล", "รายงานการเยี่ยมบ้าน",
                     "แผนพัฒนาครัวเรือน", "เรื่องที่ส่งต่อ", "เรื่องรอดำเนินการ", "สรุปอำเภอ",
                     "สรุปรายเดือน",
                     "๗/๕/๒๕๖๙", "31/2/2569", "ACDE-3456", "0812345678"]),
    st.text(max_size=20),
    st.just("ก" * 6000),                                  # over LINE's own 5,000 limit
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                 max_size=3),
    max_leaves=8)


@pytest.fixture
def people(db, clock):
    with db.transaction() as s:
        for n, user in enumerate(MENTORS):
            mentor = factories.person(s, name=f"นายพี่เลี้ยง ทดสอบ{n}", phone=f"081000000{n}",
                                      line_user_id=user)
            for k in range(n + 1):
                factories.household(s, mentor, house_id=f"4201000{n}{k:03d}",
                                    head=f"นางหัวหน้า ครัวเรือน{n}{k}",
                                    now=clock.now - timedelta(days=40))
        factories.person(s, name="นางสาวผู้ประสาน งานอำเภอ", role=Role.COORDINATOR,
                         phone=None, line_user_id=COORDINATOR)


def post(client, body: bytes):
    return client.post("/callback", data=body, content_type="application/json",
                       headers={"X-Line-Signature": sign("test-channel-secret", body)})


def assert_consistent(db, caplog) -> None:
    """The invariants every example ends with."""
    with db.transaction() as s:
        for state in s.scalars(select(ConversationState)):
            if state.flow is None:
                assert state.step is None, state.line_user_id
            else:
                assert state.flow in FLOWS and state.step in FLOWS[state.flow].steps
        statuses = set(s.scalars(select(WebhookEvent.status)))
        assert statuses <= {EventStatus.DONE}, statuses
        # Every visit is by a mentor the household was assigned to, every case has its trail.
        assigned = set(s.execute(select(Assignment.household_id, Assignment.mentor_id)).all())
        for visit in s.scalars(select(Visit)):
            assert (visit.household_id, visit.mentor_id) in assigned, visit.id
        with_trail = set(s.scalars(select(CaseEvent.case_id)))
        assert set(s.scalars(select(Case.id))) <= with_trail
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert failures == [], [r.getMessage() for r in failures]


# -- arbitrary bodies ---------------------------------------------------------------------------

@PROPERTY
@given(body=st.one_of(st.binary(max_size=300),
                      json_values.map(lambda v: json.dumps(v).encode()),
                      st.lists(json_values, max_size=4).map(
                          lambda events: json.dumps({"events": events}).encode())))
def test_any_signed_body_gets_200_or_400(client, db, fake_line, caplog, body):
    caplog.clear()
    assert post(client, body).status_code in (200, 400)
    assert client.post("/callback", data=body).status_code == 400    # unsigned
    assert_consistent(db, caplog)


# -- LINE-shaped events with unknown, missing and mistyped fields -------------------------------

def _message(kind: str) -> dict:
    message = {"id": str(secrets.randbelow(10**12)), "type": kind, "quoteToken": "q" * 20}
    extra = {"text": {"text": "สวัสดีค่ะ"},
             "sticker": {"packageId": "1", "stickerId": "1", "stickerResourceType": "STATIC"},
             "image": {"contentProvider": {"type": "line"}},
             "video": {"duration": 1000, "contentProvider": {"type": "line"}},
             "audio": {"duration": 1000, "contentProvider": {"type": "line"}},
             "file": {"fileName": "a.pdf", "fileSize": 10},
             "location": {"title": "บ้าน", "address": "เลย", "latitude": 17.4,
                          "longitude": 101.7}}
    message.update(extra.get(kind, {}))
    return message


@st.composite
def line_events(draw) -> dict:
    event_type = draw(st.sampled_from(["message", "postback", "follow", "unfollow", "unsend",
                                       "join", "leave", "memberJoined", "beacon",
                                       "accountLink", "videoPlayComplete", "brandNew"]))
    user = draw(st.sampled_from(USERS))
    event = base_event(event_type, user, mode=draw(st.sampled_from(["active"] * 4
                                                                    + ["standby"])))
    if event_type == "message":
        event["message"] = _message(draw(st.sampled_from(
            ["text"] * 4 + ["sticker", "image", "video", "audio", "file", "location",
                            "hologram"])))
        if event["message"]["type"] == "text":
            event["message"]["text"] = draw(typed_text)
    elif event_type == "postback":
        event["postback"] = {"data": draw(st.text(max_size=40) | st.just("m1.e30.xxx"))}
        if draw(st.booleans()):
            event["postback"]["params"] = draw(st.dictionaries(
                st.sampled_from(["date", "time", "datetime", "x"]), json_values, max_size=2))
    elif event_type == "follow":
        event["follow"] = {"isUnblocked": draw(st.booleans())}
    source_kind = draw(st.sampled_from(["user"] * 6 + ["group", "room"]))
    if source_kind != "user":
        event["source"] = {"type": source_kind, f"{source_kind}Id": "C" + "0" * 32,
                           "userId": user}
    for _ in range(draw(st.integers(0, 3))):   # mangle: drop, retype or add fields
        path = draw(st.sampled_from(["type", "mode", "timestamp", "source", "webhookEventId",
                                     "deliveryContext", "replyToken", "message", "postback",
                                     "unknownField"]))
        target = event
        if path in ("message", "postback") and isinstance(event.get(path), dict) \
                and draw(st.booleans()):
            target, path = event[path], draw(st.sampled_from(
                ["type", "text", "id", "data", "params", "quoteToken", "emojis"]))
        if draw(st.booleans()):
            target.pop(path, None)
        else:
            target[path] = draw(json_values)
    return event


@PROPERTY
@given(events=st.lists(line_events(), min_size=1, max_size=5))
def test_line_shaped_events_never_fail(client, db, fake_line, people, caplog, events):
    fake_line.clear()
    caplog.clear()
    for event in events:
        source = event.get("source")
        if isinstance(event.get("replyToken"), str) and isinstance(source, dict) \
                and isinstance(source.get("userId"), str):
            fake_line.register_reply_token(event["replyToken"], source["userId"])
    assert post(client, payload(*events)).status_code == 200
    assert_consistent(db, caplog)
    fake_line.assert_no_violations()


# -- random conversations of several registered people ------------------------------------------

ACTIONS = ["tap", "tap", "tap", "tap", "type", "stale", "sticker", "image", "wait", "drain"]
_example = itertools.count(1)


def fresh_people(db, clock) -> list[str]:
    """Two mentors and their coordinator in a district of their own, so that every example
    starts from the same state (hypothesis replays examples and needs the same answers)."""
    n = next(_example)
    district = f"อำเภอทดสอบ{n}"
    users = [f"U{n:08x}{k:024x}" for k in range(3)]
    with db.transaction() as s:
        for k, user in enumerate(users[:2]):
            mentor = factories.person(s, name=f"นายพี่เลี้ยง ทดสอบ{k}", phone=f"08{n:06d}{k}{k}",
                                      district=district, line_user_id=user)
            for h in range(k + 1):
                factories.household(s, mentor, house_id=f"42{n:05d}{k}{h:03d}",
                                    head=f"นางหัวหน้า ครัวเรือน{k}{h}",
                                    now=clock.now - timedelta(days=40))
        factories.person(s, name="นางสาวผู้ประสาน งานอำเภอ", role=Role.COORDINATOR,
                         phone=None, district=district, line_user_id=users[2])
    return users


def pick(data, items: list, label: str):
    return items[data.draw(st.integers(0, len(items) - 1), label=label)]


@PROPERTY
@given(data=st.data())
def test_random_conversations_keep_every_invariant(app, client, db, line, fake_line, clock,
                                                   caplog, data):
    clock.now = START
    fake_line.clear()
    caplog.clear()
    players = [Player(line, fake_line, user, clock) for user in fresh_people(db, clock)]
    for _ in range(data.draw(st.integers(5, 25), label="steps")):
        player = pick(data, players, "who")
        action = pick(data, ACTIONS, "action")
        if action == "tap":
            offered = actions_in(player.last) or actions_in(fake_line.sent_messages(player.user_id))
            if not offered:
                player.say("เมนู")
                continue
            tap(player, pick(data, offered, "button"), data)
        elif action == "type":
            player.say(data.draw(typed_text, label="text"))
        elif action == "stale":
            every = actions_in(fake_line.sent_messages(player.user_id))
            if every:
                tap(player, pick(data, every, "old button"), data)
        elif action == "sticker":
            player.sticker()
        elif action == "image":
            player.image()
        elif action == "wait":
            clock.advance(minutes=pick(data, [1, 31, 60 * 24], "wait"))
        elif action == "drain":
            drain_outbox(services(app))
    assert_consistent(db, caplog)
    fake_line.assert_no_violations()


def tap(player: Player, action: dict, data) -> None:
    """Tap exactly this action (labels repeat across cards, so not by label)."""
    if action["type"] == "message":
        player.say(action["text"])
    elif action["type"] == "postback":
        player._send(postback_event(player.user_id, action["data"], at=player.clock.now))
    elif action["type"] == "datetimepicker":
        picked = data.draw(st.one_of(
            st.dates(date(2025, 1, 1), date(2027, 12, 31)).map(lambda d: {"date": d.isoformat()}),
            st.just({"date": "2026-02-30"}), st.just({"datetime": "2026-05-05T10:00"})),
            label="picked")
        player._send(postback_event(player.user_id, action["data"], picked,
                                    at=player.clock.now))
