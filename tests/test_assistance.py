"""Help given, recorded and followed up: a mentor and a coordinator tap what the bot offers, and
the assistance records, follow-ups and cases land in the database as the province will count
them."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from handlers import cases as case_logic
from handlers import plans
from handlers.context import Context
from models import (
    Agency,
    AssistanceRecord,
    Case,
    CaseClosure,
    CaseStatus,
    Household,
    ItemStatus,
    Person,
    PlanItem,
    PlanItemStatusChange,
    Visit,
    VisitFollowUp,
)

from . import factories
from .case_fixtures import COORD_A, TZ, drain
from .players import Player

MENTOR = "U" + "4" * 32


@pytest.fixture
def ids(db, clock):
    with db.transaction() as s:
        mentor = factories.person(s, name="นายวิชัย ทองดี", line_user_id=MENTOR)
        coordinator = factories.person(s, name="นางสาวมาลี ศรีเลย", phone=None,
                                       role=factories.Role.COORDINATOR, line_user_id=COORD_A)
        household = factories.household(s, mentor, head="นางจันทร์ดี พิมพา",
                                        now=clock.now - timedelta(days=40))
        return {"mentor": mentor.id, "coordinator": coordinator.id, "household": household.id}


def _ctx(clock) -> Context:
    return Context(now=clock.now, tz=TZ)


@pytest.fixture
def open_work(db, clock, ids):
    """Two plan items (one health, one income: the card order is income first) and a case."""
    with db.transaction() as s:
        mentor, household = s.get(Person, ids["mentor"]), s.get(Household, ids["household"])
        month = date(2026, 5, 1)
        health = plans.add_item(s, household, mentor, plans.ItemDraft(
            "health", "ออกกำลังกายทุกเช้า", None, month, month), _ctx(clock))
        income = plans.add_item(s, household, mentor, plans.ItemDraft(
            "income", "ปลูกผักสวนครัว 10 ชนิด", "หาเมล็ดพันธุ์", month, month), _ctx(clock))
        case = case_logic.raise_case(s, household=household, mentor=mentor, dimension="income",
                                     note="ต้องการฝึกอาชีพ", agency="พช.อ.", problem_id=None,
                                     ctx=_ctx(clock))
        return {"health": health.id, "income": income.id, "case": case.id}


@pytest.fixture
def mentor(line, fake_line, clock, ids):
    return Player(line, fake_line, MENTOR, clock)


@pytest.fixture
def coordinator(line, fake_line, clock, ids):
    return Player(line, fake_line, COORD_A, clock)


def start_close(coordinator: Player) -> None:
    """The coordinator opens the district's queue and taps ปิดเรื่อง on the case card."""
    coordinator.say("เรื่องรอดำเนินการ")
    coordinator.tap("ปิดเรื่อง")
    assert "ผลการดำเนินการเป็นอย่างไร" in coordinator.text


def records(db) -> list[AssistanceRecord]:
    with db.transaction() as s:
        return list(s.scalars(select(AssistanceRecord).order_by(AssistanceRecord.id)))


def test_a_visit_follows_up_the_plan_and_a_case_and_records_the_help(
        mentor, db, clock, open_work, ids, fake_line, app):
    mentor.say("รายงานการเยี่ยมบ้าน")
    mentor.tap("วันนี้")
    assert "ติดตามแผนพัฒนาและเรื่องที่ส่งต่อ (3 รายการ)" in mentor.text
    # The template's order: income before health, then the case.
    assert mentor.text.index("ปลูกผักสวนครัว") < mentor.text.index("ออกกำลังกาย")
    assert "รายการที่ 1/3" in mentor.text and "ยังไม่เริ่ม (เดิม)" in mentor.labels()
    mentor.tap("สำเร็จ")
    assert "รายการที่ 2/3" in mentor.text
    mentor.tap("ต่อเนื่อง")
    assert f"เรื่อง #{open_work['case']}" in mentor.text
    mentor.tap("ได้รับความช่วยเหลือ")
    assert "ความช่วยเหลือที่ได้รับเป็นแบบใด" in mentor.text
    mentor.tap("ฝึกอาชีพ")
    assert mentor.labels()[0] == "พช.อ."          # where the case was sent comes first
    mentor.tap("พช.อ.")
    mentor.say("๓,๕๐๐ บาท")                        # Thai digits and a comma: 3,500 baht
    assert "วิเคราะห์ 4 ท (1/4)" in mentor.text
    mentor.tap_through("ข้ามทั้ง 4 ท", "ไม่พบปัญหาใหม่", "ข้าม", "6 มิ.ย. 2569")
    assert "ติดตามผล" in mentor.text
    assert "ได้รับความช่วยเหลือ ฝึกอาชีพ โดย พช.อ. 3,500 บาท" in mentor.text
    assert records(db) == []                      # nothing before ยืนยัน
    mentor.tap("ยืนยัน")
    assert "บันทึกการเยี่ยมบ้านนางจันทร์ดี พิมพา เรียบร้อยแล้วค่ะ" in mentor.text
    assert {"ดูแผนพัฒนา", "บันทึกความช่วยเหลือ", "เมนู"} <= set(mentor.labels())

    [record] = records(db)
    assert (record.kind, record.agency_name, record.value_baht, record.dimension) == (
        "training", "พช.อ.", Decimal("3500.00"), "income")
    assert record.case_id == open_work["case"] and record.given_on == date(2026, 5, 7)
    assert record.recorded_by_id == ids["mentor"] and not record.by_mentor
    with db.transaction() as s:
        agency = s.get(Agency, record.agency_id)
        assert agency is not None and agency.short_name == "พช.อ."
        [visit] = s.scalars(select(Visit)).all()
        assert record.visit_id == visit.id
        answers = {(f.plan_item_id, f.case_id): f.answer
                   for f in s.scalars(select(VisitFollowUp))}
        assert answers == {(open_work["income"], None): "done",
                           (open_work["health"], None): "ongoing",
                           (None, open_work["case"]): "helped"}
        assert s.get(PlanItem, open_work["income"]).status is ItemStatus.DONE
        changes = s.scalars(select(PlanItemStatusChange.to_status).where(
            PlanItemStatusChange.item_id == open_work["health"])).all()
        assert changes == [ItemStatus.NOT_STARTED, ItemStatus.ONGOING]
        case = s.get(Case, open_work["case"])
        assert case.status is CaseStatus.CLOSED and case.closure is CaseClosure.HELPED
    drain(app)
    told = str(fake_line.sent_messages(COORD_A))
    assert "ได้รับความช่วยเหลือ" in told and f"#{open_work['case']}" in told


def test_a_routine_visit_with_open_work_is_eight_taps_and_changes_nothing(
        mentor, db, open_work):
    taps = ["รายงานการเยี่ยมบ้าน", "วันนี้", "ไม่มีความเปลี่ยนแปลง", "ข้ามทั้ง 4 ท",
            "ไม่พบปัญหาใหม่", "ข้าม", "6 มิ.ย. 2569", "ยืนยัน"]
    mentor.say("เมนู")
    mentor.tap_through(*taps)
    assert len(taps) <= 8 and "เรียบร้อยแล้วค่ะ" in mentor.text
    assert records(db) == []
    with db.transaction() as s:
        answers = sorted(f.answer for f in s.scalars(select(VisitFollowUp)))
        assert answers == ["not_started", "not_started", "waiting"]
        assert s.get(Case, open_work["case"]).status is CaseStatus.OPEN
        assert s.scalar(select(PlanItemStatusChange).where(
            PlanItemStatusChange.from_status.is_not(None))) is None


def test_a_problem_the_mentor_solves_records_the_kind_of_help(mentor, db):
    mentor.say("รายงานการเยี่ยมบ้าน")
    mentor.tap("วันนี้")                                 # nothing open: no follow-up step
    mentor.tap("ข้ามทั้ง 4 ท")
    # The household's failing TPMAP dimensions (income, health) come first, marked.
    assert mentor.labels()[:2] == ["★รายได้", "★สุขภาพ"]
    mentor.tap("★สุขภาพ")
    mentor.tap("ถัดไป")
    assert "ตรงกับตัวชี้วัด จปฐ. ข้อใด" in mentor.text and "ข้อถัดไป" in mentor.labels()
    mentor.say("๑๒")                                     # typed, Thai digits: indicator 12
    mentor.tap("ช่วยแก้เองได้")
    mentor.tap("ให้คำแนะนำ/ความรู้")
    mentor.say("แนะนำให้ไปตรวจสุขภาพที่ รพ.สต.")
    mentor.tap_through("ข้าม", "6 มิ.ย. 2569")
    assert "พี่เลี้ยงช่วยแก้เอง: ให้คำแนะนำ/ความรู้" in mentor.text
    mentor.tap("ยืนยัน")
    [record] = records(db)
    assert record.by_mentor and record.kind == "advice" and record.dimension == "health"
    assert record.note == "แนะนำให้ไปตรวจสุขภาพที่ รพ.สต." and record.agency_id is None
    with db.transaction() as s:
        [visit] = s.scalars(select(Visit)).all()
        assert record.visit_id == visit.id
        assert visit.problems[0].indicator_no == 12 and not visit.problems[0].needs_outside_help
        assert s.scalar(select(Case)) is None


def test_an_escalated_problem_needs_its_note(mentor, db):
    mentor.say("รายงานการเยี่ยมบ้าน")
    mentor.tap_through("วันนี้", "ข้ามทั้ง 4 ท", "★รายได้", "ถัดไป", "ข้อ 27",
                       "ต้องการหน่วยงานช่วย")
    # Indicator 27 (work and income) is led by the Ministry of Labour: its units come first.
    assert mentor.labels()[:2] == ["พัฒนาฝีมือแรงงาน", "จัดหางาน"]
    mentor.say("ศูนย์ฝึกอาชีพเอกชน")                       # อื่น ๆ: kept as typed
    assert "ข้าม" not in mentor.labels()
    mentor.say("ข้าม")
    assert "ศจพ.อ. ต้องรู้ว่าขอให้ช่วยเรื่องอะไร" in mentor.text
    mentor.say("อยากได้ทุนทำอาชีพเลี้ยงไก่")
    mentor.tap_through("ข้าม", "6 มิ.ย. 2569", "ยืนยัน")
    with db.transaction() as s:
        [case] = s.scalars(select(Case)).all()
        assert (case.suggested_agency, case.indicator_no, case.note) == (
            "ศูนย์ฝึกอาชีพเอกชน", 27, "อยากได้ทุนทำอาชีพเลี้ยงไก่")


def test_a_coordinator_closes_a_case_with_the_assistance_given(
        coordinator, db, open_work, fake_line, app, ids):
    start_close(coordinator)
    coordinator.tap("ได้รับความช่วยเหลือ")
    coordinator.tap("เงินทุน/สินเชื่อ")
    coordinator.tap("ธ.ก.ส.")
    coordinator.say("20000")
    coordinator.say("1 พ.ค. 69")                            # a date as people type it
    assert "ปิดเรื่อง" in coordinator.text and "เงินทุน/สินเชื่อ โดย ธ.ก.ส. 20,000 บาท" in (
        coordinator.text)
    [record] = records(db)
    assert (record.kind, record.agency_name, record.value_baht, record.given_on) == (
        "funding", "ธ.ก.ส.", Decimal("20000.00"), date(2026, 5, 1))
    assert record.recorded_by_id == ids["coordinator"] and record.case_id == open_work["case"]
    with db.transaction() as s:
        case = s.get(Case, open_work["case"])
        assert case.status is CaseStatus.CLOSED and case.closure is CaseClosure.HELPED
    drain(app)
    assert "เงินทุน/สินเชื่อ" in str(fake_line.sent_messages(MENTOR))


def test_a_coordinator_closes_a_case_no_help_could_be_given_and_why(
        coordinator, db, open_work, app, fake_line):
    start_close(coordinator)
    coordinator.say("ครัวเรือนย้ายไปทำงานต่างจังหวัด")
    assert records(db) == []
    with db.transaction() as s:
        case = s.get(Case, open_work["case"])
        assert case.closure is CaseClosure.OTHER
        assert case.outcome == "ครัวเรือนย้ายไปทำงานต่างจังหวัด"


def test_help_between_visits_from_the_menu(mentor, db, clock):
    mentor.say("เมนู")
    mentor.tap("บันทึกความช่วยเหลือ")
    assert "★รายได้" in mentor.labels()
    mentor.say("สุขภาพ")                                   # typed, as the button says it
    mentor.tap("รักษาพยาบาล/ส่งต่อ")
    mentor.tap("รพ.สต.")
    mentor.tap("ไม่ระบุ")
    mentor.say("3/5")                                      # this year
    mentor.say("พาไปรับยาเบาหวาน")
    assert "บันทึกความช่วยเหลือของครัวเรือน นางจันทร์ดี พิมพา แล้วค่ะ" in mentor.text
    assert "เมนู" in mentor.labels()
    [record] = records(db)
    assert (record.kind, record.agency_name, record.given_on, record.value_baht) == (
        "medical", "รพ.สต.", date(2026, 5, 3), None)
    assert record.case_id is None and record.visit_id is None


def test_the_mentor_as_the_giver_and_a_typed_agency(mentor, db):
    mentor.say("บันทึกความช่วยเหลือ")
    mentor.tap_through("★รายได้", "สิ่งของ/อุปกรณ์", "ตัวท่านเอง", "ไม่ระบุ", "วันนี้", "ข้าม")
    mentor.say("บันทึกความช่วยเหลือ")
    mentor.tap_through("การศึกษา", "ทุนการศึกษา")
    mentor.say("มูลนิธิเพื่อนบ้าน")
    mentor.tap_through("ไม่ระบุ", "เมื่อวาน", "ข้าม")
    first, second = records(db)
    assert first.by_mentor and first.agency_name is None and first.kind == "supplies"
    assert not second.by_mentor and second.agency_id is None
    assert second.agency_name == "มูลนิธิเพื่อนบ้าน" and second.given_on == date(2026, 5, 6)


def _visit_up_to_the_case(mentor) -> None:
    """Through the follow-up: the income item ต่อเนื่อง, health unchanged, the case helped."""
    mentor.say("รายงานการเยี่ยมบ้าน")
    mentor.tap_through("วันนี้", "ต่อเนื่อง", "ต่อเนื่อง", "ได้รับความช่วยเหลือ", "ฝึกอาชีพ",
                       "พช.อ.", "ไม่ระบุ")


def test_a_status_changed_after_the_answer_is_not_put_back(mentor, db, clock, open_work, ids):
    """The plan card's buttons work while a report is in progress: a newer status stands."""
    _visit_up_to_the_case(mentor)
    with db.transaction() as s:                # the mentor taps สำเร็จ on the plan card
        plans.change_status(s, s.get(PlanItem, open_work["income"]), s.get(Person, ids["mentor"]),
                            ItemStatus.DONE, _ctx(clock))
    mentor.tap_through("ข้ามทั้ง 4 ท", "ไม่พบปัญหาใหม่", "ข้าม", "6 มิ.ย. 2569", "ยืนยัน")
    with db.transaction() as s:
        assert s.get(PlanItem, open_work["income"]).status is ItemStatus.DONE
        assert s.get(PlanItem, open_work["health"]).status is ItemStatus.ONGOING
        answers = {f.plan_item_id: f.answer for f in s.scalars(select(VisitFollowUp))
                   if f.plan_item_id}
        assert answers == {open_work["income"]: "done", open_work["health"]: "ongoing"}


@pytest.mark.parametrize("closure", [CaseClosure.DECLINED, CaseClosure.HELPED])
def test_a_case_closed_by_the_coordinator_meanwhile(mentor, db, clock, open_work, ids,
                                                     closure):
    _visit_up_to_the_case(mentor)
    with db.transaction() as s:
        case = s.get(Case, open_work["case"])
        coordinator = s.get(Person, ids["coordinator"])
        if closure is CaseClosure.HELPED:
            from handlers import assistance
            assistance.record(s, case.household, coordinator, assistance.AssistanceDraft(
                "income", "training", clock.now.date(), agency_name="พช.อ.",
                case_id=case.id), _ctx(clock))
        case_logic.close(s, case, coordinator, "ปิดแล้ว", _ctx(clock), closure=closure)
    mentor.tap_through("ข้ามทั้ง 4 ท", "ไม่พบปัญหาใหม่", "ข้าม", "6 มิ.ย. 2569", "ยืนยัน")
    saved = records(db)
    with db.transaction() as s:
        assert s.get(Case, open_work["case"]).closure is closure     # the coordinator's stands
        assert [f.answer for f in s.scalars(select(VisitFollowUp)) if f.case_id] == ["helped"]
    if closure is CaseClosure.HELPED:
        assert len(saved) == 1 and saved[0].visit_id is None          # not recorded twice
        assert "จึงไม่บันทึกซ้ำค่ะ" in mentor.text
    else:
        assert len(saved) == 1 and saved[0].case_id == open_work["case"] and saved[0].visit_id
        assert "ศจพ.อ. ปิดเรื่องไปแล้ว" in mentor.text
    assert "ปิดเรื่องและแจ้ง ศจพ.อ." not in mentor.text
