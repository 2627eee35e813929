"""Registration: a one-time code binds a LINE user to a mentor or coordinator."""
from __future__ import annotations

from sqlalchemy import select

from models import Person, Role

from . import factories
from .line_events import follow_event, text_event

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
    assert "คุณวิชัย ทองดี" in greeting and "ข้าราชการพี่เลี้ยง" in greeting
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
    assert "คุณมาลี ศรีเลย" in greeting and "ผู้ประสานงานอำเภอ" in greeting
    assert "วังสะพุง" in greeting


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
