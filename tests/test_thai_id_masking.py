"""A national ID number typed in LINE is masked before anything is stored, and the person is told
why once (handlers/thai_id.py, delivery/events.py, handlers/thai_id_notice.py)."""
from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from delivery import inbox
from delivery.events import for_storage, to_incoming
from delivery.postback_codec import PostbackCodec
from handlers.replies import Card, Cards, Outcome, TextReply
from handlers.thai_id import MASK, is_thai_id
from handlers.thai_id_notice import NOTICE, tell_once
from models import Base, Case, Person, RegistrationAttempt, Visit, WebhookEvent

from .line_events import text_event
from .players import Player, all_text
from .test_thai_id import CARD, grouped, with_check

MENTOR = "U" + "4" * 32      # conftest's mentor
STRANGER = "U" + "8" * 32
# Two IDs with a good check digit, as people write them, and a 13-digit number whose check
# digit is wrong: made from twelve digits when the tests run (no ID is written in the source).
FIRST_ID, SECOND_ID = with_check("110170020345"), with_check("310060012345")
FIRST_TYPED = grouped(FIRST_ID, CARD, ["-"])
SECOND_TYPED = grouped(SECOND_ID, CARD, [" "])
NOT_AN_ID = FIRST_ID[:12] + str((int(FIRST_ID[12]) + 1) % 10)
NOW = datetime(2026, 5, 7, 3, 0, tzinfo=UTC)


# ``mentor``: conftest's registered mentor (MENTOR) with one household.


def everything_stored(db) -> str:
    """Every value of every row of every table, as one string."""
    with db.transaction() as s:
        return "\n".join(str(tuple(row)) for table in Base.metadata.sorted_tables
                         for row in s.execute(table.select()))


def digits_of(typed: str) -> str:
    return "".join(c for c in typed if c.isdigit())


def test_the_numbers_here_are_what_they_say():
    assert is_thai_id(FIRST_ID) and is_thai_id(SECOND_ID) and not is_thai_id(NOT_AN_ID)


def test_a_visit_note_is_stored_masked_and_the_mentor_is_told_once(mentor, db, clock, app):
    mentor.say("รายงานการเยี่ยมบ้าน")
    mentor.tap("เลือกวันที่", date_value=date(2026, 5, 5))
    mentor.say(f"อยากมีรายได้เพิ่ม ลูกชายเลขบัตร {FIRST_TYPED} โทร 0812345678")
    assert mentor.last[0]["text"] == NOTICE                  # first, so the question's
    assert "ข้าม" in mentor.labels()                           # buttons stay on the last message
    mentor.say(f"ทำเกษตรได้ {NOT_AN_ID}")                      # no ID: kept, no notice
    assert NOTICE not in mentor.text
    mentor.tap("ข้าม")
    mentor.say("ปลูกผักขาย")
    mentor.tap("★รายได้")
    mentor.tap("ถัดไป")
    mentor.tap("ไม่ระบุ")
    mentor.tap("ต้องการหน่วยงานช่วย")
    mentor.tap("พช.อ.")
    mentor.say(f"ต้องการฝึกอาชีพ ภรรยา {SECOND_TYPED}")         # a second ID: no second notice
    assert NOTICE not in mentor.text
    mentor.tap("ข้าม")
    mentor.tap("เลือกวันที่", date_value=date(2026, 6, 1))
    assert MASK in mentor.text and FIRST_TYPED not in mentor.text   # the summary shows the mask
    mentor.tap("ยืนยัน")
    assert "ส่งเรื่องขอความช่วยเหลือ 1 เรื่อง" in mentor.text

    with db.transaction() as s:
        [visit] = s.scalars(select(Visit)).all()
        assert visit.attitude == f"อยากมีรายได้เพิ่ม ลูกชายเลขบัตร {MASK} โทร 0812345678"
        assert visit.skills == f"ทำเกษตรได้ {NOT_AN_ID}"
        assert s.scalar(select(Case.note)) == f"ต้องการฝึกอาชีพ ภรรยา {MASK}"
        assert s.scalar(select(Person.thai_id_notice_at)) == clock.now
    stored = everything_stored(db)
    for typed in (FIRST_TYPED, SECOND_TYPED):
        assert typed not in stored and digits_of(typed) not in stored
    assert NOT_AN_ID in stored and "0812345678" in stored    # the scan does see typed text

    clock.advance(days=3)                                     # another day, another ID
    mentor.say(f"เลขบัตร {FIRST_ID}")
    assert NOTICE not in mentor.text
    assert sum(NOTICE in all_text(answer) for answer in mentor.history) == 1


def test_a_stranger_is_told_every_time_and_nothing_typed_is_kept(line, fake_line, db, clock):
    stranger = Player(line, fake_line, STRANGER, clock)
    for _ in range(2):
        stranger.say(f"เลขบัตรประชาชน {FIRST_TYPED}")
        assert stranger.last[0]["text"] == NOTICE and "รหัสลงทะเบียน" in stranger.text
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(RegistrationAttempt)) == 0
        assert s.scalar(select(func.count()).select_from(Person)) == 0
    assert digits_of(FIRST_TYPED) not in everything_stored(db)


def test_the_inbox_stores_the_payload_masked(db, clock):
    typed = f"บัตร {FIRST_TYPED} และ {SECOND_ID} โทร 0812345678"
    with db.transaction() as s:
        [stored] = inbox.record(s, [text_event(MENTOR, typed, at=clock.now)], clock.now)
    with db.transaction() as s:
        payload = s.get(WebhookEvent, stored.id).payload
    assert payload["message"]["text"] == f"บัตร {MASK} และ {MASK} โทร 0812345678"
    assert payload["mentorbotHiddenIds"] == 2
    assert FIRST_ID not in str(payload) and SECOND_ID not in str(payload)


def test_a_payload_without_an_id_is_stored_as_it_came(db, clock):
    event = text_event(MENTOR, f"โทร 0812345678 {NOT_AN_ID}", at=clock.now)
    with db.transaction() as s:
        [stored] = inbox.record(s, [event], clock.now)
    with db.transaction() as s:
        assert s.get(WebhookEvent, stored.id).payload == event


@pytest.mark.parametrize("sdk_parses", [True, False])
def test_the_domain_receives_the_text_masked_and_the_count(sdk_parses):
    event = text_event(MENTOR, f"{FIRST_TYPED} และ {SECOND_ID}")
    if not sdk_parses:
        del event["message"]["quoteToken"]   # the SDK refuses it; read from the raw fields
    codec = PostbackCodec("secret")
    for raw in (event, for_storage(event)):   # as it came, and as the inbox keeps it
        incoming = to_incoming(raw, codec)
        assert incoming is not None and incoming.text == f"{MASK} และ {MASK}"
        assert incoming.hidden_ids == 2
    plain = to_incoming(text_event(MENTOR, NOT_AN_ID), codec)
    assert plain is not None and plain.text == NOT_AN_ID and plain.hidden_ids == 0


def test_with_five_messages_the_notice_leads_the_first_text():
    person = Person(name="นายวิชัย ทองดี")
    card = Cards("บ้าน", (Card("บ้าน"),))
    outcome = Outcome([card, TextReply("ข้อความ"), card, card, card])
    tell_once(outcome, person, NOW)
    assert len(outcome.replies) == 5 and outcome.replies[1] == TextReply(f"{NOTICE}\n\nข้อความ")
    assert person.thai_id_notice_at == NOW


def test_with_no_room_at_all_the_notice_waits_for_next_time():
    person = Person(name="นายวิชัย ทองดี")
    card = Cards("บ้าน", (Card("บ้าน"),))
    outcome = Outcome([card] * 5)
    tell_once(outcome, person, NOW)
    assert outcome.replies == [card] * 5 and person.thai_id_notice_at is None


