"""The case lists (the coordinator's queue, the mentor's own cases) and what happens to cases
when their household is handed to another mentor."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from handlers import cases as case_logic
from handlers.context import Context
from models import CaseStatus

from . import factories
from .case_fixtures import MENTOR, TZ, drain, new_for, the_case
from .players import Player


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
    OP, AC, RE, CL = (CaseStatus.OPEN, CaseStatus.ACKNOWLEDGED, CaseStatus.REFERRED,
                  CaseStatus.CLOSED)
    specs = [(days, OP, "เมืองเลย") for days in (3, 9, 5, 1, 7, 8, 2, 4, 6, 10)]
    specs += [(30, AC, "เมืองเลย"), (20, RE, "เมืองเลย"), (15, AC, "เมืองเลย"),
              (40, CL, "เมืองเลย"), (50, OP, "วังสะพุง")]
    made = dict(enumerate(make_cases(db, ids, clock, specs)))
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
    assert "นางสาวมาลี ศรีเลย" in mentor.text                 # who holds it
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
