"""Outside-help cases: a mentor raises one in a visit report, coordinators take, refer and close
it from the card they received, and the mentor hears of every step."""
from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.services import services
from handlers import cases as case_logic
from handlers.context import Context
from handlers.replies import Button
from models import Case, CaseEvent, CaseStatus, ConversationState, OutboxMessage, Role
from scheduler.jobs import drain_outbox

from . import factories
from .line_events import postback_event
from .players import Player

MENTOR = "U" + "4" * 32
COORD_A = "U" + "5" * 32      # นางสาวมาลี ศรีเลย, เมืองเลย
COORD_B = "U" + "6" * 32      # นายสมชาย รักษ์ดี, เมืองเลย
COORD_OTHER = "U" + "7" * 32  # วังสะพุง
TZ = ZoneInfo("Asia/Bangkok")


@pytest.fixture
def ids(db, clock):
    with db.transaction() as s:
        mentor = factories.person(s, name="นายวิชัย ทองดี", line_user_id=MENTOR)
        a = factories.person(s, name="นางสาวมาลี ศรีเลย", role=Role.COORDINATOR, phone=None,
                             line_user_id=COORD_A)
        b = factories.person(s, name="นายสมชาย รักษ์ดี", role=Role.COORDINATOR, phone=None,
                             line_user_id=COORD_B)
        other = factories.person(s, name="นางรัตนา ภูเรือ", role=Role.COORDINATOR, phone=None,
                                 district="วังสะพุง", line_user_id=COORD_OTHER)
        household = factories.household(s, mentor, now=clock.now - timedelta(days=40))
        return {"mentor": mentor.id, "a": a.id, "b": b.id, "other": other.id,
                "household": household.id}


@pytest.fixture
def players(line, fake_line, clock, ids):
    return {name: Player(line, fake_line, uid, clock) for name, uid in
            (("mentor", MENTOR), ("a", COORD_A), ("b", COORD_B), ("other", COORD_OTHER))}


def drain(app) -> int:
    return drain_outbox(services(app)).sent


def the_case(db) -> Case:
    with db.transaction() as s:
        [case] = s.scalars(select(Case)).all()
        return case


def events(db) -> list[tuple[CaseStatus, int, str | None]]:
    with db.transaction() as s:
        return [(e.action, e.actor_id, e.note)
                for e in s.scalars(select(CaseEvent).order_by(CaseEvent.id))]


def outbox_rows(db) -> int:
    with db.transaction() as s:
        return s.scalar(select(func.count()).select_from(OutboxMessage))


def signed(app, payload: dict) -> str:
    """A genuine button's postback data, as the bot itself would sign it."""
    return services(app).processor.renderer.action(Button("x", payload=payload))["data"]


def report_escalated_visit(mentor: Player) -> None:
    """The visit-report taps of tests/test_visit_report.py, with one income problem escalated."""
    mentor.say("รายงานการเยี่ยมบ้าน")
    mentor.tap("วันนี้")
    mentor.tap("ข้ามทั้ง 4 ท")
    mentor.tap("รายได้")
    mentor.tap("ถัดไป")
    mentor.tap("ต้องการหน่วยงานช่วย")
    mentor.tap("ข้อ 1")                                   # กระทรวงแรงงาน
    mentor.say("ต้องการฝึกอาชีพ")
    mentor.tap("ข้าม")
    mentor.tap("6 มิ.ย. 2569")
    mentor.tap("ยืนยัน")
    assert "ส่งเรื่องขอความช่วยเหลือ 1 เรื่อง" in mentor.text


def alert_of(fake_line, user_id: str) -> list[dict]:
    messages = fake_line.sent_messages(user_id)
    assert messages, "the coordinator received nothing"
    assert messages[-1]["type"] == "flex" and "เรื่องขอความช่วยเหลือ" in str(messages[-1])
    return [messages[-1]]


def new_for(fake_line, user_id: str, seen: int) -> str:
    from .players import all_text
    return all_text(fake_line.sent_messages(user_id)[seen:])


@pytest.fixture
def raised(players, app, fake_line):
    """The mentor has reported the visit and both coordinators of the district have the card."""
    report_escalated_visit(players["mentor"])
    assert drain(app) == 1                                # one multicast to the two coordinators
    return {"a": alert_of(fake_line, COORD_A), "b": alert_of(fake_line, COORD_B)}


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
    assert "รายได้" in notice and "คุณมาลี ศรีเลย" in notice
    seen = len(fake_line.sent_messages(MENTOR))

    clock.advance(hours=2)
    a.tap("ส่งต่อหน่วยงาน")                                # on the card in the answer
    assert "1. กระทรวงแรงงาน (พี่เลี้ยงเสนอ)" in a.text
    assert a.labels()[0] == "ข้อ 1" and "ยกเลิก" in a.labels()
    a.tap("ข้อ 1")
    assert "ส่งต่อเรื่อง" in a.text and "กระทรวงแรงงาน" in a.text
    case = the_case(db)
    assert case.status is CaseStatus.REFERRED and case.referred_agency == "กระทรวงแรงงาน"
    assert case.referred_at == clock.now
    assert events(db)[-1] == (CaseStatus.REFERRED, ids["a"], "กระทรวงแรงงาน")
    assert drain(app) == 1
    notice = new_for(fake_line, MENTOR, seen)
    assert "ส่งต่อเรื่องที่ท่านส่งถึงหน่วยงานแล้ว" in notice
    assert "ส่งต่อถึง: กระทรวงแรงงาน" in notice
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
    assert "รับเรื่องแล้วโดย คุณมาลี ศรีเลย" in b.text
    for label in ("ส่งต่อหน่วยงาน", "ปิดเรื่อง"):          # nor may they move it on
        b.tap(label, raised["b"])
        assert "รับเรื่องแล้วโดย คุณมาลี ศรีเลย" in b.text, label
    case = the_case(db)
    assert case.status is CaseStatus.ACKNOWLEDGED and case.acknowledged_by_id == ids["a"]
    assert len(events(db)) == 2 and outbox_rows(db) == rows
    with db.transaction() as s:
        assert s.get(ConversationState, COORD_B).flow is None
    # The queue shows who holds the case, and no รับเรื่อง button.
    b.say("เรื่องรอดำเนินการ")
    assert "ผู้รับเรื่อง" in b.text and "คุณมาลี ศรีเลย" in b.text
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
    assert "รับเรื่องแล้วโดย คุณสมชาย รักษ์ดี" in a.text
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
    assert the_case(db).referred_agency == "กระทรวงแรงงาน"


def test_closing_with_a_button_and_a_too_long_outcome(players, raised, db):
    a = players["a"]
    a.tap("ปิดเรื่อง", raised["a"])
    a.say("ก" * 301)
    assert "ไม่เกิน 300 ตัวอักษร" in a.text and the_case(db).status is CaseStatus.OPEN
    a.tap("ครัวเรือนไม่ประสงค์")
    case = the_case(db)
    assert case.status is CaseStatus.CLOSED
    assert case.outcome == "ครัวเรือนไม่ประสงค์รับความช่วยเหลือ"


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


# -- lists ---------------------------------------------------------------------------------
def make_cases(db, ids, clock, specs) -> list[int]:
    """Cases raised directly, ``specs`` = (days ago, status, district); returns their ids."""
    made = []
    with db.transaction() as s:
        from models import Household, Person
        mentor, household = s.get(Person, ids["mentor"]), s.get(Household, ids["household"])
        for days_ago, status, district in specs:
            at = clock.now - timedelta(days=days_ago)
            case = case_logic.raise_case(s, household=household, mentor=mentor,
                                         dimension="income", note=None, agency=None,
                                         problem_id=None, ctx=Context(now=at, tz=TZ))
            case.status, case.district = status, district
            if status is not CaseStatus.OPEN:
                case.acknowledged_by_id = ids["a"]
            made.append(case.id)
    return made


def titles(messages: list[dict]) -> list[str]:
    flex = next(m for m in messages if m["type"] == "flex")["contents"]
    bubbles = flex["contents"] if flex["type"] == "carousel" else [flex]
    return [b["header"]["contents"][0]["text"] for b in bubbles]


def test_the_queue_shows_open_cases_oldest_first_then_the_rest(players, db, ids, clock):
    O, A, R, C = (CaseStatus.OPEN, CaseStatus.ACKNOWLEDGED, CaseStatus.REFERRED,
                  CaseStatus.CLOSED)
    specs = [(days, O, "เมืองเลย") for days in (3, 9, 5, 1, 7, 8, 2, 4, 6, 10)]
    specs += [(30, A, "เมืองเลย"), (20, R, "เมืองเลย"), (15, A, "เมืองเลย"),
              (40, C, "เมืองเลย"), (50, O, "วังสะพุง")]
    made = dict(zip(range(len(specs)), make_cases(db, ids, clock, specs)))
    b = players["b"]
    b.say("เรื่องรอดำเนินการ")
    open_by_age = [made[i] for i in sorted(range(10), key=lambda i: -specs[i][0])]
    expected = open_by_age + [made[10], made[11]]         # then the held ones, oldest first
    assert titles(b.last) == [f"เรื่องขอความช่วยเหลือ #{n}" for n in expected]
    assert "และอีก 1 เรื่อง" in b.text                     # 13 not closed in the district
    assert f"#{made[13]}" not in b.text and f"#{made[14]}" not in b.text


def test_an_empty_queue_says_so(players):
    players["a"].say("เรื่องรอดำเนินการ")
    assert "ไม่มีเรื่องค้าง" in players["a"].text


def test_a_mentor_follows_their_cases_newest_first(players, db, ids, clock):
    mentor = players["mentor"]
    mentor.say("เรื่องที่ส่งต่อ")
    assert "ยังไม่มีเรื่อง" in mentor.text
    made = make_cases(db, ids, clock, [(9, CaseStatus.CLOSED, "เมืองเลย"),
                                       (2, CaseStatus.REFERRED, "เมืองเลย"),
                                       (5, CaseStatus.OPEN, "เมืองเลย")])
    mentor.say("เรื่องที่ส่งต่อ")
    newest_first = (made[1], made[2], made[0])
    assert titles(mentor.last) == [f"เรื่องขอความช่วยเหลือ #{n}" for n in newest_first]
    assert "ส่งต่อหน่วยงานแล้ว" in mentor.text and "ปิดเรื่องแล้ว" in mentor.text
    assert "คุณมาลี ศรีเลย" in mentor.text                 # who holds it
    assert not {"รับเรื่อง", "ส่งต่อหน่วยงาน", "ปิดเรื่อง"} & set(mentor.labels())
    # Many cases: a compact list instead of a carousel.
    make_cases(db, ids, clock, [(20 + n, CaseStatus.OPEN, "เมืองเลย") for n in range(30)])
    mentor.say("เรื่องที่ส่งต่อ")
    assert [m["type"] for m in mentor.last] == ["text"]
    assert "33 เรื่อง" in mentor.text and "และอีก 3 เรื่อง" in mentor.text
    assert mentor.text.index(f"#{made[1]} ") < mentor.text.index(f"#{made[2]} ")


# -- a household handed to another mentor ----------------------------------------------------
NEW_MENTOR = "U" + "8" * 32


def reassign(db, ids, clock) -> int:
    """The household goes to another (registered) mentor; returns the new mentor's id."""
    from models import Assignment
    with db.transaction() as s:
        new = factories.person(s, name="นางสาวดวงใจ มีสุข", phone="0810000098",
                               line_user_id=NEW_MENTOR)
        current = s.scalar(select(Assignment).where(Assignment.household_id == ids["household"],
                                                    Assignment.ended_at.is_(None)))
        current.ended_at = clock.now
        s.add(Assignment(household_id=ids["household"], mentor_id=new.id, assigned_at=clock.now))
        return new.id


def test_a_reassigned_household_takes_its_cases_to_the_new_mentor(players, raised, db, app,
                                                                  fake_line, clock, ids):
    from handlers import access
    from models import Person
    case_id = the_case(db).id
    new_id = reassign(db, ids, clock)
    with db.transaction() as s:
        assert access.case_for(s, s.get(Person, ids["mentor"]), case_id) is None
        assert access.case_for(s, s.get(Person, new_id), case_id).id == case_id
    old = players["mentor"]
    old.say("เรื่องที่ส่งต่อ")
    assert "ยังไม่มีเรื่อง" in old.text and f"#{case_id}" not in old.text
    new = Player(players["a"].line, fake_line, NEW_MENTOR, clock)
    new.say("เรื่องที่ส่งต่อ")
    assert f"#{case_id}" in new.text

    seen_old = len(fake_line.sent_messages(MENTOR))
    players["a"].tap("รับเรื่อง", raised["a"])
    assert drain(app) == 1
    assert len(fake_line.sent_messages(MENTOR)) == seen_old      # the old mentor hears nothing
    notice = new_for(fake_line, NEW_MENTOR, 1)
    assert "รับเรื่อง" in notice and f"#{case_id}" in notice and "ครัวเรือนที่ท่านดูแล" in notice


def test_no_notice_when_the_household_has_no_mentor_now(players, raised, db, app, fake_line,
                                                        clock, ids):
    from models import Assignment
    with db.transaction() as s:
        s.scalar(select(Assignment).where(Assignment.household_id == ids["household"])) \
            .ended_at = clock.now
    seen = len(fake_line.sent_messages(MENTOR))
    players["a"].tap("รับเรื่อง", raised["a"])
    assert the_case(db).status is CaseStatus.ACKNOWLEDGED
    drain(app)
    assert len(fake_line.sent_messages(MENTOR)) == seen
