"""`logbook`: one row per visit and one per assistance record in the range, of the area's
households, with the columns in the order district staff key them into the TPMAP Logbook
(แฟ้มบ้านพัฒนาคนไทย): the household and its address, what kind of entry and when, the mentor,
the visit's "4 ท", problems and follow-up, or the assistance's kind, giver, value and case;
then, on every row, the household as it stands now (level, dimensions still failing, next
visit, in the programme or not).

Which rows: visits whose date, and assistance records whose given_on, fall in [start, end]
(inclusive). Visits are those of households of the area; assistance records are picked by the
area copied onto them when recorded (the same, and indexed with the date). Rows are ordered by
house code, then date, a visit before the assistance of the same day.

Set-based and streamed: one query for the visits (with the household, the mentor, the plan
level, the failing dimensions and the exit, all joined), two more for the visits' problems and
follow-up answers in the same order (merged in step, keyed by visit id), and one for the
assistance records; the visit rows and the assistance rows, both ordered by (house code, date),
are merged with heapq.merge. Memory stays constant whatever the number of rows. The house code
is ordered in code-point order on both databases (PostgreSQL's "C" collation), the order
heapq.merge compares it in.
"""
from __future__ import annotations

import heapq
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session, aliased

from models import (
    Agency,
    Assignment,
    AssistanceKind,
    AssistanceRecord,
    Case,
    DimensionPass,
    Household,
    HouseholdDimension,
    HouseholdExit,
    HouseholdPlan,
    HouseholdStatus,
    ItemStatus,
    Person,
    PlanItem,
    Role,
    Visit,
    VisitFollowUp,
    VisitProblem,
)
from models.dimensions import DIMENSIONS

from ..assistance import MENTOR_WORDS
from ..cards import STATUS_WORDS as CASE_STATUS_WORDS
from ..conversations.views.plan import LEVEL_WORDS
from ..conversations.views.plan import STATUS_WORDS as ITEM_STATUS_WORDS
from ..household_exits import REASON_WORDS
from ..thai_dates import format_thai_date
from .periods import code_order
from .table import HOUSEHOLD_COLUMNS, Area, Column, Export, Kind, Sheet

YIELD_PER = 2000
VISIT_ENTRY, ASSISTANCE_ENTRY = "เยี่ยมบ้าน", "ความช่วยเหลือ"
IN_PROGRAMME, LEFT_PROGRAMME = "อยู่ในโครงการ", "ออกจากโครงการ"
NOTHING_FAILS = "ไม่มี"
NO_NEW_PROBLEM = "ไม่พบปัญหาใหม่"
FOLLOW_UP_CASE = {"waiting": "ยังรอ", "helped": "ได้รับความช่วยเหลือ"}
ACTION_SHOWN = 40     # characters of a plan item's action in the follow-up column

COLUMNS = (
    *HOUSEHOLD_COLUMNS,
    Column("ประเภทรายการ", width=14),
    Column("วันที่", Kind.DATE, width=13),
    Column("พี่เลี้ยง", width=24),
    Column("ตำแหน่ง", width=20),
    Column("หน่วยงาน", width=24),
    Column("ทัศนคติ", width=30),
    Column("ทักษะ", width=30),
    Column("ทรัพยากร", width=30),
    Column("ทางออก", width=30),
    Column("ปัญหาที่พบ", width=48),
    Column("ติดตามผล", width=40),
    Column("ประเภทความช่วยเหลือ", width=22),
    Column("ด้าน", width=16),
    Column("หน่วยงานที่ช่วยเหลือ", width=34),
    Column("มูลค่า (บาท)", Kind.MONEY, width=13),
    Column("บันทึก", width=36),
    Column("เรื่อง #", Kind.INT, width=9),
    Column("สถานะเรื่อง", width=18),
    Column("ระดับ", width=10),
    Column("มิติที่ยังไม่ผ่าน", width=28),
    Column("นัดเยี่ยมครั้งถัดไป", Kind.DATE, width=14),
    Column("สถานะครัวเรือน", width=34),
)
_DIMENSION_BITS = {code: 1 << index for index, code in enumerate(DIMENSIONS)}


# -- the household as it stands now (the same on every row) ----------------------------------
def _area_filter(area: Area) -> list:
    found = [Household.province == area.province]
    if area.district is not None:
        found.append(Household.district == area.district)
    return found


def _failing_masks(area: Area):
    """household id -> its roster dimensions not passed, as a bit mask (one aggregate over the
    area's households, the same on both databases: no string aggregation needed)."""
    bit = case(*[(HouseholdDimension.dimension == code, value)
                 for code, value in _DIMENSION_BITS.items()], else_=0)
    passed = and_(DimensionPass.household_id == HouseholdDimension.household_id,
                  DimensionPass.dimension == HouseholdDimension.dimension)
    return (select(HouseholdDimension.household_id, func.sum(bit).label("mask"))
            .join(Household, Household.id == HouseholdDimension.household_id)
            .outerjoin(DimensionPass, passed)
            .where(DimensionPass.household_id.is_(None), *_area_filter(area))
            .group_by(HouseholdDimension.household_id)
            .subquery("failing"))


def _exits():
    """household id -> the reason of its (latest) confirmed exit."""
    latest = (select(HouseholdExit.household_id, func.max(HouseholdExit.id).label("exit_id"))
              .where(HouseholdExit.confirmed.is_(True))
              .group_by(HouseholdExit.household_id)
              .subquery("latest_exit"))
    return (select(latest.c.household_id, HouseholdExit.reason)
            .join(HouseholdExit, HouseholdExit.id == latest.c.exit_id)
            .subquery("exit_reason"))


def _household_columns(failing, exits) -> list:
    return [Household.house_id, Household.house_no, Household.village_no,
            Household.village_name, Household.subdistrict, Household.district,
            Household.province, Household.head_name,
            HouseholdPlan.level.label("level"), failing.c.mask.label("failing_mask"),
            Household.next_visit_due.label("household_next_due"),
            Household.status.label("household_status"), Household.left_on,
            exits.c.reason.label("exit_reason")]


def _with_household_state(stmt, failing, exits):
    return (stmt.outerjoin(HouseholdPlan, HouseholdPlan.household_id == Household.id)
            .outerjoin(failing, failing.c.household_id == Household.id)
            .outerjoin(exits, exits.c.household_id == Household.id))


def _address(r) -> tuple:
    return (r.house_id, r.house_no, r.village_no, r.village_name, r.subdistrict, r.district,
            r.province, r.head_name)


def _failing_words(mask: Any) -> str:
    mask = int(mask or 0)
    return ", ".join(DIMENSIONS[code] for code, bit in _DIMENSION_BITS.items()
                     if mask & bit) or NOTHING_FAILS


def _household_state(r) -> tuple:
    if r.household_status is HouseholdStatus.LEFT:
        since = f" {format_thai_date(r.left_on)}" if r.left_on else ""
        why = f" ({REASON_WORDS[r.exit_reason]})" if r.exit_reason else ""
        status = f"{LEFT_PROGRAMME}{since}{why}"
    else:
        status = IN_PROGRAMME
    return (LEVEL_WORDS[r.level] if r.level else None, _failing_words(r.failing_mask),
            r.household_next_due, status)


# -- visits ----------------------------------------------------------------------------------
def _visit_scope(area: Area, start: date, end: date) -> list:
    return [*_area_filter(area), Visit.visited_on >= start, Visit.visited_on <= end]


def _visit_order(session: Session) -> list:
    return [code_order(session, Household.house_id), Visit.visited_on, Visit.id]


def _visits_query(session: Session, area: Area, start: date, end: date):
    failing, exits = _failing_masks(area), _exits()
    stmt = (select(Visit.id.label("visit_id"), *_household_columns(failing, exits),
                   Visit.visited_on, Person.name.label("mentor_name"),
                   Person.position.label("mentor_position"),
                   Person.agency.label("mentor_agency"), Visit.attitude, Visit.skills,
                   Visit.resources, Visit.way_out, Visit.no_new_problem)
            .select_from(Visit)
            .join(Household, Household.id == Visit.household_id)
            .join(Person, Person.id == Visit.mentor_id))
    return (_with_household_state(stmt, failing, exits)
            .where(*_visit_scope(area, start, end))
            .order_by(*_visit_order(session))
            .execution_options(yield_per=YIELD_PER))


def _problems_query(session: Session, area: Area, start: date, end: date):
    """The visits' problems (with the case each raised), in the visits' order."""
    return (select(VisitProblem.visit_id, VisitProblem.dimension, VisitProblem.indicator_no,
                   VisitProblem.needs_outside_help, VisitProblem.agency, VisitProblem.note,
                   Case.id.label("case_id"), Case.status.label("case_status"))
            .select_from(VisitProblem)
            .join(Visit, Visit.id == VisitProblem.visit_id)
            .join(Household, Household.id == Visit.household_id)
            .outerjoin(Case, Case.visit_problem_id == VisitProblem.id)
            .where(*_visit_scope(area, start, end))
            .order_by(*_visit_order(session), VisitProblem.id, Case.id)
            .execution_options(yield_per=YIELD_PER))


def _follow_ups_query(session: Session, area: Area, start: date, end: date):
    """The visits' follow-up answers (with the plan item's wording), in the visits' order."""
    return (select(VisitFollowUp.visit_id, VisitFollowUp.answer, VisitFollowUp.case_id,
                   VisitFollowUp.plan_item_id, PlanItem.household_action)
            .select_from(VisitFollowUp)
            .join(Visit, Visit.id == VisitFollowUp.visit_id)
            .join(Household, Household.id == Visit.household_id)
            .outerjoin(PlanItem, PlanItem.id == VisitFollowUp.plan_item_id)
            .where(*_visit_scope(area, start, end))
            .order_by(*_visit_order(session), VisitFollowUp.id)
            .execution_options(yield_per=YIELD_PER))


def _stream(session: Session, stmt):
    """The statement's rows, streamed in chunks (yield_per), through the session's connection:
    Core rows, without the ORM's per-row loading (these are plain columns)."""
    return session.connection().execute(stmt)


def _in_step(items: Iterator, extras: Iterator, visit_id) -> Iterator[tuple[Any, list]]:
    """Each item with its rows of ``extras``: both streams come in the visits' order, and the
    extras skip the visits that have none, so an item's extras are the run of rows with its
    visit id where the stream stands (no ordering of keys is compared, only equality)."""
    pending = next(extras, None)
    for item in items:
        key, mine = visit_id(item), []
        while pending is not None and pending.visit_id == key:
            mine.append(pending)
            pending = next(extras, None)
        yield item, mine
    if pending is not None:
        raise RuntimeError("logbook: a visit's details came out of the visits' order")


def problem_text(p) -> str:
    """'รายได้ (ตัวชี้วัดข้อ 27, ส่งต่อ พช.อ., เรื่อง #5 รับเรื่องแล้ว): ต้องการฝึกอาชีพ'."""
    details = []
    if p.indicator_no is not None:
        details.append(f"ตัวชี้วัดข้อ {p.indicator_no}")
    if p.needs_outside_help:
        details.append(f"ส่งต่อ {p.agency}" if p.agency else "ส่งต่อหน่วยงาน")
        if p.case_id is not None:
            details.append(f"เรื่อง #{p.case_id} {CASE_STATUS_WORDS[p.case_status]}")
    else:
        details.append("พี่เลี้ยงช่วยแก้เอง")
    text = f"{DIMENSIONS.get(p.dimension, p.dimension)} ({', '.join(details)})"
    return f"{text}: {p.note}" if p.note else text


def _clip(text: str, limit: int = ACTION_SHOWN) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def follow_up_text(f) -> str:
    """'ปลูกผักสวนครัว 10 ชนิด: สำเร็จ' or 'เรื่อง #5: ได้รับความช่วยเหลือ'."""
    if f.case_id is not None:
        return f"เรื่อง #{f.case_id}: {FOLLOW_UP_CASE.get(f.answer, f.answer)}"
    try:
        answer = ITEM_STATUS_WORDS[ItemStatus(f.answer)]
    except ValueError:
        answer = f.answer
    return f"{_clip(f.household_action or '-')}: {answer}"


def _visit_rows(session: Session, area: Area, start: date, end: date) -> Iterator[tuple]:
    """(merge key, row) of every visit, in (house code, date, id) order."""
    visits = iter(_stream(session, _visits_query(session, area, start, end)))
    problems = iter(_stream(session, _problems_query(session, area, start, end)))
    follow_ups = iter(_stream(session, _follow_ups_query(session, area, start, end)))
    with_problems = _in_step(visits, problems, lambda v: v.visit_id)
    for (r, found), answers in _in_step(with_problems, follow_ups, lambda p: p[0].visit_id):
        problems_text: str | None = "; ".join(problem_text(p) for p in found) or (
            NO_NEW_PROBLEM if r.no_new_problem else None)
        follow_up = "; ".join(follow_up_text(f) for f in answers) or None
        row = (*_address(r), VISIT_ENTRY, r.visited_on, r.mentor_name, r.mentor_position,
               r.mentor_agency, r.attitude, r.skills, r.resources, r.way_out, problems_text,
               follow_up, None, None, None, None, None, None, None, *_household_state(r))
        yield (r.house_id, r.visited_on, 0, r.visit_id), row


# -- assistance ------------------------------------------------------------------------------
def _assistance_query(session: Session, area: Area, start: date, end: date):
    failing, exits = _failing_masks(area), _exits()
    recorder, current = aliased(Person), aliased(Person)
    scope = [AssistanceRecord.province == area.province,
             AssistanceRecord.given_on >= start, AssistanceRecord.given_on <= end]
    if area.district is not None:
        scope.append(AssistanceRecord.district == area.district)
    stmt = (select(AssistanceRecord.id.label("record_id"), *_household_columns(failing, exits),
                   AssistanceRecord.given_on, recorder.role.label("recorder_role"),
                   recorder.name.label("recorder_name"),
                   recorder.position.label("recorder_position"),
                   recorder.agency.label("recorder_agency"),
                   current.name.label("mentor_name"), current.position.label("mentor_position"),
                   current.agency.label("mentor_agency"), AssistanceKind.label_th,
                   AssistanceRecord.dimension, AssistanceRecord.by_mentor,
                   AssistanceRecord.agency_name, Agency.name.label("agency_full_name"),
                   AssistanceRecord.value_baht, AssistanceRecord.note, AssistanceRecord.case_id,
                   Case.status.label("case_status"))
            .select_from(AssistanceRecord)
            .join(Household, Household.id == AssistanceRecord.household_id)
            .join(recorder, recorder.id == AssistanceRecord.recorded_by_id)
            .join(AssistanceKind, AssistanceKind.code == AssistanceRecord.kind)
            .outerjoin(Agency, Agency.id == AssistanceRecord.agency_id)
            .outerjoin(Case, Case.id == AssistanceRecord.case_id)
            .outerjoin(Assignment, and_(Assignment.household_id == Household.id,
                                        Assignment.ended_at.is_(None)))
            .outerjoin(current, current.id == Assignment.mentor_id))
    return (_with_household_state(stmt, failing, exits)
            .where(*scope)
            .order_by(code_order(session, Household.house_id), AssistanceRecord.given_on,
                      AssistanceRecord.id)
            .execution_options(yield_per=YIELD_PER))


def giver_text(r) -> str:
    """Who gave the help: 'พช.อ. (สำนักงานพัฒนาชุมชนอำเภอ)', 'พี่เลี้ยง (ช่วยเอง)', or the
    name typed."""
    if r.by_mentor:
        return MENTOR_WORDS
    short = r.agency_name or ""
    if r.agency_full_name and r.agency_full_name != short:
        return f"{short} ({r.agency_full_name})" if short else r.agency_full_name
    return short or "-"


def _money(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def _assistance_rows(session: Session, area: Area, start: date,
                     end: date) -> Iterator[tuple]:
    """(merge key, row) of every assistance record, in (house code, date, id) order. The
    mentor is the one who recorded it, or (recorded by a coordinator) the household's mentor
    now."""
    for r in _stream(session, _assistance_query(session, area, start, end)):
        if r.recorder_role is Role.MENTOR:
            mentor = (r.recorder_name, r.recorder_position, r.recorder_agency)
        else:
            mentor = (r.mentor_name, r.mentor_position, r.mentor_agency)
        case_status = CASE_STATUS_WORDS[r.case_status] if r.case_status else None
        row = (*_address(r), ASSISTANCE_ENTRY, r.given_on, *mentor, None, None, None, None,
               None, None, r.label_th, DIMENSIONS.get(r.dimension, r.dimension), giver_text(r),
               _money(r.value_baht), r.note, r.case_id, case_status, *_household_state(r))
        yield (r.house_id, r.given_on, 1, r.record_id), row


def rows(session: Session, area: Area, start: date, end: date) -> Iterator[tuple]:
    """The logbook's rows: visits and assistance merged by (house code, date)."""
    merged = heapq.merge(_visit_rows(session, area, start, end),
                         _assistance_rows(session, area, start, end), key=lambda kr: kr[0])
    for _, row in merged:
        yield row


def build(session: Session, area: Area, start: date, end: date) -> Export:
    """The logbook of the area's households for [start, end] (every date in it is a calendar
    day already: no time zone needed)."""
    return Export(kind="logbook", title="ข้อมูลสำหรับบันทึกในแฟ้มบ้านพัฒนาคนไทย (TPMAP Logbook)",
                  area=area, start=start, end=end,
                  sheets=[Sheet(title="เยี่ยมบ้านและความช่วยเหลือ", columns=COLUMNS,
                                rows=rows(session, area, start, end),
                                empty_note="ไม่มีการเยี่ยมบ้านหรือความช่วยเหลือในช่วงที่เลือก")])
