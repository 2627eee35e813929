"""สรุปรายเดือน: a coordinator's district this month so far against the same days of last month,
built from what the domain records (assistance, cases, visits) and counted by the database."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.commands.richmenu_commands import richmenu_group
from bot.services import services
from handlers import assistance
from handlers import cases as case_logic
from handlers.assistance import AssistanceDraft
from handlers.context import Context
from handlers.monthly_figures import Period, periods
from handlers.visits import VisitDraft, record_visit
from models import Agency, Household, Person, Role
from models.agencies import STANDARD_AREA

from . import factories
from .case_fixtures import TZ, signed
from .line_events import postback_event
from .players import Player
from .query_count import selects_during

COORDINATOR = "U" + "5" * 32      # เมืองเลย
OTHER_COORDINATOR = "U" + "7" * 32   # วังสะพุง
EMPTY_COORDINATOR = "U" + "6" * 32   # ภูเรือ: nothing happened there
MENTOR = "U" + "4" * 32

# Today is 7 May 2026 in Bangkok (the clock fixture): this month is 1-7 May, and it is compared
# with 1-7 April.
MAY, APR = (lambda d: date(2026, 5, d)), (lambda d: date(2026, 4, d))
MENTOR_GAVE, TYPED = "mentor", "typed:"
# (household, given on, dimension, who gave it, value in baht)
RECORDS = [
    # this month: 13 records, 4 households, 12,500.50 baht
    ("h1", MAY(1), "income", "พช.อ.", "3000"),
    ("h1", MAY(3), "income", "พช.อ.", None),
    ("h2", MAY(5), "income", "พช.อ.", "1500.50"),
    ("h2", MAY(7), "living", "พช.อ.", None),
    ("h3", MAY(2), "living", "อปท.", "5000"),
    ("h3", MAY(2), "living", "อปท.", None),
    ("h1", MAY(6), "access", "อปท.", None),
    ("h4", MAY(4), "health", MENTOR_GAVE, None),
    ("h4", MAY(4), "education", MENTOR_GAVE, None),
    ("h2", MAY(2), "access", TYPED + "มูลนิธิบ้านสุข", "2000"),
    ("h2", MAY(3), "access", TYPED + "มูลนิธิบ้านสุข", None),
    ("h1", MAY(7), "health", "รพ.สต.", None),
    ("h3", MAY(6), "living", "พมจ.", "1000"),        # sixth giver: not in the top five
    # the same days of last month: 10 records, 3 households, 1,300 baht
    ("h1", APR(2), "income", "พช.อ.", "500"),
    ("h5", APR(3), "health", MENTOR_GAVE, None),
    ("h5", APR(4), "health", MENTOR_GAVE, None),
    ("h5", APR(5), "income", MENTOR_GAVE, None),
    ("h1", APR(6), "health", "รพ.สต.", None),
    ("h2", APR(7), "health", "รพ.สต.", "800"),
    *[("h5", APR(d), "health", "สสอ.", None) for d in (1, 2, 3, 4)],   # none this month
    # outside both: after the same days of April, in March, at the end of April
    ("h1", APR(8), "living", "อปท.", "9999"),
    ("h1", date(2026, 3, 31), "income", "พช.อ.", None),
    ("h1", APR(30), "income", "พช.อ.", None),
    # another district, and a district of the same name in another province
    *[("x1", MAY(3), "income", "พช.อ.", "100000") for _ in range(5)],
    *[("y1", MAY(3), "income", "อปท.", "100000") for _ in range(5)],
]
# (household, visited on): this month 4 visits to 3 households, 1-7 April 2 visits to 2.
VISITS = [("h1", MAY(2)), ("h1", MAY(6)), ("h2", MAY(3)), ("h3", MAY(7)),
          ("h1", APR(3)), ("h5", APR(4)), ("h2", APR(20)), ("x1", MAY(3)), ("y1", MAY(3))]


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


# (household, raised at, closed at): opened 2 this month, 3 in 1-7 April; closed 2 and 2.
CASES = [
    ("h1", utc(5, 2, 3), None),
    ("h2", utc(4, 30, 17, 30), utc(5, 5, 3)),    # 1 May 00:30 in Bangkok: this month
    ("h3", utc(4, 3, 3), utc(5, 6, 3)),
    ("h1", utc(4, 5, 3), utc(4, 6, 3)),
    ("h2", utc(4, 7, 17, 30), None),             # 8 April 00:30 in Bangkok: after 1-7 April
    ("h3", utc(4, 7, 16, 30), None),             # 7 April 23:30 in Bangkok: within it
    ("h4", utc(3, 20, 3), utc(4, 2, 3)),
    ("x1", utc(5, 3, 3), utc(5, 4, 3)),
    ("y1", utc(5, 3, 3), utc(5, 4, 3)),
]


def at(moment: datetime) -> Context:
    return Context(now=moment, tz=TZ)


def draft(s, given_on: date, dimension: str, giver: str, value: str | None) -> AssistanceDraft:
    value_baht = Decimal(value) if value else None
    if giver == MENTOR_GAVE:
        return AssistanceDraft(dimension, "advice", given_on, by_mentor=True,
                               value_baht=value_baht)
    if giver.startswith(TYPED):
        return AssistanceDraft(dimension, "other", given_on, agency_name=giver[len(TYPED):],
                               value_baht=value_baht)
    agency_id = s.scalar(select(Agency.id).where(Agency.district == STANDARD_AREA,
                                                 Agency.short_name == giver))
    return AssistanceDraft(dimension, "supplies", given_on, agency_id=agency_id,
                           value_baht=value_baht)


def add_activity(s, households: dict, mentors: dict, coordinators: dict, records=RECORDS,
                 visits=VISITS, raised=CASES) -> None:
    """What mentors and coordinators did, through the domain functions."""
    def mentor_of(key):
        return mentors[households[key].district, households[key].province]

    for key, given_on, dimension, giver, value in records:
        assistance.record(s, households[key], mentor_of(key),
                          draft(s, given_on, dimension, giver, value),
                          at(datetime.combine(given_on, datetime.min.time(), tzinfo=UTC)))
    for key, visited_on in visits:
        record_visit(s, households[key], mentor_of(key),
                     VisitDraft(visited_on, None, None, None, None, (),
                                visited_on + timedelta(days=30)),
                     at(datetime.combine(visited_on, datetime.min.time(), tzinfo=UTC)))
    for key, opened, closed in raised:
        household = households[key]
        case = case_logic.raise_case(s, household=household, mentor=mentor_of(key),
                                     dimension="income", note="ต้องการฝึกอาชีพ", agency=None,
                                     problem_id=None, ctx=at(opened))
        if closed is not None:
            case_logic.close(s, case, coordinators[household.district], "ช่วยแล้ว", at(closed))


@pytest.fixture
def district(db, clock):
    with db.transaction() as s:
        loei = factories.person(s, name="นายวิชัย ทองดี", line_user_id=MENTOR)
        mentors = {
            ("เมืองเลย", "เลย"): loei,
            ("วังสะพุง", "เลย"): factories.person(s, name="นางอื่น ที่อื่น", phone="0810000098",
                                                  district="วังสะพุง"),
            ("เมืองเลย", "หนองคาย"): factories.person(
                s, name="นายต่าง จังหวัด", phone="0810000097", province="หนองคาย"),
        }
        coordinators = {
            "เมืองเลย": factories.person(s, name="นางสาวมาลี ศรีเลย", role=Role.COORDINATOR,
                                         phone=None, line_user_id=COORDINATOR),
            "วังสะพุง": factories.person(s, name="นายสมชาย รักษ์ดี", role=Role.COORDINATOR,
                                         phone=None, district="วังสะพุง",
                                         line_user_id=OTHER_COORDINATOR),
        }
        factories.person(s, name="นายว่าง งานน้อย", role=Role.COORDINATOR, phone=None,
                         district="ภูเรือ", line_user_id=EMPTY_COORDINATOR)
        spec = {"h1": loei, "h2": loei, "h3": loei, "h4": loei, "h5": loei,
                "x1": mentors["วังสะพุง", "เลย"], "y1": mentors["เมืองเลย", "หนองคาย"]}
        households = {key: factories.household(s, mentor, house_id=f"4201{n:07d}",
                                               now=clock.now - timedelta(days=90))
                      for n, (key, mentor) in enumerate(spec.items())}
        add_activity(s, households, mentors, coordinators)
        return {"mentor": loei.id, "coordinator": coordinators["เมืองเลย"].id,
                "household": households["h1"].id}


@pytest.fixture
def coordinator(line, fake_line, clock, district):
    return Player(line, fake_line, COORDINATOR, clock)


def cards(messages: list[dict]) -> dict[str, dict]:
    """The carousel's cards by title: subtitle, rows (label -> value, in order) and note."""
    [flex] = [m for m in messages if m["type"] == "flex"]
    assert flex["contents"]["type"] == "carousel"
    found = {}
    for bubble in flex["contents"]["contents"]:
        title, *subtitle = [t["text"] for t in bubble["header"]["contents"]]
        body = bubble["body"]["contents"]
        found[title] = {
            "subtitle": subtitle[0] if subtitle else None,
            "rows": {row["contents"][0]["text"]: row["contents"][1]["text"]
                     for row in body if row.get("layout") == "baseline"},
            "note": [row["text"] for row in body if row["type"] == "text"],
            "buttons": [b["action"]["label"] for b in bubble.get("footer", {}).get("contents", [])],
        }
    return found


OVERVIEW, BY_DIMENSION, BY_AGENCY = (
    "สรุปรายเดือน อำเภอเมืองเลย", "ความช่วยเหลือตามมิติ", "หน่วยงานที่ช่วยเหลือมากที่สุด")


def test_the_month_against_the_same_days_of_last_month(coordinator):
    coordinator.say("สรุปรายเดือน")
    found = cards(coordinator.last)
    assert list(found) == [OVERVIEW, BY_DIMENSION, BY_AGENCY]
    overview = found[OVERVIEW]
    assert overview["subtitle"] == "1–7 พ.ค. 2569 เทียบกับ 1–7 เม.ย. 2569"
    assert overview["rows"] == {
        "ความช่วยเหลือ": "13 รายการ (เดือนก่อน 10)",
        "ครัวเรือนที่ได้รับ": "4 ครัวเรือน (เดือนก่อน 3)",
        "มูลค่ารวม": "12,500.50 บาท (เดือนก่อน 1,300 บาท)",
        "เรื่องที่ส่งต่อใหม่": "2 เรื่อง (เดือนก่อน 3)",
        "เรื่องที่ปิดแล้ว": "2 เรื่อง (เดือนก่อน 2)",
        "การเยี่ยมบ้าน": "4 ครั้ง (เดือนก่อน 2)",
        "ครัวเรือนที่เยี่ยม": "3 ครัวเรือน (เดือนก่อน 2)",
    }
    assert overview["note"] == ["ตัวเลขในวงเล็บคือช่วงเดียวกันของเดือนก่อน (1–7 เม.ย. 2569) ค่ะ"]
    assert found[BY_DIMENSION]["rows"] == {
        "รายได้": "3 (เดือนก่อน 2)", "ความเป็นอยู่": "4 (เดือนก่อน 0)",
        "สุขภาพ": "2 (เดือนก่อน 8)", "การศึกษา": "1 (เดือนก่อน 0)",
        "การเข้าถึงบริการรัฐ": "3 (เดือนก่อน 0)"}
    agencies = found[BY_AGENCY]
    assert agencies["subtitle"] == "5 อันดับแรกของ พ.ค. 2569 (จำนวนรายการ)"
    # Most records this month first; a tie goes to the one with more last month. พมจ. (1, sixth)
    # is left out, and สสอ. gave nothing this month.
    assert list(agencies["rows"].items()) == [
        ("1. พช.อ.", "4 (เดือนก่อน 1)"), ("2. อปท.", "3 (เดือนก่อน 0)"),
        ("3. พี่เลี้ยง (ช่วยเอง)", "2 (เดือนก่อน 3)"), ("4. มูลนิธิบ้านสุข", "2 (เดือนก่อน 0)"),
        ("5. รพ.สต.", "1 (เดือนก่อน 2)")]
    assert "สรุปรายเดือน อำเภอเมืองเลย 1–7 พ.ค. 2569" in coordinator.text   # the alt text
    coordinator.tap("สรุปอำเภอ")                              # the card's button
    assert "สรุปอำเภอเมืองเลย" in coordinator.text


def test_it_is_on_the_menu(coordinator):
    coordinator.say("เมนู")
    assert "สรุปรายเดือน" in coordinator.labels()
    coordinator.tap("สรุปรายเดือน")
    found = cards(coordinator.last)
    assert found[OVERVIEW]["rows"]["ความช่วยเหลือ"] == "13 รายการ (เดือนก่อน 10)"


def test_it_is_on_the_rich_menu(runner, coordinator, fake_line):
    assert runner.invoke(richmenu_group, ["deploy"]).exit_code == 0
    areas = fake_line.rich_menus[fake_line.rich_menu_of(COORDINATOR)]["areas"]
    coordinator.tap("สรุปรายเดือน", areas)
    assert OVERVIEW in cards(coordinator.last)


def test_another_district_sees_only_its_own(line, fake_line, clock, district):
    other = Player(line, fake_line, OTHER_COORDINATOR, clock)
    other.say("สรุปรายเดือน")
    found = cards(other.last)
    overview = found["สรุปรายเดือน อำเภอวังสะพุง"]["rows"]
    assert overview["ความช่วยเหลือ"] == "5 รายการ (เดือนก่อน 0)"
    assert overview["มูลค่ารวม"] == "500,000 บาท (เดือนก่อน 0 บาท)"
    assert overview["เรื่องที่ส่งต่อใหม่"] == "1 เรื่อง (เดือนก่อน 0)"
    assert overview["การเยี่ยมบ้าน"] == "1 ครั้ง (เดือนก่อน 0)"
    assert list(found[BY_AGENCY]["rows"].items()) == [("1. พช.อ.", "5 (เดือนก่อน 0)")]


def test_an_empty_district_shows_zeros(line, fake_line, clock, district):
    empty = Player(line, fake_line, EMPTY_COORDINATOR, clock)
    empty.say("สรุปรายเดือน")
    found = cards(empty.last)
    assert found["สรุปรายเดือน อำเภอภูเรือ"]["rows"] == {
        "ความช่วยเหลือ": "0 รายการ (เดือนก่อน 0)",
        "ครัวเรือนที่ได้รับ": "0 ครัวเรือน (เดือนก่อน 0)",
        "มูลค่ารวม": "0 บาท (เดือนก่อน 0 บาท)",
        "เรื่องที่ส่งต่อใหม่": "0 เรื่อง (เดือนก่อน 0)",
        "เรื่องที่ปิดแล้ว": "0 เรื่อง (เดือนก่อน 0)",
        "การเยี่ยมบ้าน": "0 ครั้ง (เดือนก่อน 0)",
        "ครัวเรือนที่เยี่ยม": "0 ครัวเรือน (เดือนก่อน 0)",
    }
    assert set(found[BY_DIMENSION]["rows"].values()) == {"0 (เดือนก่อน 0)"}
    assert len(found[BY_DIMENSION]["rows"]) == 5
    assert found[BY_AGENCY]["rows"] == {}
    assert found[BY_AGENCY]["note"] == ["เดือนนี้ยังไม่มีการบันทึกความช่วยเหลือค่ะ"]


def test_a_mentor_is_not_given_it(line, fake_line, clock, district, app):
    mentor = Player(line, fake_line, MENTOR, clock)
    mentor.say("สรุปรายเดือน")
    assert "สรุปรายเดือน" not in mentor.text and "มูลค่ารวม" not in mentor.text
    assert "สรุปรายเดือน" not in mentor.labels()
    mentor._send(postback_event(MENTOR, signed(app, {"a": "cmd", "k": "monthly_figures"})))
    assert "เมนูนี้ไม่ได้มีไว้สำหรับบทบาทของท่าน" in mentor.text
    assert "มูลค่ารวม" not in mentor.text


def test_the_month_starts_at_midnight_in_bangkok(db, line, fake_line, clock, district):
    """31 May 17:30 UTC is 1 June 00:30 in Bangkok: what the mentor records then is June's, and
    a case raised an hour earlier (31 May 23:30 in Bangkok, the same UTC day) is May's."""
    with db.transaction() as s:
        mentor = s.get(Person, district["mentor"])
        household = s.get(Household, district["household"])
        case_logic.raise_case(s, household=household, mentor=mentor, dimension="income",
                              note=None, agency=None, problem_id=None,
                              ctx=at(utc(5, 31, 16, 30)))
    clock.now = utc(5, 31, 17, 30)
    ctx = at(clock.now)
    assert ctx.today == date(2026, 6, 1)
    with db.transaction() as s:
        mentor = s.get(Person, district["mentor"])
        household = s.get(Household, district["household"])
        assistance.record(s, household, mentor,
                          draft(s, ctx.today, "income", "พช.อ.", "700"), ctx)
        record_visit(s, household, mentor, VisitDraft(ctx.today, None, None, None, None, (),
                                                      ctx.today + timedelta(days=30)), ctx)
        case_logic.raise_case(s, household=household, mentor=mentor, dimension="income",
                              note=None, agency=None, problem_id=None, ctx=ctx)
    coordinator = Player(line, fake_line, COORDINATOR, clock)
    coordinator.say("สรุปรายเดือน")
    found = cards(coordinator.last)
    overview = found[OVERVIEW]
    # June so far is its first day; May's first day is what it is compared with (1 May had one
    # record, from พช.อ., and the case raised at 00:30 that day).
    assert overview["subtitle"] == "1 มิ.ย. 2569 เทียบกับ 1 พ.ค. 2569"
    assert overview["rows"]["ความช่วยเหลือ"] == "1 รายการ (เดือนก่อน 1)"
    assert overview["rows"]["มูลค่ารวม"] == "700 บาท (เดือนก่อน 3,000 บาท)"
    assert overview["rows"]["เรื่องที่ส่งต่อใหม่"] == "1 เรื่อง (เดือนก่อน 1)"
    assert overview["rows"]["การเยี่ยมบ้าน"] == "1 ครั้ง (เดือนก่อน 0)"
    assert list(found[BY_AGENCY]["rows"].items()) == [("1. พช.อ.", "1 (เดือนก่อน 1)")]
    assert found[BY_AGENCY]["subtitle"] == "5 อันดับแรกของ มิ.ย. 2569 (จำนวนรายการ)"


def test_the_number_of_queries_does_not_grow_with_the_district(coordinator, db, app, clock,
                                                               district):
    engine = services(app).db.engine

    def queries() -> int:
        return selects_during(engine, lambda: coordinator.say("สรุปรายเดือน"))

    coordinator.say("เมนู")   # the first event makes the conversation state row
    small = queries()
    with db.transaction() as s:
        loei = s.get(Person, district["mentor"])
        coordinator_row = s.get(Person, district["coordinator"])
        more = {f"m{n}": factories.household(s, loei, house_id=f"4202{n:07d}", now=clock.now)
                for n in range(15)}
        add_activity(s, more, {("เมืองเลย", "เลย"): loei}, {"เมืองเลย": coordinator_row},
                     records=[(k, MAY(4), "income", "อปท.", "10") for k in more],
                     visits=[(k, MAY(5)) for k in more],
                     raised=[(k, utc(5, 5, 3), utc(5, 6, 3)) for k in more])
    large = queries()
    assert cards(coordinator.last)[OVERVIEW]["rows"]["ความช่วยเหลือ"] == "28 รายการ (เดือนก่อน 10)"
    assert large == small


@pytest.mark.parametrize(("today", "this", "last"), [
    (date(2026, 5, 7), (date(2026, 5, 1), date(2026, 5, 7)), (date(2026, 4, 1), date(2026, 4, 7))),
    (date(2026, 5, 31), (date(2026, 5, 1), date(2026, 5, 31)),
     (date(2026, 4, 1), date(2026, 4, 30))),                     # April has no 31st
    (date(2026, 3, 30), (date(2026, 3, 1), date(2026, 3, 30)),
     (date(2026, 2, 1), date(2026, 2, 28))),
    (date(2026, 1, 1), (date(2026, 1, 1), date(2026, 1, 1)),
     (date(2025, 12, 1), date(2025, 12, 1))),                    # across the year
])
def test_the_periods_compared(today, this, last):
    assert periods(today) == (Period(*this), Period(*last))
