"""`plans`: each household of the area with its goal and level, and one row per plan item, as
the provincial action-plan template has them (dimension, what the household does, the support,
the months, the status and when it last changed).

Which items: those whose months overlap the range (planned for any month of it), removed ones
left out; every household of the area is listed (whatever its status), one row with its goal
alone when none of its items falls in the range. Items are numbered as on the plan card
(``กิจกรรมที่ N``: the template's order over all the household's items), so a row's number
matches what the mentor sees in LINE even when the range leaves some items out.

One query, streamed: the latest level change and the latest status change are correlated
subqueries answered from their indexes.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date, tzinfo

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from models import (
    Assignment,
    GoalLevelChange,
    Household,
    HouseholdPlan,
    HouseholdStatus,
    Person,
    PlanItem,
    PlanItemStatusChange,
)
from models.dimensions import DIMENSIONS

from ..conversations.views.plan import LEVEL_WORDS, PLAN_DIMENSIONS, STATUS_WORDS
from .days import BANGKOK, local_day
from .table import HOUSEHOLD_COLUMNS, Area, Column, Export, Kind, Sheet

YIELD_PER = 2000
HOUSEHOLD_STATUS_WORDS = {HouseholdStatus.ACTIVE: "อยู่ในโครงการ",
                          HouseholdStatus.LEFT: "ออกจากโครงการ"}

COLUMNS = (
    *HOUSEHOLD_COLUMNS,
    Column("สถานะครัวเรือน", width=14),
    Column("พี่เลี้ยง", width=24),
    Column("เป้าหมายสูงสุดของครัวเรือน", width=40),
    Column("ระดับ", width=10),
    Column("วันที่ตั้งระดับ", Kind.DATE, width=14),
    Column("กิจกรรมที่", Kind.INT, width=9),
    Column("ด้าน", width=20),
    Column("สิ่งที่ครัวเรือนทำเอง", width=40),
    Column("พี่เลี้ยง/หน่วยงานสนับสนุน", width=40),
    Column("เดือนที่เริ่ม", Kind.DATE, width=14),
    Column("เดือนที่สิ้นสุด", Kind.DATE, width=14),
    Column("สถานะกิจกรรม", width=12),
    Column("วันที่เปลี่ยนสถานะล่าสุด", Kind.DATE, width=14),
)


def _template_order(dimension):
    return case({code: position for position, code in enumerate(DIMENSIONS)},
                value=dimension, else_=len(DIMENSIONS))


def _query(area: Area, start: date, end: date):
    area_filter = [Household.province == area.province]
    if area.district is not None:
        area_filter.append(Household.district == area.district)
    numbered = (select(PlanItem.id, PlanItem.household_id, PlanItem.dimension,
                       PlanItem.household_action, PlanItem.support_action,
                       PlanItem.start_month, PlanItem.end_month, PlanItem.status,
                       func.row_number().over(
                           partition_by=PlanItem.household_id,
                           order_by=(_template_order(PlanItem.dimension), PlanItem.id))
                       .label("number"))
                .where(PlanItem.removed_at.is_(None),
                       PlanItem.household_id.in_(select(Household.id).where(*area_filter)))
                .subquery("numbered"))
    level_set = (select(func.max(GoalLevelChange.changed_at))
                 .where(GoalLevelChange.household_id == Household.id)
                 .correlate(Household).scalar_subquery())
    status_changed = (select(func.max(PlanItemStatusChange.changed_at))
                      .where(PlanItemStatusChange.item_id == numbered.c.id)
                      .correlate(numbered).scalar_subquery())
    in_range = and_(numbered.c.household_id == Household.id,
                    numbered.c.start_month <= end,
                    numbered.c.end_month >= start.replace(day=1))
    return (select(Household.house_id, Household.head_name, Household.house_no,
                   Household.village_no, Household.village_name, Household.subdistrict,
                   Household.district, Household.province,
                   Household.status.label("household_status"), Person.name.label("mentor"),
                   HouseholdPlan.goal, HouseholdPlan.level, HouseholdPlan.updated_at,
                   level_set.label("level_set_at"), numbered.c.number, numbered.c.dimension,
                   numbered.c.household_action, numbered.c.support_action,
                   numbered.c.start_month, numbered.c.end_month,
                   numbered.c.status.label("item_status"),
                   status_changed.label("status_changed_at"))
            .outerjoin(HouseholdPlan, HouseholdPlan.household_id == Household.id)
            .outerjoin(Assignment, and_(Assignment.household_id == Household.id,
                                        Assignment.ended_at.is_(None)))
            .outerjoin(Person, Person.id == Assignment.mentor_id)
            .outerjoin(numbered, in_range)
            .where(*area_filter)
            .order_by(Household.district, Household.house_id, Household.id,
                      numbered.c.number)
            .execution_options(yield_per=YIELD_PER))


def rows(session: Session, area: Area, start: date, end: date, tz: tzinfo) -> Iterator[tuple]:
    for r in session.execute(_query(area, start, end)):
        level, status = r.level, r.item_status
        # The level's date: its latest move, or (a plan from before moves were kept) the
        # plan's last change.
        level_day = local_day(r.level_set_at or (r.updated_at if level else None), tz)
        yield (r.house_id, r.house_no, r.village_no, r.village_name, r.subdistrict,
               r.district, r.province, r.head_name, HOUSEHOLD_STATUS_WORDS[r.household_status],
               r.mentor, r.goal, LEVEL_WORDS[level] if level else None, level_day,
               r.number, PLAN_DIMENSIONS.get(r.dimension, r.dimension) if r.dimension else None,
               r.household_action, r.support_action, r.start_month, r.end_month,
               STATUS_WORDS[status] if status else None, local_day(r.status_changed_at, tz))


def build(session: Session, area: Area, start: date, end: date, *,
          tz: tzinfo = BANGKOK) -> Export:
    return Export(kind="plans", title="แผนพัฒนาคุณภาพชีวิตครัวเรือน", area=area, start=start,
                  end=end, sheets=[Sheet(title="แผนพัฒนาครัวเรือน", columns=COLUMNS,
                                         rows=rows(session, area, start, end, tz),
                                         empty_note="ไม่มีครัวเรือนในพื้นที่ที่เลือก")])
