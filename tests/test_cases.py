"""Outside-help cases: a mentor raises one in a visit report, coordinators take, refer and close
it from the card they received, and the mentor hears of every step."""
from __future__ import annotations

import pytest

from models import CaseClosure, CaseStatus, ConversationState

from .case_fixtures import (
    COORD_A,
    COORD_B,
    COORD_OTHER,
    MENTOR,
    drain,
    events,
    new_for,
    outbox_rows,
    signed,
    the_case,
)
from .line_events import postback_event


def test_the_full_path_from_visit_to_closed_case(players, raised, db, app, fake_line, clock, ids):
    mentor, a = players["mentor"], players["a"]
    seen = len(fake_line.sent_messages(MENTOR))
    assert fake_line.sent_messages(COORD_OTHER) == []     # another district hears nothing

    clock.advance(minutes=10)
    a.tap("รับเรื่อง", raised["a"])
    assert "รับเรื่อง #" in a.text and "แจ้งพี่เลี้ยงทราบแล้ว" in a.text
    case = the_case(db)
    assert case.status is CaseStatus.ACKNOWLEDGED and case.acknowledged_by_id == ids["a"]
    assert case.acknowledged_at == clock.now
    assert events(db) == [(CaseStatus.OPEN, ids["mentor"], None),
                          (CaseStatus.ACKNOWLEDGED, ids["a"], None)]
    assert len(fake_line.sent_messages(MENTOR)) == seen   # queued, not sent yet
    assert drain(app) == 1
    notice = new_for(fake_line, MENTOR, seen)
    assert "รับเรื่องที่ท่านส่งแล้ว" in notice and "นางสมศรี ใจดี" in notice
    assert "รายได้" in notice and "ผู้รับเรื่อง: นางสาวมาลี ศรีเลย" in notice
    seen = len(fake_line.sent_messages(MENTOR))

    clock.advance(hours=2)
    a.tap("ส่งต่อหน่วยงาน")                                # on the card in the answer
    assert "1. พช.อ. (พี่เลี้ยงเสนอ)" in a.text
    assert a.labels()[0] == "ข้อ 1" and "ยกเลิก" in a.labels()
    a.tap("ข้อ 1")
    assert "ส่งต่อเรื่อง" in a.text and "พช.อ." in a.text
    case = the_case(db)
    assert case.status is CaseStatus.REFERRED and case.referred_agency == "พช.อ."
    assert case.referred_at == clock.now
    assert events(db)[-1] == (CaseStatus.REFERRED, ids["a"], "พช.อ.")
    assert drain(app) == 1
    notice = new_for(fake_line, MENTOR, seen)
    assert "ส่งต่อเรื่องที่ท่านส่งถึงหน่วยงานแล้ว" in notice
    assert "ส่งต่อถึง: พช.อ." in notice
    seen = len(fake_line.sent_messages(MENTOR))

    clock.advance(days=20)
    a.tap("ปิดเรื่อง")
    assert "ผลการดำเนินการ" in a.text
    a.say("ได้เข้าฝึกอาชีพกับศูนย์พัฒนาฝีมือแรงงานแล้ว")
    assert "ปิดเรื่อง #" in a.text
    assert "ปิดเรื่องแล้ว" in a.text and "รับเรื่อง" not in a.labels()
    assert a.labels() == []                               # a closed card has no buttons
    case = the_case(db)
    assert case.status is CaseStatus.CLOSED and case.closed_at == clock.now
    assert case.outcome == "ได้เข้าฝึกอาชีพกับศูนย์พัฒนาฝีมือแรงงานแล้ว"
    assert [e[0] for e in events(db)] == [CaseStatus.OPEN, CaseStatus.ACKNOWLEDGED,
                                          CaseStatus.REFERRED, CaseStatus.CLOSED]
    assert drain(app) == 1
    notice = new_for(fake_line, MENTOR, seen)
    assert "ปิดเรื่องที่ท่านส่งแล้ว" in notice and "ศูนย์พัฒนาฝีมือแรงงาน" in notice

    # The buttons of the first card now answer that the case is closed; nothing changes.
    for label in ("รับเรื่อง", "ส่งต่อหน่วยงาน", "ปิดเรื่อง"):
        a.tap(label, raised["a"])
        assert "เรื่องนี้ปิดแล้ว" in a.text, label
    assert len(events(db)) == 4
    # What each one received: the mentor three notices, the other coordinator the card only.
    assert len(fake_line.sent_messages(COORD_B)) == 1
    notices = [m for m in fake_line.sent_messages(MENTOR) if "ที่ท่านส่ง" in m.get("text", "")]
    assert len(notices) == 3
    mentor.say("เรื่องที่ส่งต่อ")
    assert "ปิดเรื่องแล้ว" in mentor.text and "ศูนย์พัฒนาฝีมือแรงงาน" in mentor.text


def test_the_second_coordinator_is_told_who_has_the_case(players, raised, db, app, ids):
    a, b = players["a"], players["b"]
    a.tap("รับเรื่อง", raised["a"])
    rows = outbox_rows(db)
    b.tap("รับเรื่อง", raised["b"])
    assert "รับเรื่องแล้วโดย นางสาวมาลี ศรีเลย ค่ะ" in b.text
    for label in ("ส่งต่อหน่วยงาน", "ปิดเรื่อง"):          # nor may they move it on
        b.tap(label, raised["b"])
        assert "รับเรื่องแล้วโดย นางสาวมาลี ศรีเลย ค่ะ" in b.text, label
    case = the_case(db)
    assert case.status is CaseStatus.ACKNOWLEDGED and case.acknowledged_by_id == ids["a"]
    assert len(events(db)) == 2 and outbox_rows(db) == rows
    with db.transaction() as s:
        assert s.get(ConversationState, COORD_B).flow is None
    # The queue shows who holds the case, and no รับเรื่อง button.
    b.say("เรื่องรอดำเนินการ")
    assert "ผู้รับเรื่อง" in b.text and "นางสาวมาลี ศรีเลย" in b.text
    assert "รับเรื่อง" not in b.labels() and "ปิดเรื่อง" in b.labels()
    # Tapping รับเรื่อง twice yourself changes nothing either.
    a.tap("รับเรื่อง", raised["a"])
    assert "ท่านรับเรื่องนี้ไว้แล้ว" in a.text and len(events(db)) == 2


def test_two_coordinators_tapping_at_once_take_the_case_once(players, raised, db, app,
                                                             second_worker, fake_line):
    """Two workers handle the two taps at the same moment: the row lock lets one win."""
    import threading

    from .conftest import LineChannel
    second = second_worker
    barrier = threading.Barrier(2)
    seen = {uid: len(fake_line.sent_messages(uid)) for uid in (COORD_A, COORD_B)}

    def tap(worker, user_id, name):
        data = players[name].find("รับเรื่อง", raised[name])["data"]
        channel = LineChannel(worker.test_client(), fake_line)
        barrier.wait()
        assert channel.post(postback_event(user_id, data)).status_code == 200

    threads = [threading.Thread(target=tap, args=args)
               for args in ((app, COORD_A, "a"), (second, COORD_B, "b"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    answers = {uid: new_for(fake_line, uid, seen[uid]) for uid in (COORD_A, COORD_B)}
    winners = [uid for uid, text in answers.items() if "รับเรื่อง #" in text]
    assert len(winners) == 1
    assert sum("รับเรื่องแล้วโดย" in text for text in answers.values()) == 1
    assert [e[0] for e in events(db)] == [CaseStatus.OPEN, CaseStatus.ACKNOWLEDGED]


def test_a_case_taken_while_choosing_the_agency_is_not_referred(players, raised, db, ids):
    a, b = players["a"], players["b"]
    a.tap("ส่งต่อหน่วยงาน", raised["a"])
    b.tap("รับเรื่อง", raised["b"])
    a.tap("ข้อ 1")
    assert "รับเรื่องแล้วโดย นายสมชาย รักษ์ดี ค่ะ" in a.text
    case = the_case(db)
    assert case.status is CaseStatus.ACKNOWLEDGED and case.acknowledged_by_id == ids["b"]
    assert case.referred_agency is None and len(events(db)) == 2


def test_referring_an_open_case_by_typing_takes_it_too(players, raised, db, app, fake_line, ids):
    a = players["a"]
    seen = len(fake_line.sent_messages(MENTOR))
    a.tap("ส่งต่อหน่วยงาน", raised["a"])
    a.say("องค์การบริหารส่วนตำบลนาโป่ง")
    case = the_case(db)
    assert case.status is CaseStatus.REFERRED and case.acknowledged_by_id == ids["a"]
    assert case.referred_agency == "องค์การบริหารส่วนตำบลนาโป่ง"
    assert [e[:2] for e in events(db)] == [(CaseStatus.OPEN, ids["mentor"]),
                                           (CaseStatus.ACKNOWLEDGED, ids["a"]),
                                           (CaseStatus.REFERRED, ids["a"])]
    assert drain(app) == 1                                # one notice: the referral
    notice = new_for(fake_line, MENTOR, seen)
    assert "องค์การบริหารส่วนตำบลนาโป่ง" in notice and "รับเรื่องที่ท่านส่ง" not in notice
    # Typing the number of a listed agency counts too (Thai digits as well).
    a.tap("ส่งต่อหน่วยงาน")
    a.say("๑")
    assert the_case(db).referred_agency == "พช.อ."


def test_closing_with_a_button_and_a_too_long_outcome(players, raised, db):
    a = players["a"]
    a.tap("ปิดเรื่อง", raised["a"])
    a.say("ก" * 301)
    assert "ไม่เกิน 300 ตัวอักษร" in a.text and the_case(db).status is CaseStatus.OPEN
    a.tap("ครัวเรือนไม่ประสงค์")
    case = the_case(db)
    assert case.status is CaseStatus.CLOSED
    assert case.outcome == "ครัวเรือนไม่ประสงค์รับความช่วยเหลือ"
    assert case.closure is CaseClosure.DECLINED


def test_cancelling_a_referral_changes_nothing(players, raised, db):
    a = players["a"]
    a.tap("ส่งต่อหน่วยงาน", raised["a"])
    a.tap("ยกเลิก")
    assert "ยกเลิกการส่งต่อหน่วยงานแล้ว" in a.text
    assert the_case(db).status is CaseStatus.OPEN and len(events(db)) == 1


@pytest.mark.parametrize("do", ["ack", "refer", "close"])
def test_a_coordinator_of_another_district_is_refused(players, raised, db, app, do):
    case_id = the_case(db).id
    other = players["other"]
    other._send(postback_event(COORD_OTHER, signed(app, {"a": "case", "c": case_id, "do": do})))
    assert "ไม่พบเรื่องนี้" in other.text
    assert the_case(db).status is CaseStatus.OPEN and len(events(db)) == 1
    with db.transaction() as s:
        assert s.get(ConversationState, COORD_OTHER).flow is None
    other.say("เรื่องรอดำเนินการ")
    assert "ไม่มีเรื่องค้าง" in other.text


def test_a_mentor_cannot_act_on_a_case(players, raised, db, app):
    mentor = players["mentor"]
    case_id = the_case(db).id
    mentor._send(postback_event(MENTOR, signed(app, {"a": "case", "c": case_id, "do": "ack"})))
    assert "ปุ่มนี้ใช้ไม่ได้" in mentor.text
    assert the_case(db).status is CaseStatus.OPEN and len(events(db)) == 1
