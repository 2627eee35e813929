"""สรุปอำเภอ: the coordinator's district at a glance, counted by the database (five aggregate
queries, whatever the size of the district). Households that left the programme are counted
apart; visits, overdue visits and failing dimensions are about those still in it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import case, distinct, func, select
from sqlalchemy.orm import Session

from models import Case, CaseStatus, Household, HouseholdStatus, ItemStatus, PlanItem, Visit

from ... import dimension_passes
from ...buttons import command_button
from ...replies import Card, Cards, Field
from ...thai_dates import format_thai_date, format_thai_month
from ..engine import Conversation, Engine

ALERT = "#D32F2F"
IN_PROGRESS = (CaseStatus.ACKNOWLEDGED, CaseStatus.REFERRED)


@dataclass(frozen=True)
class DistrictNumbers:
    households: int
    visited_this_month: int     # distinct households with a visit dated this (Bangkok) month
    overdue: int                # next visit due before today
    cases_waiting: int          # OPEN: nobody has taken them
    cases_in_progress: int      # acknowledged or referred
    items_done: int
    items_total: int
    households_left: int = 0        # left the programme (HouseholdStatus.LEFT)
    failing_households: int = 0     # in the programme, with a roster dimension still failing
    failing_dimensions: int = 0     # those dimensions, counted one by one
    passed_dimensions: int = 0      # roster dimensions the mentors marked passed


def month_bounds(today: date) -> tuple[date, date]:
    """First day of today's month, first day of the next."""
    start = today.replace(day=1)
    return start, (start + timedelta(days=32)).replace(day=1)


def district_numbers(session: Session, province: str, district: str,
                     today: date) -> DistrictNumbers:
    in_district = (Household.province == province, Household.district == district)
    active = Household.status == HouseholdStatus.ACTIVE
    households, overdue, left = session.execute(
        select(func.sum(case((active, 1), else_=0)),
               func.sum(case((active & (Household.next_visit_due < today), 1), else_=0)),
               func.sum(case((Household.status == HouseholdStatus.LEFT, 1), else_=0)))
        .select_from(Household).where(*in_district)).one()
    start, end = month_bounds(today)
    visited = session.scalar(
        select(func.count(distinct(Visit.household_id)))
        .join(Household, Household.id == Visit.household_id)
        .where(*in_district, active, Visit.visited_on >= start, Visit.visited_on < end))
    by_status = dict(session.execute(
        select(Case.status, func.count())
        .where(Case.province == province, Case.district == district,
               Case.status != CaseStatus.CLOSED)
        .group_by(Case.status)).all())
    done, total = session.execute(
        select(func.sum(case((PlanItem.status == ItemStatus.DONE, 1), else_=0)), func.count())
        .select_from(PlanItem).join(Household, Household.id == PlanItem.household_id)
        .where(*in_district, PlanItem.removed_at.is_(None))).one()
    failing_households, failing, passed = dimension_passes.failing_totals(
        session, *in_district, active)
    return DistrictNumbers(
        households=int(households or 0), visited_this_month=int(visited or 0),
        overdue=int(overdue or 0), cases_waiting=int(by_status.get(CaseStatus.OPEN, 0)),
        cases_in_progress=sum(int(by_status.get(s, 0)) for s in IN_PROGRESS),
        items_done=int(done or 0), items_total=int(total or 0),
        households_left=int(left or 0), failing_households=failing_households,
        failing_dimensions=failing, passed_dimensions=passed)


def _count(n: int, unit: str, alert_when_any: bool = False) -> tuple[str, str | None]:
    return f"{n:,} {unit}", ALERT if alert_when_any and n else None


def summary_card(district: str, numbers: DistrictNumbers, today: date) -> Card:
    share = (f" ({round(100 * numbers.visited_this_month / numbers.households)}%)"
             if numbers.households else "")
    rows = (
        ("ครัวเรือนเป้าหมาย", _count(numbers.households, "ครัวเรือน")),
        (f"เยี่ยมแล้ว {format_thai_month(today)}",
         (f"{numbers.visited_this_month:,} ครัวเรือน{share}", None)),
        ("เลยกำหนดเยี่ยม", _count(numbers.overdue, "ครัวเรือน", alert_when_any=True)),
        ("เรื่องที่ยังไม่มีผู้รับ", _count(numbers.cases_waiting, "เรื่อง", alert_when_any=True)),
        ("เรื่องกำลังดำเนินการ", _count(numbers.cases_in_progress, "เรื่อง")),
        ("แผนพัฒนา", (f"สำเร็จ {numbers.items_done:,}/{numbers.items_total:,} กิจกรรม", None)),
        ("มิติที่ยังไม่ผ่าน", (f"{numbers.failing_households:,} ครัวเรือน "
                              f"รวม {numbers.failing_dimensions:,} มิติ "
                              f"(ผ่านแล้ว {numbers.passed_dimensions:,} มิติ)", None)),
        ("ออกจากโครงการ", _count(numbers.households_left, "ครัวเรือน")),
    )
    return Card(title=f"สรุปอำเภอ{district}", subtitle=f"ข้อมูล ณ {format_thai_date(today)}",
                fields=tuple(Field(label, value, color) for label, (value, color) in rows),
                buttons=(command_button("case_queue", "เรื่องรอดำเนินการ", style="primary"),))


def show_summary(conv: Conversation, engine: Engine) -> None:
    person, today = conv.person, conv.ctx.today
    numbers = district_numbers(conv.session, person.province, person.district, today)
    conv.outcome.say(Cards(alt_text=f"สรุปอำเภอ{person.district} {format_thai_date(today)}",
                           cards=(summary_card(person.district, numbers, today),)))
