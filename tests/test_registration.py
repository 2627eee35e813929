"""Registration: a one-time code binds a LINE user to a mentor or coordinator."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from handlers import cases as case_logic
from handlers.context import Context
from models import Case, CaseStatus, Household, Person, Role

from . import factories
from .case_fixtures import (
    COORD_A,
    COORD_B,
    COORD_OTHER,
    MENTOR,
    TZ,
    drain,
    new_for,
    report_escalated_visit,
    the_case,
)
from .line_events import follow_event, text_event
from .players import Player

MENTOR_LINE = "U" + "1" * 32
OTHER_LINE = "U" + "2" * 32


def _mentor_with_code(db, clock, **kw):
    with db.transaction() as s:
        mentor = factories.person(s, name="นายวิชัย ทองดี", **kw)
        return mentor.id, factories.code_for(s, mentor, clock.now)


def _last_text(fake_line, user):
    return fake_line.sent_messages(user)[-1]["text"]


def test_follow_explains_how_to_register(line, fake_line):
    line.post(follow_event(MENTOR_LINE))
    assert "รหัสลงทะเบียน" in _last_text(fake_line, MENTOR_LINE)


def test_code_binds_the_line_user_and_greets_by_name(line, db, fake_line, clock):
    person_id, code = _mentor_with_code(db, clock)
    typed = f" {code[:4].lower()}-{code[4:]} "   # lower case, a dash and spaces are fine
    line.post(text_event(MENTOR_LINE, typed))
    greeting = _last_text(fake_line, MENTOR_LINE)
    assert "ยินดีต้อนรับ นายวิชัย ทองดี ค่ะ" in greeting and "ข้าราชการพี่เลี้ยง" in greeting
    with db.transaction() as s:
        person = s.get(Person, person_id)
        assert person.line_user_id == MENTOR_LINE and person.registered_at == clock.now
    # Registered now: the same text is no longer treated as a code.
    line.post(text_event(MENTOR_LINE, "สวัสดี"))
    assert "รหัสลงทะเบียน" not in _last_text(fake_line, MENTOR_LINE)


def test_coordinator_is_greeted_as_coordinator(line, db, fake_line, clock):
    with db.transaction() as s:
        coordinator = factories.person(s, name="นางสาวมาลี ศรีเลย", role=Role.COORDINATOR,
                                       phone=None, district="วังสะพุง")
        code = factories.code_for(s, coordinator, clock.now)
    line.post(text_event(OTHER_LINE, code))
    greeting = _last_text(fake_line, OTHER_LINE)
    assert "ยินดีต้อนรับ นางสาวมาลี ศรีเลย ค่ะ" in greeting
    assert "ลงทะเบียนเป็นผู้ประสานงาน ศจพ.อ.วังสะพุง เรียบร้อยแล้วค่ะ" in greeting


def test_thai_digits_in_a_code_are_accepted(line, db, fake_line, clock):
    with db.transaction() as s:
        mentor = factories.person(s, name="นายวิชัย ทองดี")
        code = factories.code_for(s, mentor, clock.now)
    thai = code.translate(str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙"))
    line.post(text_event(MENTOR_LINE, thai))
    assert "ยินดีต้อนรับ" in _last_text(fake_line, MENTOR_LINE)


def test_a_code_works_once(line, db, fake_line, clock):
    _, code = _mentor_with_code(db, clock)
    line.post(text_event(MENTOR_LINE, code))
    line.post(text_event(OTHER_LINE, code))
    assert "ใช้ไม่ได้" in _last_text(fake_line, OTHER_LINE)
    with db.transaction() as s:
        assert s.scalar(select(Person.line_user_id)) == MENTOR_LINE


def test_an_expired_code_is_refused(line, db, fake_line, clock):
    _, code = _mentor_with_code(db, clock)
    clock.advance(days=14, seconds=1)
    line.post(text_event(MENTOR_LINE, code))
    assert "ใช้ไม่ได้" in _last_text(fake_line, MENTOR_LINE)
    with db.transaction() as s:
        assert s.scalar(select(Person.line_user_id)) is None


def test_five_wrong_codes_in_an_hour_lock_the_user_out_for_an_hour(line, db, fake_line, clock):
    _, code = _mentor_with_code(db, clock)
    for n in range(4):
        line.post(text_event(MENTOR_LINE, "WRONG" + "ACD"[n % 3] * 3))
        assert f"อีก {4 - n} ครั้ง" in _last_text(fake_line, MENTOR_LINE)
        clock.advance(minutes=5)
    line.post(text_event(MENTOR_LINE, "WRONGXXX"))                 # 5th failure, at 10:20
    assert "11:20" in _last_text(fake_line, MENTOR_LINE)           # Bangkok time
    clock.advance(minutes=30)
    line.post(text_event(MENTOR_LINE, code))                       # even the right code
    assert "ลองใหม่หลังเวลา 11:20" in _last_text(fake_line, MENTOR_LINE)
    with db.transaction() as s:
        assert s.scalar(select(Person.line_user_id)) is None
    clock.advance(minutes=31)
    line.post(text_event(MENTOR_LINE, code))
    assert "ยินดีต้อนรับ" in _last_text(fake_line, MENTOR_LINE)


def test_the_lock_out_is_per_line_user(line, db, fake_line, clock):
    _, code = _mentor_with_code(db, clock)
    for _ in range(5):
        line.post(text_event(OTHER_LINE, "WRONGXXX"))
    line.post(text_event(MENTOR_LINE, code))
    assert "ยินดีต้อนรับ" in _last_text(fake_line, MENTOR_LINE)


def test_ordinary_chat_from_a_stranger_is_not_counted_as_a_try(line, db, fake_line, clock):
    _, code = _mentor_with_code(db, clock)
    for _ in range(6):
        line.post(text_event(MENTOR_LINE, "สวัสดีค่ะ ขอสอบถามหน่อย"))
    line.post(text_event(MENTOR_LINE, code))
    assert "ยินดีต้อนรับ" in _last_text(fake_line, MENTOR_LINE)


def test_a_stranger_gets_no_data_whatever_they_send(line, db, fake_line, clock):
    with db.transaction() as s:
        mentor = factories.person(s, name="นายวิชัย ทองดี")
        factories.household(s, mentor, now=clock.now)
    for text in ("เมนู", "บ้านที่ดูแล", "42010000011", "นางสมศรี"):
        line.post(text_event(MENTOR_LINE, text))
        reply = _last_text(fake_line, MENTOR_LINE)
        assert "สมศรี" not in reply and "42010000011" not in reply
        assert "รหัสลงทะเบียน" in reply or "รหัสนี้ใช้ไม่ได้" in reply


def test_two_users_racing_for_one_code_bind_only_one(app, db, clock, fake_line):
    """On PostgreSQL the code row is locked; on SQLite writes are serialised."""
    from bot.services import services
    from delivery.processing import EventProcessor

    from .conftest import LineChannel
    _, code = _mentor_with_code(db, clock)
    svc = services(app)
    svc.processor.shutdown()
    svc.processor = EventProcessor(svc, mode="thread", workers=2)
    channel = LineChannel(app.test_client(), fake_line)
    channel.post(text_event(MENTOR_LINE, code), text_event(OTHER_LINE, code))
    svc.processor.wait(timeout=10)
    greeted = [u for u in (MENTOR_LINE, OTHER_LINE)
               if "ยินดีต้อนรับ" in _last_text(fake_line, u)]
    assert len(greeted) == 1
    with db.transaction() as s:
        assert s.scalar(select(Person.line_user_id)) == greeted[0]


# -- cases raised before any coordinator of the district registered ---------------------------
@pytest.fixture
def no_coordinator_yet(db, clock, line, fake_line):
    """A registered mentor with a household in เมืองเลย; the district's two coordinators, and one
    of วังสะพุง, have codes but have not registered."""
    with db.transaction() as s:
        mentor = factories.person(s, name="นายวิชัย ทองดี", line_user_id=MENTOR)
        household = factories.household(s, mentor, now=clock.now - timedelta(days=40))
        people = {"a": factories.person(s, name="นางสาวมาลี ศรีเลย", role=Role.COORDINATOR,
                                        phone=None),
                  "b": factories.person(s, name="นายสมชาย รักษ์ดี", role=Role.COORDINATOR,
                                        phone=None),
                  "other": factories.person(s, name="นางรัตนา ภูเรือ", role=Role.COORDINATOR,
                                            phone=None, district="วังสะพุง")}
        codes = {key: factories.code_for(s, p, clock.now) for key, p in people.items()}
        ids = {"mentor": mentor.id, "household": household.id,
               **{key: p.id for key, p in people.items()}}
    players = {key: Player(line, fake_line, uid, clock) for key, uid in
               (("mentor", MENTOR), ("a", COORD_A), ("b", COORD_B), ("other", COORD_OTHER))}
    return players, codes, ids


def _flex(messages: list[dict]) -> list[dict]:
    return [m for m in messages if m["type"] == "flex"]


def test_the_first_coordinator_to_register_gets_the_cases_nobody_was_told(
        no_coordinator_yet, app, db, fake_line, clock):
    players, codes, ids = no_coordinator_yet
    a, b, other = players["a"], players["b"], players["other"]
    report_escalated_visit(players["mentor"])
    assert drain(app) == 0                                 # no coordinator to alert
    case = the_case(db)

    clock.advance(hours=3)
    a.say(codes["a"])
    assert [m["type"] for m in a.last] == ["text", "text", "flex"]
    assert "ลงทะเบียนเป็นผู้ประสานงาน ศจพ.อ.เมืองเลย เรียบร้อยแล้วค่ะ" in a.text
    assert "ยังไม่มีผู้รับ 1 เรื่องค่ะ" in a.text
    assert f"เรื่องขอความช่วยเหลือ #{case.id}" in a.text and "ยังไม่มีผู้รับเรื่อง" in a.text
    assert "นางสมศรี ใจดี" in a.text and "ต้องการฝึกอาชีพ" in a.text
    card = _flex(a.last)

    b.say(codes["b"])                                      # a was told already
    assert _flex(b.last) == [] and "ยังไม่มีผู้รับ" not in b.text
    other.say(codes["other"])                              # another district
    assert _flex(other.last) == [] and "ยังไม่มีผู้รับ" not in other.text

    a.tap("รับเรื่อง", card)
    assert f"รับเรื่อง #{case.id} แล้วค่ะ" in a.text
    case = the_case(db)
    assert case.status is CaseStatus.ACKNOWLEDGED and case.acknowledged_by_id == ids["a"]
    seen = len(fake_line.sent_messages(MENTOR))
    assert drain(app) == 1
    assert "ผู้รับเรื่อง: นางสาวมาลี ศรีเลย" in new_for(fake_line, MENTOR, seen)


def test_more_open_cases_than_a_carousel_holds(no_coordinator_yet, app, db, clock):
    players, codes, ids = no_coordinator_yet
    with db.transaction() as s:
        mentor, household = s.get(Person, ids["mentor"]), s.get(Household, ids["household"])
        for n, status in enumerate([CaseStatus.OPEN] * 14 + [CaseStatus.ACKNOWLEDGED,
                                                             CaseStatus.CLOSED]):
            at = Context(now=clock.now - timedelta(days=30 - n), tz=TZ)
            case = case_logic.raise_case(s, household=household, mentor=mentor,
                                         dimension="income", note=None, agency=None,
                                         problem_id=None, ctx=at)
            case.status = status
        oldest = s.scalar(select(func.min(Case.id)))
    a = players["a"]
    a.say(codes["a"])
    [carousel] = _flex(a.last)
    bubbles = carousel["contents"]["contents"]
    assert len(bubbles) == 12
    assert bubbles[0]["header"]["contents"][0]["text"] == f"เรื่องขอความช่วยเหลือ #{oldest}"
    assert "ยังไม่มีผู้รับ 14 เรื่องค่ะ" in a.text
    assert "และอีก 2 เรื่องค่ะ" in a.text and "เรื่องรอดำเนินการ" in a.labels()
    a.tap("เรื่องรอดำเนินการ")
    assert "เรื่องรอดำเนินการ 15 เรื่อง" in a.text        # the 14 open and the one taken


def test_a_coordinator_of_a_district_without_cases_gets_just_the_welcome(
        no_coordinator_yet, app):
    players, codes, _ = no_coordinator_yet
    players["a"].say(codes["a"])
    assert [m["type"] for m in players["a"].last] == ["text"]
