"""Coordinator buttons on a case card: รับเรื่อง / ส่งต่อหน่วยงาน / ปิดเรื่อง.

The button is signed, but it names a case: access is checked here (a coordinator of another
district gets "not found"). รับเรื่อง changes the case at once; the other two start a short flow.
"""
from __future__ import annotations

from ... import audit_session, cases
from ...cards import case_card
from ...replies import Cards, TextReply
from ..engine import Conversation, Engine
from ..flows.case_flows import NOT_FOUND


def _acknowledge(conv: Conversation, engine: Engine, case_id) -> None:
    case = cases.locked(conv.session, conv.person, case_id)
    if case is None:
        conv.outcome.say(TextReply(NOT_FOUND))
        return
    why = cases.blocker(case, conv.person)
    if why is None and case.acknowledged_by_id == conv.person.id:
        why = "ท่านรับเรื่องนี้ไว้แล้วค่ะ"
    if why:
        conv.outcome.say(TextReply(why))
        return
    push = cases.acknowledge(conv.session, case, conv.person, conv.ctx)
    text = f"รับเรื่อง #{case.id} แล้วค่ะ"
    if push is not None:
        conv.outcome.pushes.append(push)
        text += " แจ้งพี่เลี้ยงทราบแล้วค่ะ"
    text += "\nเมื่อส่งต่อหน่วยงานหรือได้ผลแล้ว กดปุ่มบนการ์ดนี้ได้เลยค่ะ"
    conv.outcome.say(TextReply(text))
    conv.outcome.say(Cards(alt_text=f"เรื่อง #{case.id}",
                           cards=(case_card(case, conv.ctx, for_coordinator=True),)))
    audit_session.viewed_one(conv.session, "case", case.household, {"case_id": case.id})


def _start(flow: str):
    def action(conv: Conversation, engine: Engine, case_id) -> None:
        engine.start(conv, flow, {"case_id": case_id})
    return action


DOS = {
    "ack": _acknowledge,
    "refer": _start("case_refer"),
    "close": _start("case_close"),
}


def act_on_case(conv: Conversation, engine: Engine, payload: dict) -> None:
    handler = DOS.get(str(payload.get("do")))
    if handler is None:
        conv.outcome.say(TextReply("ปุ่มนี้ใช้ไม่ได้ค่ะ"))
        return
    handler(conv, engine, payload.get("c"))
