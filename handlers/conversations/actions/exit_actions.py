"""A coordinator's one tap on a request to take a household out of the programme
({"a": "exit", "x": request id, "ok": true|false}).

The button is signed, but it names a request: access is checked here (a coordinator of another
district gets "not found"), and the request is re-read under a row lock, so of two coordinators
tapping at once one decides and the other is told who did. The tap works beside a flow in
progress, which is asked again afterwards.
"""
from __future__ import annotations

from models import Household

from ... import access, audit_session, household_exits
from ...replies import Cards, TextReply
from ..engine import Conversation, Engine

NOT_FOUND = "ไม่พบคำขอนี้ในอำเภอของท่านค่ะ"
UNUSABLE = "ปุ่มนี้ใช้ไม่ได้ค่ะ"


def decide_exit(conv: Conversation, engine: Engine, payload: dict) -> None:
    confirm = payload.get("ok")
    request = access.household_exit_for(conv.session, conv.person, payload.get("x"), lock=True)
    if request is None or not isinstance(confirm, bool):
        _then_current(conv, engine, NOT_FOUND if request is None else UNUSABLE)
        return
    household = conv.session.get(Household, request.household_id)
    if household is None:   # the request's foreign key: deleting a household deletes it
        raise LookupError(f"household exit {request.id}: household is gone")
    decided = household_exits.already_decided(conv.session, request)
    if decided:
        _then_current(conv, engine, decided)
        return
    push = household_exits.decide(conv.session, request, conv.person, confirm, conv.ctx)
    if confirm:
        text = (f"ยืนยันให้ครัวเรือน{household.head_name} ออกจากโครงการแล้วค่ะ "
                "ครัวเรือนนี้จะไม่มีการแจ้งเตือนเยี่ยมบ้านอีก ข้อมูลยังเก็บไว้สำหรับสถิติค่ะ")
    else:
        text = (f"ไม่ยืนยันให้ครัวเรือน{household.head_name} ออกจากโครงการแล้วค่ะ "
                "ครัวเรือนยังอยู่ในโครงการตามเดิมค่ะ")
    if push is not None:
        conv.outcome.pushes.append(push)
        text += "\nแจ้งพี่เลี้ยงทราบแล้วค่ะ"
    card = household_exits.exit_card(conv.session, request, household, conv.ctx)
    audit_session.viewed_one(conv.session, "household_exit", household, {"exit_id": request.id})
    conv.outcome.say(TextReply(text))
    conv.outcome.say(Cards(alt_text="คำขอให้ครัวเรือนออกจากโครงการ", cards=(card,)))
    if conv.state.flow:
        engine.ask(conv, note=f"ทำ{engine.flows[conv.state.flow].title}ต่อค่ะ")


def _then_current(conv: Conversation, engine: Engine, note: str) -> None:
    conv.outcome.say(TextReply(note))
    if conv.state.flow:
        engine.ask(conv, note=f"ทำ{engine.flows[conv.state.flow].title}ต่อค่ะ")
