"""The dashboard's figures (handlers/dashboard): a district at a glance, its mentors, one
mentor's households, one household, and the province's districts side by side, counted by the
database on both backends.

Today is 7 May 2026 in Bangkok: this month is 1-7 May, last month all of April (and 1-7 April
for the like-for-like figure). First visits are due 14 days after the assignment."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from handlers import plans as plan_logic
from handlers.context import Context
from handlers.dashboard import figures
from handlers.dashboard import mentors as mentor_figures
from handlers.dashboard import province as province_figures
from handlers.dashboard.household_detail import household_page
from handlers.dashboard.records import (
    AgencyCases,
    AssistanceRow,
    CaseRow,
    Count,
    DistrictOverview,
    DistrictRow,
    HelpRow,
    HouseholdRow,
    LevelChangeRow,
    MentorRef,
    MentorRow,
    PlanItemRow,
    VisitRow,
)
from handlers.exports.table import Area
from models import (
    Agency,
    Assignment,
    AssistanceRecord,
    Case,
    CaseStatus,
    DimensionPass,
    ExitReason,
    GoalLevel,
    Household,
    HouseholdExit,
    HouseholdPlan,
    HouseholdStatus,
    ItemStatus,
    Person,
    Role,
    Visit,
    VisitProblem,
)
from models.agencies import STANDARD_AREA

from . import factories
from .query_count import selects_during

TZ = ZoneInfo("Asia/Bangkok")
TODAY = date(2026, 5, 7)
FIRST_VISIT_DAYS = 14
LOEI = Area("เลย", "เมืองเลย")
WANG = Area("เลย", "วังสะพุง")
PROVINCE = Area("เลย")
ELSEWHERE = Area("หนองคาย", "เมืองเลย")    # a district of the same name in another province


def utc(month: int, day: int, hour: int = 3, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def may(day: int) -> date:
    return date(2026, 5, day)


def apr(day: int) -> date:
    return date(2026, 4, day)


def mar(day: int) -> date:
    return date(2026, 3, day)


# Mentors: key -> (name, district, province, registered)
MENTORS = {
    "m1": ("นายวิชัย ทองดี", "เมืองเลย", "เลย", True),
    "m2": ("นางสาวใหม่ ยังไม่มา", "เมืองเลย", "เลย", False),
    "m3": ("นายก้าว ไม่มีบ้าน", "เมืองเลย", "เลย", False),     # no household at all
    "m4": ("นายจบ แล้ว", "เมืองเลย", "เลย", False),            # an ended assignment only
    "m5": ("นายออก ไปแล้ว", "เมืองเลย", "เลย", False),         # only a household that left
    "w1": ("นายสมัย วังดี", "วังสะพุง", "เลย", False),
    "n1": ("นายต่าง จังหวัด", "เมืองเลย", "หนองคาย", True),
}
# Households: key -> (mentor, subdistrict, roster dimensions, passed, assigned at,
#                     last visit, next visit due)
HOUSEHOLDS = {
    # due today: not overdue
    "h1": ("m1", "กุดป่อง", ("income", "health"), ("health",), utc(1, 5), may(1), may(7)),
    # due 1 May: 6 days overdue
    "h2": ("m1", "กุดป่อง", ("income",), (), utc(1, 5), apr(7), may(1)),
    # never visited, assigned 27 March: first visit due 10 April, 27 days overdue
    "h3": ("m1", "นาอาน", ("living",), (), utc(3, 27), None, None),
    # never visited, assigned 23 April 01:00 in Bangkok (22 April UTC): due today, not overdue
    "h4": ("m2", "นาอาน", (), (), datetime(2026, 4, 22, 18, 0, tzinfo=UTC), None, None),
    # due 6 April: 31 days overdue (taken over from m4 on 1 March)
    "h5": ("m2", None, ("education", "access"), (), utc(3, 1), mar(31), apr(6)),
    # handed from m1 to m2 on 6 May
    "h6": ("m2", "กุดป่อง", ("income",), ("income",), utc(5, 6, 5), may(7), date(2026, 6, 6)),
    # left the programme on 3 May: counted nowhere but in "left"
    "h7": ("m5", "กุดป่อง", ("income",), (), utc(1, 5), may(2), apr(1)),
    # due 20 April: 17 days overdue
    "h8": ("m2", "นาอาน", ("health",), (), utc(1, 5), mar(20), apr(20)),
    "x1": ("w1", "วังสะพุง", ("income",), (), utc(1, 5), may(3), date(2026, 6, 2)),
    # never visited, assigned 1 April: due 15 April, 22 days overdue
    "x2": ("w1", "ผาน้อย", (), (), utc(4, 1), None, None),
    "y1": ("n1", "กุดป่อง", ("income",), (), utc(1, 5), mar(1), apr(1)),
}
LEVELS = {"h2": GoalLevel.SURVIVE, "h5": GoalLevel.SUSTAINABLE, "h6": GoalLevel.SURVIVE,
          "h7": GoalLevel.SURVIVE, "y1": GoalLevel.SURVIVE}   # h1's is set through the plan
# (household, visited on, by): the 30 April and 1 May visits of h1 sit either side of the
# month's start; 8 April is in April but after its first seven days; 31 March before April.
VISITS = [("h1", apr(30), "m1"), ("h1", may(1), "m1"), ("h2", apr(7), "m1"),
          ("h5", mar(31), "m2"), ("h6", apr(8), "m1"), ("h6", may(6), "m1"),
          ("h6", may(7), "m2"), ("h7", may(2), "m5"), ("h8", mar(20), "m2"),
          ("x1", may(3), "w1"), ("y1", may(3), "n1")]
# key -> (household, status, opened at, closed at, suggested agency, referred agency)
CASES = {
    "c1": ("h1", CaseStatus.OPEN, utc(5, 7, 2), None, "พช.อ.", None),            # 0 days
    "c2": ("h2", CaseStatus.ACKNOWLEDGED, utc(4, 29, 17, 30), None, None, None),  # 30 Apr: 7
    "c3": ("h2", CaseStatus.REFERRED, utc(4, 29, 16, 30), None, None, "รพ.สต."),  # 29 Apr: 8
    "c4": ("h3", CaseStatus.OPEN, utc(4, 7), None, None, None),                   # 30 days
    "c5": ("h5", CaseStatus.OPEN, utc(4, 6), None, None, None),                   # 31 days
    "c6": ("h5", CaseStatus.REFERRED, utc(2, 1), None, None, "พมจ."),             # 95 days
    "c7": ("h1", CaseStatus.CLOSED, utc(4, 10), utc(5, 3), None, "รพ.สต."),
    "c8": ("h7", CaseStatus.OPEN, utc(5, 2), None, "พมจ.", None),                 # left
    # 1 May 00:30 in Bangkok: opened this month (raised at h1's 1 May visit)
    "c9": ("h1", CaseStatus.REFERRED, utc(4, 30, 17, 30), None, "พช.อ.", "อปท."),
    # opened 30 April 23:00 in Bangkok, closed 1 May 00:30: closed this month only
    "c10": ("h2", CaseStatus.CLOSED, utc(4, 30, 16), utc(4, 30, 17, 30), "รพ.สต.", None),
    "xc1": ("x1", CaseStatus.OPEN, utc(5, 5), None, "พช.อ.", None),
    "xc2": ("x2", CaseStatus.CLOSED, utc(5, 6), utc(5, 7, 2), None, None),
    "yc1": ("y1", CaseStatus.OPEN, utc(5, 5), None, "พช.อ.", None),
}
MENTOR_GAVE = "mentor"
# (household, given on, dimension, kind, giver, baht, note)
ASSISTANCE = [
    ("h1", may(2), "income", "supplies", "พช.อ.", "3000", None),
    ("h2", may(3), "income", "supplies", "พช.อ.", "1500.50", None),
    ("h1", may(5), "health", "advice", MENTOR_GAVE, None, "แนะนำการออกกำลังกาย"),
    ("h6", may(1), "living", "other", "typed:มูลนิธิบ้านสุข", "2000", None),
    ("h2", may(7), "living", "supplies", "พช.อ.", None, None),
    ("h7", may(4), "income", "supplies", "พช.อ.", "9999", None),       # left the programme
    ("h1", apr(30), "income", "supplies", "พช.อ.", "500", None),       # last month
    ("h3", may(6), "education", "advice", MENTOR_GAVE, None, None),
    ("x1", may(3), "income", "supplies", "พช.อ.", "100000", None),
    ("y1", may(3), "income", "supplies", "อปท.", "100000", None),      # another province
]


def at(moment: datetime) -> Context:
    return Context(now=moment, tz=TZ)


def build_area(s) -> dict[str, int]:
    ids: dict[str, int] = {}
    people: dict[str, Person] = {}
    for n, (key, (name, district, province, registered)) in enumerate(MENTORS.items()):
        people[key] = factories.person(
            s, name=name, phone=f"08100000{n:02d}", district=district, province=province,
            line_user_id=f"U{n:032d}" if registered else None)
    people["m1"].position, people["m1"].agency = "นักวิชาการ", "อำเภอเมืองเลย"
    coordinator = factories.person(s, name="นางสาวมาลี ศรีเลย", role=Role.COORDINATOR,
                                   phone=None)
    ids["coordinator"] = coordinator.id
    households = {}
    for n, (key, (mentor, subdistrict, dims, passed, assigned, last, due)) in enumerate(
            HOUSEHOLDS.items()):
        prefix = {"h": "4201", "x": "4205", "y": "4301"}[key[0]]
        h = factories.household(s, people[mentor], house_id=f"{prefix}{n:07d}",
                                head=f"นางทดสอบ {key}", dims=dims, now=assigned)
        h.subdistrict, h.last_visit_on, h.next_visit_due = subdistrict, last, due
        for dimension in passed:
            s.add(DimensionPass(household_id=h.id, dimension=dimension, passed_on=apr(1),
                                passed_by_id=people[mentor].id))
        if key in LEVELS:
            s.add(HouseholdPlan(household_id=h.id, goal="พึ่งตนเอง", level=LEVELS[key]))
        households[key] = h
        ids[key] = h.id
    ids.update({key: p.id for key, p in people.items()})
    h1 = households["h1"]
    h1.head_name, h1.house_no = "นางสมศรี ใจดี", "12"
    # Earlier mentors: m4 had h5 until 1 March, m1 had h6 until 6 May.
    s.add(Assignment(household_id=ids["h5"], mentor_id=ids["m4"], assigned_at=utc(1, 5),
                     ended_at=utc(3, 1)))
    s.add(Assignment(household_id=ids["h6"], mentor_id=ids["m1"], assigned_at=utc(1, 5),
                     ended_at=utc(5, 6, 5)))
    h7 = households["h7"]
    h7.status, h7.left_on = HouseholdStatus.LEFT, may(3)
    s.add(HouseholdExit(household_id=h7.id, reason=ExitReason.GRADUATED,
                        requested_by_id=ids["m5"], requested_at=utc(5, 2),
                        decided_by_id=coordinator.id, decided_at=utc(5, 3), confirmed=True))
    s.flush()

    visits = {}
    for key, day, by in VISITS:
        visit = Visit(household_id=ids[key], mentor_id=ids[by], visited_on=day,
                      next_visit_due=day + timedelta(days=6), no_new_problem=True,
                      created_at=utc(day.month, day.day))
        s.add(visit)
        visits[key, day] = visit
    told = visits["h1", may(1)]
    told.attitude, told.skills = "อยากมีรายได้เพิ่ม", "   "
    told.resources, told.way_out = "มีที่ดิน 2 ไร่", "ปลูกผักขาย"
    told.no_new_problem = False
    told.problems = [VisitProblem(dimension="health", needs_outside_help=True, agency="รพ.สต.",
                                  note="ปวดหลัง"),
                     VisitProblem(dimension="income", needs_outside_help=False,
                                  note="แนะนำทำบัญชี")]
    s.flush()

    for key, (household, status, opened, closed, suggested, referred) in CASES.items():
        h = households[household]
        case = Case(household_id=h.id, mentor_id=ids[HOUSEHOLDS[household][0]],
                    dimension="health" if key == "c9" else "income", status=status,
                    province=h.province, district=h.district, created_at=opened,
                    updated_at=opened, closed_at=closed, suggested_agency=suggested,
                    referred_agency=referred, note=f"บันทึก {key}",
                    visit_problem_id=told.problems[0].id if key == "c9" else None,
                    outcome="ได้รับการรักษา" if key == "c7" else None)
        s.add(case)
        s.flush()
        ids[key] = case.id

    agency_ids = dict(s.execute(select(Agency.short_name, Agency.id)
                                .where(Agency.district == STANDARD_AREA)).all())
    for key, given_on, dimension, kind, giver, baht, note in ASSISTANCE:
        h = households[key]
        by_mentor = giver == MENTOR_GAVE
        typed = giver.removeprefix("typed:") if giver.startswith("typed:") else None
        s.add(AssistanceRecord(
            household_id=h.id, given_on=given_on, dimension=dimension, kind=kind,
            agency_id=None if by_mentor or typed else agency_ids[giver],
            agency_name=None if by_mentor else (typed or giver), by_mentor=by_mentor,
            value_baht=Decimal(baht) if baht else None, note=note,
            recorded_by_id=ids[HOUSEHOLDS[key][0]], province=h.province, district=h.district,
            created_at=utc(given_on.month, given_on.day)))

    # h1's plan: a goal whose level rose, two items and a removed one.
    m1 = people["m1"]
    plan_logic.set_goal(s, h1, m1, "ลดรายจ่าย", GoalLevel.SURVIVE, at(utc(4, 1)))
    plan_logic.set_goal(s, h1, m1, "ลดรายจ่าย", GoalLevel.SUFFICIENT, at(utc(5, 5)))
    health = plan_logic.add_item(s, h1, m1, plan_logic.ItemDraft(
        "health", "ออกกำลังกาย", "รพ.สต. ตรวจสุขภาพ", may(1), date(2026, 6, 1)), at(utc(4, 1)))
    income = plan_logic.add_item(s, h1, m1, plan_logic.ItemDraft(
        "income", "ปลูกผัก", None, apr(1), may(1)), at(utc(4, 1)))
    removed = plan_logic.add_item(s, h1, m1, plan_logic.ItemDraft(
        "living", "ซ่อมบ้าน", None, may(1), may(1)), at(utc(4, 1)))
    plan_logic.change_status(s, income, m1, ItemStatus.DONE, at(utc(5, 1)))
    plan_logic.remove_item(s, removed, m1, at(utc(5, 2)))
    assert health.id
    s.flush()
    return ids


@pytest.fixture
def area(db):
    with db.transaction() as s:
        return build_area(s)


def overview(s, area_: Area = LOEI) -> DistrictOverview:
    return figures.district_overview(s, area_, TODAY, tz=TZ, first_visit_days=FIRST_VISIT_DAYS)


# -- the district overview ------------------------------------------------------------------
def test_district_overview(db, area):
    with db.transaction() as s:
        found = overview(s)
    assert found == DistrictOverview(
        area=LOEI, today=TODAY,
        households=7,                       # h1-h6, h8; not h7 (left)
        left=1,
        visited_this_month=3,               # h1 (1 May), h6 (6 and 7 May), h7 (2 May,
                                            # before it left: what happened still counts)
        visited_last_month=3,               # h1 (30 Apr), h2 (7 Apr), h6 (8 Apr)
        visited_last_month_same_days=1,     # h2 (7 Apr)
        overdue=4,                          # h2, h3 (first visit), h5, h8
        overdue_by_subdistrict=(Count("นาอาน", 2), Count("กุดป่อง", 1),
                                Count("ไม่ระบุตำบล", 1)),
        open_cases=7,
        open_cases_by_age=(Count("ไม่เกิน 7 วัน", 3),     # c1, c2 (30 Apr in Bangkok), c9
                           Count("8–30 วัน", 2),          # c3 (29 Apr in Bangkok), c4
                           Count("31–90 วัน", 1),         # c5
                           Count("เกิน 90 วัน", 1)),      # c6
        assistance_by_agency=(HelpRow("พช.อ.", 4, 3, 14500),   # 14,499.50 baht, half up;
                              # h7's help counts: it was given before h7 left
                              HelpRow("พี่เลี้ยง (ช่วยเอง)", 2, 2, 0),
                              HelpRow("มูลนิธิบ้านสุข", 1, 1, 2000)),
        assistance_by_dimension=(HelpRow("รายได้", 3, 3, 14500),
                                 HelpRow("ความเป็นอยู่", 2, 2, 2000),
                                 HelpRow("สุขภาพ", 1, 1, 0),
                                 HelpRow("การศึกษา", 1, 1, 0),
                                 HelpRow("การเข้าถึงบริการรัฐ", 0, 0, 0)),
        households_by_level=(Count("อยู่รอด", 2), Count("พอเพียง", 1), Count("ยั่งยืน", 1),
                             Count("ยังไม่กำหนดระดับ", 3)),
        failing_by_dimension=(Count("รายได้", 2),         # h1, h2 (h6 passed it)
                              Count("ความเป็นอยู่", 1), Count("สุขภาพ", 1),   # h1 passed it
                              Count("การศึกษา", 1), Count("การเข้าถึงบริการรัฐ", 1)),
        failing_households=5,               # h1, h2, h3, h5, h8
        # m3 has no household, m4 only an ended assignment, m5 only a household that left
        unregistered_mentors=(MentorRef(area["m2"], "นางสาวใหม่ ยังไม่มา", None, 4),))


def test_an_empty_district_keeps_every_bucket(db, area):
    with db.transaction() as s:
        found = overview(s, Area("เลย", "ภูเรือ"))
    assert (found.households, found.left, found.overdue, found.open_cases) == (0, 0, 0, 0)
    assert found.open_cases_by_age == tuple(Count(label, 0) for label in (
        "ไม่เกิน 7 วัน", "8–30 วัน", "31–90 วัน", "เกิน 90 วัน"))
    assert [r.label for r in found.assistance_by_dimension] == [
        "รายได้", "ความเป็นอยู่", "สุขภาพ", "การศึกษา", "การเข้าถึงบริการรัฐ"]
    assert {(r.records, r.baht) for r in found.assistance_by_dimension} == {(0, 0)}
    assert [c.value for c in found.households_by_level] == [0, 0, 0, 0]
    assert found.overdue_by_subdistrict == found.assistance_by_agency == ()
    assert found.unregistered_mentors == ()


def test_the_month_turns_at_midnight_in_bangkok(db, area):
    """On 1 June: nobody visited yet this month, May is last month, and h1 (due 7 May) and h4
    (first visit due 7 May) are overdue too."""
    with db.transaction() as s:
        found = figures.district_overview(s, LOEI, date(2026, 6, 1), tz=TZ,
                                          first_visit_days=FIRST_VISIT_DAYS)
    assert (found.visited_this_month, found.visited_last_month,
            found.visited_last_month_same_days) == (0, 3, 1)   # h1, h6, h7; on 1 May h1
    assert found.overdue == 6
    assert found.assistance_by_agency == ()


def test_a_household_that_leaves_drops_out_of_the_counts(db, area):
    with db.transaction() as s:
        before = overview(s)
        s.get(Household, area["h5"]).status = HouseholdStatus.LEFT
    with db.transaction() as s:
        after = overview(s)
        rows = {m.id: m for m in mentor_figures.mentor_rows(s, LOEI, TODAY,
                                                     first_visit_days=FIRST_VISIT_DAYS)}
    assert (after.households, after.left, after.overdue) == (6, 2, 3)
    assert after.open_cases == before.open_cases - 2 == 5        # c5 and c6
    assert after.households_by_level[2] == Count("ยั่งยืน", 0)
    assert after.failing_households == 4
    assert (rows[area["m2"]].households, rows[area["m2"]].days_overdue,
            rows[area["m2"]].open_cases) == (3, 17, 0)


# -- mentors ---------------------------------------------------------------------------------
M1_ROW = ("นายวิชัย ทองดี", "นักวิชาการ", "อำเภอเมืองเลย",
          3,              # h1, h2, h3 (h6 went to m2)
          may(1),         # not 6 May: that visit was to h6, no longer theirs
          27, 2,          # h3's first visit was due 10 April; h2 and h3 overdue
          5,              # c1, c9 (h1), c2, c3 (h2), c4 (h3)
          True)
M2_ROW = ("นางสาวใหม่ ยังไม่มา", None, None, 4, may(7), 31, 2, 2, False)
ZEROS = (None, None, 0, None, 0, 0, 0, False)


def as_tuple(row: MentorRow) -> tuple:
    return (row.name, row.position, row.agency, row.households, row.last_visit,
            row.days_overdue, row.overdue_households, row.open_cases, row.registered)


def test_mentor_rows_of_a_district(db, area):
    with db.transaction() as s:
        rows = mentor_figures.mentor_rows(s, LOEI, TODAY, first_visit_days=FIRST_VISIT_DAYS)
    assert [as_tuple(r) for r in rows] == [
        M2_ROW,
        ("นายก้าว ไม่มีบ้าน", *ZEROS),
        ("นายจบ แล้ว", *ZEROS),
        M1_ROW,
        ("นายออก ไปแล้ว", *ZEROS),   # h7 left: not counted, not overdue, its case not open
    ]
    assert [r.id for r in rows] == [area[k] for k in ("m2", "m3", "m4", "m1", "m5")]


def test_mentor_rows_of_the_province(db, area):
    with db.transaction() as s:
        rows = mentor_figures.mentor_rows(s, PROVINCE, TODAY, first_visit_days=FIRST_VISIT_DAYS)
    assert [r.name for r in rows] == ["นางสาวใหม่ ยังไม่มา", "นายก้าว ไม่มีบ้าน", "นายจบ แล้ว",
                                      "นายวิชัย ทองดี", "นายสมัย วังดี", "นายออก ไปแล้ว"]
    wang = next(r for r in rows if r.id == area["w1"])
    # x2 never visited, assigned 1 April: 22 days overdue; xc2 is closed.
    assert as_tuple(wang) == ("นายสมัย วังดี", None, None, 2, may(3), 22, 1, 1, False)


def test_mentor_page(db, area):
    with db.transaction() as s:
        page = mentor_figures.mentor_page(s, LOEI, area["m2"], TODAY,
                                   first_visit_days=FIRST_VISIT_DAYS)
    assert page is not None and as_tuple(page.mentor) == M2_ROW
    village = "หมู่ 3 บ้านนาโป่ง"
    assert page.households == (
        HouseholdRow(area["h5"], "42010000004", "นางทดสอบ h5", village, None, mar(31), apr(6),
                     31, 2, "ยั่งยืน", 2),
        HouseholdRow(area["h8"], "42010000007", "นางทดสอบ h8", village, "นาอาน", mar(20),
                     apr(20), 17, 0, "ยังไม่กำหนดระดับ", 1),
        # never visited, assigned 23 April in Bangkok: due today
        HouseholdRow(area["h4"], "42010000003", "นางทดสอบ h4", village, "นาอาน", None, may(7),
                     0, 0, "ยังไม่กำหนดระดับ", 0),
        HouseholdRow(area["h6"], "42010000005", "นางทดสอบ h6", village, "กุดป่อง", may(7),
                     date(2026, 6, 6), 0, 0, "อยู่รอด", 0),
    )


def test_a_mentor_outside_the_area_is_none(db, area):
    def page(area_: Area, key: str):
        return mentor_figures.mentor_page(s, area_, area[key], TODAY,
                                   first_visit_days=FIRST_VISIT_DAYS)

    with db.transaction() as s:
        assert page(LOEI, "w1") is None                  # another district
        assert page(LOEI, "n1") is None                  # the same name, another province
        assert page(LOEI, "coordinator") is None         # not a mentor
        assert page(WANG, "m1") is None
        assert page(PROVINCE, "n1") is None
        assert mentor_figures.mentor_page(s, LOEI, 999_999, TODAY,
                                   first_visit_days=FIRST_VISIT_DAYS) is None
        province_page = page(PROVINCE, "w1")             # the province sees every district
        assert province_page is not None
        assert [h.id for h in province_page.households] == [area["x2"], area["x1"]]
        left_only = page(LOEI, "m5")
        assert left_only is not None and left_only.households == ()


# -- one household ---------------------------------------------------------------------------
def test_household_page(db, area):
    with db.transaction() as s:
        page = household_page(s, LOEI, area["h1"], tz=TZ, today=TODAY)
    assert page is not None
    assert (page.id, page.house_id, page.head_name, page.address, page.members, page.status,
            page.district) == (area["h1"], "42010000000", "นางสมศรี ใจดี",
                               "บ้านเลขที่ 12 หมู่ 3 บ้านนาโป่ง ต.กุดป่อง", 4, "อยู่ในโครงการ",
                               "เมืองเลย")
    assert page.mentor == MentorRef(area["m1"], "นายวิชัย ทองดี", "นักวิชาการ", 3)
    assert (page.failing, page.passed) == (("รายได้",), ("สุขภาพ",))
    assert (page.goal, page.level) == ("ลดรายจ่าย", "พอเพียง")
    assert (page.last_visit, page.next_due, page.days_overdue) == (may(1), may(7), 0)
    assert page.visits == (
        VisitRow(may(1), "นายวิชัย ทองดี",
                 (("ทัศนคติ", "อยากมีรายได้เพิ่ม"), ("ทรัพยากร", "มีที่ดิน 2 ไร่"),
                  ("ทางออก", "ปลูกผักขาย")),    # ทักษะ was left blank
                 (f"สุขภาพ (ส่งต่อ รพ.สต., เรื่อง #{area['c9']} ส่งต่อหน่วยงานแล้ว): ปวดหลัง",
                  "รายได้ (พี่เลี้ยงช่วยแก้เอง): แนะนำทำบัญชี"),
                 may(7)),
        VisitRow(apr(30), "นายวิชัย ทองดี", (), (), may(6), no_new_problem=True),
    )
    assert page.plan_items == (   # numbered in the template's order; the removed one is gone
        PlanItemRow(1, "รายได้", "ปลูกผัก", None, "เม.ย. – พ.ค. 2569", "สำเร็จ"),
        PlanItemRow(2, "สุขภาพ", "ออกกำลังกาย", "รพ.สต. ตรวจสุขภาพ", "พ.ค. – มิ.ย. 2569",
                    "ยังไม่เริ่ม"),
    )
    assert page.assistance == (
        AssistanceRow(may(5), "สุขภาพ", "ให้คำแนะนำ/ความรู้", "พี่เลี้ยง (ช่วยเอง)", None,
                      "แนะนำการออกกำลังกาย"),
        AssistanceRow(may(2), "รายได้", "สิ่งของ/อุปกรณ์การเกษตร", "พช.อ.", 3000, None),
        AssistanceRow(apr(30), "รายได้", "สิ่งของ/อุปกรณ์การเกษตร", "พช.อ.", 500, None),
    )
    assert page.cases == (
        CaseRow(area["c1"], "รายได้", "ยังไม่มีผู้รับเรื่อง", may(7), None, "พช.อ.",
                "บันทึก c1"),
        CaseRow(area["c9"], "สุขภาพ", "ส่งต่อหน่วยงานแล้ว", may(1), None, "อปท.", "บันทึก c9"),
        CaseRow(area["c7"], "รายได้", "ปิดเรื่องแล้ว", apr(10), may(3), "รพ.สต.", "บันทึก c7",
                outcome="ได้รับการรักษา"),
    )
    assert page.level_history == (LevelChangeRow(apr(1), None, "อยู่รอด"),
                                  LevelChangeRow(may(5), "อยู่รอด", "พอเพียง"))


def test_household_page_of_a_household_that_left_or_never_visited(db, area):
    with db.transaction() as s:
        left = household_page(s, LOEI, area["h7"], tz=TZ, today=TODAY)
        first = household_page(s, LOEI, area["h3"], tz=TZ, today=TODAY)
    assert left is not None and left.status == "ออกจากโครงการแล้ว (พ้นเกณฑ์/พึ่งตนเองได้)"
    assert (left.next_due, left.days_overdue) == (None, 0)
    assert left.mentor == MentorRef(area["m5"], "นายออก ไปแล้ว", None, 0)
    assert first is not None and first.address == "หมู่ 3 บ้านนาโป่ง ต.นาอาน"
    assert (first.last_visit, first.next_due, first.days_overdue) == (None, apr(10), 27)
    assert (first.visits, first.plan_items, first.level_history) == ((), (), ())
    assert first.assistance == (AssistanceRow(may(6), "การศึกษา", "ให้คำแนะนำ/ความรู้",
                                              "พี่เลี้ยง (ช่วยเอง)", None, None),)
    assert first.level == "ยังไม่กำหนดระดับ" and first.goal is None


def test_a_household_outside_the_area_is_none(db, area):
    with db.transaction() as s:
        assert household_page(s, LOEI, area["x1"], tz=TZ) is None        # another district
        assert household_page(s, LOEI, area["y1"], tz=TZ) is None        # another province
        assert household_page(s, ELSEWHERE, area["h1"], tz=TZ) is None
        assert household_page(s, WANG, area["h1"], tz=TZ) is None
        assert household_page(s, LOEI, 999_999, tz=TZ) is None
        assert household_page(s, PROVINCE, area["x1"], tz=TZ) is not None


# -- the province ----------------------------------------------------------------------------
def test_province_overview(db, area):
    with db.transaction() as s:
        found = province_figures.province_overview(s, "เลย", TODAY, tz=TZ,
                                          first_visit_days=FIRST_VISIT_DAYS)
        district = overview(s)
    loei = DistrictRow("เมืองเลย", households=7, visited_this_month=3, visited_last_month=3,
                       overdue=4, open_cases=7, assistance_records=7,
                       assistance_baht=16500,     # 16,499.50 (h7's help included)
                       failing_households=5, unregistered_mentors=1, left=1)
    wang = DistrictRow("วังสะพุง", households=2, visited_this_month=1, visited_last_month=0,
                       overdue=1, open_cases=1, assistance_records=1, assistance_baht=100000,
                       failing_households=1, unregistered_mentors=1, left=0)
    assert found.province == "เลย" and found.today == TODAY
    assert found.districts == (loei, wang)
    assert found.totals == DistrictRow("รวมทั้งจังหวัด", 9, 4, 3, 5, 8, 8, 116500, 6, 2, 1)
    assert found.assistance_by_agency == (HelpRow("พช.อ.", 5, 4, 114500),
                                          HelpRow("พี่เลี้ยง (ช่วยเอง)", 2, 2, 0),
                                          HelpRow("มูลนิธิบ้านสุข", 1, 1, 2000))
    assert found.cases_by_agency == (
        AgencyCases("พช.อ.", 2, 0),              # c1, xc1 (not yc1: elsewhere)
        AgencyCases("ไม่ระบุหน่วยงาน", 1, 1),      # xc2
        AgencyCases("พมจ.", 1, 0),               # c8: opened this month, before h7 left
        AgencyCases("อปท.", 1, 0),               # c9, referred there, opened 1 May 00:30
        AgencyCases("รพ.สต.", 0, 2),             # c7, c10 (closed 1 May 00:30)
    )
    # The district's own page says the same.
    assert (district.households, district.visited_this_month, district.visited_last_month,
            district.overdue, district.open_cases, district.failing_households,
            len(district.unregistered_mentors), district.left) == (
        loei.households, loei.visited_this_month, loei.visited_last_month, loei.overdue,
        loei.open_cases, loei.failing_households, loei.unregistered_mentors, loei.left)


# -- a fixed number of queries ---------------------------------------------------------------
def add_households(s, ids: dict[str, int], count: int, start: int) -> None:
    """More households of m1 in เมืองเลย, each with a visit, a case, help and a plan."""
    m1 = s.get(Person, ids["m1"])
    for n in range(start, start + count):
        h = factories.household(s, m1, house_id=f"4202{n:07d}", now=utc(3, 1))
        h.next_visit_due = apr(1) if n % 2 else may(20)
        s.add(Visit(household_id=h.id, mentor_id=m1.id, visited_on=may(2),
                    next_visit_due=may(20), created_at=utc(5, 2)))
        s.add(Case(household_id=h.id, mentor_id=m1.id, dimension="income",
                   status=CaseStatus.OPEN, province=h.province, district=h.district,
                   created_at=utc(4, 1 + n % 28), updated_at=utc(4, 1)))
        s.add(AssistanceRecord(household_id=h.id, given_on=may(3), dimension="income",
                               kind="other", agency_name=f"หน่วยงาน {n}", value_baht=10,
                               recorded_by_id=m1.id, province=h.province, district=h.district))
        s.add(HouseholdPlan(household_id=h.id, goal="พึ่งตนเอง", level=GoalLevel.SURVIVE))
    s.flush()


def test_the_number_of_queries_does_not_grow_with_the_area(db, area):
    engine = db.engine

    def queries() -> dict[str, int]:
        found = {}
        calls = {
            "district": lambda s: overview(s),
            "mentors": lambda s: mentor_figures.mentor_rows(s, LOEI, TODAY,
                                                     first_visit_days=FIRST_VISIT_DAYS),
            "province mentors": lambda s: mentor_figures.mentor_rows(
                s, PROVINCE, TODAY, first_visit_days=FIRST_VISIT_DAYS),
            "mentor": lambda s: mentor_figures.mentor_page(s, LOEI, area["m1"], TODAY,
                                                    first_visit_days=FIRST_VISIT_DAYS),
            "province": lambda s: province_figures.province_overview(
                s, "เลย", TODAY, tz=TZ, first_visit_days=FIRST_VISIT_DAYS),
            "household": lambda s: household_page(s, LOEI, area["h1"], tz=TZ, today=TODAY),
        }
        for name, call in calls.items():
            with db.transaction() as s:
                found[name] = selects_during(engine, lambda: call(s))  # noqa: B023
        return found

    with db.transaction() as s:
        add_households(s, area, 3, 0)
    small = queries()
    with db.transaction() as s:
        add_households(s, area, 30, 3)
        # h1 gets more visits (with problems), cases and help: its page does not grow either
        for day in range(10, 20):
            visit = Visit(household_id=area["h1"], mentor_id=area["m1"], visited_on=apr(day),
                          next_visit_due=may(day), created_at=utc(4, day))
            visit.problems = [VisitProblem(dimension="living", needs_outside_help=False)]
            s.add(visit)
    large = queries()
    with db.transaction() as s:
        assert overview(s).households == 7 + 33
        mentor = mentor_figures.mentor_page(s, LOEI, area["m1"], TODAY,
                                     first_visit_days=FIRST_VISIT_DAYS)
        assert mentor is not None and len(mentor.households) == 36
    assert large == small
    assert small == {"district": 9, "mentors": 3, "province mentors": 3, "mentor": 4,
                     "province": 8, "household": 11}
