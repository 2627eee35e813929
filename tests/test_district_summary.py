"""สรุปอำเภอ: a coordinator's district in numbers, counted by the database."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.services import services
from models import Case, CaseStatus, ItemStatus, PlanItem, Role, Visit

from . import factories
from .players import Player
from .query_count import selects_during

COORDINATOR = "U" + "5" * 32
EMPTY_COORDINATOR = "U" + "6" * 32
MENTOR = "U" + "4" * 32

# The fixture in เมืองเลย (today is 7 May 2026 in Bangkok):
#   h1 visited 2 and 6 May (one household, two visits), due 5 Jun
#   h2 visited 30 Apr only, due 1 May (overdue)
#   h3 visited 1 May, due 31 May
#   h4 never visited, due 6 May (overdue)
#   h5 visited 7 Apr, due today (not overdue)
#   h6 no visit, no due date
# and in วังสะพุง one household visited this month, overdue, with cases and plan items.
HOUSEHOLDS = {  # key: (district, due, visits)
    "h1": ("เมืองเลย", date(2026, 6, 5), [date(2026, 5, 2), date(2026, 5, 6)]),
    "h2": ("เมืองเลย", date(2026, 5, 1), [date(2026, 4, 30)]),
    "h3": ("เมืองเลย", date(2026, 5, 31), [date(2026, 5, 1)]),
    "h4": ("เมืองเลย", date(2026, 5, 6), []),
    "h5": ("เมืองเลย", date(2026, 5, 7), [date(2026, 4, 7)]),
    "h6": ("เมืองเลย", None, []),
    "x1": ("วังสะพุง", date(2026, 5, 2), [date(2026, 5, 3)]),
}
CASES = [("h1", CaseStatus.OPEN), ("h2", CaseStatus.OPEN), ("h3", CaseStatus.ACKNOWLEDGED),
         ("h1", CaseStatus.REFERRED), ("h4", CaseStatus.CLOSED), ("x1", CaseStatus.OPEN),
         ("x1", CaseStatus.ACKNOWLEDGED)]
ITEMS = [("h1", ItemStatus.DONE), ("h1", ItemStatus.DONE), ("h1", ItemStatus.ONGOING),
         ("h2", ItemStatus.NOT_STARTED), ("h3", ItemStatus.DONE), ("x1", ItemStatus.DONE),
         ("x1", ItemStatus.DONE)]


def add_households(s, mentors: dict, spec: dict, now: datetime, prefix: str = "4201") -> dict:
    made = {}
    for n, (key, (district, due, visited)) in enumerate(spec.items()):
        mentor = mentors[district]
        household = factories.household(s, mentor, house_id=f"{prefix}{n:07d}", now=now)
        household.next_visit_due = due
        for day in visited:
            s.add(Visit(household_id=household.id, mentor_id=mentor.id, visited_on=day,
                        next_visit_due=due or day + timedelta(days=30), created_at=now))
        made[key] = household
    s.flush()
    return made


def add_cases_and_items(s, households: dict, mentors: dict, now: datetime) -> None:
    for key, status in CASES:
        h = households[key]
        s.add(Case(household_id=h.id, mentor_id=mentors[h.district].id, dimension="income",
                   status=status, province=h.province, district=h.district,
                   created_at=now, updated_at=now))
    for key, status in ITEMS:
        h = households[key]
        s.add(PlanItem(household_id=h.id, dimension="income", household_action="ปลูกผัก",
                       start_month=date(2026, 5, 1), end_month=date(2026, 6, 1), status=status,
                       created_by_id=mentors[h.district].id, created_at=now, updated_at=now))


@pytest.fixture
def district(db, clock):
    with db.transaction() as s:
        mentors = {"เมืองเลย": factories.person(s, name="นายวิชัย ทองดี", line_user_id=MENTOR),
                   "วังสะพุง": factories.person(s, name="นางอื่น ที่อื่น", phone="0810000098",
                                                district="วังสะพุง")}
        factories.person(s, name="นางสาวมาลี ศรีเลย", role=Role.COORDINATOR, phone=None,
                         line_user_id=COORDINATOR)
        factories.person(s, name="นายว่าง งานน้อย", role=Role.COORDINATOR, phone=None,
                         district="ภูเรือ", line_user_id=EMPTY_COORDINATOR)
        households = add_households(s, mentors, HOUSEHOLDS, clock.now)
        add_cases_and_items(s, households, mentors, clock.now)
        return {"mentor": mentors["เมืองเลย"].id, "other_mentor": mentors["วังสะพุง"].id}


@pytest.fixture
def coordinator(line, fake_line, clock, district):
    return Player(line, fake_line, COORDINATOR, clock)


def card_fields(messages: list[dict]) -> dict[str, str]:
    [flex] = [m for m in messages if m["type"] == "flex"]
    rows = flex["contents"]["body"]["contents"]
    return {row["contents"][0]["text"]: row["contents"][1]["text"] for row in rows
            if row.get("layout") == "baseline"}


def test_the_summary_counts_the_district_only(coordinator):
    coordinator.say("สรุปอำเภอ")
    assert "สรุปอำเภอเมืองเลย" in coordinator.text and "ข้อมูล ณ 7 พ.ค. 2569" in coordinator.text
    assert card_fields(coordinator.last) == {
        "ครัวเรือนเป้าหมาย": "6 ครัวเรือน",
        "เยี่ยมแล้ว พ.ค. 2569": "2 ครัวเรือน (33%)",   # h1 (twice) and h3; not h2 (April)
        "เลยกำหนดเยี่ยม": "2 ครัวเรือน",               # h2 and h4; h5 is due today
        "เรื่องที่ยังไม่มีผู้รับ": "2 เรื่อง",
        "เรื่องกำลังดำเนินการ": "2 เรื่อง",              # acknowledged + referred; closed left out
        "แผนพัฒนา": "สำเร็จ 3/5 กิจกรรม",
        "มิติที่ยังไม่ผ่าน": "6 ครัวเรือน รวม 12 มิติ (ผ่านแล้ว 0 มิติ)",   # income, health each
        "ออกจากโครงการ": "0 ครัวเรือน",
    }
    assert "#D32F2F" in str(coordinator.last)              # overdue and waiting stand out
    coordinator.tap("เรื่องรอดำเนินการ")
    assert "เรื่องรอดำเนินการ 4 เรื่อง" in coordinator.text   # the card's button opens the queue


def test_the_month_is_the_bangkok_calendar_month(coordinator, clock):
    # 31 May 18:00 UTC is already 1 June 01:00 in Bangkok: a new month, nobody visited yet,
    # and everything due by 31 May is now overdue.
    clock.now = datetime(2026, 5, 31, 18, 0, tzinfo=UTC)
    coordinator.say("สรุปอำเภอ")
    fields = card_fields(coordinator.last)
    assert fields["เยี่ยมแล้ว มิ.ย. 2569"] == "0 ครัวเรือน (0%)"
    assert fields["เลยกำหนดเยี่ยม"] == "4 ครัวเรือน"            # h2, h3, h4, h5


def test_an_empty_district_shows_zeros(line, fake_line, clock, district):
    empty = Player(line, fake_line, EMPTY_COORDINATOR, clock)
    empty.say("สรุปอำเภอ")
    assert card_fields(empty.last) == {
        "ครัวเรือนเป้าหมาย": "0 ครัวเรือน", "เยี่ยมแล้ว พ.ค. 2569": "0 ครัวเรือน",
        "เลยกำหนดเยี่ยม": "0 ครัวเรือน", "เรื่องที่ยังไม่มีผู้รับ": "0 เรื่อง",
        "เรื่องกำลังดำเนินการ": "0 เรื่อง", "แผนพัฒนา": "สำเร็จ 0/0 กิจกรรม",
        "มิติที่ยังไม่ผ่าน": "0 ครัวเรือน รวม 0 มิติ (ผ่านแล้ว 0 มิติ)",
        "ออกจากโครงการ": "0 ครัวเรือน"}


def test_a_mentor_has_no_district_summary(line, fake_line, clock, district, app):
    from handlers.replies import Button

    from .line_events import postback_event
    mentor = Player(line, fake_line, MENTOR, clock)
    menu_button = services(app).processor.renderer.action(
        Button("x", payload={"a": "cmd", "k": "district_summary"}))
    mentor._send(postback_event(MENTOR, menu_button["data"]))
    assert "เมนูนี้ไม่ได้มีไว้สำหรับบทบาทของท่าน" in mentor.text
    assert "ครัวเรือนเป้าหมาย" not in mentor.text


def test_the_number_of_queries_does_not_grow_with_the_district(coordinator, db, app, clock,
                                                               district):
    engine = services(app).db.engine

    def queries_for_summary() -> int:
        return selects_during(engine, lambda: coordinator.say("สรุปอำเภอ"))

    coordinator.say("เมนู")   # the first event makes the conversation state row
    small = queries_for_summary()
    with db.transaction() as s:
        from models import Person
        mentors = {"เมืองเลย": s.get(Person, district["mentor"]),
                   "วังสะพุง": s.get(Person, district["other_mentor"])}
        more = {f"m{n}": ("เมืองเลย", date(2026, 5, 1), [date(2026, 5, 3)]) for n in range(20)}
        add_households(s, mentors, more, clock.now, prefix="4202")
    large = queries_for_summary()
    assert card_fields(coordinator.last)["ครัวเรือนเป้าหมาย"] == "26 ครัวเรือน"
    assert large == small
