"""The household's way out: failing TPMAP dimensions passed (and reopened) by the mentor, and a
household leaving the programme, asked by the mentor and confirmed by a coordinator in one tap.

Uses the case tests' district (tests/conftest.py ``ids`` and ``players``): a mentor with one
household (นางสมศรี ใจดี, failing income and health, assigned 40 days ago), coordinators A and
B of its district and one of another district.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.services import services
from models import (
    Assignment,
    DimensionChange,
    DimensionPass,
    ExitReason,
    Household,
    HouseholdExit,
    HouseholdStatus,
    OutboxMessage,
)
from scheduler.tick import run_tick

from .case_fixtures import COORD_A, COORD_B, COORD_OTHER, MENTOR, drain, new_for, signed
from .line_events import postback_event
from .players import all_text

BANGKOK = ZoneInfo("Asia/Bangkok")


def at(day: date, hh: int = 8, mm: int = 5) -> datetime:
    return datetime.combine(day, time(hh, mm), BANGKOK).astimezone(UTC)


def card_fields(messages: list[dict]) -> dict[str, str]:
    """The rows of the one Flex card in ``messages`` (สรุปอำเภอ), label -> value."""
    [flex] = [m for m in messages if m["type"] == "flex"]
    rows = flex["contents"]["body"]["contents"]
    return {row["contents"][0]["text"]: row["contents"][1]["text"] for row in rows
            if row.get("layout") == "baseline"}


def passes(db) -> list[tuple]:
    with db.transaction() as s:
        return [(p.dimension, p.passed_on, p.passed_by_id)
                for p in s.scalars(select(DimensionPass).order_by(DimensionPass.dimension))]


def changes(db) -> list[tuple]:
    with db.transaction() as s:
        return [(c.dimension, c.passed, c.on, c.changed_by_id) for c in
                s.scalars(select(DimensionChange).order_by(DimensionChange.id))]


def household(db, household_id) -> Household:
    with db.transaction() as s:
        found = s.get(Household, household_id)
        assert found is not None
        return found


def exits(db) -> list[HouseholdExit]:
    with db.transaction() as s:
        return list(s.scalars(select(HouseholdExit).order_by(HouseholdExit.id)))


def card_of(fake_line, user_id: str) -> list[dict]:
    """The last Flex card a coordinator received (the request to confirm)."""
    [*_, last] = [m for m in fake_line.sent_messages(user_id) if m["type"] == "flex"]
    return [last]


def ask_to_leave(mentor, reason: str, note: str | None) -> None:
    mentor.say("บ้านที่ดูแล")
    mentor.tap("ออกจากโครงการ")
    mentor.tap(reason)
    mentor.tap("ข้าม") if note is None else mentor.say(note)
    mentor.tap("ยืนยัน")


# -- dimensions passed ---------------------------------------------------------------------
def test_a_dimension_is_passed_and_reopened_with_its_history(players, db, clock, ids):
    mentor = players["mentor"]
    mentor.say("บ้านที่ดูแล")
    assert "รายได้, สุขภาพ" in mentor.text and "มิติที่ยังไม่ผ่าน\n2 จาก 2" in mentor.text
    mentor.tap("มิติที่ผ่าน")                                        # tap 1
    assert "• รายได้: ยังไม่ผ่าน" in mentor.text and "• สุขภาพ: ยังไม่ผ่าน" in mentor.text
    assert mentor.labels() == ["รายได้", "สุขภาพ", "เสร็จ", "ยกเลิก"]
    first_list = mentor.last
    mentor.tap("สุขภาพ")                                            # tap 2
    assert "มิติสุขภาพ: ครัวเรือนผ่านเมื่อวันไหนคะ" in mentor.text
    mentor.tap("เมื่อวาน")                                           # tap 3
    assert "บันทึกมิติสุขภาพ ผ่านแล้ว เมื่อ 6 พ.ค. 2569 ค่ะ" in mentor.text
    assert "✓ สุขภาพ: ผ่านแล้ว 6 พ.ค. 2569" in mentor.text
    assert "ยังไม่ผ่าน 1 จาก 2 มิติค่ะ" in mentor.text
    assert mentor.labels() == ["รายได้", "✓สุขภาพ", "เสร็จ", "ยกเลิก"]
    assert passes(db) == [("health", date(2026, 5, 6), ids["mentor"])]
    assert changes(db) == [("health", True, date(2026, 5, 6), ids["mentor"])]

    mentor.tap("สุขภาพ", first_list)                                 # an older list's button
    assert "ใช้ไม่ได้แล้ว" in mentor.text and len(changes(db)) == 1
    mentor.tap("รายได้")
    mentor.say("๓๐/๑๒/๒๕๖๙")                                        # typed, in the future
    assert "ต้องไม่เป็นวันในอนาคต" in mentor.text and len(passes(db)) == 1
    mentor.tap("ยกเลิก")
    assert "ยกเลิกการบันทึกมิติที่ผ่านแล้ว ไม่มีการบันทึก" in mentor.text

    mentor.say("บ้านที่ดูแล")                                        # the card counts it
    assert "รายได้, สุขภาพ ✓" in mentor.text and "มิติที่ยังไม่ผ่าน\n1 จาก 2" in mentor.text

    clock.advance(days=1)
    mentor.tap("มิติที่ผ่าน")
    mentor.tap("✓สุขภาพ")                                           # reopened in one tap
    assert "เปิดมิติสุขภาพ ใหม่แล้ว บันทึกว่ายังไม่ผ่านค่ะ" in mentor.text
    assert "ยังไม่ผ่าน 2 จาก 2 มิติค่ะ" in mentor.text
    mentor.tap("เสร็จ")
    assert "ครัวเรือน นางสมศรี ใจดี ยังไม่ผ่าน 2 จาก 2 มิติค่ะ" in mentor.text
    assert passes(db) == []
    assert changes(db) == [("health", True, date(2026, 5, 6), ids["mentor"]),
                           ("health", False, date(2026, 5, 8), ids["mentor"])]


def test_the_district_summary_counts_what_still_fails(players, db, clock, ids):
    mentor, a = players["mentor"], players["a"]
    mentor.say("บ้านที่ดูแล")
    mentor.tap("มิติที่ผ่าน")
    mentor.tap("รายได้")
    mentor.tap("วันนี้")
    a.say("สรุปอำเภอ")
    assert card_fields(a.last)["มิติที่ยังไม่ผ่าน"] == "1 ครัวเรือน รวม 1 มิติ (ผ่านแล้ว 1 มิติ)"
    mentor.tap("สุขภาพ")
    mentor.tap("วันนี้")
    a.say("สรุปอำเภอ")
    assert card_fields(a.last)["มิติที่ยังไม่ผ่าน"] == "0 ครัวเรือน รวม 0 มิติ (ผ่านแล้ว 2 มิติ)"


# -- leaving the programme -----------------------------------------------------------------
def test_a_household_leaves_the_programme_confirmed_in_one_tap(players, db, app, fake_line,
                                                               clock, ids):
    mentor, a, b = players["mentor"], players["a"], players["b"]
    svc = services(app)
    # Before: the household is overdue (first visit due 14 days after its assignment), so this
    # morning's tick has a digest for the mentor.
    before = run_tick(svc, at(date(2026, 5, 7)), send=False)
    assert before.queued["mentor digests"] == 1

    mentor.say("บ้านที่ดูแล")
    mentor.tap("ออกจากโครงการ")
    assert "แจ้งครัวเรือน นางสมศรี ใจดี ออกจากโครงการ" in mentor.text
    assert mentor.labels() == ["พ้นเกณฑ์", "ย้ายออกนอกพื้นที่", "เสียชีวิต", "อื่น ๆ", "ยกเลิก"]
    mentor.tap("พ้นเกณฑ์")
    assert mentor.labels() == ["ข้าม", "ยกเลิก"]                       # a note is optional
    mentor.say("ลูกชายมีงานประจำ รายได้พอใช้จ่ายแล้ว")
    assert "เหตุผล: พ้นเกณฑ์/พึ่งตนเองได้" in mentor.text
    assert "บันทึก: ลูกชายมีงานประจำ รายได้พอใช้จ่ายแล้ว" in mentor.text
    assert exits(db) == []                                            # nothing before ยืนยัน
    mentor.tap("ยืนยัน")
    assert "ส่งคำขอถึง ศจพ.อ. แล้วค่ะ" in mentor.text
    [request] = exits(db)
    assert (request.household_id, request.reason, request.note, request.requested_by_id,
            request.decided_at) == (ids["household"], ExitReason.GRADUATED,
                                    "ลูกชายมีงานประจำ รายได้พอใช้จ่ายแล้ว", ids["mentor"], None)

    mentor.say("บ้านที่ดูแล")                                          # one request at a time
    assert "รอ ศจพ.อ. ยืนยัน (พ้นเกณฑ์/พึ่งตนเองได้)" in mentor.text
    mentor.tap("ออกจากโครงการ")
    assert "รอ ศจพ.อ. ยืนยันอยู่แล้วค่ะ" in mentor.text and len(exits(db)) == 1

    seen = len(fake_line.sent_messages(MENTOR))
    drain(app)
    assert fake_line.sent_messages(COORD_OTHER) == []                 # another district: nothing
    for coordinator in (COORD_A, COORD_B):
        card = all_text(card_of(fake_line, coordinator))
        assert "ขอให้ครัวเรือนออกจากโครงการ" in card and "นางสมศรี ใจดี" in card
        assert "พ้นเกณฑ์/พึ่งตนเองได้" in card and "พี่เลี้ยง\nนายวิชัย ทองดี" in card
        assert "ลูกชายมีงานประจำ" in card
    seen = len(fake_line.sent_messages(MENTOR))   # the morning's digest went out with the card

    clock.advance(minutes=30)
    a.tap("ยืนยัน", card_of(fake_line, COORD_A))                       # one tap
    assert "ยืนยันให้ครัวเรือนนางสมศรี ใจดี ออกจากโครงการแล้วค่ะ" in a.text
    assert "แจ้งพี่เลี้ยงทราบแล้วค่ะ" in a.text and "ยืนยันแล้วโดย นางสาวมาลี ศรีเลย" in a.text
    b.tap("ยืนยัน", card_of(fake_line, COORD_B))                       # the second one is told
    assert "คำขอนี้ยืนยันแล้วโดย นางสาวมาลี ศรีเลย ค่ะ" in b.text
    b.tap("ไม่ยืนยัน", card_of(fake_line, COORD_B))
    assert "คำขอนี้ยืนยันแล้วโดย นางสาวมาลี ศรีเลย ค่ะ" in b.text
    [request] = exits(db)
    assert (request.confirmed, request.decided_by_id, request.decided_at) == (
        True, ids["a"], clock.now)
    left = household(db, ids["household"])
    assert (left.status, left.left_on) == (HouseholdStatus.LEFT, date(2026, 5, 7))

    drain(app)
    notice = new_for(fake_line, MENTOR, seen)
    assert "ศจพ.อ. ยืนยันให้ครัวเรือนนางสมศรี ใจดี ออกจากโครงการแล้วค่ะ" in notice
    assert "ผู้ยืนยัน: นางสาวมาลี ศรีเลย" in notice and "ตั้งแต่: 7 พ.ค. 2569" in notice

    # Out of the mentor's lists and buttons; the record, its assignment and its plan stay.
    mentor.say("บ้านที่ดูแล")
    assert "ยังไม่มีครัวเรือนในความดูแลของท่าน" in mentor.text
    mentor.say("รายงานการเยี่ยมบ้าน")
    assert "ยังไม่มีครัวเรือนในความดูแลของท่าน" in mentor.text
    mentor._send(postback_event(MENTOR, signed(app, {"a": "plan", "h": ids["household"]})))
    assert "ไม่พบครัวเรือนนี้ในความดูแลของท่าน" in mentor.text
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Household)) == 1
        assert s.scalar(select(Assignment.ended_at)) is None

    # No more reminders: the clock's every job, day after day, queues nothing for it (not the
    # mentor's digest, not the coordinators' overdue news on Mondays, not the monthly notice).
    with db.transaction() as s:
        queued_before = s.scalar(select(func.count()).select_from(OutboxMessage))
    for day in (date(2026, 5, 8), date(2026, 5, 11), date(2026, 5, 21), date(2026, 5, 25)):
        report = run_tick(svc, at(day, 9, 30), send=False)
        assert set(report.queued.values()) == {0}, (day, report.queued)
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == queued_before

    a.say("สรุปอำเภอ")                                                # counted apart
    fields = card_fields(a.last)
    assert fields["ครัวเรือนเป้าหมาย"] == "0 ครัวเรือน"
    assert fields["ออกจากโครงการ"] == "1 ครัวเรือน"
    assert fields["เลยกำหนดเยี่ยม"] == "0 ครัวเรือน"


def test_a_declined_request_tells_the_mentor_and_the_household_stays(players, db, app,
                                                                     fake_line, ids):
    mentor, a, b = players["mentor"], players["a"], players["b"]
    mentor.say("บ้านที่ดูแล")
    mentor.tap("ออกจากโครงการ")
    mentor.tap("อื่น ๆ")
    assert "กรุณาพิมพ์เหตุผล" in mentor.text and mentor.labels() == ["ยกเลิก"]   # required
    mentor.say("ครอบครัวไปอยู่กับลูกที่ กทม.  ชั่วคราว")
    mentor.tap("ยืนยัน")
    [request] = exits(db)
    assert (request.reason, request.note) == (ExitReason.OTHER,
                                              "ครอบครัวไปอยู่กับลูกที่ กทม.  ชั่วคราว")   # as typed
    drain(app)
    seen = len(fake_line.sent_messages(MENTOR))
    b.tap("ไม่ยืนยัน", card_of(fake_line, COORD_B))
    assert "ไม่ยืนยันให้ครัวเรือนนางสมศรี ใจดี ออกจากโครงการแล้วค่ะ" in b.text
    a.tap("ยืนยัน", card_of(fake_line, COORD_A))
    assert "คำขอนี้ไม่ยืนยันแล้วโดย นายสมชาย รักษ์ดี ค่ะ" in a.text
    [request] = exits(db)
    assert (request.confirmed, request.decided_by_id) == (False, ids["b"])
    assert household(db, ids["household"]).status is HouseholdStatus.ACTIVE
    drain(app)
    notice = new_for(fake_line, MENTOR, seen)
    assert "ศจพ.อ. ไม่ยืนยันให้ครัวเรือนนางสมศรี ใจดี ออกจากโครงการค่ะ" in notice
    assert "ผู้พิจารณา: นายสมชาย รักษ์ดี" in notice

    mentor.say("บ้านที่ดูแล")                                          # still theirs
    assert "นางสมศรี ใจดี" in mentor.text and "รอ ศจพ.อ. ยืนยัน" not in mentor.text
    ask_to_leave(mentor, "ย้ายออกนอกพื้นที่", None)                     # a new request may follow
    assert [e.reason for e in exits(db)] == [ExitReason.OTHER, ExitReason.MOVED]


def test_only_the_districts_coordinators_decide(players, db, app, ids):
    mentor, other = players["mentor"], players["other"]
    ask_to_leave(mentor, "เสียชีวิต", None)
    [request] = exits(db)
    decide = signed(app, {"a": "exit", "x": request.id, "ok": True})
    other._send(postback_event(COORD_OTHER, decide))
    assert "ไม่พบคำขอนี้ในอำเภอของท่านค่ะ" in other.text
    mentor._send(postback_event(MENTOR, decide))
    assert "ปุ่มนี้ใช้ไม่ได้ค่ะ" in mentor.text
    players["a"]._send(postback_event(COORD_A, signed(app, {"a": "exit", "x": request.id,
                                                            "ok": "yes"})))
    assert "ปุ่มนี้ใช้ไม่ได้ค่ะ" in players["a"].text
    [request] = exits(db)
    assert request.decided_at is None
    assert household(db, ids["household"]).status is HouseholdStatus.ACTIVE


def test_a_request_waits_in_the_coordinators_queue_too(players, db, app, ids, clock):
    """A coordinator who missed the pushed card (registered later, or lost the message) finds
    the request in เรื่องรอดำเนินการ and decides it there; the mentor's unsent reminder for the
    day is dropped with the household."""
    mentor, a = players["mentor"], players["a"]
    ask_to_leave(mentor, "พ้นเกณฑ์", None)
    with db.transaction() as s:
        s.add(OutboxMessage(kind="push", recipients=[MENTOR], messages=[{"type": "text",
                            "text": "x"}], dedupe_key=f"reminder:{ids['mentor']}:2026-05-07",
                            next_attempt_at=clock.now))
    a.say("เรื่องรอดำเนินการ")
    assert "คำขอให้ครัวเรือนออกจากโครงการที่รอยืนยัน 1 รายการค่ะ" in a.text
    assert "พ้นเกณฑ์/พึ่งตนเองได้" in a.text
    a.tap("ยืนยัน")
    assert household(db, ids["household"]).status is HouseholdStatus.LEFT
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.dedupe_key.like("reminder:%"))) == 0
    a.say("เรื่องรอดำเนินการ")
    assert "รอยืนยัน" not in a.text


def test_a_blank_reason_is_asked_again(players, db):
    mentor = players["mentor"]
    mentor.say("บ้านที่ดูแล")
    mentor.tap("ออกจากโครงการ")
    mentor.tap("อื่น ๆ")
    mentor.say("   ")
    assert "กรุณาพิมพ์เหตุผล" in mentor.text and exits(db) == []
    mentor.say("ย้ายไปอยู่กับญาติ")
    mentor.tap("ยืนยัน")
    assert [e.note for e in exits(db)] == ["ย้ายไปอยู่กับญาติ"]
