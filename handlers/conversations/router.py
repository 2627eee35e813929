"""Routing a registered person's event: global words and taps first, then the current step."""
from __future__ import annotations

from sqlalchemy.orm import Session

from models import AuditChannel, ConversationState, Person

from .. import audit_session
from ..audit import Actor
from ..buttons import discard_button, resume_button
from ..context import Context
from ..incoming import Incoming, Kind
from ..replies import Outcome, TextReply
from . import commands
from .engine import CANCEL_WORDS, PAUSED, Conversation, Engine
from .flows import FLOWS
from .menu import MENU_WORDS, command_for_text, menu_buttons, show_menu

ENGINE = Engine(FLOWS)

STALE = "ปุ่มนี้มาจากข้อความก่อนหน้า ใช้ไม่ได้แล้วค่ะ"
TAMPERED = "ปุ่มนี้ใช้ไม่ได้ค่ะ"
GONE = ("รายการที่ทำค้างไว้ใช้ต่อไม่ได้แล้ว เพราะระบบได้รับการปรับปรุงค่ะ "
        "ขออภัยในความไม่สะดวก กรุณาเริ่มใหม่จากเมนูค่ะ")


def handle_registered(session: Session, person: Person, incoming: Incoming,
                      ctx: Context) -> Outcome:
    state = session.get(ConversationState, incoming.user_id)   # locked by the caller
    if state is None:   # lock_conversation creates the row before any event is handled
        raise RuntimeError(f"no conversation state for {incoming.user_id}: not locked")
    # Whatever this event shows or changes of a household is the person's doing, in LINE.
    audit_session.act_as(session, Actor.of(person, AuditChannel.CHAT), ctx.now)
    conv = Conversation(session=session, person=person, state=state, ctx=ctx, outcome=Outcome())
    if state.flow and not ENGINE.knows(state.flow, state.step):
        # Saved before a release that renamed or dropped the step: that conversation cannot
        # go on, but the person must never be stuck on an apology.
        ENGINE.finish(conv)
        show_menu(conv, GONE)
        return conv.outcome
    if state.flow and state.expires_at is not None and state.expires_at <= ctx.now:
        _expire(conv)
        if not _is_command(conv, incoming):
            return conv.outcome
    _route(conv, incoming)
    return conv.outcome


def _route(conv: Conversation, incoming: Incoming) -> None:
    if incoming.kind is Kind.POSTBACK:
        _route_tap(conv, incoming)
    elif incoming.kind is Kind.TEXT and _route_words(conv, incoming.text or ""):
        return
    elif conv.state.flow:
        ENGINE.answer(conv, incoming)
    elif incoming.kind is Kind.FOLLOW:
        show_menu(conv, f"ยินดีต้อนรับกลับ {conv.person.name} ค่ะ")
    else:
        show_menu(conv, "ยังไม่เข้าใจข้อความนี้ค่ะ เลือกจากเมนูด้านล่างได้เลยค่ะ")


def _route_tap(conv: Conversation, incoming: Incoming) -> None:
    payload = incoming.data
    if payload is None:
        _say_then_current(conv, TAMPERED)
    elif "a" in payload:
        commands.run_action(conv, ENGINE, payload)
    elif conv.state.flow and ENGINE.is_current_tap(conv, payload):
        ENGINE.answer(conv, incoming)
    else:
        _say_then_current(conv, STALE)


def _route_words(conv: Conversation, text: str) -> bool:
    typed = text.strip()
    if typed.lower() in CANCEL_WORDS:
        if conv.state.flow:
            title = ENGINE.flows[conv.state.flow].title
            ENGINE.finish(conv)
            show_menu(conv, f"ยกเลิก{title}แล้ว ไม่มีการบันทึกค่ะ")
        else:
            show_menu(conv, "ไม่มีรายการที่ค้างอยู่ค่ะ")
        return True
    if typed.lower() in MENU_WORDS:
        note = None
        if conv.state.flow:
            note = f"ยกเลิก{ENGINE.flows[conv.state.flow].title}ที่ค้างอยู่แล้ว ไม่มีการบันทึกค่ะ"
            ENGINE.finish(conv)
        show_menu(conv, note)
        return True
    key = command_for_text(conv.person.role, typed)
    if key is not None:
        commands.run_command(conv, ENGINE, key)
        return True
    return False


def _is_command(conv: Conversation, incoming: Incoming) -> bool:
    if incoming.kind is Kind.POSTBACK:
        return bool(incoming.data and "a" in incoming.data)
    if incoming.kind is Kind.TEXT:
        typed = (incoming.text or "").strip()
        return (typed.lower() in MENU_WORDS | CANCEL_WORDS
                or command_for_text(conv.person.role, typed) is not None)
    return False


def _expire(conv: Conversation) -> None:
    """30 minutes idle: the flow ends; a resumable draft is kept and offered back."""
    flow = ENGINE.current_flow(conv)
    if flow.resumable:
        # The newest draft is the one kept (an older paused one in its data is dropped).
        draft = {k: v for k, v in conv.state.data.items() if k != PAUSED}
        paused = {"flow": conv.state.flow, "step": conv.state.step, "data": draft}
        ENGINE.finish(conv)
        conv.state.data = {PAUSED: paused}
        conv.outcome.say(TextReply(
            f"{flow.title}ที่ค้างไว้หมดเวลาแล้ว (ไม่มีการตอบ 30 นาที) ยังไม่ได้บันทึกค่ะ\n"
            "ต้องการทำต่อจากเดิมหรือไม่คะ",
            buttons=(resume_button(), discard_button(),
                     *menu_buttons(conv.person.role))))
    else:
        ENGINE.finish(conv)
        conv.outcome.say(TextReply(
            f"{flow.title}ที่ค้างไว้หมดเวลาแล้ว (ไม่มีการตอบ 30 นาที) จึงยกเลิกโดยไม่บันทึกค่ะ",
            buttons=menu_buttons(conv.person.role)))


def _say_then_current(conv: Conversation, note: str) -> None:
    if conv.state.flow:
        ENGINE.ask(conv, note=note)
    else:
        show_menu(conv, note)
