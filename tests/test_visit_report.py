"""A mentor reports a home visit in LINE, tapping what the bot offers."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from models import Case, CaseStatus, Household, Visit, VisitPhoto

from . import factories
from .line_events import postback_event
from .players import Player

MENTOR = "U" + "4" * 32
COORDINATOR = "U" + "5" * 32


@pytest.fixture
def setup(db, clock):
    with db.transaction() as s:
        mentor = factories.person(s, name="นายวิชัย ทองดี", line_user_id=MENTOR)
        factories.person(s, name="นางสาวมาลี ศรีเลย", role=factories.Role.COORDINATOR,
                         phone=None, line_user_id=COORDINATOR)
        household = factories.household(s, mentor, now=clock.now - timedelta(days=40))
        return {"mentor": mentor.id, "household": household.id}


@pytest.fixture
def mentor(line, fake_line, clock, setup):
    return Player(line, fake_line, MENTOR, clock)


def report_routine_visit_with_photo(mentor) -> None:
    mentor.say("รายงานการเยี่ยมบ้าน")
    mentor.tap("วันนี้")
    mentor.tap("ข้ามทั้ง 4 ท")
    mentor.tap("ไม่พบปัญหาใหม่")
    mentor.image()
    mentor.tap("6 มิ.ย. 2569")
    mentor.tap("ยืนยัน")


def visits(db) -> list[Visit]:
    with db.transaction() as s:
        return list(s.scalars(select(Visit)))


def test_routine_visit_takes_seven_taps_from_the_menu(mentor, db, clock):
    mentor.say("เมนู")
    mentor.tap("รายงานการเยี่ยมบ้าน")                     # 1
    assert "ไปเยี่ยมบ้านวันไหน" in mentor.text
    mentor.tap("วันนี้")                                  # 2
    mentor.tap("ข้ามทั้ง 4 ท")                             # 3
    mentor.tap("ไม่พบปัญหาใหม่")                           # 4
    mentor.tap("ข้าม")                                    # 5 (no photo)
    mentor.tap("6 มิ.ย. 2569")                            # 6: the default, 30 days on
    assert "สรุปการเยี่ยมบ้าน" in mentor.text and "ไม่พบปัญหาใหม่" in mentor.text
    assert visits(db) == []                               # nothing saved before confirming
    mentor.tap("ยืนยัน")                                  # 7
    assert "บันทึกการเยี่ยมบ้าน" in mentor.text and "6 มิ.ย. 2569" in mentor.text
    [visit] = visits(db)
    assert visit.visited_on == date(2026, 5, 7) and visit.no_new_problem
    assert visit.next_visit_due == date(2026, 6, 6)
    with db.transaction() as s:
        household = s.scalar(select(Household))
        assert household.last_visit_on == date(2026, 5, 7)
        assert household.next_visit_due == date(2026, 6, 6)


def test_full_visit_with_an_escalated_problem_reaches_the_coordinator(mentor, db, clock,
                                                                      fake_line, app):
    mentor.say("รายงานการเยี่ยมบ้าน")
    mentor.tap("เลือกวันที่", date_value=date(2026, 5, 5))
    mentor.say("อยากมีรายได้เพิ่ม")
    mentor.say("ทำเกษตรได้")
    mentor.tap("ข้าม")
    mentor.say("ปลูกผักขาย")
    mentor.tap("★รายได้")
    mentor.tap("★สุขภาพ")
    assert "✓รายได้" in mentor.labels() and "✓สุขภาพ" in mentor.labels()
    mentor.tap("ถัดไป")
    assert "ปัญหาด้านรายได้ (1/2)" in mentor.text
    mentor.tap("ไม่ระบุ")                                 # the จปฐ. indicator is optional
    mentor.tap("ต้องการหน่วยงานช่วย")
    assert "พช.อ." in mentor.text                         # a district unit, not a ministry
    mentor.tap("พช.อ.")
    mentor.say("ต้องการฝึกอาชีพ")
    assert "ปัญหาด้านสุขภาพ (2/2)" in mentor.text
    mentor.tap("ไม่ระบุ")
    mentor.tap("ช่วยแก้เองได้")
    mentor.tap("ให้คำแนะนำ/ความรู้")
    mentor.tap("ข้าม")
    mentor.image()
    mentor.tap("เลือกวันที่", date_value=date(2026, 6, 1))
    assert "ส่งต่อ: พช.อ." in mentor.text and "มี 1 รูป" in mentor.text
    mentor.tap("ยืนยัน")
    assert "ส่งเรื่องขอความช่วยเหลือ 1 เรื่อง" in mentor.text
    [visit] = visits(db)
    assert (visit.attitude, visit.skills, visit.resources, visit.way_out) == (
        "อยากมีรายได้เพิ่ม", "ทำเกษตรได้", None, "ปลูกผักขาย")
    with db.transaction() as s:
        [case] = s.scalars(select(Case)).all()
        assert case.status is CaseStatus.OPEN and case.dimension == "income"
        assert case.suggested_agency == "พช.อ." and case.note == "ต้องการฝึกอาชีพ"
        assert s.scalar(select(VisitPhoto.line_message_id)) is not None
    # The coordinator's alert waits in the outbox until the clock process sends it.
    from bot.services import services
    from scheduler.jobs import drain_outbox
    assert drain_outbox(services(app)).sent == 1
    [alert] = fake_line.sent_messages(COORDINATOR)
    assert alert["type"] == "flex" and "รับเรื่อง" in str(alert)


def test_a_future_visit_date_is_refused(mentor, db, clock):
    mentor.say("รายงานการเยี่ยมบ้าน")
    mentor.tap("เลือกวันที่", date_value=date(2026, 5, 8))
    assert "ต้องไม่เป็นวันในอนาคต" in mentor.text
    assert "วันนี้" in " ".join(mentor.labels())          # the question's buttons again
    mentor.say("8/5/2569")
    assert "ต้องไม่เป็นวันในอนาคต" in mentor.text


def test_a_date_before_the_assignment_is_refused(mentor, clock):
    mentor.say("รายงานการเยี่ยมบ้าน")
    mentor.say("1/1/2569")
    assert "ก่อนวันที่ได้รับมอบหมาย" in mentor.text


@pytest.mark.parametrize("wrong", ["sticker", "image", "location", "text"])
def test_wrong_kinds_of_input_get_a_reprompt_with_the_same_buttons(mentor, wrong):
    mentor.say("รายงานการเยี่ยมบ้าน")
    mentor.tap("วันนี้")
    mentor.tap("ข้ามทั้ง 4 ท")
    question = mentor.labels()
    {"sticker": mentor.sticker, "image": mentor.image, "location": mentor.location,
     "text": lambda: mentor.say("ไม่รู้")}[wrong]()
    assert "กรุณาเลือกจากปุ่ม" in mentor.text
    assert mentor.labels() == question


def test_cancel_works_at_every_step(mentor, db):
    steps = [lambda: None, lambda: mentor.tap("วันนี้"), lambda: mentor.tap("ข้าม"),
             lambda: mentor.tap("ข้ามทั้ง 4 ท") if False else mentor.tap("ข้าม"),
             lambda: mentor.tap("ข้าม"), lambda: mentor.tap("ข้าม"),
             lambda: mentor.tap("★รายได้"), lambda: mentor.tap("ถัดไป"),
             lambda: mentor.tap("ไม่ระบุ"),
             lambda: mentor.tap("ต้องการหน่วยงานช่วย"), lambda: mentor.tap("พช.อ."),
             lambda: mentor.say("ต้องการฝึกอาชีพ"), lambda: mentor.tap("ข้าม"),
             lambda: mentor.tap("6 มิ.ย. 2569")]
    for depth in range(len(steps)):
        mentor.say("รายงานการเยี่ยมบ้าน")
        for step in steps[:depth + 1]:
            step()
        assert "ยกเลิก" in mentor.labels(), f"no cancel after step {depth}"
        mentor.tap("ยกเลิก")
        assert "ยกเลิก" in mentor.text and "ไม่มีการบันทึก" in mentor.text
    assert visits(db) == []


def test_a_stale_tap_does_not_change_the_current_question(mentor, db):
    mentor.say("รายงานการเยี่ยมบ้าน")
    date_question = mentor.last
    mentor.tap("วันนี้")
    mentor.tap("ข้ามทั้ง 4 ท")
    mentor.tap("เมื่อวาน", date_question)                # an old button, tapped again
    assert "ปุ่มนี้มาจากข้อความก่อนหน้า" in mentor.text
    assert "พบปัญหาใหม่ด้านใดบ้าง" in mentor.text         # still at the current question
    mentor.tap("ไม่พบปัญหาใหม่")
    mentor.tap("ข้าม")
    mentor.tap("6 มิ.ย. 2569")
    mentor.tap("ยืนยัน")
    assert visits(db)[0].visited_on == date(2026, 5, 7)   # not yesterday


def test_a_hand_made_postback_is_refused(mentor, line, db):
    mentor.say("รายงานการเยี่ยมบ้าน")
    mentor._send(postback_event(MENTOR, '{"a":"visit","h":1}'))
    assert "ปุ่มนี้ใช้ไม่ได้" in mentor.text


def test_edit_from_the_summary_returns_to_the_summary(mentor, db):
    mentor.say("รายงานการเยี่ยมบ้าน")
    mentor.tap("วันนี้")
    mentor.tap("ข้ามทั้ง 4 ท")
    mentor.tap("ไม่พบปัญหาใหม่")
    mentor.tap("ข้าม")
    mentor.tap("6 มิ.ย. 2569")
    mentor.tap("แก้ไข")
    mentor.tap("วันที่เยี่ยม")
    mentor.tap("เมื่อวาน")
    assert "สรุปการเยี่ยมบ้าน" in mentor.text and "6 พ.ค. 2569" in mentor.text
    mentor.tap("ยืนยัน")
    assert visits(db)[0].visited_on == date(2026, 5, 6)


def test_idle_for_thirty_minutes_offers_to_resume_the_draft(mentor, db, clock):
    mentor.say("รายงานการเยี่ยมบ้าน")
    mentor.tap("วันนี้")
    mentor.say("อยากพัฒนา")
    clock.advance(minutes=31)
    mentor.say("ทำเกษตรได้")
    assert "หมดเวลา" in mentor.text
    mentor.tap("ทำต่อ")
    assert "ทักษะ" in mentor.text                         # back at the step it stopped
    mentor.say("ทำเกษตรได้")
    mentor.tap("ข้าม")
    mentor.tap("ข้าม")
    mentor.tap("ไม่พบปัญหาใหม่")
    mentor.tap("ข้าม")
    mentor.tap("6 มิ.ย. 2569")
    mentor.tap("ยืนยัน")
    [visit] = visits(db)
    assert (visit.attitude, visit.skills) == ("อยากพัฒนา", "ทำเกษตรได้")


def test_my_households_shows_overdue_in_red(mentor, db, clock):
    with db.transaction() as s:
        household = s.scalar(select(Household))
        household.next_visit_due = date(2026, 5, 1)
    mentor.say("บ้านที่ดูแล")
    [card] = mentor.last
    assert card["type"] == "flex"
    assert "เลยกำหนด 6 วัน" in str(card) and "#D32F2F" in str(card)
    mentor.tap("รายงานการเยี่ยม")
    assert "ไปเยี่ยมบ้านวันไหน" in mentor.text


def test_a_mentor_cannot_report_on_someone_elses_household(mentor, db, clock, app):
    from bot.services import services
    from handlers.replies import Button
    with db.transaction() as s:
        other = factories.person(s, name="นางอื่น ๆ", phone="0810000098")
        theirs = factories.household(s, other, house_id="42010000099", now=clock.now)
        theirs_id = theirs.id
    # A genuine, signed button, but for a household that is not the mentor's.
    codec = services(app).processor.renderer
    action = codec.action(Button("x", payload={"a": "visit", "h": theirs_id}))
    mentor._send(postback_event(MENTOR, action["data"]))
    assert "ไม่พบครัวเรือนนี้ในความดูแลของท่าน" in mentor.text


def test_the_visit_photo_is_copied_from_line_by_the_clock(mentor, db, fake_line, app):
    from bot.services import services
    from scheduler.jobs import fetch_visit_photos

    report_routine_visit_with_photo(mentor)
    with db.transaction() as s:
        message_id = s.scalar(select(VisitPhoto.line_message_id))
    fake_line.set_message_content(message_id, b"\xff\xd8jpeg-bytes", "image/jpeg")
    assert fetch_visit_photos(services(app)) == 1
    assert fetch_visit_photos(services(app)) == 0  # done once
    with db.transaction() as s:
        photo = s.scalar(select(VisitPhoto))
        assert photo.data == b"\xff\xd8jpeg-bytes" and photo.content_type == "image/jpeg"


def test_two_quick_taps_of_one_button_move_the_conversation_once(
    app, second_worker, mentor, db, fake_line
):
    """Two workers get the same person's double tap at once: the per-user lock orders them,
    and the second tap is recognised as stale."""
    import threading

    from .conftest import LineChannel

    mentor.say("รายงานการเยี่ยมบ้าน")
    today = mentor.find("วันนี้")
    before = len(fake_line.sent_messages(MENTOR))
    second = second_worker
    barrier = threading.Barrier(2)

    def tap(worker):
        channel = LineChannel(worker.test_client(), fake_line)
        event = postback_event(MENTOR, today["data"])
        barrier.wait()
        assert channel.post(event).status_code == 200

    threads = [threading.Thread(target=tap, args=(w,)) for w in (app, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # One tap moved on (the ทัศนคติ question); the other got the stale note and the same
    # current question again.
    answers = [m.get("text", "") for m in fake_line.sent_messages(MENTOR)[before:]]
    assert len(answers) == 3
    assert sum("ปุ่มนี้มาจากข้อความก่อนหน้า" in a for a in answers) == 1
    assert sum("ทัศนคติ" in a for a in answers) == 2
    from models import ConversationState

    with db.transaction() as s:
        state = s.get(ConversationState, MENTOR)
        assert state.step == "t_attitude" and state.data["date"] == "2026-05-07"


def test_typing_a_buttons_label_counts_as_tapping_it(mentor, db):
    mentor.say("รายงานการเยี่ยมบ้าน")
    mentor.tap("วันนี้")
    for _ in range(4):
        mentor.say("ข้าม")  # typed, not tapped
    assert "พบปัญหาใหม่ด้านใดบ้าง" in mentor.text
    mentor.say("ไม่พบปัญหาใหม่")
    mentor.say("ข้าม")
    mentor.tap("6 มิ.ย. 2569")
    mentor.say("ยืนยัน")
    [visit] = visits(db)
    assert (visit.attitude, visit.skills, visit.resources, visit.way_out) == (None,) * 4


def test_visit_photos_are_erased_when_their_retention_ends(mentor, db, app, clock):
    from bot.services import services
    from scheduler.jobs import purge_visit_photos

    report_routine_visit_with_photo(mentor)
    clock.advance(days=729)
    assert purge_visit_photos(services(app)) == 0
    clock.advance(days=2)
    assert purge_visit_photos(services(app)) == 1
    with db.transaction() as s:
        assert s.scalars(select(VisitPhoto)).all() == []
        assert len(s.scalars(select(Visit)).all()) == 1  # the visit record stays
