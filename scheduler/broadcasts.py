"""Programme broadcasts: the monthly records reminder, and ad-hoc notices from the CLI."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from handlers.replies import Push, TextReply
from handlers.thai_dates import THAI_MONTHS_SHORT
from models import Person, Role

THAI_MONTHS_FULL = ("มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน", "กรกฎาคม",
                    "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม")


def recipients(session: Session, role: Role, district: str | None = None) -> list[str]:
    stmt = select(Person.line_user_id).where(Person.role == role, Person.line_user_id.is_not(None))
    if district:
        stmt = stmt.where(Person.district == district)
    return list(session.scalars(stmt.order_by(Person.id)))


def monthly_reminder(session: Session, today: date) -> Push | None:
    to = recipients(session, Role.MENTOR)
    if not to:
        return None
    month = THAI_MONTHS_FULL[today.month - 1]
    text = ("แจ้งเตือนประจำเดือนจากโครงการ 1 ข้าราชการ 1 ครัวเรือนยากจน\n"
            f"กรุณารายงานการเยี่ยมบ้านและอัปเดตแผนพัฒนาครัวเรือนของเดือน{month} "
            "ให้ครบถ้วนก่อนสิ้นเดือน เพื่อรวบรวมเข้าระบบ TPMAP Logbook ค่ะ\n"
            "พิมพ์ \"เมนู\" เพื่อเริ่มรายงาน")
    return Push(to=tuple(to), replies=(TextReply(text),),
                dedupe_key=f"broadcast:monthly:{today:%Y-%m}", category="broadcast")


def notice(session: Session, role: Role, text: str, district: str | None = None) -> Push:
    return Push(to=tuple(recipients(session, role, district)), replies=(TextReply(text),),
                category="broadcast")


__all__ = ["THAI_MONTHS_SHORT", "monthly_reminder", "notice", "recipients"]
