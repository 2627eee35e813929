"""แก้ไข/ลบ on a plan item's bubble (plan_item_edit): what to change -> the new text, months or
dimension -> saved (the item as it was is kept as a revision) -> the fresh card. ลบกิจกรรม asks
for confirmation; a removed item leaves the card and the counts but stays in the database.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date

from models import Household, PlanItem

from ... import access, plans
from ...replies import TextReply
from ..engine import Answer, Conversation, Done, Flow, Next, Stay, Step
from ..views.plan import PLAN_DIMENSIONS, item_title, month_range, plan_reply
from .plan import (
    ask_end,
    ask_start,
    dimension_buttons,
    month_step,
    set_start,
    too_long,
    typed_dimension,
    wrong_end,
)

NOT_FOUND = "ไม่พบกิจกรรมนี้ในแผนของครัวเรือนที่ท่านดูแลค่ะ"
GONE = "กิจกรรมนี้ไม่อยู่ในแผนของครัวเรือนที่ท่านดูแลแล้ว จึงยกเลิกการแก้ไขค่ะ"
NO_SUPPORT = "ไม่มีการสนับสนุน"
# What can be changed: value -> (button label, the step that asks for it).
PARTS: dict[str, tuple[str, str]] = {
    "doing": ("ครัวเรือนทำเอง", "doing"),
    "support": ("การสนับสนุน", "support"),
    "months": ("ช่วงเดือน", "start"),
    "dim": ("ด้าน", "dimension"),
    "remove": ("ลบกิจกรรม", "remove"),
}


def _item(conv: Conversation) -> PlanItem | None:
    return access.plan_item_for(conv.session, conv.person, conv.data.get("i"))


def _asked_item(conv: Conversation) -> PlanItem:
    """The item a step asks about: the guard ends the flow once it is out of reach."""
    item = _item(conv)
    if item is None:
        raise LookupError(f"plan item {conv.data.get('i')}: out of reach, past the guard")
    return item


def _still_reachable(conv: Conversation) -> str | None:
    return GONE if "i" in conv.data and _item(conv) is None else None


def _start(conv: Conversation, args: dict) -> Next:
    item = access.plan_item_for(conv.session, conv.person, args.get("item_id"))
    if item is None:
        return Done([TextReply(NOT_FOUND)])
    conv.data["i"], conv.data["h"] = item.id, item.household_id
    return "what"


def _title(conv: Conversation, item: PlanItem) -> str:
    """'กิจกรรมที่ 3 ด้านสุขภาพ', numbered as on the card."""
    ids = [i.id for i in plans.items_of(conv.session, item.household_id)]
    return item_title(ids.index(item.id) + 1, item)


def _described(conv: Conversation, item: PlanItem) -> str:
    return (f"{_title(conv, item)}\nครัวเรือนทำเอง: {item.household_action}\n"
            f"พี่เลี้ยง/หน่วยงานสนับสนุน: {item.support_action or '-'}\n"
            f"ช่วงเวลา: {month_range(item.start_month, item.end_month)}")


def _done(conv: Conversation, note: str) -> Done:
    household = conv.session.get(Household, conv.data["h"])
    if household is None:   # the item's foreign key: deleting a household deletes its items
        raise LookupError(f"household {conv.data['h']} is gone")
    return Done([TextReply(note), plan_reply(conv.session, household, conv.ctx.tz)])


def _save(conv: Conversation, **changes) -> Done:
    item = _asked_item(conv)
    draft = replace(plans.draft_of(item), **changes)
    if plans.edit_item(conv.session, item, conv.person, draft, conv.ctx):
        return _done(conv, f"แก้ไข{_title(conv, item)} แล้วค่ะ")
    return _done(conv, "ไม่มีการเปลี่ยนแปลงค่ะ")


# -- what to change ------------------------------------------------------------------------
def _ask_what(conv: Conversation):
    item = _asked_item(conv)
    return [TextReply(f"{_described(conv, item)}\n\nต้องการแก้ไขส่วนไหนคะ",
                      buttons=tuple(conv.tap(label, value)
                                    for value, (label, _) in PARTS.items()))]


def _what_tapped(conv: Conversation, value: str, payload: dict) -> Answer:
    part = PARTS.get(value)
    return part[1] if part else None


# -- texts ---------------------------------------------------------------------------------
def _ask_doing(conv: Conversation):
    item = _asked_item(conv)
    return [TextReply(f"เดิม: {item.household_action}\n\n"
                      "พิมพ์สิ่งที่ครัวเรือนจะทำเองใหม่ค่ะ")]


def _doing_typed(conv: Conversation, text: str) -> Next:
    if not text:
        return Stay("กรุณาพิมพ์เป็นข้อความค่ะ")
    return too_long(text, plans.ACTION_MAX) or _save(conv, household_action=text)


def _ask_support(conv: Conversation):
    item = _asked_item(conv)
    return [TextReply(f"เดิม: {item.support_action or '-'}\n\n"
                      f"พิมพ์สิ่งที่พี่เลี้ยงหรือหน่วยงานจะสนับสนุนใหม่ หรือกด {NO_SUPPORT} ค่ะ",
                      buttons=(conv.tap(NO_SUPPORT, "none"),))]


def _support_typed(conv: Conversation, text: str) -> Next:
    return too_long(text, plans.ACTION_MAX) or _save(conv, support_action=text or None)


# -- dimension and months ------------------------------------------------------------------
def _ask_dimension(conv: Conversation):
    item = _asked_item(conv)
    return [TextReply(f"เดิม: {PLAN_DIMENSIONS[item.dimension]}\n\nกิจกรรมนี้อยู่ด้านใดคะ",
                      buttons=dimension_buttons(conv))]


def _dimension_tapped(conv: Conversation, value: str, payload: dict) -> Answer:
    return _save(conv, dimension=value) if value in PLAN_DIMENSIONS else None


def _ask_start(conv: Conversation):
    item = _asked_item(conv)
    return [TextReply(f"เดิม: {month_range(item.start_month, item.end_month)}"), *ask_start(conv)]


def _set_end(conv: Conversation, month: date | None) -> Next:
    wrong = wrong_end(conv, month)
    if wrong or month is None:
        return wrong or "end"
    return _save(conv, start_month=date.fromisoformat(conv.data["start"]), end_month=month)


# -- removing ------------------------------------------------------------------------------
def _ask_remove(conv: Conversation):
    item = _asked_item(conv)
    return [TextReply(f"ลบ{_title(conv, item)} “{item.household_action}” ออกจากแผนใช่ไหมคะ\n"
                      "กิจกรรมที่ลบจะไม่แสดงในแผนและไม่นับในความคืบหน้า "
                      "แต่ประวัติยังเก็บไว้ค่ะ",
                      buttons=(conv.tap("ยืนยันลบ", "yes"),))]


def _remove_tapped(conv: Conversation, value: str, payload: dict) -> Answer:
    if value != "yes":
        return None
    item = _asked_item(conv)
    title = _title(conv, item)
    if plans.remove_item(conv.session, item, conv.person, conv.ctx):
        return _done(conv, f"ลบ{title} ออกจากแผนแล้วค่ะ")
    return _done(conv, "กิจกรรมนี้ถูกลบไปแล้วค่ะ")


EDIT = Flow(
    name="plan_item_edit",
    title="การแก้ไขกิจกรรมในแผน",
    start=_start,
    guard=_still_reachable,
    steps={
        "what": Step(ask=_ask_what, on_tap=_what_tapped),
        "doing": Step(ask=_ask_doing, on_text=_doing_typed, reprompt="กรุณาพิมพ์เป็นข้อความค่ะ"),
        "support": Step(
            ask=_ask_support,
            on_text=_support_typed,
            on_tap=lambda c, v, p: _save(c, support_action=None) if v == "none" else None,
            reprompt=f"พิมพ์เป็นข้อความสั้น ๆ หรือกด {NO_SUPPORT} ค่ะ",
        ),
        "dimension": Step(ask=_ask_dimension, on_tap=_dimension_tapped,
                          on_text=lambda c, text: _dimension_tapped(c, typed_dimension(text), {})),
        "start": month_step(_ask_start, set_start),
        "end": month_step(ask_end, _set_end),
        "remove": Step(ask=_ask_remove, on_tap=_remove_tapped),
    },
)

FLOWS = (EDIT,)
