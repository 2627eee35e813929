"""Programme broadcasts: the monthly records reminder, and ad-hoc notices from the CLI."""
from __future__ import annotations

from datetime import UTC, date, datetime
from typing import cast

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from handlers.replies import Push, TextReply
from handlers.thai_dates import THAI_MONTHS_FULL
from models import AppSetting, Assignment, Household, HouseholdStatus, Person, Role
from models.upsert import insert_ignoring_conflicts

from .policy import Policy
from .reminder_keys import reminded_today


def reachable(role: Role):
    """Registered people of a role who have not blocked the Official Account."""
    return (Person.role == role, Person.line_user_id.is_not(None),
            Person.line_blocked_at.is_(None))


def has_household(person_id_column):
    """SQL condition: the mentor looks after a household still in the programme now."""
    return exists().where(Assignment.mentor_id == person_id_column, Assignment.ended_at.is_(None),
                          Household.id == Assignment.household_id,
                          Household.status == HouseholdStatus.ACTIVE)


def recipients(session: Session, role: Role, district: str | None = None,
               province: str | None = None) -> list[str]:
    stmt = select(Person.line_user_id).where(*reachable(role))
    if role is Role.MENTOR:   # a mentor with no household has nothing to report
        stmt = stmt.where(has_household(Person.id))
    if district:
        stmt = stmt.where(Person.district == district)
    if province:
        stmt = stmt.where(Person.province == province)
    return list(session.scalars(stmt.order_by(Person.id)))


def monthly_key(today: date) -> str:
    return f"broadcast:monthly:{today:%Y-%m}"


def monthly_pending(session: Session, today: date) -> bool:
    """This month's reminder has not gone out yet (in digests or by multicast)."""
    return session.get(AppSetting, monthly_key(today)) is None


def monthly_text(today: date) -> str:
    month = THAI_MONTHS_FULL[today.month - 1]
    return ("แจ้งเตือนประจำเดือนจากโครงการ 1 ข้าราชการ 1 ครัวเรือนยากจน\n"
            f"กรุณารายงานการเยี่ยมบ้านและอัปเดตแผนพัฒนาครัวเรือนของเดือน{month} "
            "ให้ครบถ้วนก่อนสิ้นเดือน เพื่อรวบรวมเข้าระบบ TPMAP Logbook ค่ะ\n"
            "พิมพ์ \"เมนู\" เพื่อเริ่มรายงานได้เลยค่ะ")


def monthly_reminder(session: Session, today: date, policy: Policy) -> Push | None:
    """The month's reminder, by multicast, to the mentors who did not already get it inside
    today's digest (one push a day per mentor, whatever the source)."""
    if not monthly_pending(session, today):
        return None
    # The month is marked done even when every mentor had it in a digest already, so later
    # digests stop carrying it.
    session.execute(insert_ignoring_conflicts(session, AppSetting, ["key"]),
                    [{"key": monthly_key(today), "value": today.isoformat(),
                      "updated_at": datetime.now(UTC)}])
    already = reminded_today(session, today)
    to = tuple(u for u, pid in _mentors_with_ids(session) if pid not in already)
    if not to:
        return None
    return Push(to=to, replies=(TextReply(monthly_text(today)),),
                dedupe_key=monthly_key(today), category="broadcast",
                expires_at=policy.end_of_month(today))


def _mentors_with_ids(session: Session) -> list[tuple[str, int]]:
    # reachable() leaves out people with no LINE user id: none of these is None.
    return cast(list[tuple[str, int]], list(session.execute(
        select(Person.line_user_id, Person.id).where(
            *reachable(Role.MENTOR), has_household(Person.id))
        .order_by(Person.id)).all()))


def notice(session: Session, role: Role, text: str, district: str | None = None,
           province: str | None = None) -> Push:
    return Push(to=tuple(recipients(session, role, district, province)),
                replies=(TextReply(text),), category="broadcast")
