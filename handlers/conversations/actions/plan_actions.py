"""Plan item status buttons ({"a": "item", "i": item id, "st": status}) on the plan card.

The button names the status to set, not a step from the status the card showed, so a button on
an older card still means what its label says: it sets that status, and the change is recorded
from the status the item really has. When the item already has it, nothing changes (no history
row) and the mentor is told so. The button is global (it works outside any flow); it does not end
a flow in progress, which is asked again afterwards.
"""
from __future__ import annotations

from models import Household, ItemStatus

from ... import access, plans
from ...replies import Reply, TextReply
from ..engine import Conversation, Engine
from ..menu import show_menu
from ..views.plan import STATUS_WORDS, plan_reply

NOT_FOUND = "ไม่พบกิจกรรมนี้ในแผนของครัวเรือนที่ท่านดูแลค่ะ"
UNUSABLE = "ปุ่มนี้ใช้ไม่ได้ค่ะ"


def _status(value) -> ItemStatus | None:
    try:
        return ItemStatus(value)
    except ValueError:
        return None


def set_item_status(conv: Conversation, engine: Engine, payload: dict) -> None:
    item = access.plan_item_for(conv.session, conv.person, payload.get("i"))
    status = _status(payload.get("st"))
    if item is None or status is None:
        _then_current(conv, engine, NOT_FOUND if item is None else UNUSABLE)
        return
    word, action = STATUS_WORDS[status], _short(item.household_action)
    if plans.change_status(conv.session, item, conv.person, status, conv.ctx):
        note = f"บันทึกสถานะกิจกรรม “{action}” เป็น {word} แล้วค่ะ"
    else:
        note = f"กิจกรรม “{action}” มีสถานะ {word} อยู่แล้ว ไม่มีการเปลี่ยนแปลงค่ะ"
    household = conv.session.get(Household, item.household_id)
    if household is None:   # the item's foreign key: deleting a household deletes its items
        raise LookupError(f"plan item {item.id}: household {item.household_id} is gone")
    _then_current(conv, engine, note, plan_reply(conv.session, household, conv.ctx.tz))


def _then_current(conv: Conversation, engine: Engine, note: str, card: Reply | None = None) -> None:
    """Say ``note``; then the flow in progress asks its question again, or the fresh card
    (else the menu) follows."""
    if conv.state.flow:
        conv.outcome.say(TextReply(note))
        engine.ask(conv, note=f"ทำ{engine.flows[conv.state.flow].title}ต่อค่ะ")
    elif card is not None:
        conv.outcome.say(TextReply(note))
        conv.outcome.say(card)
    else:
        show_menu(conv, note)


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"
