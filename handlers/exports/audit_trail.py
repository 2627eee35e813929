"""`audit`: the area's audit trail, one row per record (handlers/audit.py): when, who (role,
id, and the name with its title while the person exists and is not erased), from where, what
they did to what, the household (its house code while it is not erased) and the detail.

The area is the records' own (copied onto each when it was written): a district's trail is
the district's records, a province's every record of the province, its districts' and its own
(a province-wide export). Who may have which area is decided where every export is asked for
(handlers/exports/access.allowed: a coordinator their district, the province officer their
province). The file goes to people allowed to see their area's staff, so staff names are in it;
household names never are.

One query (the person and the household joined), streamed in the order the records were
written; the range is of local (Asia/Bangkok) days.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from models import AuditAction, AuditChannel, AuditEvent, Household, Person, Role

from ..registration import ROLE_WORDS
from .days import BANGKOK
from .periods import midnight
from .table import Area, Column, Export, Kind, Sheet

YIELD_PER = 2000

COLUMNS = (
    Column("วันที่-เวลา", Kind.DATETIME, width=22),
    Column("บทบาท", width=20),
    Column("รหัสผู้ใช้", Kind.INT, width=10),
    Column("ชื่อผู้ใช้", width=24),
    Column("ช่องทาง", width=14),
    Column("การกระทำ", width=16),
    Column("ข้อมูลที่เกี่ยวข้อง", width=26),
    Column("รหัสครัวเรือนในระบบ", Kind.INT, width=12),
    Column("รหัสประจำบ้าน", width=14),
    Column("อำเภอ", width=14),
    Column("จังหวัด", width=12),
    Column("รายละเอียด", width=40),
)

CHANNEL_WORDS = {
    AuditChannel.CHAT: "LINE",
    AuditChannel.DASHBOARD: "แดชบอร์ด",
    AuditChannel.EXPORT: "ส่งออกไฟล์ (คำสั่ง)",
    AuditChannel.OPERATOR: "ผู้ดูแลระบบ (คำสั่ง)",
    AuditChannel.SYSTEM: "ระบบอัตโนมัติ",
}
ACTION_WORDS = {
    AuditAction.VIEW: "ดูข้อมูล",
    AuditAction.CHANGE: "บันทึก/แก้ไข",
    AuditAction.EXPORT: "ส่งออกไฟล์",
    AuditAction.ERASE: "ลบข้อมูลส่วนบุคคล",
    AuditAction.PURGE: "ลบตามระยะเวลาเก็บ",
}
# Who acted when no person did: by the channel.
NOBODY_WORDS = {AuditChannel.SYSTEM: "ระบบ"}
OPERATOR_WORDS = "ผู้ดูแลระบบ"
SUBJECT_WORDS = {
    # what was seen
    "household": "ครัวเรือน",
    "household_list": "รายชื่อครัวเรือนของพี่เลี้ยง",
    "plan": "แผนพัฒนาครัวเรือน",
    "case": "เรื่องขอความช่วยเหลือ",
    "household_exit": "คำขอออกจากโครงการ",
    # what was erased or purged besides households (handlers/privacy/)
    "person": "ข้อมูลบุคคลผู้ใช้งาน",
    "outbox": "ข้อความที่ส่งแล้ว",
    "registration_attempts": "ประวัติการกรอกรหัสลงทะเบียน",
    # what was changed: the tables (handlers/audit_changes.py)
    "households": "ข้อมูลครัวเรือน",
    "household_dimensions": "มิติที่มีปัญหา",
    "assignments": "การมอบหมายพี่เลี้ยง",
    "visits": "การเยี่ยมบ้าน",
    "visit_problems": "ปัญหาที่พบจากการเยี่ยม",
    "visit_photos": "รูปถ่ายการเยี่ยมบ้าน",
    "visit_follow_ups": "การติดตามผลในการเยี่ยม",
    "household_plans": "เป้าหมายและระดับ",
    "plan_items": "กิจกรรมในแผน",
    "plan_item_status_changes": "สถานะกิจกรรมในแผน",
    "plan_item_revisions": "ประวัติการแก้ไขกิจกรรม",
    "goal_level_changes": "การเปลี่ยนระดับ",
    "cases": "เรื่องขอความช่วยเหลือ",
    "case_events": "ความคืบหน้าของเรื่อง",
    "assistance_records": "ความช่วยเหลือที่ได้รับ",
    "household_exits": "การออกจากโครงการ",
    "dimension_passes": "มิติที่ผ่านแล้ว",
    "dimension_changes": "การผ่าน/เปิดมิติใหม่",
    # what was exported: the export kinds
    "logbook": "ไฟล์สำหรับ TPMAP Logbook",
    "monthly": "ไฟล์สถิติรายเดือน",
    "plans": "ไฟล์แผนพัฒนาครัวเรือน",
    "mentors": "ไฟล์รายชื่อพี่เลี้ยง",
    "audit": "ไฟล์บันทึกการเข้าถึงข้อมูล",
}


def role_words(role: str | None, channel: AuditChannel) -> str:
    if role is None:
        return NOBODY_WORDS.get(channel, OPERATOR_WORDS)
    try:
        return ROLE_WORDS[Role(role)]
    except ValueError:
        return role


def detail_text(detail: dict | None) -> str | None:
    """The detail as compact JSON (ids, filters and counts: nothing to translate)."""
    if not detail:
        return None
    return json.dumps(detail, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _query(area: Area, start: date, end: date, tz: tzinfo):
    actor, household = aliased(Person), aliased(Household)
    where = [AuditEvent.province == area.province,
             AuditEvent.at >= midnight(start, tz),
             AuditEvent.at < midnight(date.fromordinal(end.toordinal() + 1), tz)]
    if area.district is not None:
        where.append(AuditEvent.district == area.district)
    return (select(AuditEvent.at, AuditEvent.actor_role, AuditEvent.actor_id,
                   actor.name.label("actor_name"), actor.erased_at.label("actor_erased_at"),
                   AuditEvent.channel, AuditEvent.action, AuditEvent.subject,
                   AuditEvent.household_id, household.house_id,
                   household.erased_at.label("household_erased_at"),
                   AuditEvent.district, AuditEvent.province, AuditEvent.detail)
            .outerjoin(actor, actor.id == AuditEvent.actor_id)
            .outerjoin(household, household.id == AuditEvent.household_id)
            .where(*where)
            .order_by(AuditEvent.at, AuditEvent.id)
            .execution_options(yield_per=YIELD_PER))


def _local(moment: datetime, tz: tzinfo) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(tz)


def rows(session: Session, area: Area, start: date, end: date, tz: tzinfo) -> Iterator[tuple]:
    for r in session.execute(_query(area, start, end, tz)):
        name = r.actor_name if r.actor_name and r.actor_erased_at is None else None
        house = r.house_id if r.house_id and r.household_erased_at is None else None
        yield (_local(r.at, tz), role_words(r.actor_role, r.channel), r.actor_id, name,
               CHANNEL_WORDS[r.channel], ACTION_WORDS[r.action],
               SUBJECT_WORDS.get(r.subject, r.subject), r.household_id, house, r.district,
               r.province, detail_text(r.detail))


def build(session: Session, area: Area, start: date, end: date, *,
          tz: tzinfo = BANGKOK) -> Export:
    return Export(kind="audit", title="บันทึกการเข้าถึงและแก้ไขข้อมูล (audit trail)",
                  area=area, start=start, end=end,
                  sheets=[Sheet(title="บันทึกการเข้าถึงข้อมูล", columns=COLUMNS,
                                rows=rows(session, area, start, end, tz),
                                empty_note="ไม่มีบันทึกในช่วงที่เลือก")])
