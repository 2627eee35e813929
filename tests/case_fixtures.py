"""Shared set-up of the case tests: a district with a mentor and three coordinators (one of
another district), players for each, and the case the mentor raises in a visit report."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.services import services
from handlers.replies import Button
from models import Case, CaseEvent, CaseStatus, OutboxMessage
from scheduler.jobs import drain_outbox

from .players import Player

MENTOR = "U" + "4" * 32
COORD_A = "U" + "5" * 32      # นางสาวมาลี ศรีเลย, เมืองเลย
COORD_B = "U" + "6" * 32      # นายสมชาย รักษ์ดี, เมืองเลย
COORD_OTHER = "U" + "7" * 32  # วังสะพุง
TZ = ZoneInfo("Asia/Bangkok")


def drain(app) -> int:
    return drain_outbox(services(app)).sent


def the_case(db) -> Case:
    with db.transaction() as s:
        [case] = s.scalars(select(Case)).all()
        return case


def events(db) -> list[tuple[CaseStatus, int, str | None]]:
    with db.transaction() as s:
        return [(e.action, e.actor_id, e.note)
                for e in s.scalars(select(CaseEvent).order_by(CaseEvent.id))]


def outbox_rows(db) -> int:
    with db.transaction() as s:
        return s.scalar(select(func.count()).select_from(OutboxMessage))


def signed(app, payload: dict) -> str:
    """A genuine button's postback data, as the bot itself would sign it."""
    return services(app).processor.renderer.action(Button("x", payload=payload))["data"]


def report_escalated_visit(mentor: Player, note: str = "ต้องการฝึกอาชีพ") -> None:
    """The visit-report taps of tests/test_visit_report.py, with one income problem escalated
    and ``note`` typed for it."""
    mentor.say("รายงานการเยี่ยมบ้าน")
    mentor.tap("วันนี้")
    mentor.tap("ข้ามทั้ง 4 ท")
    mentor.tap("★รายได้")
    mentor.tap("ถัดไป")
    mentor.tap("ไม่ระบุ")
    mentor.tap("ต้องการหน่วยงานช่วย")
    mentor.tap("พช.อ.")
    mentor.say(note)
    mentor.tap("ข้าม")
    mentor.tap("6 มิ.ย. 2569")
    mentor.tap("ยืนยัน")
    assert "ส่งเรื่องขอความช่วยเหลือ 1 เรื่อง" in mentor.text


def alert_of(fake_line, user_id: str) -> list[dict]:
    messages = fake_line.sent_messages(user_id)
    assert messages, "the coordinator received nothing"
    assert messages[-1]["type"] == "flex" and "เรื่องขอความช่วยเหลือ" in str(messages[-1])
    return [messages[-1]]


def new_for(fake_line, user_id: str, seen: int) -> str:
    from .players import all_text
    return all_text(fake_line.sent_messages(user_id)[seen:])
