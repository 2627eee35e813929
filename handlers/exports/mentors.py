"""`mentors`: one row per mentor of the area (the district or province on their record): who
they are, how many households they look after now, their last visit, how many of their
households are overdue at the end of the range, and whether they have registered in LINE
(coordinators chase those who never did). One aggregate query, streamed.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import date, tzinfo

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from models import Assignment, Household, HouseholdStatus, Person, Role

from .days import BANGKOK, as_date, local_day
from .table import Area, Column, Export, Kind, Sheet

YIELD_PER = 2000
REGISTERED, NOT_REGISTERED = "ลงทะเบียนแล้ว", "ยังไม่ลงทะเบียน"

COLUMNS = (
    Column("ชื่อ-สกุล", width=26),
    Column("ตำแหน่ง", width=22),
    Column("หน่วยงาน", width=26),
    Column("โทรศัพท์", width=12),
    Column("อำเภอ", width=14),
    Column("ครัวเรือนที่ดูแล", Kind.INT, width=12),
    Column("เยี่ยมบ้านล่าสุด", Kind.DATE, width=14),
    Column("ครัวเรือนที่เลยกำหนดเยี่ยม", Kind.INT, width=14),
    Column("LINE", width=16),
    Column("วันที่ลงทะเบียน", Kind.DATE, width=14),
)


def _query(area: Area, end: date):
    active = Household.status == HouseholdStatus.ACTIVE
    where = [Person.role == Role.MENTOR, Person.province == area.province]
    if area.district is not None:
        where.append(Person.district == area.district)
    return (select(Person.name, Person.position, Person.agency, Person.phone, Person.district,
                   Person.line_user_id, Person.registered_at,
                   func.count(case((active, Household.id))).label("households"),
                   func.max(Household.last_visit_on).label("last_visit"),
                   func.count(case((and_(active, Household.next_visit_due < end),
                                    Household.id))).label("overdue"))
            .outerjoin(Assignment, and_(Assignment.mentor_id == Person.id,
                                        Assignment.ended_at.is_(None)))
            .outerjoin(Household, Household.id == Assignment.household_id)
            .where(*where)
            .group_by(Person.id)
            .order_by(Person.district, Person.name, Person.id)
            .execution_options(yield_per=YIELD_PER))


def rows(session: Session, area: Area, end: date, tz: tzinfo) -> Iterator[tuple]:
    for r in session.execute(_query(area, end)):
        registered = r.line_user_id is not None or r.registered_at is not None
        yield (r.name, r.position, r.agency, r.phone, r.district, r.households,
               as_date(r.last_visit), r.overdue, REGISTERED if registered else NOT_REGISTERED,
               local_day(r.registered_at, tz))


def build(session: Session, area: Area, start: date, end: date, *,
          tz: tzinfo = BANGKOK) -> Export:
    """``start`` is only on the cover: the figures are as they stand, overdue as of ``end``."""
    return Export(kind="mentors", title="ข้าราชการพี่เลี้ยง", area=area, start=start, end=end,
                  sheets=[Sheet(title="พี่เลี้ยง", columns=COLUMNS,
                                rows=rows(session, area, end, tz),
                                empty_note="ไม่มีพี่เลี้ยงในพื้นที่ที่เลือก")])
