"""Nothing lost to a bad neighbour: malformed events are skipped one by one, events the SDK
refuses are still answered, impossible picker dates are asked again, and control characters
never reach the database."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from models import Visit, WebhookEvent

from .line_events import base_event, payload, postback_event, sign, text_event
from .players import all_text

MENTOR = "U" + "4" * 32
STRANGER = "U" + "a" * 32
HOW_TO_REGISTER = "รหัสลงทะเบียน"


def stored(db) -> list[WebhookEvent]:
    with db.transaction() as s:
        return list(s.scalars(select(WebhookEvent)))


def post_raw(client, body: bytes, secret: str = "test-channel-secret"):
    return client.post("/callback", data=body, content_type="application/json",
                       headers={"X-Line-Signature": sign(secret, body)})


def good_text(clock, user=STRANGER, text="สวัสดี"):
    return text_event(user, text, at=clock.now)


@pytest.mark.parametrize("mangle", [
    lambda e: e.__setitem__("type", ["message"]),
    lambda e: e.__setitem__("type", {"a": 1}),
    lambda e: e.__setitem__("deliveryContext", "yes"),
    lambda e: e.__setitem__("deliveryContext", [True]),
    lambda e: e.__setitem__("source", "user"),
    lambda e: e.__setitem__("mode", ["active"]),
    lambda e: e.__setitem__("webhookEventId", {"id": 1}),
    lambda e: e.__setitem__("timestamp", [1]),
    lambda e: e.__setitem__("message", "text"),
], ids=["type-list", "type-object", "context-string", "context-list", "source-string",
        "mode-list", "id-object", "timestamp-list", "message-string"])
def test_one_malformed_event_does_not_fail_the_good_ones(line, client, db, fake_line, clock,
                                                         mangle):
    bad = good_text(clock, user="U" + "b" * 32)
    mangle(bad)
    good = good_text(clock)
    response = line.post(bad, good)
    assert response.status_code == 200
    assert HOW_TO_REGISTER in all_text(fake_line.sent_messages(STRANGER))


def test_deep_nesting_and_non_objects_are_skipped_and_the_rest_answered(client, db, fake_line,
                                                                       clock):
    good = good_text(clock)
    fake_line.register_reply_token(good["replyToken"], STRANGER)
    deep = "[" * 100_000 + "]" * 100_000          # beyond what any JSON parser recurses into
    body = ('{"destination":"U0","events":[' + deep + ',7,"x",null,'
            + json.dumps(good) + "]}").encode()
    assert post_raw(client, body).status_code == 200
    assert [e.webhook_event_id for e in stored(db)] == [good["webhookEventId"]]
    assert HOW_TO_REGISTER in all_text(fake_line.sent_messages(STRANGER))


def test_an_event_nested_too_deep_to_be_a_line_event_is_skipped(line, db, fake_line, clock):
    bad = good_text(clock, user="U" + "b" * 32)
    node: dict = {}
    bad["message"]["extra"] = node
    for _ in range(200):
        node["n"] = node = {}
    good = good_text(clock)
    assert line.post(bad, good).status_code == 200
    assert [e.webhook_event_id for e in stored(db)] == [good["webhookEventId"]]


@pytest.mark.parametrize("body", [b"not json", b"[1,2]", b'{"events": {}}', b'{"x": 1}',
                                  b"\xff\xfe{}", b'{"events": [1, '])
def test_a_body_that_is_no_line_payload_is_400(client, db, body):
    assert post_raw(client, body).status_code == 400
    assert stored(db) == []


def test_a_huge_body_is_refused_before_its_signature_is_checked(client, db):
    body = b'{"events": [' + b" " * (20 * 1024 * 1024) + b"]}"
    response = client.post("/callback", data=body, content_type="application/json",
                           headers={"X-Line-Signature": "forged"})
    assert response.status_code == 413
    assert stored(db) == []


def test_a_user_source_without_user_id_is_ignored(line, db, fake_line, clock):
    event = good_text(clock)
    del event["source"]["userId"]
    assert line.post(event, good_text(clock, user="U" + "c" * 32)).status_code == 200
    assert [e.line_user_id for e in stored(db)] == ["U" + "c" * 32]


def test_a_redelivery_flag_of_the_wrong_type_is_read_as_a_first_delivery(line, db, clock):
    event = good_text(clock)
    event["deliveryContext"] = "true"
    line.post(event)
    [row] = stored(db)
    assert row.is_redelivery is False


# -- events the SDK refuses, answered from their raw fields ------------------------------------

def mid_visit(mentor) -> str:
    mentor.say("รายงานการเยี่ยมบ้าน")
    question = mentor.text
    assert "ไปเยี่ยมบ้านวันไหน" in question
    return question


def test_a_sticker_of_a_resource_type_the_sdk_does_not_know_gets_the_question_again(mentor,
                                                                                    clock):
    mid_visit(mentor)
    event = base_event("message", MENTOR, at=clock.now)
    event["message"] = {"id": "901", "type": "sticker", "packageId": "1", "stickerId": "1",
                        "stickerResourceType": "HOLOGRAM_3D", "quoteToken": "q1"}
    mentor._send(event)
    assert "ไปเยี่ยมบ้านวันไหน" in mentor.text
    assert "วันนี้" in " ".join(mentor.labels())


def test_a_video_without_quote_token_gets_the_question_again(mentor, clock):
    mid_visit(mentor)
    event = base_event("message", MENTOR, at=clock.now)
    event["message"] = {"id": "902", "type": "video", "duration": 3000,
                        "contentProvider": {"type": "line"}}
    mentor._send(event)
    assert "ไปเยี่ยมบ้านวันไหน" in mentor.text


def test_a_message_type_line_has_not_invented_yet_is_answered(mentor, clock):
    event = base_event("message", MENTOR, at=clock.now)
    event["message"] = {"id": "903", "type": "hologram", "quoteToken": "q"}
    mentor._send(event)
    assert "เลือกจากเมนู" in mentor.text


def test_a_text_message_the_sdk_refuses_is_still_read_as_text(mentor, clock):
    event = text_event(MENTOR, "เมนู", at=clock.now)
    del event["message"]["quoteToken"]               # the SDK 3.27 refuses this
    mentor._send(event)
    assert "รายงานการเยี่ยมบ้าน" in mentor.labels()


# -- the date picker's own answer can be impossible --------------------------------------------

@pytest.mark.parametrize("params", [{"date": "2026-02-30"}, {"date": "garbage"},
                                    {"datetime": "2026-05-05T10:00"},
                                    {"date": "2026-05-05T10:00"}, {}])
def test_an_impossible_picked_date_is_asked_again(mentor, db, clock, params):
    mid_visit(mentor)
    picker = mentor.find("เลือกวันที่")
    mentor._send(postback_event(MENTOR, picker["data"], params, at=clock.now))
    assert "วันที่ที่เลือกไม่ถูกต้อง" in mentor.text
    assert "ไปเยี่ยมบ้านวันไหน" in mentor.text
    mentor.tap("วันนี้")                              # and the visit goes on
    assert "ทัศนคติ" in mentor.text


# -- control characters ------------------------------------------------------------------------

def test_a_nul_byte_in_a_typed_answer_is_stripped_and_the_visit_saves(mentor, db, clock):
    mid_visit(mentor)
    mentor.tap("วันนี้")
    mentor.say("อยาก\x00มีรายได้\x07เพิ่ม")
    mentor.tap_through("ข้าม", "ข้าม", "ข้าม", "ไม่พบปัญหาใหม่", "ข้าม", "6 มิ.ย. 2569", "ยืนยัน")
    assert "บันทึกการเยี่ยมบ้าน" in mentor.text
    with db.transaction() as s:
        [visit] = s.scalars(select(Visit)).all()
        assert visit.attitude == "อยากมีรายได้เพิ่ม"


def test_a_lone_surrogate_and_nul_in_any_field_never_reach_the_database(client, db, clock,
                                                                       fake_line):
    event = good_text(clock, text="กขค")    # a marker no id or token can contain
    fake_line.register_reply_token(event["replyToken"], STRANGER)
    body = payload(event).replace("กขค".encode(), b"\\u0e01\\u0000\\ud800\\u0e04")
    assert post_raw(client, body).status_code == 200
    assert HOW_TO_REGISTER in all_text(fake_line.sent_messages(STRANGER))


def test_skipped_events_are_counted_in_the_log_without_their_content(client, db, clock,
                                                                    caplog, fake_line):
    bad_id = good_text(clock, user="U" + "b" * 32, text="ข้อความส่วนตัว")
    bad_id["webhookEventId"] = {"id": 1}
    good = good_text(clock)
    fake_line.register_reply_token(good["replyToken"], STRANGER)
    body = ('{"destination":"U0","events":[7,' + json.dumps(bad_id) + ","
            + json.dumps(good) + "]}").encode()
    with caplog.at_level("INFO", logger="bot.webhook"):
        assert post_raw(client, body).status_code == 200
    assert "2 event(s) read, 1 new, 2 unreadable skipped" in caplog.text
    assert "ข้อความส่วนตัว" not in caplog.text
